"""A small, hand-built incident in real on-disk formats, with the facts the tests expect written by hand.

2026-01-10, account 111122223333, us-east-1:

* 10:00 the app role calls Converse (r1): CloudTrail + invocation log (guardrail GR v1).
* 10:05 the support agent (runtime RT, session S1, trace T1) calls Converse (r2): CloudTrail (agent's
  execution role, ``inScopeOf`` RT) + invocation log + spans (invoke_agent → chat → Converse → ...,
  execute_tool s3_reader ERROR) + one OTel runtime log record on T1.
* 10:06:30 the agent role is denied s3:GetObject (no request id shared with spans; runtime ARN only).
* 10:10 mallory (IAM user, 203.0.113.9, access key AKIAEXAMPLEMALLORY01) calls InvokeModel (r3):
  CloudTrail only — **no invocation log**.
* 10:20 mallory UpdateGuardrail GR.
* 10:25 an invocation log (r4) by the app role using GR — **no CloudTrail event**.
* 10:40 mallory ListFoundationModels.
* 10:45 the app role Converse (r5) with another guardrail (GX): CloudTrail + invocation log.
* 11:30 the agent, session S2 (trace T2): chat → Converse span with its own request id r6 — **no
  CloudTrail, no invocation log**.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

ACCOUNT = "111122223333"
REGION = "us-east-1"
RT = f"arn:aws:bedrock-agentcore:{REGION}:{ACCOUNT}:runtime/support_agent-AbCdEf1234"
RT_ENDPOINT = RT + "/runtime-endpoint/DEFAULT:DEFAULT"
APP_ROLE = f"arn:aws:iam::{ACCOUNT}:role/app-role"
APP_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app-role/i-0abc"
AGENT_ROLE = f"arn:aws:iam::{ACCOUNT}:role/agent-exec-role"
AGENT_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/agent-exec-role/BedrockAgentCore-9f8e"
MALLORY = f"arn:aws:iam::{ACCOUNT}:user/mallory"
MALLORY_IP = "203.0.113.9"
MALLORY_KEY = "AKIAEXAMPLEMALLORY01"
GR = "q1w2e3r4t5y6"
GR_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/{GR}"
GX = "zz9yy8xx7ww6"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
R1 = "11111111-aaaa-4bbb-8ccc-000000000001"
R2 = "22222222-aaaa-4bbb-8ccc-000000000002"
R3 = "33333333-aaaa-4bbb-8ccc-000000000003"
R4 = "44444444-aaaa-4bbb-8ccc-000000000004"
R5 = "55555555-aaaa-4bbb-8ccc-000000000005"
R6 = "66666666-aaaa-4bbb-8ccc-000000000006"
S1 = "0f8e7d6c-5b4a-4321-9876-abcdefabcdef"
S2 = "session-two-1234567890-abcdefghijk"
T1 = "5f1e2d3c4b5a69788796a5b4c3d2e1f0"
T2 = "6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3"
DAY = "2026-01-10"


def _t(hms: str) -> str:
    return f"{DAY}T{hms}Z"


def _ns(hms: str, extra_ms: int = 0) -> int:
    return int(pd.Timestamp(_t(hms)).value) + extra_ms * 1_000_000


def _role_identity(session_arn: str, role_arn: str, in_scope: str | None = None) -> dict[str, Any]:
    role_name = role_arn.rsplit("/", 1)[-1]
    ident: dict[str, Any] = {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLE:{session_arn.rsplit('/', 1)[-1]}",
        "arn": session_arn,
        "accountId": ACCOUNT,
        "accessKeyId": "ASIAEXAMPLESESSION01",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLE",
                "arn": role_arn,
                "accountId": ACCOUNT,
                "userName": role_name,
            },
            "attributes": {"creationDate": _t("09:00:00"), "mfaAuthenticated": "false"},
        },
    }
    if in_scope:
        ident["inScopeOf"] = {"issuerType": "AWS::BedrockAgentCore::Runtime", "credentialsIssuedTo": in_scope}
    return ident


MALLORY_IDENTITY = {
    "type": "IAMUser",
    "principalId": "AIDAEXAMPLEMALLORY",
    "arn": MALLORY,
    "accountId": ACCOUNT,
    "accessKeyId": MALLORY_KEY,
    "userName": "mallory",
}


def _ct(
    time: str,
    name: str,
    ident: dict[str, Any],
    ip: str,
    request_id: str,
    *,
    source: str = "bedrock.amazonaws.com",
    params: dict[str, Any] | None = None,
    error: str | None = None,
    read_only: bool = True,
    resources: list[dict[str, str]] | None = None,
    event_id: str,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "eventVersion": "1.11",
        "userIdentity": ident,
        "eventTime": _t(time),
        "eventSource": source,
        "eventName": name,
        "awsRegion": REGION,
        "sourceIPAddress": ip,
        "userAgent": "Boto3/1.35.50",
        "requestParameters": params,
        "responseElements": None,
        "requestID": request_id,
        "eventID": event_id,
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    if error:
        event["errorCode"] = error
        event["errorMessage"] = "User is not authorized to perform this action"
    if resources:
        event["resources"] = resources
    return event


CLOUDTRAIL: list[dict[str, Any]] = [
    _ct("10:00:00", "Converse", _role_identity(APP_SESSION, APP_ROLE), "10.0.1.5", R1,
        params={"modelId": MODEL}, event_id="e0000001-0000-4000-8000-000000000001"),
    _ct("10:05:00", "Converse", _role_identity(AGENT_SESSION, AGENT_ROLE, RT), "10.0.2.7", R2,
        params={"modelId": MODEL}, event_id="e0000001-0000-4000-8000-000000000002"),
    _ct("10:06:30", "GetObject", _role_identity(AGENT_SESSION, AGENT_ROLE, RT), "10.0.2.7", "S3REQ0000000001",
        source="s3.amazonaws.com", params={"bucketName": "finance-reports", "key": "q4.xlsx"},
        error="AccessDenied", resources=[{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::finance-reports/q4.xlsx"}],
        event_id="e0000001-0000-4000-8000-000000000003"),
    _ct("10:10:00", "InvokeModel", MALLORY_IDENTITY, MALLORY_IP, R3,
        params={"modelId": MODEL}, event_id="e0000001-0000-4000-8000-000000000004"),
    _ct("10:20:00", "UpdateGuardrail", MALLORY_IDENTITY, MALLORY_IP, "77777777-aaaa-4bbb-8ccc-000000000007",
        params={"guardrailIdentifier": GR_ARN, "name": "support", "blockedInputMessaging": "x"},
        read_only=False, resources=[{"type": "AWS::Bedrock::Guardrail", "ARN": GR_ARN}],
        event_id="e0000001-0000-4000-8000-000000000005"),
    _ct("10:40:00", "ListFoundationModels", MALLORY_IDENTITY, MALLORY_IP, "88888888-aaaa-4bbb-8ccc-000000000008",
        event_id="e0000001-0000-4000-8000-000000000006"),
    _ct("10:45:00", "Converse", _role_identity(APP_SESSION, APP_ROLE), "10.0.1.5", R5,
        params={"modelId": MODEL}, event_id="e0000001-0000-4000-8000-000000000007"),
]  # fmt: skip


def _inv(time: str, request_id: str, arn: str, guardrail: str | None, text: str) -> dict[str, Any]:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": [{"text": text}]}]}
    if guardrail:
        body["guardrailConfig"] = {"guardrailIdentifier": guardrail, "guardrailVersion": "1"}
    return {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": _t(time),
        "accountId": ACCOUNT,
        "identity": {"arn": arn},
        "region": REGION,
        "requestId": request_id,
        "operation": "Converse",
        "modelId": MODEL,
        "input": {"inputContentType": "application/json", "inputBodyJson": body, "inputTokenCount": 12},
        "output": {
            "outputContentType": "application/json",
            "outputBodyJson": {
                "output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
                "stopReason": "end_turn",
                "usage": {"inputTokens": 12, "outputTokens": 3, "totalTokens": 15},
            },
            "outputTokenCount": 3,
        },
    }


INVOCATIONS: list[dict[str, Any]] = [
    _inv("10:00:01", R1, APP_SESSION, GR, "hello"),
    _inv("10:05:01", R2, AGENT_SESSION, None, "summarise the q4 report"),
    _inv("10:25:00", R4, APP_SESSION, GR, "how do I make a weapon"),
    _inv("10:45:01", R5, APP_SESSION, GX, "weather?"),
]

_RESOURCE = {
    "attributes": {
        "service.name": "support_agent.DEFAULT",
        "aws.service.type": "gen_ai_agent",
        "cloud.region": REGION,
        "cloud.resource_id": RT_ENDPOINT,
        "cloud.platform": "aws_bedrock_agentcore",
    }
}


def _span(
    trace: str, span: str, parent: str | None, name: str, start: tuple[str, int], end: tuple[str, int], **attrs: Any
) -> dict[str, Any]:
    status = attrs.pop("_status", "UNSET")
    return {
        "resource": _RESOURCE,
        "traceId": trace,
        "spanId": span,
        "parentSpanId": parent or "",
        "name": name,
        "kind": "INTERNAL",
        "startTimeUnixNano": _ns(*start),
        "endTimeUnixNano": _ns(*end),
        "durationNano": _ns(*end) - _ns(*start),
        "status": {"code": status},
        "attributes": attrs,
    }


SPANS: list[dict[str, Any]] = [
    _span(T1, "a000000000000001", None, "invoke_agent support_agent", ("10:04:59", 0), ("10:05:03", 0),
          **{"session.id": S1, "gen_ai.operation.name": "invoke_agent"}),
    _span(T1, "a000000000000002", "a000000000000001", f"chat {MODEL}", ("10:05:00", 0), ("10:05:02", 0),
          **{"session.id": S1, "gen_ai.request.model": MODEL, "gen_ai.system": "aws.bedrock"}),
    _span(T1, "a000000000000003", "a000000000000002", "Bedrock Runtime.Converse", ("10:05:00", 200),
          ("10:05:01", 900), **{"session.id": S1, "aws.request_id": R2, "aws.remote.operation": "Converse",
                                "rpc.method": "Converse"}),
    _span(T1, "a000000000000004", "a000000000000001", "execute_tool s3_reader", ("10:05:02", 0), ("10:05:03", 0),
          **{"session.id": S1, "gen_ai.tool.name": "s3_reader", "_status": "ERROR"}),
    _span(T2, "b000000000000001", None, f"chat {MODEL}", ("11:30:00", 0), ("11:30:02", 0),
          **{"session.id": S2, "gen_ai.request.model": MODEL}),
    _span(T2, "b000000000000002", "b000000000000001", "Bedrock Runtime.Converse", ("11:30:00", 100),
          ("11:30:01", 800), **{"session.id": S2, "aws.request_id": R6, "aws.remote.operation": "Converse"}),
]  # fmt: skip

RUNTIME_LOGS: list[dict[str, Any] | str] = [
    {
        "resource": {"attributes": {**_RESOURCE["attributes"], "aws.log.stream.names": "otel-rt-logs"}},
        "scope": {"name": "strands.agent"},
        "timeUnixNano": _ns("10:05:01", 500),
        "observedTimeUnixNano": _ns("10:05:01", 501),
        "severityNumber": 17,
        "severityText": "ERROR",
        "body": "tool s3_reader failed: AccessDenied",
        "attributes": {"otelTraceID": T1, "otelSpanID": "a000000000000004"},
        "traceId": T1,
        "spanId": "a000000000000004",
    },
]

#: time of each record, for the raw frames (CloudTrail eventTime, invocation timestamp, span start, log time)
TIME_RANGE = (f"{DAY}T09:00:00Z", f"{DAY}T12:59:59Z")


def record_time(pipeline: str, record: Any) -> str:
    if pipeline == "cloudtrail":
        return record["eventTime"]
    if pipeline == "invocations":
        return record["timestamp"]
    if pipeline == "spans":
        return pd.Timestamp(record["startTimeUnixNano"], unit="ns", tz="UTC").isoformat()
    if isinstance(record, dict):
        return pd.Timestamp(record["timeUnixNano"], unit="ns", tz="UTC").isoformat()
    return _t("10:05:05")


RECORDS: dict[str, list[Any]] = {
    "cloudtrail": CLOUDTRAIL,
    "invocations": INVOCATIONS,
    "spans": SPANS,
    "runtime_logs": RUNTIME_LOGS,
}


def raw_frames(delay_s: dict[str, int] | None = None) -> dict[str, pd.DataFrame]:
    """Raw frames as a backend returns them; ``@ptr`` = ``<pipeline>-<index>``; ingestion 30 s after the
    record unless ``delay_s`` says otherwise for a ``@ptr``."""
    delay_s = delay_s or {}
    out = {}
    for pipeline, records in RECORDS.items():
        stamps = pd.to_datetime([record_time(pipeline, r) for r in records], utc=True, format="ISO8601")
        ptrs = [f"{pipeline}-{i}" for i in range(len(records))]
        out[pipeline] = pd.DataFrame(
            {
                "@timestamp": stamps,
                "@message": [r if isinstance(r, str) else json.dumps(r, separators=(",", ":")) for r in records],
                "@log": [pipeline] * len(records),
                "@logStream": ["stream"] * len(records),
                "@ingestionTime": [s + pd.Timedelta(seconds=delay_s.get(p, 30)) for s, p in zip(stamps, ptrs)],
                "@ptr": ptrs,
            }
        )
    return out


def write_files(root: Path) -> Path:
    """The same records as exported files: a CloudTrail delivery, invocation, span and runtime-log NDJSON."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "cloudtrail").mkdir(exist_ok=True)
    (root / "cloudtrail" / f"{ACCOUNT}_CloudTrail_{REGION}_20260110T1100Z_abc.json").write_text(
        json.dumps({"Records": CLOUDTRAIL})
    )
    for name, records in (("invocations", INVOCATIONS), ("spans", SPANS)):
        (root / name).mkdir(exist_ok=True)
        (root / name / f"{name}.ndjson").write_text("".join(json.dumps(r) + "\n" for r in records))
    (root / "runtime").mkdir(exist_ok=True)
    (root / "runtime" / "otel-rt-logs.ndjson").write_text(json.dumps(RUNTIME_LOGS[0]) + "\n")
    return root
