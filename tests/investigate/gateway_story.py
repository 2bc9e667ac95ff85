"""A hand-built gateway story in CloudTrail's real shapes: callers reach runtimes only through gateway targets.

2026-02-03, account 111122223333, us-east-1, gateway GW (Cognito JWT authorizer):

* 08:00 the deploy role updates target RTTARGET01 (an MCP server on runtime RT_A: the endpoint URL carries
  the ARN URL-encoded) and target LAMTARGET1 (a Lambda). 12:00 it points RTTARGET01 at runtime RT_B.
* 10:00 a 401 from 198.51.100.7 (no claims, no target) — g1.
* 10:01 eve (198.51.100.7) calls a tool on LAMTARGET1 — g2; 10:02 on RTTARGET01 — g3;
  10:07 on UNKNOWNT01, a target no event configures — g7.
* 10:03 RT_A's role fetches a workload token (k1) and a GitHub OAuth2 token (k2); 10:03:30 it reads S3 (x1).
* 10:04 RT_B's role fetches an OAuth2 token (k3).
* 10:05 partner (203.0.113.50) calls LAMTARGET1 (g4); 10:06 RTTARGET01 (g5); 12:30 RTTARGET01 again (g6,
  now served by RT_B).
* 12:31 RT_B's role fetches an OAuth2 token (k5); 14:00 RT_A's role fetches an API key (k4).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

ACCOUNT = "111122223333"
REGION = "us-east-1"
GW = f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:gateway/ops-gw-abcdefghij"
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1"
RT_A = f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:runtime/helpdesk_agent-AAAAAAAAAA"
RT_B = f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:runtime/other_agent-BBBBBBBBBB"
ROLE_A = f"arn:aws:iam::{ACCOUNT}:role/helpdesk-runtime-role"
ROLE_B = f"arn:aws:iam::{ACCOUNT}:role/other-runtime-role"
DEPLOY = f"arn:aws:iam::{ACCOUNT}:role/deploy"
EVE = f"jwt:{ISSUER}#eve"
EVE_IP = "198.51.100.7"
PARTNER_IP = "203.0.113.50"
VAULT = f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:token-vault/default"
DAY = "2026-02-03"


def _role(role_arn: str, session: str, runtime: str | None = None) -> dict[str, Any]:
    ident: dict[str, Any] = {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLE:{session}",
        "arn": role_arn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + f"/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAEXAMPLEGATEWAY01",
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "arn": role_arn, "accountId": ACCOUNT},
            "attributes": {"creationDate": f"{DAY}T07:00:00Z", "mfaAuthenticated": "false"},
        },
    }
    if runtime:
        ident["inScopeOf"] = {"issuerType": "AWS::BedrockAgentCore::Runtime", "credentialsIssuedTo": runtime}
    return ident


def _event(tag: str, hms: str, name: str, ident: dict[str, Any], ip: str, **fields: Any) -> dict[str, Any]:
    event = {
        "eventVersion": "1.11",
        "userIdentity": ident,
        "eventTime": f"{DAY}T{hms}Z",
        "eventSource": fields.pop("source", "bedrock-agentcore.amazonaws.com"),
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": ip,
        "userAgent": "python-httpx/0.28.1",
        "requestParameters": fields.pop("params", None),
        "responseElements": fields.pop("response", None),
        **fields,
        "requestID": f"{tag}-0000-4000-8000-000000000000",
        "eventID": tag,
        "readOnly": False,
        "eventType": "AwsApiCall",
        "recipientAccountId": ACCOUNT,
    }
    return event


def _target_update(tag: str, hms: str, target: str, configuration: dict[str, Any]) -> dict[str, Any]:
    params = {"gatewayIdentifier": GW.rsplit("/", 1)[-1], "targetId": target, "name": "***", "description": "***"}
    return _event(
        tag, hms, "UpdateGatewayTarget", _role(DEPLOY, "GitHubActions"), "52.0.0.1",
        params={**params, "targetConfiguration": configuration},
        response={"gatewayArn": GW, "targetId": target, "status": "UPDATING", "targetConfiguration": configuration},
        resources=[{"accountId": ACCOUNT, "type": "AWS::BedrockAgentCore::Gateway", "ARN": GW}],
        managementEvent=True, eventCategory="Management",
    )  # fmt: skip


def _mcp(runtime: str) -> dict[str, Any]:
    encoded = runtime.replace(":", "%3A").replace("/", "%2F")
    url = f"https://bedrock-agentcore.{REGION}.amazonaws.com/runtimes/{encoded}/invocations?qualifier=DEFAULT"
    return {"mcp": {"mcpServer": {"endpoint": url}}}


def _call(tag: str, hms: str, ip: str, sub: str | None, target: str | None, tool: str) -> dict[str, Any]:
    additional = None
    status = 401 if sub is None else 200
    if sub is not None:
        claims = {"sub": sub, "iss": ISSUER, "scope": "gateway/invoke", "token_use": "access"}
        additional = {"targetId": target, "jwt": {"claims": claims, "type": "JWS"}}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": "REDACTED"}}
    fields: dict[str, Any] = {
        "params": {"body": body},
        "response": {"body": {"jsonrpc": "2.0", "id": 1}, "contentType": "application/json", "statusCode": status},
        "resources": [{"accountId": ACCOUNT, "type": "AWS::BedrockAgentCore::Gateway", "ARN": GW}],
        "managementEvent": False,
        "eventCategory": "Data",
    }
    if additional:
        fields["additionalEventData"] = additional
    anonymous = {"type": "AWSAccount", "principalId": "", "accountId": "anonymous"}
    return _event(tag, hms, "InvokeGateway", anonymous, ip, **fields)


def _token(tag: str, hms: str, role: str, runtime: str, name: str, rtype: str, arn: str) -> dict[str, Any]:
    return _event(
        tag, hms, name, _role(role, "BedrockAgentCore-1234", runtime), "10.0.2.7",
        params={"workloadIdentityToken": "HIDDEN_DUE_TO_SECURITY_REASONS"},
        resources=[{"accountId": ACCOUNT, "type": rtype, "ARN": arn}],
        managementEvent=False, eventCategory="Data",
    )  # fmt: skip


OAUTH = "AWS::BedrockAgentCore::OAuth2CredentialProvider"
WORKLOAD = f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:workload-identity-directory/default/workload-identity/hd"

CLOUDTRAIL: list[dict[str, Any]] = [
    _target_update("c1", "08:00:00", "RTTARGET01", _mcp(RT_A)),
    _target_update("c2", "08:00:10", "LAMTARGET1",
                   {"mcp": {"lambda": {"lambdaArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders"}}}),
    _target_update("c3", "12:00:00", "RTTARGET01", _mcp(RT_B)),
    _call("g1", "10:00:00", EVE_IP, None, None, "Orders___get"),
    _call("g2", "10:01:00", EVE_IP, "eve", "LAMTARGET1", "Orders___get"),
    _call("g3", "10:02:00", EVE_IP, "eve", "RTTARGET01", "Helpdesk___ask"),
    _token("k1", "10:03:00", ROLE_A, RT_A, "GetWorkloadAccessToken", "AWS::BedrockAgentCore::WorkloadIdentity",
           WORKLOAD),
    _token("k2", "10:03:01", ROLE_A, RT_A, "GetResourceOauth2Token", OAUTH, f"{VAULT}/oauth2credentialprovider/github"),
    _event("x1", "10:03:30", "GetObject", _role(ROLE_A, "BedrockAgentCore-1234", RT_A), "10.0.2.7",
           source="s3.amazonaws.com", params={"bucketName": "tickets", "key": "t1.json"},
           resources=[{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::tickets/t1.json"}]),
    _token("k3", "10:04:00", ROLE_B, RT_B, "GetResourceOauth2Token", OAUTH, f"{VAULT}/oauth2credentialprovider/jira"),
    _call("g4", "10:05:00", PARTNER_IP, "partner", "LAMTARGET1", "Orders___get"),
    _call("g5", "10:06:00", PARTNER_IP, "partner", "RTTARGET01", "Helpdesk___ask"),
    _call("g7", "10:07:00", EVE_IP, "eve", "UNKNOWNT01", "Mystery___run"),
    _call("g6", "12:30:00", PARTNER_IP, "partner", "RTTARGET01", "Helpdesk___ask"),
    _token("k5", "12:31:00", ROLE_B, RT_B, "GetResourceOauth2Token", OAUTH, f"{VAULT}/oauth2credentialprovider/jira"),
    _token("k4", "14:00:00", ROLE_A, RT_A, "GetResourceApiKey", "AWS::BedrockAgentCore::APIKeyCredentialProvider",
           f"{VAULT}/apikeycredentialprovider/openai"),
]  # fmt: skip


def raw_frames() -> dict[str, pd.DataFrame]:
    """The events as a query returns them (``@message`` JSON), ``@ptr`` = ``cloudtrail-<index>``."""
    stamps = pd.to_datetime([e["eventTime"] for e in CLOUDTRAIL], utc=True)
    return {
        "cloudtrail": pd.DataFrame(
            {
                "@timestamp": stamps,
                "@message": [json.dumps(e, separators=(",", ":")) for e in CLOUDTRAIL],
                "@log": "cloudtrail",
                "@logStream": "stream",
                "@ingestionTime": stamps + pd.Timedelta(minutes=5),
                "@ptr": [f"cloudtrail-{i}" for i in range(len(CLOUDTRAIL))],
            }
        )
    }


def write_files(root: Path) -> Path:
    """The events as one CloudTrail S3 delivery file."""
    folder = root / "cloudtrail"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{ACCOUNT}_CloudTrail_{REGION}_20260203T1500Z_gw.json").write_text(json.dumps({"Records": CLOUDTRAIL}))
    return root
