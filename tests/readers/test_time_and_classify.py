"""Time parsing and record classification, with expected values worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aiaudit.readers import classify, is_digest, parse_event_time, parse_nanos, record_time


def ms(text: str) -> int:
    """Reference conversion through the standard library (independent of the code under test)."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-01-01T00:00:00Z", 1546300800000),
        ("2019-01-01 00:00:00", 1546300800000),
        ("2019-01-01 00:00:00Z", 1546300800000),
        ("2025-01-21 17:49:47.000000000", ms("2025-01-21T17:49:47")),
        ("2021-01-24 04:55:45.123", ms("2021-01-24T04:55:45.123")),
        ("2024-01-01T00:00:00.999999999Z", 1704067200999),  # truncated, never rounded into the next second
        ("20131102T010628Z", ms("2013-11-02T01:06:28")),
        ("2024-05-01T12:00:00+02:00", ms("2024-05-01T10:00:00")),
        ("2024-05-01T12:00:00-0130", ms("2024-05-01T13:30:00")),
        ("2024-02-29T00:00:00Z", ms("2024-02-29T00:00:00")),
        ("1970-01-01T00:00:00Z", 0),
        (1714557600, 1714557600000),  # epoch seconds
        (1714557600123, 1714557600123),  # epoch ms
        ("redacted", None),
        ("...", None),
        ("", None),
        ("2023-02-29T00:00:00Z", None),  # not a leap year
        ("2024-13-01T00:00:00Z", None),
        ("2024-01-01T25:00:00Z", None),
        ("2024-01-01T00:00:00 junk", None),
        ("２０２４-01-01T00:00:00Z", None),  # full-width digits are not a time
        (None, None),
        (True, None),
        ({"a": 1}, None),
    ],
)
def test_parse_event_time(value: object, expected: int | None) -> None:
    assert parse_event_time(value) == expected


def test_nanos_stay_exact() -> None:
    assert parse_nanos(1765036280876512050) == 1765036280876512050
    assert parse_nanos("1765036280876512050") == 1765036280876512050
    assert parse_nanos(0) is None and parse_nanos("0") is None and parse_nanos(True) is None


def test_record_time_flags() -> None:
    assert record_time("cloudtrail", {}) == (None, "missing eventTime")
    assert record_time("cloudtrail", {"eventTime": "redacted"}) == (None, "unparseable eventTime: 'redacted'")
    assert record_time("invocations", {"timestamp": "2024-05-01T10:00:00Z"}) == (ms("2024-05-01T10:00:00"), None)
    assert record_time("spans", {"durationNano": 5}) == (None, "missing startTimeUnixNano")
    assert record_time("spans", {"startTimeUnixNano": 0, "endTimeUnixNano": 2_000_000}) == (2, None)
    assert record_time("runtime_logs", {"timeUnixNano": 0, "observedTimeUnixNano": 3_999_999}) == (3, None)
    cache: dict[object, int | None] = {}
    record_time("cloudtrail", {"eventTime": "2019-01-01T00:00:00Z"}, cache)
    assert cache == {"2019-01-01T00:00:00Z": 1546300800000}


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"eventVersion": "1.08", "eventTime": "x", "eventName": "GetObject"}, "cloudtrail"),
        ({"eventVersion": "1.07", "eventTime": "x", "eventType": "AwsCloudTrailInsight"}, "cloudtrail"),
        ({"eventName": "GetResourceOauth2Token", "eventSource": "x", "userIdentity": {}}, "cloudtrail"),
        ({"eventName": "CreateUser", "responseElements": {}}, "cloudtrail"),
        ({"eventname": "GetRecords", "eventtime": "x", "eventversion": "1.08"}, None),  # a data lake's lower-case copy
        ({"eventType": "logout"}, None),
        ({"schemaType": "ModelInvocationLog", "timestamp": "x"}, "invocations"),
        ({"modelId": "m", "operation": "Converse", "requestId": "r", "input": {}}, "invocations"),
        ({"modelId": "m", "operation": "Converse"}, None),
        ({"traceId": "t", "spanId": "s", "name": "n", "durationNano": 1}, "spans"),
        ({"traceId": "t", "spanId": "s", "name": "n", "kind": "CLIENT", "events": []}, "spans"),
        ({"traceId": "t", "spanId": "s", "timeUnixNano": 1, "severityNumber": 9, "body": "x"}, "runtime_logs"),
        ({"traceId": "t", "spanId": "s", "severityText": "INFO", "body": {}}, "runtime_logs"),
        ({"traceId": "t", "spanId": "s"}, None),
        ({"_rule_id": "x", "event": {"eventVersion": "1.05", "eventName": "X", "eventTime": "x"}}, None),
        ({"incidents": []}, None),
    ],
)
def test_classify(obj: dict[str, object], expected: str | None) -> None:
    assert classify(obj) == expected


def test_digest_is_not_a_pipeline() -> None:
    digest = {"digestStartTime": "x", "digestEndTime": "y", "logFiles": [], "awsAccountId": "1"}
    assert classify(digest) is None and is_digest(digest)
    assert not is_digest({"eventVersion": "1.08", "eventTime": "x"})
