"""The one findings builder (``core.grouping``) and the merge of related rules (``core.findings.merge``),
on hand-written rows whose expected findings are worked out by hand in each test."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from aiaudit.core.findings import Finding, merge
from aiaudit.core.grouping import EVIDENCE_CAP, findings, windows

ALICE = "arn:aws:iam::111122223333:role/alice"
BOB = "arn:aws:iam::111122223333:role/bob"


def t(hhmm: str, day: int = 1) -> pd.Timestamp:
    return pd.Timestamp(f"2026-11-{day:02d}T{hhmm}:00Z")


def rows(*items: tuple[str, str, str]) -> pd.DataFrame:
    """(principal, time, request id) rows with an evidence pointer each."""
    return pd.DataFrame(
        {
            "principal": [p for p, _, _ in items],
            "time": [t(hhmm) for _, hhmm, _ in items],
            "request_id": [r for _, _, r in items],
            "@ptr": [f"ptr-{r}" for _, _, r in items],
        }
    )


def test_activity_windows_follow_the_gap_not_the_clock() -> None:
    # 09:50 and 10:10 are 20 min apart: one window across the hour; 12:00 is 110 min later: a new one
    times = pd.Series([t("09:50"), t("10:10"), t("12:00"), t("12:30")])
    assert windows(times, pd.Timedelta("1h").to_pytimedelta()).tolist() == [0, 0, 1, 1]


def test_one_finding_per_subject_and_window_with_counted_evidence() -> None:
    frame = rows(
        (ALICE, "09:50", "a1"),
        (ALICE, "10:10", "a2"),
        (BOB, "10:00", "b1"),
        (ALICE, "12:00", "a3"),
    )
    found = findings(frame, rule_id="X99", severity="medium", title="{count} denied calls by {subject}")
    got = sorted((f.subject, f.time_start, f.time_end, f.evidence_count, f.request_ids, f.title) for f in found)
    assert got == [
        (
            f"principal:{ALICE}",
            datetime(2026, 11, 1, 9, 50, tzinfo=UTC),
            datetime(2026, 11, 1, 10, 10, tzinfo=UTC),
            2,
            ["a1", "a2"],
            f"2 denied calls by {ALICE}",
        ),
        (
            f"principal:{ALICE}",
            datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
            datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
            1,
            ["a3"],
            f"1 denied calls by {ALICE}",
        ),
        (
            f"principal:{BOB}",
            datetime(2026, 11, 1, 10, 0, tzinfo=UTC),
            datetime(2026, 11, 1, 10, 0, tzinfo=UTC),
            1,
            ["b1"],
            f"1 denied calls by {BOB}",
        ),
    ]
    # the id is rule × subject × window start: the same rows give the same ids, another rule other ids
    again = findings(frame, rule_id="X99", severity="medium", title="other words")
    assert sorted(f.finding_id for f in again) == sorted(f.finding_id for f in found)
    other = findings(frame, rule_id="X98", severity="medium", title="{count} denied calls by {subject}")
    assert not {f.finding_id for f in other} & {f.finding_id for f in found}


def test_evidence_is_capped_but_every_row_counted() -> None:
    frame = rows(*[(ALICE, f"10:{i:02d}", f"r{i:02d}") for i in range(40)])
    (only,) = findings(frame, rule_id="X99", severity="low", title="t")
    assert only.evidence_count == 40
    assert len(only.evidence) == EVIDENCE_CAP == 25
    assert only.evidence[:2] == ["ptr-r00", "ptr-r01"]


def test_a_window_never_grows_beyond_a_day() -> None:
    # one call every 50 minutes for 30 hours: each follows the previous within the 1 h window, but one
    # alert covers at most 24 h, so the activity is cut in two
    times = [pd.Timestamp("2026-11-01T00:00Z") + pd.Timedelta(minutes=50 * i) for i in range(37)]
    frame = pd.DataFrame({"principal": ALICE, "time": times, "request_id": [f"r{i}" for i in range(37)]})
    found = findings(frame, rule_id="X99", severity="low", title="t")
    assert len(found) == 2
    assert all(f.time_end - f.time_start <= pd.Timedelta(hours=24) for f in found)
    assert sum(f.evidence_count for f in found) == 37


def F(rule: str, severity: str, subject: str, start: str, end: str, evidence: int, title: str = "") -> Finding:
    return Finding(
        rule_id=rule,
        severity=severity,
        title=title or f"{rule} finding",
        time_start=t(start).to_pydatetime(),
        time_end=t(end).to_pydatetime(),
        principals=[subject.split(":", 1)[1]] if subject else [],
        request_ids=[f"{rule}-req"],
        evidence=[f"{rule}-ptr"],
        evidence_count=evidence,
        subject=subject,
    )


def test_related_rules_merge_on_subject_and_overlapping_windows() -> None:
    signals = {"Q05": "config-change", "AL05": "config-change", "Q07": "config-change"}
    alarm = F("AL05", "high", f"principal:{ALICE}", "16:35", "16:35", 1, "alarm title")
    q05 = F("Q05", "high", f"principal:{ALICE}", "16:35", "16:40", 4, "StopLogging by alice")
    q07 = F("Q07", "medium", f"principal:{ALICE}", "16:38", "16:50", 9, "changes by alice")
    later = F("Q07", "medium", f"principal:{ALICE}", "18:00", "18:05", 2)  # no overlap: its own finding
    bob = F("Q05", "high", f"principal:{BOB}", "16:35", "16:40", 3)  # another subject: its own finding
    unrelated = F("X10", "medium", f"principal:{ALICE}", "16:35", "16:40", 5)  # no signal: passes through
    out = merge([alarm, q05, q07, later, bob, unrelated], signals)
    assert len(out) == 4  # {alarm, q05, q07} joined; later, bob, unrelated apart
    (joined,) = [f for f in out if len(f.rule_ids) > 1]
    assert joined.rule_ids == ["Q05", "AL05", "Q07"]  # the lead first, then the others sorted
    # lead: the most severe (high: AL05, Q05), then the one with the most evidence (Q05: 4 rows)
    assert (joined.rule_id, joined.title, joined.severity) == ("Q05", "StopLogging by alice", "high")
    assert joined.time_start == datetime(2026, 11, 1, 16, 35, tzinfo=UTC)
    assert joined.time_end == datetime(2026, 11, 1, 16, 50, tzinfo=UTC)
    assert joined.evidence_count == 14
    assert joined.request_ids == ["AL05-req", "Q05-req", "Q07-req"]
    assert sorted(f.rule_id for f in out if f is not joined) == ["Q05", "Q07", "X10"]


def test_findings_without_subject_or_time_never_merge() -> None:
    signals = {"AL01": "llmjacking", "X14": "llmjacking"}
    # an alarm episode with two principals has no subject: it stays its own finding
    alarm = F("AL01", "medium", "", "15:15", "15:25", 25)
    x14 = F("X14", "high", f"principal:{ALICE}", "15:10", "15:30", 68)
    timeless = Finding(rule_id="X14", severity="high", title="no time", subject=f"principal:{ALICE}")
    out = merge([alarm, x14, timeless], signals)
    assert sorted((f.rule_id, len(f.rule_ids)) for f in out) == [("AL01", 1), ("X14", 1), ("X14", 1)]


def test_an_alarm_that_only_counted_takes_the_grade_of_the_detection_that_judged() -> None:
    signals = {"AL05": "config-change", "Q05": "config-change"}
    # the guide's alarm fires (high) on a logging configuration being switched back on; Q05 read the
    # same event and graded it low
    alarm = F("AL05", "high", f"principal:{ALICE}", "22:36", "22:36", 1, "alarm")
    q05 = F("Q05", "low", f"principal:{ALICE}", "22:36", "22:36", 1, "logging enabled by alice")
    (joined,) = merge([alarm, q05], signals, defer={"AL05"})
    assert (joined.severity, joined.rule_id, joined.title) == ("low", "Q05", "logging enabled by alice")
    assert joined.rule_ids == ["Q05", "AL05"]
    # without a detection beside it, the alarm keeps its own grade; without ``defer`` the highest wins
    (alone,) = merge([alarm], signals, defer={"AL05"})
    assert alone.severity == "high"
    (undeferred,) = merge([alarm, q05], signals)
    assert undeferred.severity == "high"


def test_a_merged_finding_cites_every_rules_evidence_whatever_the_pointers_are_called() -> None:
    # two llmjacking rules on one principal, three rows each: the merged finding cites all six. A second cap
    # could only cut by the pointers' text, which names where a copy keeps the row, not the event
    signals = {"X18": "llmjacking", "X20": "llmjacking"}

    def pair(names: dict[str, str]) -> Finding:
        x18 = F("X18", "high", f"principal:{ALICE}", "10:00", "10:30", 3)
        x20 = F("X20", "medium", f"principal:{ALICE}", "10:10", "10:40", 3)
        x18.evidence, x20.evidence = [names[p] for p in ("e1", "e2", "e3")], [names[p] for p in ("e4", "e5", "e6")]
        (joined,) = merge([x18, x20], signals)
        return joined

    local = pair({f"e{n}": f"7b0e89fc9ac0-{n}" for n in range(1, 7)})
    # the same events in the run-local copy: pointers whose text sorts the other way round
    fetched = pair({f"e{n}": f"{'z' * (7 - n)}-{n}" for n in range(1, 7)})
    assert local.evidence == [f"7b0e89fc9ac0-{n}" for n in range(1, 7)]
    assert sorted(p.split("-")[1] for p in fetched.evidence) == ["1", "2", "3", "4", "5", "6"]
    assert local.evidence_count == 6
