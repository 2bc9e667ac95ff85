"""The classic-QL conformance records: a few events per group, every expected result in
``test_cwli_conformance.py`` is worked out by hand from these.

Six application events in the ``cloudtrail`` group (minutes after 2026-01-01T00:00:00Z in the comments),
two runtime log records in two runtime groups, two spans. Values are chosen to exercise AWS's dynamic
typing: numbers and numeric strings (``status``), a non-numeric value among numbers (``latency``), absent
fields, an empty and a blank string, arrays, nested and dotted keys, IPv4 and IPv6 addresses, booleans.
"""

from __future__ import annotations

from typing import Any

EVENTS: list[dict[str, Any]] = [
    {  # E1 00:00:00
        "eventTime": "2026-01-01T00:00:00Z",
        "requestID": "r1",
        "eventName": "InvokeModel",
        "user": "alice",
        "status": 200,
        "latency": 120,
        "ip": "10.0.0.1",
        "msg": "[INFO] user=alice latency=120 ok",
        "tags": ["a", "b"],
        "flag": True,
        "model": "anthropic.claude-3-haiku",
        "tokens": 10,
    },
    {  # E2 00:01:30
        "eventTime": "2026-01-01T00:01:30Z",
        "requestID": "r2",
        "eventName": "Converse",
        "user": "bob",
        "status": "404",
        "latency": 85.5,
        "ip": "10.0.0.2",
        "msg": "[ERROR] user=bob latency=85 failed",
        "flag": False,
        "model": "amazon.nova-lite",
        "tokens": 5,
        "errorCode": "AccessDenied",
    },
    {  # E3 00:04:00
        "eventTime": "2026-01-01T00:04:00Z",
        "requestID": "r3",
        "eventName": "InvokeModel",
        "user": "carol",
        "status": 500,
        "latency": 300,
        "ip": "192.168.1.20",
        "msg": "[WARN] user=carol latency=300 slow",
        "tags": ["c"],
        "model": "anthropic.claude-3-5-sonnet",
        "tokens": 30,
    },
    {  # E4 00:05:00
        "eventTime": "2026-01-01T00:05:00Z",
        "requestID": "r4",
        "eventName": "ListModels",
        "user": "alice",
        "status": 200,
        "ip": "2001:db8::5",
        "msg": "plain text a/b",
        "foo-bar": "x",
    },
    {  # E5 00:09:59
        "eventTime": "2026-01-01T00:09:59Z",
        "requestID": "r5",
        "eventName": "Converse",
        "user": "dave",
        "latency": "n/a",
        "ip": "not-an-ip",
        "msg": "[INFO] user=dave latency=9 ok",
        "tokens": 20,
        "empty": "",
        "blank": "   ",
    },
    {  # E6 00:10:00
        "eventTime": "2026-01-01T00:10:00Z",
        "requestID": "r6",
        "eventName": "InvokeModel",
        "user": "erin",
        "status": 200,
        "latency": 50,
        "ip": "10.1.2.3",
        "msg": "Exception: boom\nsecond line",
        "model": "meta.llama3",
        "tokens": 40,
        "nested": {"a": {"b": 1}},
        "dotted.key": "dk",
    },
]

T0 = 1767225600000000000  # 2026-01-01T00:00:00Z in ns
RUNTIME: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (
        {"traceId": "t1", "severityText": "INFO", "body": "started", "timeUnixNano": T0 + 120_000_000_000},
        {"@log": "/aws/bedrock-agentcore/runtimes/agentA"},
    ),
    (
        {"traceId": "t2", "severityText": "ERROR", "body": "boom", "timeUnixNano": T0 + 480_000_000_000},
        {"@log": "/aws/bedrock-agentcore/runtimes/agentB"},
    ),
]
SPANS: list[dict[str, Any]] = [
    {"traceId": "t1", "spanId": "s1", "name": "chat", "startTimeUnixNano": T0 + 30_000_000_000,
     "durationNano": 1_500_000_000, "status": {"code": "OK"}},
    {"traceId": "t1", "spanId": "s2", "name": "tool", "startTimeUnixNano": T0 + 180_000_000_000,
     "durationNano": 250_000_000, "status": {"code": "ERROR"}},
]  # fmt: skip

#: AWS's documented ascending sort order (CWL_QuerySyntax-Sort), one value per event.
NATURAL = ["!:", "#", "*%04", "0#", "5A", "111A", "2345_", "@", "@_", "A", "A9876fghj", "a12345hfh", "0", "01", "1"]
NATURAL += ["2", "3"]
