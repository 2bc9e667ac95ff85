"""`aiaudit push` against a moto server on loopback (real boto3), the PutLogEvents rules on crafted events,
and the exact API faults (throttling, AWS-side rejections) through botocore's Stubber.

The rules, as the PutLogEvents API reference states them (botocore's logs model carries the text):
batches of at most 10,000 events and 1,048,576 bytes counting 26 bytes per event, each event at most
1 MB, chronological, spanning at most 24 hours; events more than 2 hours in the future, older than 14
days, or before the group's retention are rejected. Expected values below are worked out by hand.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber
from motohelp import aws, events_in, groups_in, moto_url, ndjson  # noqa: F401 - fixtures

from aiaudit import connect
from aiaudit.cli import main
from aiaudit.core.config import parse_config
from aiaudit.readers.timeparse import parse_time_text
from aiaudit.simulate import simulate
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.push import UNATTRIBUTED, push, stream_name, target_group
from aiaudit.sources.aws.putrules import (
    EXPIRED,
    OVERSIZED,
    RESERVED,
    TOO_NEW,
    TOO_OLD,
    Event,
    batches,
    rejected_by_aws,
    rejection,
)
from aiaudit.sources.aws.retime import shift_iso, shift_message, shift_nanos

HOUR = 3_600_000
DAY = 24 * HOUR
NOW = parse_time_text("2026-12-01T00:00:00Z")
assert NOW is not None

SANDBOX = parse_config(
    {
        "sources": {
            "sandbox": {
                "kind": "aws",
                "regions": ["us-east-1"],
                "log_groups": {"spans": "sandbox-spans", "runtime_logs": "sandbox/runtimes/"},
            },
            "default-groups": {"kind": "aws", "regions": ["us-east-1"]},
            "two-regions": {"kind": "aws", "regions": ["us-east-1", "eu-west-1"]},
        }
    }
)


# --- the rules on crafted events ------------------------------------------------------------------------
def test_window_and_size_boundaries() -> None:
    def why(offset_ms: int, size: int = 10, retention: int | None = None) -> str | None:
        return rejection(Event(NOW + offset_ms, "x" * size, size), NOW, retention)

    assert why(-14 * DAY) is None  # exactly 14 days old: still accepted
    assert why(-14 * DAY - 1) == TOO_OLD
    assert why(2 * HOUR) is None
    assert why(2 * HOUR + 1) == TOO_NEW
    assert why(-7 * DAY, retention=7) is None
    assert why(-7 * DAY - 1, retention=7) == EXPIRED
    assert why(0, size=1_048_550) is None  # 1,048,550 + 26 = 1,048,576 bytes
    assert why(0, size=1_048_551) == OVERSIZED


def test_batches_split_at_10000_events_1mb_and_24_hours() -> None:
    small = [Event(NOW + i, "a", 1) for i in range(10_001)]
    assert [len(b) for b in batches(small)] == [10_000, 1]
    # 100,000-byte messages cost 100,026 bytes: 10 fit in 1,048,576 (1,000,260), 11 do not (1,100,286)
    big = [Event(NOW + i, "b" * 100_000, 100_000) for i in range(25)]
    assert [len(b) for b in batches(big)] == [10, 10, 5]
    spread = [Event(NOW, "c", 1), Event(NOW + HOUR, "c", 1), Event(NOW + DAY, "c", 1), Event(NOW + DAY + 1, "c", 1)]
    assert [len(b) for b in batches(spread)] == [3, 1]  # first to last at most 24 h apart
    with pytest.raises(ValueError, match="out of order"):
        list(batches([Event(NOW + 5, "d", 1), Event(NOW, "d", 1)]))


def test_rejected_log_events_info_indices() -> None:
    # tooOldLogEventEndIndex and expiredLogEventEndIndex are exclusive ends, tooNewLogEventStartIndex inclusive
    assert rejected_by_aws({"tooOldLogEventEndIndex": 2, "tooNewLogEventStartIndex": 8}, 10) == {TOO_OLD: 2, TOO_NEW: 2}
    assert rejected_by_aws({"tooOldLogEventEndIndex": 1, "expiredLogEventEndIndex": 3}, 10) == {TOO_OLD: 1, EXPIRED: 2}
    assert rejected_by_aws(None, 10) == {}


def test_times_move_inside_records_in_their_own_form() -> None:
    assert shift_iso("2026-11-20T10:00:00Z", HOUR) == "2026-11-20T11:00:00Z"
    assert shift_iso("2026-11-20T23:59:59.123+01:00", 1000) == "2026-11-21T00:00:00.123+01:00"
    assert shift_iso("2026-11-20T10:00:00.123456Z", 1500) == "2026-11-20T10:00:01.623456Z"
    assert shift_iso("2026-11-20T10:00:00Z", -DAY) == "2026-11-19T10:00:00Z"
    assert shift_iso("yesterday", HOUR) == "yesterday"
    assert shift_nanos(1795013504078000000, 2000) == 1795013506078000000
    assert shift_nanos("1795013504078000000", 2000) == "1795013506078000000"
    assert shift_nanos(0, 2000) == 0
    span = '{"traceId":"t","spanId":"s","name":"n","startTimeUnixNano":1000000000,"endTimeUnixNano":"3000000000",'
    span += '"events":[{"timeUnixNano":2000000000,"name":"e"}],"durationNano":2000000000}'
    assert json.loads(shift_message("spans", span, 1000)) == {
        "traceId": "t",
        "spanId": "s",
        "name": "n",
        "startTimeUnixNano": 2000000000,
        "endTimeUnixNano": "4000000000",
        "events": [{"timeUnixNano": 3000000000, "name": "e"}],
        "durationNano": 2000000000,
    }
    trail = '{"eventVersion":"1.09","eventTime":"2026-11-20T10:00:00Z","userIdentity":{"sessionContext":'
    trail += '{"attributes":{"creationDate":"2026-11-20T09:00:00Z"}}}}'
    moved = json.loads(shift_message("cloudtrail", trail, HOUR))
    assert moved["eventTime"] == "2026-11-20T11:00:00Z"
    assert moved["userIdentity"]["sessionContext"]["attributes"]["creationDate"] == "2026-11-20T10:00:00Z"
    assert json.loads(shift_message("invocations", '{"timestamp":"2026-11-20T10:00:00Z"}', HOUR)) == {
        "timestamp": "2026-11-20T11:00:00Z"
    }
    assert shift_message("runtime_logs", "2026-11-20 10:00:00,000 - app - INFO - hello", HOUR).endswith("hello")


def test_groups_and_streams_follow_the_configuration() -> None:
    runtimes = "/aws/bedrock-agentcore/runtimes/"
    assert target_group("org-trail", "cloudtrail", "cloudtrail") == "org-trail"
    assert target_group(runtimes, runtimes + "agent-a-DEFAULT", runtimes) == runtimes + "agent-a-DEFAULT"
    assert (
        target_group("sandbox/runtimes/", runtimes + "agent-a-DEFAULT", runtimes) == "sandbox/runtimes/agent-a-DEFAULT"
    )
    assert (
        target_group("sandbox/runtimes*", runtimes + "agent-a-DEFAULT", runtimes) == "sandbox/runtimes/agent-a-DEFAULT"
    )
    assert target_group("sandbox/runtimes/", runtimes.rstrip("/"), runtimes) == "sandbox/runtimes/" + UNATTRIBUTED
    assert stream_name("2026/11/18/[runtime-logs]0a1b") == "2026/11/18/[runtime-logs]0a1b"
    assert stream_name("a:b*c") == "a_b_c"


# --- crafted datasets -------------------------------------------------------------------------------------
def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _trail_event(n: int, when_ms: int, **extra: object) -> dict:
    return {
        "eventVersion": "1.09",
        "eventTime": _iso(when_ms),
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "InvokeModel",
        "awsRegion": "us-east-1",
        "eventID": f"00000000-0000-0000-0000-{n:012d}",
        "requestID": f"req-{n}",
        "recipientAccountId": "111122223333",
        **extra,
    }


def _now_s() -> int:
    return (int(datetime.now(UTC).timestamp()) // 60) * 60 * 1000  # whole minutes, in ms


def test_crafted_events_out_of_window_or_too_large_are_reported(aws, tmp_path) -> None:  # noqa: F811
    now = _now_s()
    ndjson(
        tmp_path / "data" / "trail.jsonl",
        [
            _trail_event(1, now - 15 * DAY),  # too old
            _trail_event(2, now - 3 * DAY),  # before the 1-day retention of the existing group
            _trail_event(3, now - 2 * HOUR),
            _trail_event(4, now - HOUR),
            _trail_event(5, now - HOUR, requestParameters={"blob": "x" * 1_050_000}),  # over 1 MB
            _trail_event(6, now + 3 * HOUR),  # too far in the future
        ],
    )
    logs = boto3.client("logs", region_name="us-east-1")
    logs.create_log_group(logGroupName="cloudtrail")
    logs.put_retention_policy(logGroupName="cloudtrail", retentionInDays=1)
    report = push(f"local:{tmp_path / 'data'}", "default-groups", config=SANDBOX, now_ms=now, progress=False)
    summary = report.groups["cloudtrail"]
    assert (summary.events, summary.sent) == (6, 2)
    assert dict(summary.rejected) == {TOO_OLD: 1, EXPIRED: 1, OVERSIZED: 1, TOO_NEW: 1}
    assert not report.complete
    arrived = events_in("cloudtrail")
    assert sorted(json.loads(e["message"])["requestID"] for e in arrived) == ["req-3", "req-4"]
    streams = logs.describe_log_streams(logGroupName="cloudtrail")["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["111122223333_CloudTrail_us-east-1"]
    # shifted: the newest record (the future one) lands at now and the rest keep their gaps
    shifted = push(
        f"local:{tmp_path / 'data'}",
        "default-groups",
        config=SANDBOX,
        now_ms=now,
        shift_to_now=True,
        progress=False,
        restart=True,
    )
    assert shifted.shift_ms == -3 * HOUR
    assert dict(shifted.groups["cloudtrail"].rejected) == {TOO_OLD: 1, EXPIRED: 1, OVERSIZED: 1}


def _padded(n: int, when_ms: int, size: int) -> dict:
    """A CloudTrail event whose compact JSON text is exactly ``size`` bytes."""
    record = _trail_event(n, when_ms, recipientAccountId="999999999999", requestParameters={"pad": ""})
    short = len(json.dumps(record, separators=(",", ":")))
    record["requestParameters"]["pad"] = "p" * (size - short)
    return record


def test_batches_against_the_api_split_at_10000_events_1mb_and_24_hours(aws, tmp_path) -> None:  # noqa: F811
    now = _now_s()
    tiny = [{"eventVersion": "1.09", "eventTime": _iso(now - 2 * HOUR), "eventID": f"e{n}"} for n in range(10_001)]
    tiny += [
        {"eventVersion": "1.09", "eventTime": _iso(now - 30 * HOUR), "eventID": "old-1"},
        {"eventVersion": "1.09", "eventTime": _iso(now - 29 * HOUR), "eventID": "old-2"},
    ]
    large = [_padded(n, now - HOUR + n * 1000, 100_000) for n in range(25)]
    ndjson(tmp_path / "data" / "tiny.jsonl", tiny)
    ndjson(tmp_path / "data" / "large.jsonl", large)
    client = boto3.client("logs", region_name="us-east-1")
    sizes: dict[str, list[int]] = {}

    def record(params, **_):
        sizes.setdefault(params["logStreamName"], []).append(len(params["logEvents"]))

    client.meta.events.register("provide-client-params.logs.PutLogEvents", record)
    report = push(
        f"local:{tmp_path / 'data'}", "default-groups", config=SANDBOX, now_ms=now, client=client, progress=False
    )
    # tiny events (no account or region: the stream is named from what is missing): 2 events 30 h and 29 h
    # ago, then 10,001 from 2 h ago, 28 h after the first, so the 24 h rule closes a batch of 2 and the
    # 10,001 make 10,000 + 1. Under 78 bytes each, 10,000 of them fit in 1,048,576 bytes.
    assert sizes["unknown_CloudTrail_unknown"] == [2, 10_000, 1]
    # 100,000-byte events cost 100,026 bytes: 10 per batch (1,000,260; 11 would be 1,100,286)
    assert sizes["999999999999_CloudTrail_us-east-1"] == [10, 10, 5]
    assert report.complete and report.groups["cloudtrail"].sent == 10_028
    assert len(events_in("cloudtrail")) == 10_028


def test_push_of_simulated_data_arrives_complete_and_consistent(aws, tmp_path) -> None:  # noqa: F811
    data = tmp_path / "sim"
    simulate(data, days=1, scale=0.05, seed=7, end="2026-11-20T00:00:00Z", workers=1)
    report = push(f"local:{data}", "sandbox", config=SANDBOX, shift_to_now=True, progress=False)
    assert report.complete, str(report)
    with connect(f"local:{data}", config=SANDBOX, read_only=True) as src:
        counts = {p: src.store.count(p) for p in ("cloudtrail", "invocations", "spans", "runtime_logs")}
        con = src.store.connection()
        runtime_groups = [
            r[0]
            for r in con.execute('SELECT DISTINCT "@log" FROM runtime_logs WHERE "@log" LIKE \'%-DEFAULT\'').fetchall()
        ]
        first_trail = json.loads(con.execute('SELECT "@message" FROM cloudtrail ORDER BY "@ptr" LIMIT 1').fetchone()[0])
        first_span = json.loads(con.execute('SELECT "@message" FROM spans ORDER BY "@ptr" LIMIT 1').fetchone()[0])
    groups = groups_in()
    runtime = {g: len(events_in(g)) for g in groups if g.startswith("sandbox/runtimes/")}
    assert set(runtime) == {"sandbox/runtimes/" + g.rsplit("/", 1)[-1] for g in runtime_groups} | {
        "sandbox/runtimes/" + UNATTRIBUTED
    }
    assert len(events_in("cloudtrail")) == counts["cloudtrail"]
    assert len(events_in("bedrock-model-invocation-logging")) == counts["invocations"]
    assert len(events_in("sandbox-spans")) == counts["spans"]
    assert sum(runtime.values()) == counts["runtime_logs"]
    assert "aws/spans" not in groups
    delta = report.shift_ms
    assert delta % 1000 == 0 and delta > 14 * DAY  # the data ended 2026-11-20; the machine's now is later
    # the same offset inside every pipeline's records, and each event's timestamp agrees with its record
    trail = next(
        json.loads(e["message"]) | {"@ts": e["timestamp"]}
        for e in events_in("cloudtrail")
        if json.loads(e["message"])["eventID"] == first_trail["eventID"]
    )
    assert parse_time_text(trail["eventTime"]) == parse_time_text(first_trail["eventTime"]) + delta == trail["@ts"]
    span = next(
        json.loads(e["message"])
        for e in events_in("sandbox-spans")
        if json.loads(e["message"])["spanId"] == first_span["spanId"]
    )
    assert int(span["startTimeUnixNano"]) == int(first_span["startTimeUnixNano"]) + delta * 1_000_000
    assert int(span["endTimeUnixNano"]) == int(first_span["endTimeUnixNano"]) + delta * 1_000_000


def test_spans_to_a_reserved_aws_group_are_refused_with_the_reason(aws, tmp_path) -> None:  # noqa: F811
    now = _now_s()
    ndjson(
        tmp_path / "data" / "spans.jsonl",
        [
            {
                "traceId": "t1",
                "spanId": f"s{n}",
                "name": "chat",
                "kind": "CLIENT",
                "startTimeUnixNano": (now - HOUR) * 1_000_000 + n,
            }
            for n in range(3)
        ],
    )
    report = push(f"local:{tmp_path / 'data'}", "default-groups", config=SANDBOX, now_ms=now, progress=False)
    assert dict(report.groups["aws/spans"].rejected) == {RESERVED: 3}
    assert any("reserved by AWS" in n for n in report.notes)
    assert "aws/spans" not in groups_in()


def test_a_group_aws_will_not_create_is_reported_and_the_rest_still_go(aws, tmp_path) -> None:  # noqa: F811
    now = _now_s()
    ndjson(tmp_path / "data" / "trail.jsonl", [_trail_event(1, now - HOUR)])
    ndjson(
        tmp_path / "data" / "inv.jsonl",
        [
            {
                "schemaType": "ModelInvocationLog",
                "timestamp": _iso(now - HOUR),
                "requestId": "r1",
                "operation": "Converse",
                "modelId": "amazon.nova-lite-v1:0",
            }
        ],
    )
    config = parse_config(
        {
            "sources": {
                "odd": {
                    "kind": "aws",
                    "regions": ["us-east-1"],
                    "log_groups": {
                        "cloudtrail": "g" * 513,  # CreateLogGroup: "between 1 and 512 characters"
                    },
                }
            }
        }
    )
    report = push(f"local:{tmp_path / 'data'}", "odd", config=config, now_ms=now, progress=False)
    assert dict(report.groups["g" * 513].rejected) == {"refused by AWS": 1}
    assert any("cannot create the log group" in n for n in report.notes)
    assert report.groups["bedrock-model-invocation-logging"].sent == 1
    assert len(events_in("bedrock-model-invocation-logging")) == 1


def test_an_interrupted_push_resumes_without_duplicates(aws, tmp_path) -> None:  # noqa: F811
    now = _now_s()
    ndjson(tmp_path / "data" / "trail.jsonl", [_trail_event(n, now - 30 * HOUR + n * HOUR) for n in range(30)])
    seen: list[int] = []

    def stop(group: str, stream: str, events: int) -> None:
        seen.append(events)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        push(
            f"local:{tmp_path / 'data'}",
            "default-groups",
            config=SANDBOX,
            now_ms=now,
            workers=1,
            progress=False,
            on_batch=stop,
        )
    # events 0..24 (30 h ago .. 6 h ago) span 24 h: the first batch; 25..29 the second
    assert seen == [25]
    assert len(events_in("cloudtrail")) == 25
    again = push(f"local:{tmp_path / 'data'}", "default-groups", config=SANDBOX, now_ms=now, progress=False)
    summary = again.groups["cloudtrail"]
    assert (summary.already_sent, summary.sent) == (25, 5)
    assert len(events_in("cloudtrail")) == 30
    assert sorted(json.loads(e["message"])["requestID"] for e in events_in("cloudtrail")) == sorted(
        f"req-{n}" for n in range(30)
    )


def test_throttling_is_retried_and_aws_side_rejections_are_counted(tmp_path) -> None:
    now = NOW
    ndjson(tmp_path / "data" / "trail.jsonl", [_trail_event(1, now - HOUR), _trail_event(2, now - HOUR + 1000)])
    client = boto3.client("logs", region_name="us-east-1")
    stub = Stubber(client)
    stub.add_response(
        "describe_log_groups", {"logGroups": [{"logGroupName": "cloudtrail"}]}, {"logGroupNamePrefix": "cloudtrail"}
    )
    stub.add_response(
        "create_log_stream", {}, {"logGroupName": "cloudtrail", "logStreamName": "111122223333_CloudTrail_us-east-1"}
    )
    stub.add_client_error("put_log_events", service_error_code="ThrottlingException", http_status_code=400)
    stub.add_response("put_log_events", {"rejectedLogEventsInfo": {"tooNewLogEventStartIndex": 1}})
    slept: list[float] = []
    with stub:
        report = push(
            f"local:{tmp_path / 'data'}",
            "default-groups",
            config=SANDBOX,
            now_ms=now,
            client=client,
            options=AwsOptions(sleep=slept.append),
            progress=False,
        )
    stub.assert_no_pending_responses()
    assert len(slept) == 1  # one backoff before the second PutLogEvents
    assert report.groups["cloudtrail"].sent == 1
    assert dict(report.groups["cloudtrail"].rejected) == {TOO_NEW: 1}


def test_cli_push(aws, tmp_path, capsys, monkeypatch) -> None:  # noqa: F811
    now = _now_s()
    ndjson(tmp_path / "data" / "trail.jsonl", [_trail_event(1, now - HOUR), _trail_event(2, now - 20 * DAY)])
    config = tmp_path / "aiaudit.toml"
    config.write_text(
        '[sources.sandbox]\nkind = "aws"\nregions = ["us-east-1"]\n'
        '[sources.two-regions]\nkind = "aws"\nregions = ["us-east-1", "eu-west-1"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("AIAUDIT_CONFIG", str(config))
    assert main(["push", f"local:{tmp_path / 'data'}", "--to", "sandbox", "--quiet"]) == 1
    text = capsys.readouterr().out
    assert "too old (over 14 days)" in text and "1 event(s) not sent" in text
    assert main(["push", f"local:{tmp_path / 'data'}", "--to", "sandbox", "--shift-to-now", "--restart", "-q"]) == 1
    assert main(["push", f"local:{tmp_path / 'data'}", "--to", "two-regions", "-q"]) == 1
    assert "choose one with --region" in capsys.readouterr().err
