"""The on-disk layouts AWS writes and people export, built in tmp_path with real key layouts."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from aiaudit.readers import discover, read_file

ACCT = "123456789012"


def event(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "eventVersion": "1.09",
        "userIdentity": {"type": "AssumedRole", "arn": f"arn:aws:sts::{ACCT}:assumed-role/agent/s{i}"},
        "eventTime": f"2024-05-01T10:0{i}:00Z",
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "InvokeModel",
        "awsRegion": "us-east-1",
        "requestID": f"req-{i}",
        "eventID": f"evt-{i}",
        **extra,
    }


def invocation(i: int) -> dict[str, Any]:
    return {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": f"2024-05-01T10:00:0{i}Z",
        "accountId": ACCT,
        "identity": {"arn": f"arn:aws:sts::{ACCT}:assumed-role/agent/s{i}"},
        "region": "us-east-1",
        "requestId": f"inv-{i}",
        "operation": "Converse",
        "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
        "input": {"inputTokenCount": 10 + i},
        "output": {"outputTokenCount": 20 + i},
    }


def put(root: Path, rel: str, data: bytes | str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


# ---- CloudTrail S3 delivery --------------------------------------------------------------------------------------
def test_s3_delivery_gzip_with_key_time_and_stream(tmp_path: Path) -> None:
    rel = f"AWSLogs/{ACCT}/CloudTrail/us-east-1/2024/05/01/{ACCT}_CloudTrail_us-east-1_20240501T1005Z_AbCdEf.json.gz"
    body = json.dumps({"Records": [event(1), event(2)]}, separators=(",", ":"))
    path = put(tmp_path, rel, gzip.compress(body.encode()))
    load = read_file(path, tmp_path)
    records = list(load.records)
    assert (load.format, load.pipeline, len(records)) == ("cloudtrail-s3", "cloudtrail", 2)
    assert load.delivery_ms == 1714557900000  # 2024-05-01T10:05:00Z
    assert [r.line for r in records] == [1, 2]
    assert {r.log_stream for r in records} == {f"{ACCT}_CloudTrail_us-east-1"}
    assert {r.log_group for r in records} == {"cloudtrail"}
    assert records[0].timestamp_ms == 1714557660000  # 2024-05-01T10:01:00Z
    assert records[0].message == json.dumps(event(1), separators=(",", ":"))


def test_configured_log_group_name(tmp_path: Path) -> None:
    path = put(tmp_path, "x.json", json.dumps({"Records": [event(1)]}))
    load = read_file(path, log_groups={"cloudtrail": "aws-cloudtrail-logs/management-events"})
    assert [r.log_group for r in load.records] == ["aws-cloudtrail-logs/management-events"]


def test_organisation_trail_and_plain_json(tmp_path: Path) -> None:
    rel = f"AWSLogs/o-abc123/{ACCT}/CloudTrail/eu-west-1/2024/05/01/{ACCT}_CloudTrail_eu-west-1_20240501T0000Z_x.json"
    load = read_file(put(tmp_path, rel, json.dumps({"Records": [event(1)]})), tmp_path)
    records = list(load.records)
    assert len(records) == 1 and records[0].log_stream == f"{ACCT}_CloudTrail_eu-west-1"
    assert load.delivery_ms == 1714521600000  # 2024-05-01T00:00:00Z


def test_insights_delivery_is_kept(tmp_path: Path) -> None:
    insight = {
        "eventVersion": "1.08",
        "eventTime": "2024-05-01T10:00:00Z",
        "awsRegion": "us-east-1",
        "eventID": "ins-1",
        "eventType": "AwsCloudTrailInsight",
        "recipientAccountId": ACCT,
        "insightDetails": {"state": "Start", "eventName": "InvokeModel", "insightType": "ApiCallRateInsight"},
        "eventCategory": "Insight",
    }
    folder = f"AWSLogs/{ACCT}/CloudTrail-Insight/us-east-1/2024/05/01"
    rel = f"{folder}/{ACCT}_CloudTrail-Insight_us-east-1_20240501T1000Z_y.json.gz"
    load = read_file(put(tmp_path, rel, gzip.compress(json.dumps({"Records": [insight]}).encode())), tmp_path)
    records = list(load.records)
    assert [r.data["eventCategory"] for r in records] == ["Insight"]
    assert records[0].timestamp_ms == 1714557600000


def test_digest_file_under_its_key_is_skipped(tmp_path: Path) -> None:
    digest = {
        "awsAccountId": ACCT,
        "digestStartTime": "2024-05-01T09:00:00Z",
        "digestEndTime": "2024-05-01T10:00:00Z",
        "digestS3Object": "AWSLogs/...",
        "logFiles": [],
    }
    folder = f"AWSLogs/{ACCT}/CloudTrail-Digest/us-east-1/2024/05/01"
    rel = f"{folder}/{ACCT}_CloudTrail-Digest_us-east-1_t_us-east-1_20240501T100000Z.json.gz"
    load = read_file(put(tmp_path, rel, gzip.compress(json.dumps(digest).encode())), tmp_path)
    assert (load.format, load.ignored, list(load.records), load.skipped) == ("cloudtrail-digest", True, [], [])


def test_empty_records_delivery(tmp_path: Path) -> None:
    load = read_file(put(tmp_path, "e.json", '{"Records":[]}'))
    assert (load.format, list(load.records), load.skipped, load.ignored) == ("cloudtrail-s3", [], [], False)


def test_several_deliveries_concatenated(tmp_path: Path) -> None:
    """``zcat *.json.gz > all.json``: CloudTrail files have no final newline, so documents touch."""
    one = json.dumps({"Records": [event(1), event(2)]})
    two = json.dumps({"Records": [event(3)]})
    load = read_file(put(tmp_path, "all.json", one + two + "\n" + one))
    records = list(load.records)
    assert [r.data["requestID"] for r in records] == ["req-1", "req-2", "req-3", "req-1", "req-2"]
    assert [r.line for r in records] == [1, 1, 1, 2, 2]
    assert [r.ordinal for r in records] == [1, 2, 3, 4, 5]


# ---- event history and other exports -----------------------------------------------------------------------------
def test_event_history_records_with_cloudtrail_event_text(tmp_path: Path) -> None:
    items = [
        {"EventId": "evt-1", "EventName": "InvokeModel", "CloudTrailEvent": json.dumps(event(1))},
        {"EventId": "evt-2", "EventName": "InvokeModel", "CloudTrailEvent": json.dumps(event(2))},
        {"EventId": "evt-x", "CloudTrailEvent": "{not json"},
    ]
    load = read_file(put(tmp_path, "history.json", json.dumps({"Records": items}, indent=2)))
    records = list(load.records)
    assert load.format == "cloudtrail-event-history"
    assert [r.data["requestID"] for r in records] == ["req-1", "req-2"]
    assert records[0].message == json.dumps(event(1), separators=(",", ":"))  # the event, not the wrapper
    assert [(s.line, s.reason.split(":")[0]) for s in load.skipped] == [(3, "event-history")]


def test_lookup_events_cli_output(tmp_path: Path) -> None:
    body = {"Events": [{"EventId": "evt-1", "CloudTrailEvent": json.dumps(event(1))}], "NextToken": "abc"}
    load = read_file(put(tmp_path, "lookup.json", json.dumps(body)))
    assert load.format == "cloudtrail-lookup-events"
    assert [r.data["eventID"] for r in load.records] == ["evt-1"]


def test_event_history_as_a_bare_array(tmp_path: Path) -> None:
    load = read_file(put(tmp_path, "h.json", json.dumps([{"CloudTrailEvent": json.dumps(event(1))}])))
    assert load.format == "cloudtrail-event-history" and len(list(load.records)) == 1


def test_filter_log_events_output_keeps_stream_and_times(tmp_path: Path) -> None:
    body = {
        "events": [
            {
                "logStreamName": f"{ACCT}_CloudTrail_us-east-1",
                "timestamp": 1714557660123,
                "message": json.dumps(event(1)),
                "ingestionTime": 1714557700000,
                "eventId": "3784",
            }
        ],
        "searchedLogStreams": [],
    }
    load = read_file(put(tmp_path, "fle.json", json.dumps(body)))
    (record,) = list(load.records)
    assert load.format == "cw-events"
    assert (record.log_stream, record.timestamp_ms, record.ingestion_ms) == (
        f"{ACCT}_CloudTrail_us-east-1",
        1714557660123,
        1714557700000,
    )


def test_bare_array_and_ndjson_of_events(tmp_path: Path) -> None:
    load = read_file(put(tmp_path, "arr.json", json.dumps([event(1), event(2)], indent=1)))
    assert (load.format, len(list(load.records))) == ("json-array", 2)
    load = read_file(put(tmp_path, "e.ndjson", "\n".join(json.dumps(event(i)) for i in (1, 2, 3))))
    assert (load.format, len(list(load.records))) == ("ndjson", 3)


# ---- CloudWatch Logs export task ---------------------------------------------------------------------------------
def test_cloudwatch_export_task_output(tmp_path: Path) -> None:
    task = "0f3e5c2a-1b2c-4d5e-8f90-123456789abc"
    rel = f"exportedlogs/{task}/{ACCT}_CloudTrail_us-east-1/000000.gz"
    lines = [
        f"2024-05-01T10:01:00.250Z {json.dumps(event(1))}",
        "2024-05-01T10:02:00.000Z this message is not JSON",
        f"2024-05-01T10:03:00.000Z {json.dumps(event(3))}",
    ]
    load = read_file(put(tmp_path, rel, gzip.compress(("\n".join(lines) + "\n").encode())), tmp_path)
    records = list(load.records)
    assert load.format == "cw-export"
    assert [r.data["requestID"] for r in records] == ["req-1", "req-3"]
    assert [r.line for r in records] == [1, 3]
    assert records[0].timestamp_ms == 1714557660250  # the export line's time, to the millisecond
    assert {r.log_stream for r in records} == {f"{ACCT}_CloudTrail_us-east-1"}  # a stream, not the group
    assert {r.log_group for r in records} == {"cloudtrail"}
    assert [(s.line, s.reason) for s in load.skipped] == [(2, "CloudWatch export: message is not JSON")]


def test_cloudwatch_export_stream_with_slashes_and_runtime_stdout(tmp_path: Path) -> None:
    task = "0f3e5c2a-1b2c-4d5e-8f90-123456789abc"
    rel = f"exp/{task}/2024/05/01/[runtime-logs]abc123/000000.gz"
    text = (
        "2024-05-01T10:00:00.000Z Starting agent\n"
        "2024-05-01T10:00:01.000Z Traceback (most recent call last):\n"
        '  File "app.py", line 1\n'
        "ValueError: boom\n"
    )
    load = read_file(put(tmp_path, rel, gzip.compress(text.encode())), tmp_path)
    records = list(load.records)
    assert [r.message for r in records] == [
        "Starting agent",
        'Traceback (most recent call last):\n  File "app.py", line 1\nValueError: boom',
    ]
    assert {r.log_stream for r in records} == {"2024/05/01/[runtime-logs]abc123"}
    assert {(r.pipeline, r.log_group) for r in records} == {("runtime_logs", "/aws/bedrock-agentcore/runtimes")}
    assert records[1].data == {} and records[1].line == 2


def test_cloudwatch_export_of_invocations(tmp_path: Path) -> None:
    task = "11111111-2222-3333-4444-555555555555"
    rel = f"exp/{task}/aws/bedrock/modelinvocations/000000.gz"
    text = "".join(f"2024-05-01T10:00:0{i}.000Z {json.dumps(invocation(i))}\n" for i in (1, 2))
    load = read_file(put(tmp_path, rel, gzip.compress(text.encode())), tmp_path)
    records = list(load.records)
    assert {(r.pipeline, r.log_group, r.log_stream) for r in records} == {
        ("invocations", "bedrock-model-invocation-logging", "aws/bedrock/modelinvocations")
    }


# ---- Bedrock S3 delivery -----------------------------------------------------------------------------------------
def test_bedrock_s3_delivery_lines_and_concatenated(tmp_path: Path) -> None:
    base = f"AWSLogs/{ACCT}/BedrockModelInvocationLogs/us-east-1/2024/05/01/10"
    lines = "\n".join(json.dumps(invocation(i)) for i in (1, 2)) + "\n"
    glued = "".join(json.dumps(invocation(i), indent=2) for i in (3, 4))
    one = read_file(put(tmp_path, f"{base}/20240501T100500000Z_a.json.gz", gzip.compress(lines.encode())), tmp_path)
    two = read_file(put(tmp_path, f"{base}/20240501T101000000Z_b.json.gz", gzip.compress(glued.encode())), tmp_path)
    got = [(r.data["requestId"], r.log_stream) for r in [*one.records, *two.records]]
    assert got == [(f"inv-{i}", "aws/bedrock/modelinvocations") for i in (1, 2, 3, 4)]
    assert one.delivery_ms == 1714557600000  # the hour folder: 2024-05-01T10:00:00Z
    assert (one.format, two.format) == ("ndjson", "json-stream")


def test_bedrock_data_folder_is_ignored(tmp_path: Path) -> None:
    rel = f"AWSLogs/{ACCT}/BedrockModelInvocationLogs/us-east-1/2024/05/01/10/data/abc_input.json.gz"
    load = read_file(put(tmp_path, rel, gzip.compress(b'{"messages":[]}')), tmp_path)
    assert (load.format, load.ignored, list(load.records), load.skipped) == ("bedrock-data", True, [], [])
    assert "inputBodyS3Path" in load.notes[0]


# ---- spans and runtime logs --------------------------------------------------------------------------------------
def test_runtime_log_group_from_service_name_when_no_group_attribute(tmp_path: Path) -> None:
    record = {
        "resource": {"attributes": {"service.name": "myagent.DEFAULT"}},
        "timeUnixNano": "1714557600123456789",  # OTLP/JSON writes uint64 as a string
        "severityText": "INFO",
        "body": "hello",
        "traceId": "t",
        "spanId": "s",
    }
    load = read_file(put(tmp_path, "rt.jsonl", json.dumps(record) + "\n"))
    (got,) = list(load.records)
    assert (got.pipeline, got.log_group, got.timestamp_ms) == (
        "runtime_logs",
        "/aws/bedrock-agentcore/runtimes/myagent.DEFAULT",
        1714557600123,
    )


def test_span_time_falls_back_to_end_time(tmp_path: Path) -> None:
    span = {"traceId": "t", "spanId": "s", "name": "n", "endTimeUnixNano": 1714557600999000000, "kind": "SERVER"}
    (got,) = list(read_file(put(tmp_path, "s.json", json.dumps(span))).records)
    assert (got.pipeline, got.timestamp_ms, got.time_flag) == ("spans", 1714557600999, None)


def test_big_integers_beyond_64_bits_stay_exact(tmp_path: Path) -> None:
    big = 2**70 + 1
    text = '{"traceId":"t","spanId":"s","name":"n","kind":"CLIENT","attributes":{"x":' + str(big) + "}}"
    (got,) = list(read_file(put(tmp_path, "b.json", text)).records)
    assert got.data["attributes"]["x"] == big and str(big) in got.message


# ---- discovery ---------------------------------------------------------------------------------------------------
def test_discover_skips_store_hidden_and_duckdb(tmp_path: Path) -> None:
    for rel in [
        "a.json",
        "sub/b.json.gz",
        ".hidden",
        ".aiaudit/store.duckdb",
        ".git/config",
        "x.duckdb",
        "x.duckdb.wal",
    ]:
        put(tmp_path, rel, "{}")
    assert [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path)] == ["a.json", "sub/b.json.gz"]
    assert discover(tmp_path / "a.json") == [tmp_path / "a.json"]


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    """A file that vanished (or cannot be opened) between discovery and reading is reported, not raised."""
    load = read_file(tmp_path / "gone.json")
    assert load.format == "unreadable" and list(load.records) == []
    assert [(s.line, s.reason.startswith("cannot read file")) for s in load.skipped] == [(0, True)]


def test_lazy_reading_finishes_the_report_at_the_end(tmp_path: Path) -> None:
    path = put(tmp_path, "l.jsonl", json.dumps(event(1)) + "\nbroken\n" + json.dumps(event(3)) + "\n")
    load = read_file(path, lazy=True)
    assert load.format == "ndjson" and load.skipped == []
    records = list(load.records)
    assert len(records) == 2 and [s.line for s in load.skipped] == [2] and load.pipeline == "cloudtrail"


def test_logs_insights_results_rows(tmp_path: Path) -> None:
    row = [
        {"field": "@timestamp", "value": "2024-05-01 10:01:00.000"},
        {"field": "@message", "value": json.dumps(event(1))},
        {"field": "@logStream", "value": f"{ACCT}_CloudTrail_us-east-1"},
    ]
    body = {"results": [row, [{"field": "@message", "value": "plain"}]], "status": "Complete"}
    load = read_file(put(tmp_path, "results.json", json.dumps(body)))
    records = list(load.records)
    assert load.format == "insights-results"
    assert [(r.data["requestID"], r.log_stream) for r in records] == [("req-1", f"{ACCT}_CloudTrail_us-east-1")]
    assert [(s.line, s.reason.split(":")[0]) for s in load.skipped] == [(2, "insights-row")]
