"""Finding schema (DESIGN §6) and Result: JSON round trips, ids, de-duplication, the covers rule."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest

from aiaudit.core.errors import InputError
from aiaudit.core.findings import Finding, covers, dedupe, findings_frame, findings_from_frame, from_json, to_json
from aiaudit.core.result import ChunkStats, QueryStats, Result
from aiaudit.core.timerange import TimeRange

ROLE = "arn:aws:iam::111122223333:role/app"


def make(**kw):
    base = dict(
        rule_id="Q01",
        severity="high",
        title="Denied Bedrock calls",
        summary="12 AccessDenied",
        time_start="2026-11-19T10:00:00Z",
        time_end="2026-11-19T10:05:00Z",
        principals=[ROLE, ROLE],
        source_ips=["203.0.113.9"],
        request_ids=["r-2", "r-1"],
        evidence=["ptr-1"],
    )
    base.update(kw)
    return Finding(**base)


def test_json_round_trip_is_exact():
    finding = make(session_ids=["s-1"], resources=["arn:aws:bedrock:us-east-1::foundation-model/x"], notebook="nb")
    text = to_json([finding])
    back = from_json(text)
    assert back == [finding]
    data = json.loads(text)[0]
    assert data["time_start"] == "2026-11-19T10:00:00Z"
    assert data["principals"] == [ROLE]  # de-duplicated
    assert data["request_ids"] == ["r-1", "r-2"]  # sorted
    assert list(data) == [
        "rule_id",
        "severity",
        "title",
        "summary",
        "time_start",
        "time_end",
        "principals",
        "source_ips",
        "request_ids",
        "session_ids",
        "resources",
        "evidence",
        "evidence_count",
        "subject",
        "rule_ids",
        "notebook",
        "playbook",
        "finding_id",
        "window",
        "key",
        "status",
        "suppressed",
    ]


def test_frame_round_trip_keeps_columns_even_when_empty():
    empty = findings_frame([])
    assert list(empty.columns)[:3] == ["finding_id", "rule_id", "severity"]
    dtype = empty["time_start"].dtype
    assert isinstance(dtype, pd.DatetimeTZDtype) and str(dtype.tz) == "UTC"
    frame = findings_frame([make(), make(rule_id="X01", severity="low")])
    assert len(frame) == 2
    assert findings_from_frame(frame) == [make(), make(rule_id="X01", severity="low")]


def test_ids_are_deterministic_and_depend_on_facts_not_words():
    assert make().finding_id == make(title="other words", summary="x").finding_id
    assert make().finding_id != make(request_ids=["r-3"]).finding_id
    assert make().finding_id.startswith("Q01-")


def test_key_rounds_the_window_start_down_to_the_rules_window():
    subject = f"principal:{ROLE}"

    def key(start, window, **kw):
        return make(time_start=start, time_end=None, subject=subject, window=window, **kw).key

    # 1 h windows fall on UTC hours: 10:20 and 10:59:59 are the same alert, 11:00 a new one
    assert key("2026-11-19T10:20:00Z", "1h") == key("2026-11-19T10:59:59Z", "1h")
    assert key("2026-11-19T10:20:00Z", "1h") != key("2026-11-19T11:00:00Z", "1h")
    # 24 h windows fall on UTC days
    assert key("2026-11-19T00:00:00Z", "24h") == key("2026-11-19T23:59:59Z", "24h")
    assert key("2026-11-19T23:59:59Z", "24h") != key("2026-11-20T00:00:00Z", "24h")
    # 90 min windows counted from the epoch (00:00, 01:30, 03:00 ...): 01:29 and 01:30 differ
    assert key("2026-11-19T00:10:00Z", "5400s") == key("2026-11-19T01:29:59Z", "5400s")
    assert key("2026-11-19T01:29:59Z", "5400s") != key("2026-11-19T01:30:00Z", "5400s")
    # one finding per subject over the range: the start does not matter, the subject and rule do
    assert key("2026-11-19T10:00:00Z", "range") == key("2026-11-25T03:00:00Z", "range")
    assert key("2026-11-19T10:00:00Z", "range") != key("2026-11-19T10:00:00Z", "range", rule_id="X01")
    assert make(time_start="2026-11-19T10:00:00Z", subject="principal:other", window="range").key != key(
        "2026-11-19T10:00:00Z", "range"
    )
    # window not said: the exact start (the finding id's rule); no subject: the facts (the finding id)
    unsaid = make(subject=subject)
    assert unsaid.key == unsaid.finding_id
    assert make().key == make().finding_id and make().key != make(request_ids=["r-9"]).key
    # the key is kept as read (a redacted report's subjects would give another key)
    assert (
        Finding.from_dict({**unsaid.to_dict(), "subject": "principal:email-1234abcd@redacted.invalid"}).key
        == unsaid.key
    )
    with pytest.raises(InputError, match="fixed length"):
        make(window="1mo")
    with pytest.raises(InputError, match="unknown finding status"):
        make(status="closed")


def test_validation():
    with pytest.raises(InputError, match="unknown severity"):
        make(severity="urgent")
    with pytest.raises(InputError, match="naive"):
        make(time_start=datetime(2026, 1, 1))
    with pytest.raises(InputError, match="before"):
        make(time_start="2026-11-19T11:00:00Z")
    with pytest.raises(InputError, match="unknown finding field"):
        Finding.from_dict({**make().to_dict(), "colour": "red"})


def test_dedupe_keeps_highest_severity_and_orders_by_severity():
    low = make(severity="low")
    high = make(severity="critical")
    other = make(rule_id="X02", severity="medium")
    out = dedupe([low, other, high])
    assert [f.severity for f in out] == ["critical", "medium"]


INCIDENT = {
    "id": "guardrail-weakened",
    "principals": [ROLE],
    "request_ids": ["r-9"],
    "session_ids": ["s-9"],
    "window": {"start": "2026-11-19T09:00:00Z", "end": "2026-11-19T09:30:00Z"},
}


def test_covers_rule():
    assert covers(make(request_ids=["r-9"], principals=[]), INCIDENT)
    assert covers(make(session_ids=["s-9"], request_ids=[], principals=[]), INCIDENT)
    # principal shared, window starts 10:45: after the incident's end (09:30) widened by one hour
    assert not covers(
        make(request_ids=[], time_start="2026-11-19T10:45:00Z", time_end="2026-11-19T10:50:00Z"), INCIDENT
    )
    # ... but a window starting 10:30 is inside the one-hour slack (inclusive)
    assert covers(make(request_ids=[], time_start="2026-11-19T10:30:00Z", time_end="2026-11-19T10:40:00Z"), INCIDENT)
    # and one ending 08:00, an hour before the start, too
    assert covers(make(request_ids=[], time_start="2026-11-19T07:00:00Z", time_end="2026-11-19T08:00:00Z"), INCIDENT)
    # a window longer than 24 h says nothing about when: not covered through the principal
    assert not covers(
        make(request_ids=[], time_start="2026-11-18T09:00:00Z", time_end="2026-11-19T09:20:00Z"), INCIDENT
    )
    # a finding with no time covers nothing, not even through a shared request id
    assert not covers(make(request_ids=["r-9"], time_start=None, time_end=None), INCIDENT)
    # principal shared and overlapping time: covered
    assert covers(make(request_ids=[], time_start="2026-11-19T09:20:00Z", time_end="2026-11-19T11:00:00Z"), INCIDENT)
    # redacted principals never match
    redacted = {**INCIDENT, "principals": ["<redacted>"], "request_ids": [], "session_ids": []}
    assert not covers(make(principals=["<redacted>"], request_ids=[]), redacted)
    # a normaliser maps session ARNs to roles
    session = "arn:aws:sts::111122223333:assumed-role/app/s1"
    norm = {session: ROLE}.get
    assert covers(
        make(principals=[session], request_ids=[], time_start="2026-11-19T09:00:00Z"),
        INCIDENT,
        normalise=lambda p: norm(p, p),
    )


def test_result_summary_and_stats():
    tr = TimeRange("2026-11-19T00:00:00Z", "2026-11-20T00:00:00Z")
    chunks = [ChunkStats(bytes_scanned=2e9, records_scanned=10, rows=3), ChunkStats(bytes_scanned=1e9, rows=2)]
    stats = QueryStats.from_chunks(chunks, elapsed_s=1.5)
    assert stats.bytes_scanned == 3e9 and stats.estimated_cost_usd == pytest.approx(0.015)
    result = Result(frame=pd.DataFrame({"a": [1]}), stats=stats, warnings=["capped"], time_range=tr, complete=False)
    summary = result.summary()
    json.dumps(summary)  # JSON-ready
    assert summary["complete"] is False and summary["rows"] == 1
    assert summary["time_range"] == {"start": "2026-11-19T00:00:00Z", "end": "2026-11-20T00:00:00Z"}
    assert "INCOMPLETE" in result._repr_html_() and "capped" in result._repr_html_()
