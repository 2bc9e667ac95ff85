"""Golden table for span and runtime-log samples, and the request-id bridge."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from aiaudit.frames import bridge_request_ids, join_invocations_cloudtrail, join_spans_cloudtrail, project

from .helpers import SAMPLES, check_row, ndjson, raw_frame, values

SP = SAMPLES / "spans"

GOLDEN: dict[str, dict] = {
    "aws_observability_doc_sample_model_call_span.json": {
        "trace_id": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
        "span_id": "1a2b3c4d5e6f7a8b",
        "parent_span_id": "9c8d7e6f5a4b3c2d",
        "name": "chat us.anthropic.claude-sonnet-4-6",
        "gen_ai_operation": "chat",
        "model_id": "anthropic.claude-sonnet-4-6",
        "model_id_raw": "us.anthropic.claude-sonnet-4-6",
        "input_tokens": 1980,
        "output_tokens": 119,
        "finish_reasons": ["tool_use"],
        "stop_reason": "tool_use",
        "http_status": 200,
        "session_id": "session-a1b2c3d4-e5f6-7890",
        "service": "MyAgent.DEFAULT",
        "duration_ms": 2644.916837,
        "request_id": None,
        "time": pd.Timestamp("2025-01-01T00:00:00Z"),  # no start time in the record: @timestamp
    },
    "aws_observability_doc_sample_tool_span.json": {
        "gen_ai_operation": "execute_tool",
        "tool_name": "http_request",
        "tool_status": "success",
        "gen_ai_system": "strands-agents",
        "duration_ms": 37.505594,
        "session_id": None,
    },
    "langgraph_chat_span_actual_trace_schema__idx21209450936.json": {
        "kind": "CLIENT",
        "status": "UNSET",
        "is_error": False,
        "model_id": "anthropic.claude-3-7-sonnet-20250219-v1:0",
        "input_tokens": 1086,
        "output_tokens": 65,
        "http_status": 200,
        "remote_operation": "InvokeModel",
        "session_id": "test-token-stream-12345678901234567890",
        "service": "langgraph_agent.DEFAULT",
        "resource.attributes.aws.service.type": "gen_ai_agent",
        "region": "us-west-2",
        "account": "313117444016",
        "startTimeUnixNano": 1765036280876512050,
        "time": pd.Timestamp(1765036280876512050, unit="ns", tz="UTC"),
        "end_time": pd.Timestamp(1765036282425105992, unit="ns", tz="UTC"),
        "duration_ms": 1548.593942,
    },
    "policy_span1_AuthorizeAction_ALLOW__idx61520086539.json": {
        "name": "AgentCore.Policy.AuthorizeAction",
        "gen_ai_operation": None,
        "policy_decision": "ALLOW",
        "request_id": "5eaaa11d-64cc-445e-8c6e-948ebe76f632",
        "request_id_source": "own",
        "attributes.aws.request.id": "5eaaa11d-64cc-445e-8c6e-948ebe76f632",
        "attributes.aws.request_id": None,
        "status": "OK",
        "service": "launchpad-gw-em0yuqmmdp",
        "resource_arn": "arn:aws:bedrock-agentcore:us-west-2:434444145045:gateway/launchpad-gw-em0yuqmmdp",
        "runtime_arn": None,
        "duration_ms": 55.0,
    },
    "policy_span2_PartiallyAuthorizeActions_DENY__idx61520086539.json": {
        "policy_decision": None,
        "denied_tools": ["hr-database___create_payout"],
        "allowed_tools": [
            "hr-database___check_calendar",
            "hr-database___get_employee",
            "hr-database___list_departments",
            "office-facts___get_office_fact",
            "office-facts___list_office_topics",
        ],
        "request_id": "9387e92e-f6a3-4e4b-ad2e-120659d2c934",
        "remote_operation": "PartiallyAuthorizeActions",
    },
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_span_golden(name: str) -> None:
    frame = project("spans", raw_frame([json.loads((SP / name).read_text())]))
    check_row(frame.iloc[0], GOLDEN[name], name)


def test_every_span_sample_is_in_the_table() -> None:
    assert sorted(p.name for p in SP.glob("*.json")) == sorted(GOLDEN)


RUNTIME = "arn:aws:bedrock-agentcore:us-east-1:467801433859:runtime/"


def test_runtime_log_golden() -> None:
    lines = [json.dumps(r) for r in ndjson(SP / "otel-rt-logs-1-3.jsonl")] + ["INFO  uvicorn started on 0.0.0.0:8080"]
    frame = project("runtime_logs", raw_frame(lines))
    assert frame.attrs["warnings"] == []  # stdout lines are not errors
    check_row(
        frame.iloc[0],
        {
            "severity": "WARN",
            "severityNumber": 13,
            "body": "Attempting to instrument while already instrumented",
            "trace_id": "69fa1f0879d01d2e2401006021a9e3d9",
            "span_id": "7cba7f714dc8b6f2",
            "service": "acr_cmk_demo.DEFAULT",
            "runtime_arn": RUNTIME + "acr_cmk_demo-nerCnuBMNU",
            "region": "us-east-1",
            "account": "467801433859",
            "session_id": None,
            "is_otel": True,
            "time": pd.Timestamp(1777999625236330240, unit="ns", tz="UTC"),
        },
        "rt log 1",
    )
    check_row(
        frame.iloc[1],
        {
            "severity": "INFO",  # severityText "" → from severityNumber 9
            "session_id": "6be9ce38-8726-4045-b006-0b06dd627ed4",
            "event_name": "strands.telemetry.tracer",
            "runtime_arn": RUNTIME + "restaurant_assistant_demo-N1g4Vp8Xrb",
        },
        "rt log 2",
    )
    assert frame.iloc[1]["body"].startswith('{"output":{"messages":[{"content":{"message":"[{\\"text\\": \\"Memories')
    check_row(
        frame.iloc[2],
        {
            "body": '{"content":[{"text":"suggest sushi restaurants in nyc"}]}',
            "event_name": "gen_ai.user.message",
            "gen_ai_system": "aws.bedrock",
            "scope": "opentelemetry.instrumentation.botocore.bedrock-runtime",
        },
        "rt log 3",
    )
    check_row(
        frame.iloc[3],
        {
            "body": "INFO  uvicorn started on 0.0.0.0:8080",
            "is_otel": False,
            "trace_id": None,
            "time": pd.Timestamp("2025-01-01T00:00:00Z"),
        },
        "stdout line",
    )


def _span(span: str, parent: str | None, **attrs: object) -> dict:
    return {
        "traceId": "1-67a1b2c3-0123456789abcdef01234567",
        "spanId": span,
        "parentSpanId": parent,
        "name": "s" + span,
        "attributes": attrs,
    }


def test_bridge_request_ids() -> None:
    spans = [
        _span("a0", None),  # root: its subtree holds three different calls → no id
        _span("b1", "a0"),  # chat span: its only child carries the id
        _span("c2", "b1", **{"aws.request_id": "req-1"}),
        _span("b3", "a0"),  # its grandchild carries req-2
        _span("c4", "b3"),
        _span("d5", "c4", **{"aws.request.id": "req-2"}),
        _span("b6", "a0", **{"aws.request_id": "req-3", "aws.request.id": "ignored"}),
        _span("b7", "a0"),  # leaf without id
    ]
    frame = project("spans", raw_frame(spans))
    assert frame["trace_id"].tolist() == ["67a1b2c30123456789abcdef01234567"] * 8  # X-Ray form converted
    assert values(frame["request_id"]) == [None, "req-1", "req-1", "req-2", "req-2", "req-2", "req-3", None]
    assert values(frame["request_id_source"]) == [
        None,
        "descendant",
        "own",
        "descendant",
        "descendant",
        "own",
        "own",
        None,
    ]
    again = bridge_request_ids(frame)  # the public function on a projected frame gives the same
    assert values(again["request_id"]) == values(frame["request_id"])


def test_cross_pipeline_joins() -> None:
    ct = project(
        "cloudtrail",
        raw_frame(
            [
                {
                    "eventTime": "2025-05-01T12:00:01Z",
                    "eventName": "InvokeModel",
                    "requestID": "req-1",
                    "userIdentity": {
                        "type": "AssumedRole",
                        "arn": "arn:aws:sts::1:assumed-role/agent/s",
                        "inScopeOf": {"credentialsIssuedTo": RUNTIME + "my_agent-1"},
                    },
                },
                {
                    "eventTime": "2025-05-01T13:00:00Z",
                    "eventName": "GetObject",
                    "requestID": None,
                    "userIdentity": {
                        "type": "AssumedRole",
                        "arn": "arn:aws:sts::1:assumed-role/agent/s",
                        "inScopeOf": {"credentialsIssuedTo": RUNTIME + "my_agent-1"},
                    },
                },
            ]
        ),
    )
    inv = project(
        "invocations",
        raw_frame(
            [
                {"timestamp": "2025-05-01T12:00:01Z", "requestId": "req-1", "modelId": "m"},
                {"timestamp": "2025-05-01T12:00:02Z", "modelId": "m"},
            ]
        ),
    )
    joined = join_invocations_cloudtrail(inv, ct)
    assert len(joined) == 2  # the invocation without a request id does not meet the event without one
    assert joined["eventName"].tolist()[0] == "InvokeModel" and pd.isna(joined["eventName"].tolist()[1])
    spans = project(
        "spans",
        raw_frame(
            [
                {
                    "traceId": "t",
                    "spanId": "p",
                    "name": "chat m",
                    "startTimeUnixNano": 1746100800000000000,
                    "endTimeUnixNano": 1746100802000000000,
                    "resource": {
                        "attributes": {"cloud.resource_id": RUNTIME + "my_agent-1/runtime-endpoint/DEFAULT:DEFAULT"}
                    },
                },
                {
                    "traceId": "t",
                    "spanId": "c",
                    "parentSpanId": "p",
                    "name": "InvokeModel",
                    "attributes": {"aws.request_id": "req-1"},
                },
            ]
        ),
    )
    by_request = join_spans_cloudtrail(spans, ct)
    assert by_request["request_id"].tolist() == ["req-1", "req-1"]  # parent bridged via its child
    assert by_request["eventName"].tolist() == ["InvokeModel", "InvokeModel"]
    by_runtime = join_spans_cloudtrail(spans.iloc[:1], ct, on="runtime_arn", within=pd.Timedelta("5s"))
    assert by_runtime["eventName"].tolist() == ["InvokeModel"]  # the 13:00 event is outside the window
