"""Hand-built stories for the resource links, in CloudTrail's, Bedrock's and ADOT's real record shapes.

Account 111122223333 (A), 444455556666 (B). Each story has its own day, so pivots (±1 h) do not meet.

**2026-03-05 — a guardrail loosened** (``guardrail_change``). The chat app role calls Converse with
guardrails G1, G2, G3; trudy (IAM user) changes G1 and G3; an admin restores G1.

* 09:00 invocation i1 (G1) — before any change.
* 09:30 trudy ``UpdateGuardrail`` G1 (a1); 09:31 ``CreateGuardrailVersion`` G1 → version 2 (a2);
  09:35 ``UpdateGuardrail`` G3 (a3).
* 09:40 invocation i2 (G1 v2) with its CloudTrail ``Converse`` (a4); 09:45 i3 (G2); 09:50 i4 (G1 by ARN).
* 10:00 the guardrail admin ``UpdateGuardrail`` G1 (a5); 10:10 i5 (G1) — under the admin's change.
* 10:20 i6 (G3) — under trudy's a3; 10:50 i7 (G3) — after trudy's window ends (10:35).

**2026-03-06 — logging turned off** (``blinded_window``). oscar (ops role) and two admins:

* 08:00 oscar ``DeleteModelInvocationLoggingConfiguration`` in us-west-2 (b1); the batch role's Converse
  calls: 08:05 b2 us-west-2 (no invocation log), 08:06 b3 in account B (no log), 08:10 b4 us-west-2 with its
  invocation log m2, 08:15 b5 us-east-1 (no log), 08:20 b6 us-west-2 throttled (no log); 08:30 the platform
  admin ``PutModelInvocationLoggingConfiguration`` us-west-2 (b7); 08:40 b8 us-west-2 (no log).
* 09:00 the platform admin ``UpdateTrail`` main-trail (b9; the answer says ``isOrganizationTrail: false``).
* 09:55 invocation log v0 (A, no CloudTrail event); 10:00 oscar ``StopLogging`` main-trail (b10); 10:05 v1 (A,
  no CloudTrail); 10:06 span s1 (an S3 ``GetObject`` span of runtime RT in A, no CloudTrail); 10:07 v2 (account
  B, no CloudTrail); 10:30 oscar ``StartLogging`` main-trail (b11); 10:35 v3 (A, no CloudTrail).
* 14:00 mike (IAM user) ``UpdateTrail`` org-trail to ``isMultiRegionTrail: false`` (c1; an organization trail
  homed in us-east-1); 14:10 w1 (B, eu-west-1, no CloudTrail); 14:11 w2 (A, us-east-1, no CloudTrail); 15:30 w3
  (B, eu-west-1, no CloudTrail).

**2026-03-07 — an agent turn** (``session_runtime``, ``gateway_call``). The helpdesk API role invokes runtime
RT (session S); the runtime's role calls Converse (request RA) and fetches an OAuth2 token; a tool calls the
helpdesk gateway over HTTP:

* d1 09:00:00 ``InvokeAgentRuntime`` (caller); d2 09:00:00 ``Converse`` RA (runtime role, ``inScopeOf`` RT);
  d8 09:00:02 another runtime's (RT2) token fetch; d3 09:00:03 RT's ``GetResourceOauth2Token``; d4 09:00:04
  ``InvokeGateway`` on the helpdesk gateway (the runtime's JWT client); d5 09:00:04 ``InvokeGateway`` on the
  billing gateway; d6 09:00:09 ``InvokeGateway`` on the helpdesk gateway by someone else; d7 09:00:30 RT's
  ``GetResourceOauth2Token`` again (after the turn).
* Spans of trace T (session S, runtime RT): p1 ``POST /invocations`` 09:00:00.1–06.0 → p2 ``invoke_agent``
  00.15–05.9 → p3 ``chat`` 00.5–02.0 → p4 ``Bedrock Runtime.Converse`` 00.52–01.9 (``aws.request_id`` RA);
  p2 → p5 ``execute_tool lookup_ticket`` 03.0–05.0 → p6 ``POST`` (httpx, CLIENT) 04.2–04.6 to the helpdesk
  gateway's URL.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

A = "111122223333"
B = "444455556666"
EAST = "us-east-1"
WEST = "us-west-2"
MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"

TRUDY = f"arn:aws:iam::{A}:user/trudy"
CHAT_ROLE = f"arn:aws:iam::{A}:role/chat-app"
GUARD_ADMIN = f"arn:aws:iam::{A}:role/guardrail-admin"
G1, G2, G3 = "gr1abc2def3g", "gr9xyz8wvu7t", "gr3mno4pqr5s"
G1_ARN = f"arn:aws:bedrock:{EAST}:{A}:guardrail/{G1}"

OSCAR = f"arn:aws:iam::{A}:role/ops-engineer"
BATCH_ROLE = f"arn:aws:iam::{A}:role/batch-summarizer"
BATCH_ROLE_B = f"arn:aws:iam::{B}:role/batch-summarizer"
PLATFORM = f"arn:aws:iam::{A}:role/platform-admin"
MIKE = f"arn:aws:iam::{A}:user/mike"
MAIN_TRAIL = f"arn:aws:cloudtrail:{EAST}:{A}:trail/main-trail"
ORG_TRAIL = f"arn:aws:cloudtrail:{EAST}:{A}:trail/org-trail"

RT = f"arn:aws:bedrock-agentcore:{EAST}:{A}:runtime/helpdesk-Q1w2E3r4T5"
RT2 = f"arn:aws:bedrock-agentcore:{EAST}:{A}:runtime/billing-Z9y8X7w6V5"
AGENT_ROLE = f"arn:aws:iam::{A}:role/helpdesk-runtime-role"
BILLING_ROLE = f"arn:aws:iam::{A}:role/billing-runtime-role"
HELPDESK_API = f"arn:aws:iam::{A}:role/helpdesk-api"
GW = "helpdesk-gw-a1b2c3d4e5"
GW_ARN = f"arn:aws:bedrock-agentcore:{EAST}:{A}:gateway/{GW}"
OTHER_GW_ARN = f"arn:aws:bedrock-agentcore:{EAST}:{A}:gateway/billing-gw-f6g7h8i9j0"
ISSUER = f"https://cognito-idp.{EAST}.amazonaws.com/{EAST}_Helpdesk1"
SESSION = "7d3c2b1a-0f9e-4d8c-b7a6-554433221100"
TRACE = "68d2b1a0c3e4f5061728394a5b6c7d8e"
TRACE_S1 = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

_NS = uuid.UUID("5f0c1e2d-3b4a-4c5d-8e6f-708192a3b4c5")


def rid(tag: str) -> str:
    """The request id of a tagged record (a UUID, as AWS writes them; derived so tests can name records)."""
    return str(uuid.uuid5(_NS, tag))


def _role(role_arn: str, session: str, runtime: str | None = None) -> dict[str, Any]:
    account = role_arn.split(":")[4]
    ident: dict[str, Any] = {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLE{role_arn.rsplit('/', 1)[-1].upper()[:9]}:{session}",
        "arn": role_arn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + f"/{session}",
        "accountId": account,
        "accessKeyId": "ASIAEXAMPLERESOURCE1",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "arn": role_arn,
                "accountId": account,
                "userName": role_arn.rsplit("/")[-1],
            },
            "attributes": {"creationDate": "2026-03-05T06:00:00Z", "mfaAuthenticated": "false"},
        },
    }
    if runtime:
        ident["inScopeOf"] = {"issuerType": "AWS::BedrockAgentCore::Runtime", "credentialsIssuedTo": runtime}
    return ident


def _user(arn: str) -> dict[str, Any]:
    name = arn.rsplit("/", 1)[-1]
    return {
        "type": "IAMUser",
        "principalId": f"AIDAEXAMPLE{name.upper()}",
        "arn": arn,
        "accountId": arn.split(":")[4],
        "accessKeyId": f"AKIAEXAMPLE{name.upper():0<9}"[:20],
        "userName": name,
    }


def _ct(
    tag: str,
    when: str,
    name: str,
    ident: dict[str, Any],
    ip: str,
    *,
    source: str = "bedrock.amazonaws.com",
    region: str = EAST,
    recipient: str = A,
    params: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    resources: list[dict[str, str]] | None = None,
    error: tuple[str, str] | None = None,
    additional: dict[str, Any] | None = None,
    category: str = "Management",
    request_id: str | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventVersion": "1.11",
        "userIdentity": ident,
        "eventTime": when,
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "userAgent": "Boto3/1.37.1 md/Botocore#1.37.1 ua/2.1 os/linux#6.1 lang/python#3.12.8",
        "requestParameters": params,
        "responseElements": response,
        "requestID": request_id or rid(tag),
        "eventID": tag,
        "readOnly": name.startswith(("Get", "List", "Describe")),
        "eventType": "AwsApiCall",
        "managementEvent": category == "Management",
        "recipientAccountId": recipient,
        "eventCategory": category,
    }
    if error:
        event["errorCode"], event["errorMessage"] = error
    if resources:
        event["resources"] = resources
    if additional:
        event["additionalEventData"] = additional
    return event


def _guardrail_change(tag: str, when: str, name: str, who: dict[str, Any], ip: str, guardrail: str) -> dict[str, Any]:
    arn = f"arn:aws:bedrock:{EAST}:{A}:guardrail/{guardrail}"
    if name == "CreateGuardrailVersion":
        params = {"guardrailIdentifier": guardrail, "description": "tuning", "clientRequestToken": "***"}
        response = {"guardrailId": guardrail, "version": "2"}
    else:
        params = {
            "guardrailIdentifier": arn if guardrail == G1 else guardrail,
            "name": "support",
            "blockedInputMessaging": "***",
            "blockedOutputsMessaging": "***",
            "contentPolicyConfig": {
                "filtersConfig": [{"type": "PROMPT_ATTACK", "inputStrength": "NONE", "outputStrength": "NONE"}]
            },
        }
        response = {"guardrailId": guardrail, "guardrailArn": arn, "version": "DRAFT", "updatedAt": when}
    return _ct(tag, when, name, who, ip, params=params, response=response,
               resources=[{"accountId": A, "type": "AWS::Bedrock::Guardrail", "ARN": arn}])  # fmt: skip


def _converse(tag: str, when: str, ident: dict[str, Any], ip: str, *, region: str = EAST, recipient: str = A,
              guardrail: str | None = None, error: tuple[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    params: dict[str, Any] = {"modelId": MODEL}
    if guardrail:
        params["guardrailConfig"] = {"guardrailIdentifier": guardrail, "guardrailVersion": "2"}
    return _ct(tag, when, "Converse", ident, ip, region=region, recipient=recipient, params=params, error=error)


def _token(tag: str, when: str, role: str, session: str, runtime: str, provider: str, ip: str) -> dict[str, Any]:
    vault = f"arn:aws:bedrock-agentcore:{EAST}:{A}:token-vault/default/oauth2credentialprovider/{provider}"
    return _ct(
        tag, when, "GetResourceOauth2Token", _role(role, session, runtime), ip,
        source="bedrock-agentcore.amazonaws.com", category="Data",
        params={"workloadIdentityToken": "HIDDEN_DUE_TO_SECURITY_REASONS", "resourceCredentialProviderName": provider},
        resources=[{"accountId": A, "type": "AWS::BedrockAgentCore::OAuth2CredentialProvider", "ARN": vault}],
    )  # fmt: skip


TRUDY_IP = "198.51.100.23"
CHAT = _role(CHAT_ROLE, "i-0a1b2c3d4e5f")
BATCH = _role(BATCH_ROLE, "batch-20260306")

CLOUDTRAIL: list[dict[str, Any]] = [
    # 2026-03-05: guardrails
    _guardrail_change("a1", "2026-03-05T09:30:00Z", "UpdateGuardrail", _user(TRUDY), TRUDY_IP, G1),
    _guardrail_change("a2", "2026-03-05T09:31:00Z", "CreateGuardrailVersion", _user(TRUDY), TRUDY_IP, G1),
    _guardrail_change("a3", "2026-03-05T09:35:00Z", "UpdateGuardrail", _user(TRUDY), TRUDY_IP, G3),
    _converse("a4", "2026-03-05T09:40:00Z", CHAT, "10.0.1.5", guardrail=G1) | {"requestID": rid("i2")},
    _guardrail_change("a5", "2026-03-05T10:00:00Z", "UpdateGuardrail", _role(GUARD_ADMIN, "alice@example.com"),
                      "10.0.9.9", G1),
    # 2026-03-06: invocation logging, then trails
    _ct("b1", "2026-03-06T08:00:00Z", "DeleteModelInvocationLoggingConfiguration", _role(OSCAR, "oscar@example.com"),
        "203.0.113.77", region=WEST),
    _converse("b2", "2026-03-06T08:05:00Z", BATCH, "10.0.3.4", region=WEST),
    _converse("b3", "2026-03-06T08:06:00Z", _role(BATCH_ROLE_B, "batch-20260306"), "10.8.3.4", region=WEST,
              recipient=B),
    _converse("b4", "2026-03-06T08:10:00Z", BATCH, "10.0.3.4", region=WEST) | {"requestID": rid("m2")},
    _converse("b5", "2026-03-06T08:15:00Z", BATCH, "10.0.3.4", region=EAST),
    _converse("b6", "2026-03-06T08:20:00Z", BATCH, "10.0.3.4", region=WEST,
              error=("ThrottlingException", "Too many requests, please wait before trying again.")),
    _ct("b7", "2026-03-06T08:30:00Z", "PutModelInvocationLoggingConfiguration", _role(PLATFORM, "platform@example.com"),
        "10.0.9.10", region=WEST,
        params={"loggingConfig": {"cloudWatchConfig": {"logGroupName": "bedrock-model-invocation-logging",
                                                       "roleArn": f"arn:aws:iam::{A}:role/bedrock-logging"},
                                  "textDataDeliveryEnabled": True, "imageDataDeliveryEnabled": True,
                                  "embeddingDataDeliveryEnabled": False}}),
    _converse("b8", "2026-03-06T08:40:00Z", BATCH, "10.0.3.4", region=WEST),
    _ct("b9", "2026-03-06T09:00:00Z", "UpdateTrail", _role(PLATFORM, "platform@example.com"), "10.0.9.10",
        source="cloudtrail.amazonaws.com",
        params={"name": "main-trail", "isMultiRegionTrail": True, "enableLogFileValidation": True},
        response={"name": "main-trail", "s3BucketName": "audit-logs-111122223333", "includeGlobalServiceEvents": True,
                  "isMultiRegionTrail": True, "trailARN": MAIN_TRAIL, "logFileValidationEnabled": True,
                  "isOrganizationTrail": False}),
    _ct("b10", "2026-03-06T10:00:00Z", "StopLogging", _role(OSCAR, "oscar@example.com"), "203.0.113.77",
        source="cloudtrail.amazonaws.com", params={"name": MAIN_TRAIL}),
    _ct("b11", "2026-03-06T10:30:00Z", "StartLogging", _role(OSCAR, "oscar@example.com"), "203.0.113.77",
        source="cloudtrail.amazonaws.com", params={"name": MAIN_TRAIL}),
    _ct("c1", "2026-03-06T14:00:00Z", "UpdateTrail", _user(MIKE), "192.0.2.44", source="cloudtrail.amazonaws.com",
        params={"name": "org-trail", "isMultiRegionTrail": False},
        response={"name": "org-trail", "s3BucketName": "org-audit-logs", "includeGlobalServiceEvents": True,
                  "isMultiRegionTrail": False, "trailARN": ORG_TRAIL, "logFileValidationEnabled": True,
                  "isOrganizationTrail": True}),
    # 2026-03-07: an agent turn
    _ct("d1", "2026-03-07T09:00:00Z", "InvokeAgentRuntime", _role(HELPDESK_API, "task-1"), "10.0.4.4",
        source="bedrock-agentcore.amazonaws.com", category="Data",
        params={"agentRuntimeArn": RT, "runtimeSessionId": SESSION, "qualifier": "DEFAULT"},
        response={"runtimeSessionId": SESSION, "contentType": "application/json", "statusCode": 200},
        resources=[{"accountId": A, "type": "AWS::BedrockAgentCore::Runtime", "ARN": RT}]),
    _converse("d2", "2026-03-07T09:00:00Z", _role(AGENT_ROLE, "BedrockAgentCore-77aa", RT), "10.0.2.7")
    | {"requestID": rid("RA")},
    _token("d8", "2026-03-07T09:00:02Z", BILLING_ROLE, "BedrockAgentCore-88bb", RT2, "stripe", "10.0.2.8"),
    _token("d3", "2026-03-07T09:00:03Z", AGENT_ROLE, "BedrockAgentCore-77aa", RT, "zendesk", "10.0.2.7"),
]  # fmt: skip


def _gateway_call(tag: str, when: str, gateway: str, sub: str, ip: str) -> dict[str, Any]:
    body = {
        "jsonrpc": "2.0",
        "id": 3,
        "method": "tools/call",
        "params": {"name": "Tickets___get", "arguments": "REDACTED"},
    }
    claims = {"sub": sub, "iss": ISSUER, "client_id": sub, "token_use": "access", "scope": "gateway/invoke"}
    return _ct(
        tag, when, "InvokeGateway", {"type": "AWSAccount", "principalId": "", "accountId": "anonymous"}, ip,
        source="bedrock-agentcore.amazonaws.com", category="Data", params={"body": body},
        response={"body": {"jsonrpc": "2.0", "id": 3, "result": {"isError": False, "content": "REDACTED"}},
                  "contentType": "application/json", "statusCode": 200},
        additional={"targetId": "TICKETSTGT", "jwt": {"claims": claims, "type": "JWS"}},
        resources=[{"accountId": A, "type": "AWS::BedrockAgentCore::Gateway", "ARN": gateway}],
    )  # fmt: skip


CLOUDTRAIL += [
    _gateway_call("d4", "2026-03-07T09:00:04Z", GW_ARN, "helpdesk-client", "10.0.2.7"),
    _gateway_call("d5", "2026-03-07T09:00:04Z", OTHER_GW_ARN, "billing-client", "10.0.2.8"),
    _gateway_call("d6", "2026-03-07T09:00:09Z", GW_ARN, "someone-else", "198.51.100.60"),
    _token("d7", "2026-03-07T09:00:30Z", AGENT_ROLE, "BedrockAgentCore-77aa", RT, "zendesk", "10.0.2.7"),
]  # fmt: skip


def _inv(
    tag: str, when: str, caller: str, *, guardrail: str | None = None, account: str = A, region: str = EAST
) -> dict[str, Any]:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": [{"text": "summarise ticket 4471"}]}]}
    if guardrail:
        body["guardrailConfig"] = {"guardrailIdentifier": guardrail, "guardrailVersion": "2"}
    return {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": when,
        "accountId": account,
        "identity": {"arn": caller},
        "region": region,
        "requestId": rid(tag),
        "operation": "Converse",
        "modelId": MODEL,
        "input": {"inputContentType": "application/json", "inputBodyJson": body, "inputTokenCount": 21},
        "output": {
            "outputContentType": "application/json",
            "outputBodyJson": {
                "output": {"message": {"role": "assistant", "content": [{"text": "Ticket 4471: printer jam."}]}},
                "stopReason": "end_turn",
                "usage": {"inputTokens": 21, "outputTokens": 9, "totalTokens": 30},
            },
            "outputTokenCount": 9,
        },
    }


CHAT_SESSION = CHAT["arn"]
BATCH_SESSION = BATCH["arn"]
BATCH_SESSION_B = _role(BATCH_ROLE_B, "batch-20260306")["arn"]

INVOCATIONS: list[dict[str, Any]] = [
    _inv("i1", "2026-03-05T09:00:00Z", CHAT_SESSION, guardrail=G1),
    _inv("i2", "2026-03-05T09:40:01Z", CHAT_SESSION, guardrail=G1),
    _inv("i3", "2026-03-05T09:45:00Z", CHAT_SESSION, guardrail=G2),
    _inv("i4", "2026-03-05T09:50:00Z", CHAT_SESSION, guardrail=G1_ARN),
    _inv("i5", "2026-03-05T10:10:00Z", CHAT_SESSION, guardrail=G1),
    _inv("i6", "2026-03-05T10:20:00Z", CHAT_SESSION, guardrail=G3),
    _inv("i7", "2026-03-05T10:50:00Z", CHAT_SESSION, guardrail=G3),
    _inv("m2", "2026-03-06T08:10:01Z", BATCH_SESSION, region=WEST),
    _inv("v0", "2026-03-06T09:55:00Z", BATCH_SESSION),
    _inv("v1", "2026-03-06T10:05:00Z", BATCH_SESSION),
    _inv("v2", "2026-03-06T10:07:00Z", BATCH_SESSION_B, account=B),
    _inv("v3", "2026-03-06T10:35:00Z", BATCH_SESSION),
    _inv("w1", "2026-03-06T14:10:00Z", BATCH_SESSION_B, account=B, region="eu-west-1"),
    _inv("w2", "2026-03-06T14:11:00Z", BATCH_SESSION),
    _inv("w3", "2026-03-06T15:30:00Z", BATCH_SESSION_B, account=B, region="eu-west-1"),
]


def _ns(when: str) -> int:
    return int(pd.Timestamp(when).value)


def _span(trace: str, span: str, parent: str | None, name: str, kind: str, start: str, end: str, runtime: str,
          attrs: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    return {
        "resource": {
            "attributes": {
                "service.name": "helpdesk.DEFAULT",
                "aws.service.type": "gen_ai_agent",
                "cloud.region": EAST,
                "cloud.resource_id": runtime + "/runtime-endpoint/DEFAULT",
                "cloud.platform": "aws_bedrock_agentcore",
            }
        },
        "scope": {
            "name": "opentelemetry.instrumentation.botocore" if "aws.request_id" in attrs else "strands.telemetry"
        },
        "traceId": trace,
        "spanId": span,
        "parentSpanId": parent or "",
        "name": name,
        "kind": kind,
        "startTimeUnixNano": _ns(start),
        "endTimeUnixNano": _ns(end),
        "durationNano": _ns(end) - _ns(start),
        "status": {"code": "UNSET"},
        "attributes": attrs,
    }


DAY = "2026-03-07T09:00:"
GATEWAY_URL = f"https://{GW}.gateway.bedrock-agentcore.{EAST}.amazonaws.com/mcp"
SPANS: list[dict[str, Any]] = [
    _span(TRACE, "c000000000000001", None, "POST /invocations", "SERVER", DAY + "00.100Z", DAY + "06.000Z", RT,
          {"session.id": SESSION, "http.method": "POST", "http.route": "/invocations", "http.status_code": 200}),
    _span(TRACE, "c000000000000002", "c000000000000001", "invoke_agent Strands Agents", "INTERNAL", DAY + "00.150Z",
          DAY + "05.900Z", RT, {"session.id": SESSION, "gen_ai.operation.name": "invoke_agent"}),
    _span(TRACE, "c000000000000003", "c000000000000002", f"chat {MODEL}", "INTERNAL", DAY + "00.500Z",
          DAY + "02.000Z", RT, {"session.id": SESSION, "gen_ai.request.model": MODEL, "gen_ai.system": "aws.bedrock"}),
    _span(TRACE, "c000000000000004", "c000000000000003", "Bedrock Runtime.Converse", "CLIENT", DAY + "00.520Z",
          DAY + "01.900Z", RT, {"session.id": SESSION, "aws.request_id": rid("RA"), "rpc.method": "Converse",
                                "aws.remote.operation": "Converse", "rpc.service": "Bedrock Runtime"}),
    _span(TRACE, "c000000000000005", "c000000000000002", "execute_tool lookup_ticket", "INTERNAL", DAY + "03.000Z",
          DAY + "05.000Z", RT, {"session.id": SESSION, "gen_ai.operation.name": "execute_tool",
                                "gen_ai.tool.name": "lookup_ticket"}),
    _span(TRACE, "c000000000000006", "c000000000000005", "POST", "CLIENT", DAY + "04.200Z", DAY + "04.600Z", RT,
          {"session.id": SESSION, "http.method": "POST", "http.url": GATEWAY_URL, "http.status_code": 200}),
    # 2026-03-06 10:06: an S3 call of the helpdesk runtime that no CloudTrail event records
    _span(TRACE_S1, "d000000000000001", None, "S3.GetObject", "CLIENT", "2026-03-06T10:06:00.000Z",
          "2026-03-06T10:06:00.200Z", RT, {"aws.request_id": rid("s1"), "rpc.method": "GetObject",
                                           "aws.remote.operation": "GetObject", "rpc.service": "S3"}),
]  # fmt: skip

RECORDS: dict[str, list[dict[str, Any]]] = {"cloudtrail": CLOUDTRAIL, "invocations": INVOCATIONS, "spans": SPANS}
#: tag of each record: CloudTrail by eventID, invocations by request id, spans by span id
TAGS = {rid(t): t for t in ("i1", "i2", "i3", "i4", "i5", "i6", "i7", "m2", "v0", "v1", "v2", "v3", "w1", "w2", "w3")}


def _time(pipeline: str, record: dict[str, Any]) -> pd.Timestamp:
    if pipeline == "cloudtrail":
        return pd.Timestamp(record["eventTime"])
    if pipeline == "invocations":
        return pd.Timestamp(record["timestamp"])
    return pd.Timestamp(record["startTimeUnixNano"], unit="ns", tz="UTC")


def raw_frames() -> dict[str, pd.DataFrame]:
    """The records as a query returns them (``@message`` JSON), ``@ptr`` = ``<pipeline>-<index>``."""
    out = {}
    for pipeline, records in RECORDS.items():
        stamps = pd.to_datetime([_time(pipeline, r) for r in records], utc=True)
        out[pipeline] = pd.DataFrame(
            {
                "@timestamp": stamps,
                "@message": [json.dumps(r, separators=(",", ":")) for r in records],
                "@log": pipeline,
                "@logStream": "stream",
                "@ingestionTime": stamps + pd.Timedelta(minutes=2),
                "@ptr": [f"{pipeline}-{i}" for i in range(len(records))],
            }
        )
    return out


def write_files(root: Path) -> Path:
    """The records as exported files: one CloudTrail S3 delivery, invocation and span NDJSON."""
    (root / "cloudtrail").mkdir(parents=True, exist_ok=True)
    (root / "cloudtrail" / f"{A}_CloudTrail_{EAST}_20260307T1000Z_res.json").write_text(
        json.dumps({"Records": CLOUDTRAIL})
    )
    for name in ("invocations", "spans"):
        (root / name).mkdir(exist_ok=True)
        (root / name / f"{name}.ndjson").write_text("".join(json.dumps(r) + "\n" for r in RECORDS[name]))
    return root
