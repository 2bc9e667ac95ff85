"""Hand-written CloudTrail events, in the shapes CloudTrail writes, that each metric filter and Contributor
Insights rule must match and must not match.

The near misses are the mistakes a filter is most likely to make: the right event name from another service,
a failed call for a change filter, the right resource type at ``resources[1]`` instead of ``resources[0]``,
an event name that only starts like the wanted one (no wildcard), a Gateway answer of 200 or 404.
``request_id`` carries the marker tests look for (``mf04-hit-1``).
"""

from __future__ import annotations

import itertools
from typing import Any

ACCOUNT = "111122223333"
REGION = "us-east-1"
BR = "bedrock.amazonaws.com"
AC = "bedrock-agentcore.amazonaws.com"
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
_ids = itertools.count(1)


def user(name: str) -> dict[str, Any]:
    return {
        "type": "IAMUser",
        "principalId": "AIDAEXAMPLE" + name.upper().replace("-", "")[:8],
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIAEXAMPLEKEY000001",
        "userName": name,
    }


def role(name: str, path: str = "") -> dict[str, Any]:
    return {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLEROLE00001:{name}-session",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{name}-session",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAEXAMPLESESSION01",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLEROLE00001",
                "arn": f"arn:aws:iam::{ACCOUNT}:role/{path}{name}",
                "accountId": ACCOUNT,
                "userName": name,
            },
            "attributes": {"creationDate": "2026-03-02T00:00:00Z", "mfaAuthenticated": "false"},
        },
    }


SERVICE = {"type": "AWSService", "invokedBy": "cloudformation.amazonaws.com"}


def event(
    name: str,
    marker: str,
    *,
    source: str = BR,
    ident: dict[str, Any] | None = None,
    error: str | None = None,
    resources: list[tuple[str, str]] | None = None,
    category: str = "Management",
    read_only: bool | None = None,
    when: str = "2026-03-02T10:00:00Z",
    **extra: Any,
) -> dict[str, Any]:
    """One CloudTrail record (eventVersion 1.11 fields)."""
    n = next(_ids)
    rec: dict[str, Any] = {
        "eventVersion": "1.11",
        "userIdentity": ident if ident is not None else role("app"),
        "eventTime": when,
        "eventSource": source,
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "Boto3/1.35.50 md/Botocore#1.35.50",
        "requestParameters": None,
        "responseElements": None,
        "requestID": marker,
        "eventID": f"e0000000-0000-4000-8000-{n:012d}",
        "readOnly": read_only if read_only is not None else name.startswith(("Get", "List", "Describe")),
        "eventType": "AwsApiCall",
        "managementEvent": category == "Management",
        "recipientAccountId": ACCOUNT,
        "eventCategory": category,
    }
    if error:
        rec["errorCode"] = error
        rec["errorMessage"] = f"User is not authorized to perform: {source.split('.')[0]}:{name}"
    if resources:
        rec["resources"] = [{"accountId": ACCOUNT, "type": t, "ARN": a} for t, a in resources]
    rec.update(extra)
    return rec


