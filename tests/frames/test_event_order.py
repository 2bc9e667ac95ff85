"""Rows of a projection come in event order (time, then the record's own text or its hash), not in the order a copy
stores them: two copies of the same events — a local folder and the run-local store a playbook fetches from
Logs Insights — must give every "first N" (evidence capped per finding, ids listed) the same rows."""

from __future__ import annotations

import json
from pathlib import Path

import aiaudit
from aiaudit.core.grouping import EVIDENCE_CAP, findings
from aiaudit.core.timerange import TimeRange, to_utc

PRINCIPAL = "arn:aws:iam::111122223333:user/mallory"


def event(number: int, second: int, **more: str) -> dict[str, object]:
    """A CloudTrail event whose JSON text starts with its event id (so text order is id order)."""
    return {
        "eventID": f"e{number:02d}",
        "eventVersion": "1.08",
        "eventTime": f"2026-11-19T10:00:0{second}Z",
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "InvokeModel",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7",
        "userIdentity": {"type": "IAMUser", "arn": PRINCIPAL, "accountId": "111122223333"},
        "requestID": f"req-{number:02d}",
        "recipientAccountId": "111122223333",
        **more,
    }


def copy_of(folder: Path, events: list[dict[str, object]], ids: list[str]) -> Path:
    """The events as ``aws logs filter-log-events`` prints them (the run-local store's files)."""
    folder.mkdir(parents=True)
    lines = []
    for record, event_id in zip(events, ids, strict=True):
        millis = int(to_utc(str(record["eventTime"])).timestamp() * 1000)
        lines.append(
            json.dumps({"eventId": event_id, "logStreamName": "s", "timestamp": millis, "message": json.dumps(record)})
        )
    (folder / "cloudtrail.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_two_copies_of_the_same_events_project_and_cap_evidence_alike(tmp_path):
    # 30 events in one second (e00..e29) and 2 a second earlier (e30, e31), more than a finding cites
    events = [event(n, 1) for n in range(30)] + [event(30, 0), event(31, 0)]
    first = copy_of(tmp_path / "first", events, [f"a{n}" for n in range(32)])
    # the second copy holds them in the opposite order, under other event ids (other files, other @ptr)
    second = copy_of(tmp_path / "second", events[::-1], [f"b{n}" for n in range(32)])
    window = TimeRange(to_utc("2026-11-19T09:00:00Z"), to_utc("2026-11-19T11:00:00Z"))
    orders, cited = [], []
    for folder in (first, second):
        with aiaudit.connect(f"local:{folder}") as src:
            frame = src.projection("cloudtrail", window)
        order = frame["request_id"].tolist()
        # time first: the two events of the earlier second lead
        assert sorted(order[:2]) == ["req-30", "req-31"] and sorted(order) == sorted(f"req-{n:02d}" for n in range(32))
        (found,) = findings(frame, rule_id="T1", severity="low", title="calls by {principal}")
        assert found.evidence_count == 32 and len(found.evidence) == EVIDENCE_CAP
        by_ptr = dict(zip(frame["@ptr"], frame["request_id"], strict=True))
        orders.append(order)
        cited.append(sorted(by_ptr[p] for p in found.evidence))
    # ties in time are ordered by the record's text (its hash), so both copies give the same order, and the
    # finding cites the same 25 events, whichever copy was read (by @ptr, e00..e29 would come in opposite orders)
    assert orders[0] == orders[1]
    assert cited[0] == cited[1] == sorted(orders[0][:EVIDENCE_CAP])


def test_an_alarm_cites_the_same_events_from_either_copy(tmp_path):
    import pandas as pd

    from aiaudit.catalog import catalog
    from aiaudit.catalog.kinds import metric_filter

    # 30 denied Bedrock calls in one second: MF01 (AL01's filter) matches them all; an alarm cites 25
    events = [event(n, 1, errorCode="AccessDeniedException") for n in range(30)]
    first = copy_of(tmp_path / "first", events, [f"a{n}" for n in range(30)])
    second = copy_of(tmp_path / "second", events[::-1], [f"b{n}" for n in range(30)])
    mf = metric_filter.spec(catalog["MF01"])
    start, end = pd.Timestamp("2026-11-19T10:00:00Z"), pd.Timestamp("2026-11-19T10:05:00Z")
    for folder in (first, second):
        with aiaudit.connect(f"local:{folder}") as src:
            matched = metric_filter.matched_events(src.store, mf, start, end)
        assert matched["request_id"].tolist() == [f"req-{n:02d}" for n in range(30)]
