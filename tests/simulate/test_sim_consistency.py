"""Every Bedrock call is the same call in every pipeline: request id, principal, region, times."""

from __future__ import annotations

import calendar
import time

from .conftest import read_records


def _epoch(text: str) -> int:
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def test_invocation_logs_join_cloudtrail_by_request_id(sim_none):
    out, _ = sim_none
    records, _, _ = read_records(out)
    ct = {e["requestID"]: e for e in records["cloudtrail"]}
    assert records["invocations"]
    for rec in records["invocations"]:
        event = ct[rec["requestId"]]  # the join covers every call that has an invocation log
        assert event["eventSource"] == "bedrock.amazonaws.com"
        assert event["eventName"] == rec["operation"]
        assert event["userIdentity"]["arn"] == rec["identity"]["arn"]
        assert event["awsRegion"] == rec["region"] and event["recipientAccountId"] == rec["accountId"]
        assert "errorCode" not in event
        skew = _epoch(rec["timestamp"]) - _epoch(event["eventTime"])
        assert 0 <= skew <= 120
        assert event["additionalEventData"]["inputTokens"] == rec["input"]["inputTokenCount"]


def test_span_request_ids_only_on_aws_client_spans_and_all_in_cloudtrail(sim_none):
    out, _ = sim_none
    records, _, _ = read_records(out)
    ct = {e["requestID"]: e for e in records["cloudtrail"]}
    with_id = [s for s in records["spans"] if "aws.request_id" in s["attributes"]]
    assert with_id
    for span in with_id:
        assert span["kind"] == "CLIENT" and span["scope"]["name"].endswith("botocore")
        assert span["attributes"]["aws.request_id"] in ct
    chats = [s for s in records["spans"] if s["name"] == "chat"]
    assert chats and all("aws.request_id" not in s["attributes"] for s in chats)
    # spans carry the session; CloudTrail carries it only on InvokeAgentRuntime
    sessions = {s["attributes"]["session.id"] for s in records["spans"]}
    invoked = {
        e["requestParameters"]["runtimeSessionId"]
        for e in records["cloudtrail"]
        if e["eventName"] == "InvokeAgentRuntime"
    }
    assert sessions == invoked


def test_runtime_calls_carry_the_runtime_in_scope(sim_none):
    out, _ = sim_none
    records, _, _ = read_records(out)
    runtime_calls = [
        e
        for e in records["cloudtrail"]
        if e["userIdentity"].get("inScopeOf", {}).get("issuerType") == "AWS::BedrockAgentCore::Runtime"
    ]
    assert runtime_calls
    resource_ids = {s["resource"]["attributes"]["cloud.resource_id"] for s in records["spans"]}
    for event in runtime_calls:
        runtime = event["userIdentity"]["inScopeOf"]["credentialsIssuedTo"]
        assert any(r.startswith(runtime + "/runtime-endpoint/") for r in resource_ids)


def test_gateway_errors_live_in_response_elements(sim_none):
    out, _ = sim_none
    records, _, _ = read_records(out)
    gateway = [e for e in records["cloudtrail"] if e["eventName"] == "InvokeGateway"]
    assert gateway
    for event in gateway:
        assert "errorCode" not in event
        assert event["userIdentity"] == {"type": "AWSAccount", "principalId": "", "accountId": "anonymous"}
        status = event["responseElements"]["statusCode"]
        if status == 200:
            assert event["additionalEventData"]["jwt"]["claims"]["sub"]
        else:
            assert "error" in event["responseElements"]["body"]


def test_baseline_has_benign_noise(sim_none):
    out, _ = sim_none
    records, _, _ = read_records(out)
    codes = {e.get("errorCode") for e in records["cloudtrail"]}
    assert {"ThrottlingException", "AccessDenied"} <= codes
    names = {e["eventName"] for e in records["cloudtrail"]}
    assert {"UpdateGuardrail", "CreateGuardrailVersion", "PutEventSelectors"} <= names  # benign changes too


def test_gateway_calls_name_configured_targets_and_one_is_served_by_a_runtime(sim_none):
    """InvokeGateway names the target (``additionalEventData.targetId``); the deploy role's UpdateGatewayTarget
    names its backend. One target is an MCP server on an AgentCore runtime, named in its endpoint URL."""
    from urllib.parse import unquote

    out, _ = sim_none
    records, _, _ = read_records(out)
    updates = [e for e in records["cloudtrail"] if e["eventName"] == "UpdateGatewayTarget"]
    assert len(updates) == 4
    configured = {(e["responseElements"]["gatewayArn"], e["responseElements"]["targetId"]): e for e in updates}
    calls = [
        e
        for e in records["cloudtrail"]
        if e["eventName"] == "InvokeGateway" and e["requestParameters"]["body"]["method"] == "tools/call"
    ]
    assert calls
    for call in calls:
        if call["responseElements"]["statusCode"] == 401:
            assert "additionalEventData" not in call  # no token, no claims, no target
            continue
        key = (call["resources"][0]["ARN"], call["additionalEventData"]["targetId"])
        assert key in configured
        tool = call["requestParameters"]["body"]["params"]["name"]
        lambdas = {"OrdersApi": "orders-api", "TicketsApi": "tickets-api", "KbSearch": "kb-search"}
        config = configured[key]["responseElements"]["targetConfiguration"]["mcp"]
        prefix = tool.split("___")[0]
        if prefix in lambdas:
            assert config["lambda"]["lambdaArn"].endswith(":function:" + lambdas[prefix])
        else:
            assert prefix == "SupportAgent"
            endpoint = unquote(config["mcpServer"]["endpoint"])
            runtimes = {
                e["userIdentity"]["inScopeOf"]["credentialsIssuedTo"]
                for e in records["cloudtrail"]
                if e["eventName"] == "GetResourceOauth2Token" and "inScopeOf" in e["userIdentity"]
            }
            assert any(f"/runtimes/{r}/invocations" in endpoint and ":runtime/support_agent-" in r for r in runtimes)