def gateway(marker: str, status: int, *, sub: str | None = "client-1", name: str = "InvokeGateway") -> dict[str, Any]:
    """An AgentCore Gateway data event: the caller in the JWT claims, the error in responseElements."""
    ident = {"type": "AWSAccount", "principalId": "", "accountId": "anonymous"}
    rec = event(
        name,
        marker,
        source=AC,
        ident=ident,
        category="Data",
        read_only=False,
        resources=[("AWS::BedrockAgentCore::Gateway", f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:gateway/gw-1")],
        requestParameters={"body": {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}},
        responseElements={"statusCode": status, "contentType": "application/json"},
    )
    if sub:
        rec["additionalEventData"] = {"jwt": {"claims": {"sub": sub, "iss": ISSUER, "scope": "openid"}}}
    return rec


def ac(rtype: str, marker: str, name: str = "InvokeCodeInterpreter", **kw: Any) -> dict[str, Any]:
    arn = f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:{rtype.lower()}/x"
    return event(name, marker, source=AC, category="Data", resources=[(f"AWS::BedrockAgentCore::{rtype}", arn)], **kw)


def br(rtype: str, marker: str, name: str = "CreateSession", **kw: Any) -> dict[str, Any]:
    arn = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:{rtype.lower()}/x"
    return event(name, marker, category="Data", resources=[(f"AWS::Bedrock::{rtype}", arn)], **kw)


def vpce(source: str, marker: str) -> dict[str, Any]:
    return event(
        "GetObject" if source.startswith("s3") else "InvokeModel",
        marker,
        source=source,
        category="NetworkActivity",
        error="VpceAccessDenied",
        vpcEndpointId="vpce-0123456789abcdef0",
    )


#: metric filter -> (events it must match, events it must not match)
MF_CASES: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {
    "MF01": (
        [
            event("InvokeModel", "mf01-hit-1", ident=user("mallory"), error="AccessDenied"),
            event("Converse", "mf01-hit-2", ident=user("mallory"), error="AccessDeniedException"),
        ],
        [
            event("InvokeModel", "mf01-miss-ok", ident=user("mallory")),
            event("GetObject", "mf01-miss-s3", source="s3.amazonaws.com", error="AccessDenied"),
            event("InvokeModel", "mf01-miss-throttle", error="ThrottlingException"),
        ],
    ),
    "MF02": (
        [br("AgentAlias", "mf02-hit-1", "InvokeAgent"), event("InvokeInlineAgent", "mf02-hit-2", category="Data")],
        [
            event("GetAgent", "mf02-miss-get", source="bedrock.amazonaws.com"),
            ac("Runtime", "mf02-miss-runtime", "InvokeAgentRuntime"),
        ],
    ),
    "MF03": (
        [br("KnowledgeBase", "mf03-hit-1", "Retrieve"), br("KnowledgeBase", "mf03-hit-2", "RetrieveAndGenerate")],
        [
            br("KnowledgeBase", "mf03-miss-stream", "RetrieveAndGenerateStream"),
            event("Retrieve", "mf03-miss-source", source="kendra.amazonaws.com"),
        ],
    ),
    "MF04": (
        [event("UpdateGuardrail", "mf04-hit-1"), event("CreateGuardrailVersion", "mf04-hit-2")],
        [
            event("UpdateGuardrail", "mf04-miss-denied", error="AccessDeniedException"),
            event("GetGuardrail", "mf04-miss-get"),
            event("UpdateGuardrail", "mf04-miss-source", source="sagemaker.amazonaws.com"),
        ],
    ),
    "MF05": (
        [
            event("DeleteModelInvocationLoggingConfiguration", "mf05-hit-1"),
            event("PutModelInvocationLoggingConfiguration", "mf05-hit-2"),
        ],
        [
            event("GetModelInvocationLoggingConfiguration", "mf05-miss-get"),
            event("PutModelInvocationLoggingConfiguration", "mf05-miss-denied", error="AccessDeniedException"),
        ],
    ),
    "MF06": (
        [
            event("Converse", "mf06-hit-1"),
            event("InvokeModelWithResponseStream", "mf06-hit-2"),
            event("StartAsyncInvoke", "mf06-hit-3", category="Data"),
        ],
        [event("ListAsyncInvokes", "mf06-miss-list"), event("ListFoundationModels", "mf06-miss-models")],
    ),
    "MF07": (
        [
            event("AttachRolePolicy", "mf07-hit-1", source="iam.amazonaws.com"),
            event("PutRolePolicy", "mf07-hit-2", source="iam.amazonaws.com"),
        ],
        [
            event("AttachUserPolicy", "mf07-miss-user", source="iam.amazonaws.com"),
            event("AttachRolePolicy", "mf07-miss-denied", source="iam.amazonaws.com", error="AccessDenied"),
        ],
    ),
    "MF08": ([br("FlowAlias", "mf08-hit-1", "InvokeFlow")], [event("GetFlow", "mf08-miss-get")]),
    "MF09": (
        [vpce("bedrock.amazonaws.com", "mf09-hit-1"), vpce("s3.amazonaws.com", "mf09-hit-2")],
        [vpce("kms.amazonaws.com", "mf09-miss-kms"), event("InvokeModel", "mf09-miss-denied", error="AccessDenied")],
    ),
    "MF10": (
        [
            event("GetObject", "mf10-hit-1", source="s3.amazonaws.com", error="AccessDenied", ident=role("agent-exec")),
            event(
                "GetSecretValue",
                "mf10-hit-2",
                source="secretsmanager.amazonaws.com",
                error="AccessDeniedException",
                ident=role("agent-exec"),
            ),
        ],
        [
            event("GetObject", "mf10-miss-user", source="s3.amazonaws.com", error="AccessDenied", ident=user("bob")),
            event("InvokeModel", "mf10-miss-bedrock", error="AccessDenied", ident=role("agent-exec")),
        ],
    ),
    "MF11": (
        [event("PutObject", "mf11-hit-1", source="s3.amazonaws.com", category="Data", read_only=False)],
        [
            event("GetObject", "mf11-miss-read", source="s3.amazonaws.com", category="Data", read_only=True),
            {
                k: v
                for k, v in event("PutObject", "mf11-miss-noflag", source="s3.amazonaws.com").items()
                if k != "readOnly"
            },
        ],
    ),
    "MF12": (
        [event("Invoke", "mf12-hit-1", source="lambda.amazonaws.com", category="Data")],
        [event("UpdateFunctionConfiguration20150331v2", "mf12-miss-update", source="lambda.amazonaws.com")],
    ),
    "MF13": (
        [
            event(
                "InvokeModel",
                "mf13-hit-1",
                category="Insight",
                eventType="AwsCloudTrailInsight",
                insightDetails={"state": "Start", "insightType": "ApiCallRateInsight"},
            )
        ],
        [event("InvokeModel", "mf13-miss-mgmt")],
    ),
    "MF14": (
        [
            event("StopLogging", "mf14-hit-1", source="cloudtrail.amazonaws.com"),
            event("PutEventSelectors", "mf14-hit-2", source="cloudtrail.amazonaws.com"),
        ],
        [
            event("StartLogging", "mf14-miss-start", source="cloudtrail.amazonaws.com"),
            event("StopLogging", "mf14-miss-denied", source="cloudtrail.amazonaws.com", error="AccessDenied"),
        ],
    ),
    "MF15": ([gateway("mf15-hit-1", 200)], [event("CreateGateway", "mf15-miss-create", source=AC)]),
    "MF16": (
        [gateway("mf16-hit-1", 401, sub=None), gateway("mf16-hit-2", 403)],
        [gateway("mf16-miss-ok", 200), gateway("mf16-miss-404", 404)],
    ),
    "MF17": (
        [ac("CodeInterpreter", "mf17-hit-1"), ac("BrowserCustom", "mf17-hit-2", "StartBrowserSession")],
        [
            ac("Runtime", "mf17-miss-runtime", "InvokeAgentRuntime"),
            event(
                "InvokeCodeInterpreter",
                "mf17-miss-second",
                source=AC,
                category="Data",
                resources=[
                    ("AWS::BedrockAgentCore::Runtime", "arn:r"),
                    ("AWS::BedrockAgentCore::CodeInterpreter", "arn:c"),
                ],
            ),
        ],
    ),
    "MF18": (
        [
            ac("TokenVault", "mf18-hit-1", "GetResourceOauth2Token"),
            ac("WorkloadIdentity", "mf18-hit-2", "GetWorkloadAccessToken"),
        ],
        [ac("Memory", "mf18-miss-memory", "RetrieveMemoryRecords")],
    ),
    "MF19": ([ac("Memory", "mf19-hit-1", "CreateEvent")], [ac("Gateway", "mf19-miss-gateway", "InvokeGateway")]),
    "MF20": (
        [event("UpdateGatewayTarget", "mf20-hit-1", source=AC)],
        [
            event("GetGateway", "mf20-miss-get", source=AC),
            event("UpdateGatewayTarget", "mf20-miss-denied", source=AC, error="AccessDeniedException"),
        ],
    ),
    "MF21": (
        [br("Session", "mf21-hit-1")],
        [
            event(
                "CreateSession",
                "mf21-miss-ac",
                source=AC,
                category="Data",
                resources=[("AWS::Bedrock::Session", "arn:s")],
            )
        ],
    ),
    "MF22": (
        [br("FlowExecution", "mf22-hit-1", "StartFlowExecution")],
        [br("FlowAlias", "mf22-miss-alias", "InvokeFlow")],
    ),
    "MF23": (
        [
            br("DataAutomationProject", "mf23-hit-1", "InvokeDataAutomationAsync"),
            br("Blueprint", "mf23-hit-2", "CreateBlueprint"),
        ],
        [br("KnowledgeBase", "mf23-miss-kb", "Retrieve")],
    ),
    "MF24": ([br("Tool", "mf24-hit-1", "InvokeTool")], [br("ToolVersion", "mf24-miss-other", "InvokeTool")]),
    "MF25": (
        [br("AutomatedReasoningPolicy", "mf25-hit-1", "UpdateAutomatedReasoningPolicy")],
        [
            br("Guardrail", "mf25-miss-guardrail", "ApplyGuardrail"),
            br(
                "AutomatedReasoningPolicy",
                "mf25-miss-denied",
                "UpdateAutomatedReasoningPolicy",
                error="AccessDeniedException",
            ),
        ],
    ),
}

#: Contributor Insights rule -> (an event it counts, the key values it is counted under, an event it must not count)
CI_CASES: dict[str, tuple[dict[str, Any], tuple[str, ...], dict[str, Any]]] = {
    "CI01": (
        event("Converse", "ci01-hit", ident=user("ci01")),
        (f"arn:aws:iam::{ACCOUNT}:user/ci01", "Converse"),
        event("ListFoundationModels", "ci01-miss", ident=user("ci01-miss")),
    ),
    "CI02": (
        br("AgentAlias", "ci02-hit", "InvokeAgent", ident=user("ci02")),
        (f"arn:aws:iam::{ACCOUNT}:user/ci02", "InvokeAgent", "198.51.100.7"),
        event("InvokeAgentRuntime", "ci02-miss", source=AC, ident=user("ci02-miss")),
    ),
    "CI03": (
        br("KnowledgeBase", "ci03-hit", "Retrieve", ident=user("ci03")),
        (f"arn:aws:iam::{ACCOUNT}:user/ci03", "Retrieve", "198.51.100.7"),
        br("KnowledgeBase", "ci03-miss", "RetrieveAndGenerateStream", ident=user("ci03-miss")),
    ),
    "CI04": (
        br("FlowAlias", "ci04-hit", "InvokeFlow", ident=user("ci04")),
        (f"arn:aws:iam::{ACCOUNT}:user/ci04", "198.51.100.7"),
        event("InvokeFlow", "ci04-miss", source="states.amazonaws.com", ident=user("ci04-miss")),
    ),
    "CI05": (
        event("InvokeModel", "ci05-hit", ident=user("ci05"), error="AccessDeniedException"),
        (f"arn:aws:iam::{ACCOUNT}:user/ci05", "InvokeModel", "198.51.100.7"),
        event("InvokeModel", "ci05-miss", ident=user("ci05-miss"), error="ValidationException"),
    ),
    "CI06": (
        event("Decrypt", "ci06-hit", source="kms.amazonaws.com", ident=role("ci06"), error="AccessDenied"),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/ci06/ci06-session", "kms.amazonaws.com", "Decrypt", "198.51.100.7"),
        event("Decrypt", "ci06-miss", source="kms.amazonaws.com", ident=user("ci06-miss"), error="AccessDenied"),
    ),
    "CI07": (
        dict(vpce("bedrock.amazonaws.com", "ci07-hit"), userIdentity=role("ci07")),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/ci07/ci07-session", BR, "vpce-0123456789abcdef0", "InvokeModel"),
        dict(vpce("kms.amazonaws.com", "ci07-miss"), userIdentity=role("ci07-miss")),
    ),
    "CI08": (
        event(
            "GetObject",
            "ci08-hit",
            source="s3.amazonaws.com",
            ident=user("ci08"),
            category="Data",
            requestParameters={"bucketName": "ai-training-data-1", "key": "a.jsonl"},
        ),
        (f"arn:aws:iam::{ACCOUNT}:user/ci08", "ai-training-data-1"),
        event(
            "ListObjects",
            "ci08-miss",
            source="s3.amazonaws.com",
            ident=user("ci08-miss"),
            requestParameters={"bucketName": "ai-training-data-1"},
        ),
    ),
    "CI09": (
        event(
            "Invoke",
            "ci09-hit",
            source="lambda.amazonaws.com",
            ident=user("ci09"),
            category="Data",
            requestParameters={"functionName": "prod-rag"},
        ),
        (f"arn:aws:iam::{ACCOUNT}:user/ci09", "prod-rag"),
        event(
            "GetFunction",
            "ci09-miss",
            source="lambda.amazonaws.com",
            ident=user("ci09-miss"),
            requestParameters={"functionName": "prod-rag"},
        ),
    ),
    "CI10": (
        event("CreateGuardrailVersion", "ci10-hit", ident=user("ci10")),
        (f"arn:aws:iam::{ACCOUNT}:user/ci10", "CreateGuardrailVersion", "198.51.100.7"),
        event("GetGuardrail", "ci10-miss", ident=user("ci10-miss")),
    ),
    "CI11": (
        event("PutEventSelectors", "ci11-hit", source="cloudtrail.amazonaws.com", ident=user("ci11")),
        (f"arn:aws:iam::{ACCOUNT}:user/ci11", "PutEventSelectors", "198.51.100.7"),
        event("GetEventSelectors", "ci11-miss", source="cloudtrail.amazonaws.com", ident=user("ci11-miss")),
    ),
    "CI12": (
        event("ListGateways", "ci12-hit", source=AC),
        (AC, "ListGateways"),
        event("AssumeRole", "ci12-miss", source=AC),
    ),
    "CI13": (
        gateway("ci13-hit", 200, sub="ci13"),
        ("ci13", "198.51.100.7", f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:gateway/gw-1"),
        gateway("ci13-miss", 200, sub="ci13-miss", name="CreateGateway"),
    ),
    "CI14": (
        gateway("ci14-hit", 403, sub="ci14"),
        ("198.51.100.7", "ci14", f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:gateway/gw-1"),
        gateway("ci14-miss", 200, sub="ci14-miss"),
    ),
    "CI15": (
        ac("Browser", "ci15-hit", "StartBrowserSession", ident=user("ci15")),
        (f"arn:aws:iam::{ACCOUNT}:user/ci15", "AWS::BedrockAgentCore::Browser", "StartBrowserSession"),
        ac("Runtime", "ci15-miss", "InvokeAgentRuntime", ident=user("ci15-miss")),
    ),
    "CI16": (
        ac("WorkloadIdentityDirectory", "ci16-hit", "GetWorkloadAccessToken", ident=user("ci16")),
        (
            f"arn:aws:iam::{ACCOUNT}:user/ci16",
            "AWS::BedrockAgentCore::WorkloadIdentityDirectory",
            "GetWorkloadAccessToken",
            "198.51.100.7",
        ),
        ac("Memory", "ci16-miss", "CreateEvent", ident=user("ci16-miss")),
    ),
    "CI17": (
        ac("Memory", "ci17-hit", "CreateEvent", ident=user("ci17")),
        (f"arn:aws:iam::{ACCOUNT}:user/ci17", "CreateEvent", f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:memory/x"),
        ac("Gateway", "ci17-miss", "InvokeGateway", ident=user("ci17-miss")),
    ),
    "CI18": (
        event("DeleteGatewayTarget", "ci18-hit", source=AC, ident=user("ci18")),
        (f"arn:aws:iam::{ACCOUNT}:user/ci18", "DeleteGatewayTarget", "198.51.100.7"),
        event("ListGatewayTargets", "ci18-miss", source=AC, ident=user("ci18-miss")),
    ),
    "CI19": (
        br("Session", "ci19-hit", ident=user("ci19")),
        (f"arn:aws:iam::{ACCOUNT}:user/ci19", "CreateSession", "198.51.100.7"),
        br("Guardrail", "ci19-miss", "ApplyGuardrail", ident=user("ci19-miss")),
    ),
    "CI20": (
        br("FlowExecution", "ci20-hit", "StartFlowExecution", ident=user("ci20")),
        (f"arn:aws:iam::{ACCOUNT}:user/ci20", "StartFlowExecution", "198.51.100.7"),
        br("FlowAlias", "ci20-miss", "InvokeFlow", ident=user("ci20-miss")),
    ),
    "CI21": (
        br("Blueprint", "ci21-hit", "CreateBlueprint", ident=user("ci21")),
        (f"arn:aws:iam::{ACCOUNT}:user/ci21", "AWS::Bedrock::Blueprint", "CreateBlueprint"),
        br("Tool", "ci21-miss", "InvokeTool", ident=user("ci21-miss")),
    ),
    "CI22": (
        br("Tool", "ci22-hit", "InvokeTool", ident=user("ci22")),
        (f"arn:aws:iam::{ACCOUNT}:user/ci22", "InvokeTool", "198.51.100.7"),
        br("Blueprint", "ci22-miss", "CreateBlueprint", ident=user("ci22-miss")),
    ),
    "CI23": (
        br("AutomatedReasoningPolicyVersion", "ci23-hit", "CreateAutomatedReasoningPolicyVersion", ident=user("ci23")),
        (f"arn:aws:iam::{ACCOUNT}:user/ci23", "CreateAutomatedReasoningPolicyVersion", "198.51.100.7"),
        br("Guardrail", "ci23-miss", "ApplyGuardrail", ident=user("ci23-miss")),
    ),
}
