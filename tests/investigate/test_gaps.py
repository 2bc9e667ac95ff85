"""Telemetry gaps as findings: request ids missing on one side, silences, volume drops, late delivery."""

from __future__ import annotations

import json

import pandas as pd

from aiaudit.core.timerange import TimeRange
from aiaudit.investigate import Telemetry, gaps, volume_gaps

from . import story as S


def _by_rule(findings):
    return sorted((f.rule_id, f.severity, tuple(f.request_ids)) for f in findings)


def test_request_id_gaps_on_the_story(data, tr):
    found = gaps(data, tr, lookback="1h", ingestion=False)
    assert _by_rule(found) == [
        ("gap:cloudtrail-missing", "medium", (S.R4,)),  # invocation log with no CloudTrail
        ("gap:cloudtrail-missing", "medium", (S.R6,)),  # model-call span with no CloudTrail
        ("gap:invocation-log-missing", "medium", (S.R3,)),  # other calls that hour were logged
    ]
    missing = next(f for f in found if f.rule_id == "gap:invocation-log-missing")
    assert missing.principals == [S.MALLORY] and missing.source_ips == [S.MALLORY_IP]
    assert str(missing.time_start) == "2026-01-10 10:10:00+00:00" and len(missing.evidence) == 1
    span_gap = next(f for f in found if S.R6 in f.request_ids)
    assert span_gap.session_ids == [S.S2]


def test_invocation_logging_off_for_the_hour_is_high(tr):
    raw = S.raw_frames()
    raw["invocations"] = raw["invocations"].iloc[0:0]  # nothing logged at all
    found = gaps(Telemetry.from_raw(raw), tr, lookback="1h", ingestion=False)
    missing = [f for f in found if f.rule_id == "gap:invocation-log-missing"]
    assert [(f.severity, len(f.request_ids)) for f in missing] == [("high", 4)]


def test_ingestion_delay_from_ingestion_time(tr):
    late = {"cloudtrail-3": 2 * 3600, "spans-0": 20 * 60}
    found = gaps(Telemetry.from_raw(S.raw_frames(late)), tr, lookback="1h", max_delay="15m")
    delays = sorted((f.title, f.severity, tuple(f.evidence)) for f in found if f.rule_id == "gap:ingestion-delay")
    assert delays == [
        ("1 cloudtrail record(s) arrived more than 0:15:00 late", "medium", ("cloudtrail-3",)),
        ("1 spans record(s) arrived more than 0:15:00 late", "low", ("spans-0",)),
    ]


def test_local_store_skips_ingestion_delay_by_default(store, tr):
    # the store's @ingestionTime is when aiaudit read the files (months after the story)
    assert not [f for f in gaps(store, tr, lookback="1h") if f.rule_id == "gap:ingestion-delay"]


def _ct_frame(stamps: list[pd.Timestamp]) -> pd.DataFrame:
    records = [
        {
            "eventVersion": "1.11",
            "eventTime": s.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": "sts.amazonaws.com",
            "eventName": "GetCallerIdentity",
            "awsRegion": "us-east-1",
            "requestID": f"req-{i}",
            "eventID": f"evt-{i}",
            "userIdentity": {
                "type": "IAMUser",
                "arn": "arn:aws:iam::111122223333:user/bob",
                "accountId": "111122223333",
            },
        }
        for i, s in enumerate(stamps)
    ]
    return pd.DataFrame(
        {
            "@timestamp": stamps,
            "@message": [json.dumps(r) for r in records],
            "@ptr": [f"ct-{i}" for i in range(len(stamps))],
            "@ingestionTime": [s + pd.Timedelta(minutes=2) for s in stamps],
        }
    )


def test_silence_and_volume_drop_against_the_lookback():
    day0 = pd.Timestamp("2026-01-09T00:00:00Z")
    baseline = [day0 + pd.Timedelta(minutes=5 * i) for i in range(24 * 12)]  # 12 per hour for a day
    day1 = pd.Timestamp("2026-01-10T00:00:00Z")
    hours = {0: 12, 1: 12, 2: 0, 3: 0, 4: 1, 5: 12}  # silent 02:00-03:59, one record at 04:xx
    current = [day1 + pd.Timedelta(hours=h, minutes=5 * i) for h, n in hours.items() for i in range(n)]
    tel = Telemetry.from_raw({"cloudtrail": _ct_frame(baseline + current)})
    window = TimeRange("2026-01-10T00:00:00Z", "2026-01-10T05:59:59Z")
    found, table = volume_gaps(tel, window, lookback="1d", pipelines=("cloudtrail",))
    assert [(f.rule_id, f.severity, str(f.time_start), str(f.time_end)) for f in found] == [
        ("gap:silence", "high", "2026-01-10 02:00:00+00:00", "2026-01-10 03:59:59+00:00"),
        ("gap:volume-drop", "medium", "2026-01-10 04:00:00+00:00", "2026-01-10 04:59:59+00:00"),
    ]
    assert list(table["count"]) == [12, 12, 0, 0, 1, 12] and set(table["expected"]) == {12.0}


def test_short_silence_in_a_quiet_pipeline_is_not_a_finding():
    day0 = pd.Timestamp("2026-01-09T00:00:00Z")
    baseline = [day0 + pd.Timedelta(hours=i) for i in range(24)]  # one an hour
    current = [pd.Timestamp("2026-01-10T00:30:00Z"), pd.Timestamp("2026-01-10T03:30:00Z")]
    tel = Telemetry.from_raw({"cloudtrail": _ct_frame(baseline + current)})
    window = TimeRange("2026-01-10T00:00:00Z", "2026-01-10T03:59:59Z")
    found, _ = volume_gaps(tel, window, lookback="1d", pipelines=("cloudtrail",))
    assert found == []  # two empty hours at 1/hour expect 2 records, under min_expected (10)
