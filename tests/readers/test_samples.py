"""Every file in ../shared/samples loads; counts per file are typed by hand from the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiaudit.readers import discover, read_file

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples not present")

# file → (format, pipeline, records); counted by reading the files (one record per non-blank line for .log).
EXPECTED = {
    "README.md": ("text", None, 0),
    "agentcore/CreateRegistryRecord__registry-cloudtrail-integration_idx61852076183.json": (
        "json-object", "cloudtrail", 1,
    ),
    "agentcore/GetResourceOauth2Token_trimmed__aws-blog-copy_idx71470890625.json": ("ndjson", "cloudtrail", 1),
    "agentcore/gateway_CreateGateway_management.json": ("json-object", "cloudtrail", 1),
    "agentcore/gateway_InvokeGateway_auth_error_401.json": ("json-object", "cloudtrail", 1),
    "agentcore/gateway_InvokeGateway_success_jwt.json": ("json-object", "cloudtrail", 1),
    "cloudtrail/beats-delete-trail-json.log": ("ndjson", "cloudtrail", 1),
    "cloudtrail/beats-insight-json.log": ("ndjson", "cloudtrail", 1),
    "cloudtrail/panther_rule_test_events.jsonl": ("ndjson", None, 0),
    "cloudtrail/test-assume-role-aws-service-json.log": ("ndjson", "cloudtrail", 1),
    "cloudtrail/test-assume-role-json.log": ("ndjson", "cloudtrail", 2),
    "cloudtrail/test-attach-role-policy-json.log": ("ndjson", "cloudtrail", 1),
    "cloudtrail/test-cloudtrail-digest-json.log": ("cloudtrail-digest", None, 0),
    "cloudtrail/test-console-login-json.log": ("ndjson", "cloudtrail", 3),
    "cloudtrail/test-converse-json.log": ("ndjson", "cloudtrail", 1),
    "cloudtrail/test-get-bucket-policy-json.log": ("ndjson", "cloudtrail", 1),
    "cloudtrail/test-get-caller-identity-json.log": ("ndjson", "cloudtrail", 1),
    "cloudtrail/test-tls-details-json.log": ("ndjson", "cloudtrail", 3),
    "cloudtrail/test-update-trail-json.log": ("ndjson", "cloudtrail", 2),
    "cloudtrail/test-us-gov-arn.log": ("ndjson", "cloudtrail", 1),
    "cloudtrail/test-user-authentication.log": ("ndjson", "cloudtrail", 1),
    "invocations/elastic-test-aws-bedrock-1-16.log": ("ndjson", "invocations", 16),
    "invocations/sample_invocation_log_cohere_invokemodel.json": ("json-object", "invocations", 1),
    "spans/aws_observability_doc_sample_model_call_span.json": ("json-object", "spans", 1),
    "spans/aws_observability_doc_sample_tool_span.json": ("json-object", "spans", 1),
    "spans/langgraph_chat_span_actual_trace_schema__idx21209450936.json": ("json-object", "spans", 1),
    "spans/otel-rt-logs-1-3.jsonl": ("ndjson", "runtime_logs", 3),
    "spans/policy_span1_AuthorizeAction_ALLOW__idx61520086539.json": ("json-object", "spans", 1),
    "spans/policy_span2_PartiallyAuthorizeActions_DENY__idx61520086539.json": ("json-object", "spans", 1),
}  # fmt: skip


def test_discover_finds_every_sample_file() -> None:
    found = [str(p.relative_to(SAMPLES)) for p in discover(SAMPLES)]
    assert found == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_file_loads(name: str) -> None:
    fmt, pipeline, count = EXPECTED[name]
    load = read_file(SAMPLES / name, SAMPLES)
    records = list(load.records)
    assert (load.format, load.pipeline, len(records)) == (fmt, pipeline, count)
    if name != "cloudtrail/panther_rule_test_events.jsonl":
        assert load.skipped == []
    assert load.delivery_ms is not None  # mtime: these files have no S3 key time
    assert [r.ordinal for r in records] == list(range(1, count + 1))


def test_digest_is_skipped_and_reported() -> None:
    load = read_file(SAMPLES / "cloudtrail" / "test-cloudtrail-digest-json.log")
    assert load.ignored and list(load.records) == [] and load.skipped == []
    assert any("digest" in note for note in load.notes)


def test_readme_is_ignored_with_a_note() -> None:
    load = read_file(SAMPLES / "README.md")
    assert load.ignored and load.notes[0].startswith("not a telemetry format (text")


def test_panther_wrapper_is_reported_not_silent() -> None:
    """The product reader does not know Panther's wrapper: every line is skipped, with line and keys."""
    load = read_file(SAMPLES / "cloudtrail" / "panther_rule_test_events.jsonl")
    assert list(load.records) == []
    assert not load.ignored
    assert [s.line for s in load.skipped] == list(range(1, 538))
    reason = "unrecognised JSON object (keys: _source_file, _rule_id, _test_name, _expected_result, event)"
    assert {s.reason for s in load.skipped} == {reason}
    assert load.skipped[0].excerpt.startswith('{"_source_file":"rules/aws_cloudtrail_rules/')


def test_panther_events_unwrapped(tmp_path: Path) -> None:
    """Unwrapped, the 537 events give 464 CloudTrail records; the 73 others are not CloudTrail's format.

    The 73: events of other products (Okta, Box, OneLogin, Zoom, GSuite, Asana, 1Password, Cloudflare,
    VPC flow) and Panther's lower-cased copies (``eventname``, ``eventtime``). 90 CloudTrail events carry
    no ``eventTime`` and two carry junk (``"redacted"``, ``"..."``): flagged, kept.
    """
    import json

    source = SAMPLES / "cloudtrail" / "panther_rule_test_events.jsonl"
    events = [json.loads(line)["event"] for line in source.read_text(encoding="utf-8").splitlines()]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    load = read_file(path)
    records = list(load.records)
    assert (len(records), len(load.skipped)) == (464, 73)
    assert all(s.reason.startswith("unrecognised JSON object") for s in load.skipped)
    for s in load.skipped:
        event = events[s.line - 1]
        assert "eventName" not in event or set(event) <= {"eventName", "eventType", "p_log_type"}
    missing = [r for r in records if r.time_flag == "missing eventTime"]
    junk = sorted(r.time_flag for r in records if r.time_flag and r.time_flag.startswith("unparseable"))
    assert junk == ["unparseable eventTime: '...'", "unparseable eventTime: 'redacted'"]
    assert len(missing) == sum(1 for r in records if "eventTime" not in r.data)
    assert all(r.timestamp_ms is not None for r in records if r.time_flag is None)
