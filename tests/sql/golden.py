"""The golden store for the SQL conformance suite: a few hand-written records per pipeline.

Expected rows in ``test_sql_conformance.py`` are worked out by hand from these records.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CT: list[dict[str, Any]] = [
    {  # c1
        "eventTime": "2026-01-01T00:00:00Z",
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "InvokeModel",
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111:assumed-role/app/s1"},
        "sourceIPAddress": "10.0.0.1",
        "requestID": "req-1",
        "awsRegion": "us-east-1",
        "resources": [{"ARN": "arn:aws:bedrock:us-east-1::foundation-model/claude", "type": "AWS::Bedrock::Model"}],
        "additionalEventData": {"inputTokens": 10, "outputTokens": 20},
    },
    {  # c2
        "eventTime": "2026-01-01T00:01:00Z",
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "Converse",
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111:assumed-role/app/s2"},
        "sourceIPAddress": "10.0.0.2",
        "requestID": "req-2",
        "awsRegion": "us-east-1",
        "errorCode": "AccessDenied",
        "errorMessage": "denied",
    },
    {  # c3
        "eventTime": "2026-01-01T00:02:00Z",
        "eventSource": "bedrock-agentcore.amazonaws.com",
        "eventName": "InvokeGateway",
        "userIdentity": {"type": "Unknown", "accountId": "anonymous"},
        "sourceIPAddress": "203.0.113.9",
        "requestID": "req-3",
        "awsRegion": "us-west-2",
        "responseElements": {"statusCode": 401, "body": {"error": {"message": "invalid token"}}},
    },
    {  # c4
        "eventTime": "2026-01-01T00:03:00Z",
        "eventSource": "bedrock-agentcore.amazonaws.com",
        "eventName": "InvokeGateway",
        "userIdentity": {"type": "Unknown"},
        "sourceIPAddress": "203.0.113.9",
        "requestID": "req-4",
        "awsRegion": "us-west-2",
        "responseElements": {"statusCode": "403"},
        "additionalEventData": {"jwt": {"claims": {"sub": "user-a", "iss": "https://idp"}}},
    },
    {  # c5
        "eventTime": "2026-01-01T00:04:00Z",
        "eventSource": "bedrock-agentcore.amazonaws.com",
        "eventName": "InvokeGateway",
        "userIdentity": {"type": "Unknown"},
        "sourceIPAddress": "198.51.100.7",
        "requestID": "req-5",
        "awsRegion": "us-west-2",
        "responseElements": {"statusCode": 200},
        "additionalEventData": {"jwt": {"claims": {"sub": "user-b", "iss": "https://idp"}}},
    },
    {  # c6
        "eventTime": "2026-01-01T00:05:00Z",
        "eventSource": "iam.amazonaws.com",
        "eventName": "AttachRolePolicy",
        "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111:root"},
        "sourceIPAddress": "10.0.0.1",
        "requestID": "req-6",
        "awsRegion": "us-east-1",
        "readOnly": False,
    },
    {  # c7
        "eventTime": "2026-01-01T00:06:00Z",
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "InvokeModel",
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111:assumed-role/app/s1"},
        "sourceIPAddress": "10.0.0.1",
        "requestID": "req-7",
        "awsRegion": "us-east-1",
        "errorCode": "AccessDenied",
        "resources": [{"ARN": "arn:first", "type": "AWS::Bedrock::Model"}, {"ARN": "arn:second"}],
    },
    {  # c8
        "eventTime": "2026-01-02T00:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject",
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111:assumed-role/app/s1"},
        "sourceIPAddress": "10.0.0.3",
        "requestID": "req-8",
        "awsRegion": "eu-west-1",
        "readOnly": True,
        "requestParameters": {"bucketName": "logs", "key.with.dots": "k1"},
    },
]

INV: list[dict[str, Any]] = [
    {  # i1
        "timestamp": "2026-01-01T00:00:01Z",
        "requestId": "req-1",
        "operation": "InvokeModel",
        "modelId": "anthropic.claude",
        "identity": {"arn": "arn:aws:sts::111:assumed-role/app/s1"},
        "input": {
            "inputBodyJson": {"messages": [{"content": [{"text": "hello"}]}], "inferenceConfig": {"temperature": 0.5}},
            "inputTokenCount": 10,
        },
        "output": {"outputBodyJson": {"stopReason": "end_turn"}, "outputTokenCount": 20},
    },
    {  # i2
        "timestamp": "2026-01-01T00:01:01Z",
        "requestId": "req-2",
        "operation": "Converse",
        "modelId": "amazon.nova",
        "identity": {"arn": "arn:aws:sts::111:assumed-role/app/s2"},
        "input": {"inputTokenCount": 5},
        "output": {"outputTokenCount": 7},
    },
    {  # i9
        "timestamp": "2026-01-01T00:10:00Z",
        "requestId": "req-9",
        "operation": "InvokeModel",
        "modelId": "anthropic.claude",
        "identity": {"arn": "<redacted>"},
        "input": {"inputTokenCount": 100},
        "output": {"outputTokenCount": 200},
    },
]

T0 = 1767225600000000000  # 2026-01-01T00:00:00Z in ns
SPANS: list[dict[str, Any]] = [
    {  # s1
        "traceId": "t1",
        "spanId": "a1",
        "name": "chat claude",
        "startTimeUnixNano": T0,
        "durationNano": 1500000000,
        "attributes": {"session.id": "sess-1", "aws.request_id": "req-1", "gen_ai.system": "aws.bedrock"},
        "resource": {"attributes": {"aws.service.type": "gen_ai_agent", "service.name": "MyAgent"}},
    },
    {  # s2
        "traceId": "t1",
        "spanId": "a2",
        "parentSpanId": "a1",
        "name": "execute_tool search",
        "startTimeUnixNano": T0 + 1_000_000_000,
        "durationNano": 250000000,
        "attributes": {"session.id": "sess-1", "gen_ai.tool.name": "search"},
        "resource": {"attributes": {"aws.service.type": "gen_ai_agent", "service.name": "MyAgent"}},
    },
    {  # s3
        "traceId": "t2",
        "spanId": "b1",
        "name": "chat nova",
        "startTimeUnixNano": T0 + 60_000_000_000,
        "durationNano": 3000000000,
        "attributes": {"session.id": "sess-2", "aws.request_id": "req-2", "gen_ai.system": "aws.bedrock"},
        "resource": {"attributes": {"aws.service.type": "gen_ai_agent", "service.name": "Other"}},
    },
]


def _rt(agent: str) -> dict[str, Any]:
    group = f"/aws/bedrock-agentcore/runtimes/{agent}"
    return {"attributes": {"aws.log.group.names": group, "aws.log.stream.names": "otel-rt-logs"}}


RT: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {"traceId": "t1", "severityText": "INFO", "body": "started", "timeUnixNano": T0, "resource": _rt("agentA")},
        {"@log": "/aws/bedrock-agentcore/runtimes/agentA"},
    ),
    (
        {
            "traceId": "t2",
            "severityText": "ERROR",
            "body": "boom",
            "timeUnixNano": T0 + 60_000_000_000,
            "resource": _rt("agentB"),
        },
        {"@log": "/aws/bedrock-agentcore/runtimes/agentB"},
    ),
]


def write_files(folder: Path) -> Path:
    """The golden records in real on-disk formats, for the real Store: a CloudTrail S3 delivery file,
    a ModelInvocationLog NDJSON file, one span per file, and AgentCore runtime OTel log records."""
    trail = folder / "AWSLogs/111/CloudTrail/us-east-1/2026/01/01"
    trail.mkdir(parents=True)
    (trail / "111_CloudTrail_us-east-1_20260101T0000Z_golden.json").write_text(json.dumps({"Records": CT}))
    lines = [json.dumps({"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", **record}) for record in INV]
    (folder / "invocations.jsonl").write_text("\n".join(lines) + "\n")
    for index, span in enumerate(SPANS):
        (folder / f"span-{index}.json").write_text(json.dumps(span))
    (folder / "otel-rt-logs.jsonl").write_text("\n".join(json.dumps(record) for record, _ in RT) + "\n")
    return folder
