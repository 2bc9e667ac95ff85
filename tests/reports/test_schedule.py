"""Scheduled reports that remember: consecutive simulated days run as a nightly job would.

Seed 7 at scale 0.1 plants incidents on both days (truth.json). Expectations are written from what a
schedule means, not from the comparison code: a report over day 2 shares no finding with the report over
day 1 (every rule's window is at most a UTC day and their windows start on different days), so every
day-2 finding is new and every day-1 finding is gone as outside the range; a rolling 48 h report still has
every day-1 finding, so those are open; running a report again over the same range finds nothing new, and
then the exit status is 0 whatever the severities. Suppressions name findings by rule and subject, mark
them without dropping them, and an expired one warns and suppresses nothing.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from aiaudit.cli import main
from aiaudit.core.timerange import utc_now
from aiaudit.reports.playbook import load_playbook
from aiaudit.reports.runner import EXIT_FINDINGS, EXIT_OK, run_playbook
from aiaudit.simulate import simulate

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DAY1 = ("2026-11-18T00:00:00Z", "2026-11-18T23:59:59Z")
DAY2 = ("2026-11-19T00:00:00Z", "2026-11-19T23:59:59Z")
#: INC-02 (audit tampering on day 2): StopLogging and DeleteModelInvocationLoggingConfiguration by this role,
#: found by Q05, Q07 and the back-tested alarms AL05 and AL14 (merged into one finding: every rule must be
#: accepted to suppress it)
TAMPERER = "principal:arn:aws:iam::952947022658:role/AWSReservedSSO_MLEngineer_5b06a688bbb2776d"


def read(folder: Path, name: str = "findings.json") -> list[dict]:
    return json.loads((folder / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def nightly(tmp_path_factory):
    root = tmp_path_factory.mktemp("schedule")
    data = root / "data"
    simulate(data, days=2, seed=7, scale=0.1)
    (root / "nightly.yaml").write_text(
        "name: nightly\ndescription: detections, nightly\nsince: 24h\nseverity_policy: {fail_on: high}\n"
        "notebooks:\n  - notebook: detections\n"
    )
    today = utc_now().date()
    suppressions = root / "suppressions.toml"
    accepted = (today + timedelta(days=30)).isoformat()
    suppressions.write_text(
        f'[[suppress]]\nrule = "Q05"\nsubject = "{TAMPERER}"\nreason = "change window CHG-1234"\n'
        f'owner = "secops"\nexpires = {accepted}\n\n'
        f'[[suppress]]\nrule = "Q07"\nsubject = "{TAMPERER}"\nreason = "change window CHG-1234"\n'
        f'owner = "secops"\nexpires = {accepted}\n\n'
        f'[[suppress]]\nrule = "AL*"\nsubject = "{TAMPERER}"\nreason = "change window CHG-1234"\n'
        f'owner = "secops"\nexpires = {accepted}\n\n'
        f'[[suppress]]\nrule = "Q01"\nsubject = "*"\nreason = "accepted last quarter"\n'
        f'owner = "secops"\nexpires = {(today - timedelta(days=1)).isoformat()}\n'
    )
    book = load_playbook(root / "nightly.yaml")

    def run(name: str, window: tuple[str, str], previous: str | None, **kw):
        return run_playbook(
            book,
            source=f"local:{data}",
            out=root / name,
            start=window[0],
            end=window[1],
            notebooks=ROOT / "notebooks",
            previous=root / previous if previous else None,
            progress=False,
            **kw,
        )

    outcomes = {
        "day1": run("day1", DAY1, "never-ran"),
        "day2": run("day2", DAY2, "day1", suppressions=suppressions),
        "rolling": run("rolling", (DAY1[0], DAY2[1]), "day1"),
        "again": run("again", DAY2, "day2", suppressions=suppressions),
    }
    return root, outcomes


def test_first_run_without_a_previous_report_marks_everything_new(nightly):
    root, _ = nightly
    findings = read(root / "day1")
    assert findings and {f["status"] for f in findings} == {"new"}
    manifest = json.loads((root / "day1" / "manifest.json").read_text())
    assert manifest["history"]["previous_found"] is False and manifest["history"]["new"] == len(findings)
    assert read(root / "day1", "gone.json") == []
    assert f"no previous report at {root / 'never-ran'}" in (root / "day1" / "index.html").read_text()


def test_next_day_everything_is_new_and_yesterday_is_gone(nightly):
    root, _ = nightly
    day1, day2 = read(root / "day1"), read(root / "day2")
    assert day2 and {f["status"] for f in day2} == {"new"}
    gone = read(root / "day2", "gone.json")
    assert sorted(g["finding_id"] for g in gone) == sorted(f["finding_id"] for f in day1)
    assert {g["status"] for g in gone} == {"gone"}
    assert {g["gone_reason"] for g in gone} == {"outside this report's range"}
    history = json.loads((root / "day2" / "manifest.json").read_text())["history"]
    assert (history["new"], history["open"], history["gone"]) == (len(day2), 0, len(day1))


def test_a_rolling_window_keeps_yesterdays_findings_open(nightly):
    root, _ = nightly
    day1, rolling = read(root / "day1"), read(root / "rolling")
    by_id = {f["finding_id"]: f for f in rolling}
    assert all(by_id[f["finding_id"]]["status"] == "open" for f in day1)
    later = [f for f in rolling if f["time_start"] >= DAY2[0]]
    assert later and {f["status"] for f in later} == {"new"}
    assert read(root / "rolling", "gone.json") == []


def test_suppressions_mark_without_dropping_and_expired_ones_warn(nightly):
    root, outcomes = nightly
    day2 = read(root / "day2")
    marked = [f for f in day2 if f["suppressed"]]
    assert marked and all(f["subject"] == TAMPERER and "Q05" in f["rule_ids"] for f in marked)
    assert {f["suppressed"]["reason"] for f in marked} == {"change window CHG-1234"}
    assert [f for f in day2 if f["subject"] == TAMPERER and "Q05" in f["rule_ids"] and not f["suppressed"]] == []
    q01 = [f for f in day2 if f["rule_id"] == "Q01"]
    assert q01 and all(f["suppressed"] is None for f in q01)  # the expired entry suppresses nothing
    manifest = json.loads((root / "day2" / "manifest.json").read_text())
    assert len(manifest["suppressions"]["expired"]) == 1 and "rule Q01" in manifest["suppressions"]["expired"][0]
    q05, q07, alarms, expired = manifest["suppressions"]["matched"].values()
    # the alarm entry also covers alarm episodes of the tamperer that merged with no detection
    assert (q05, q07, expired) == (len(marked), len(marked), 0) and alarms >= len(marked)
    index = (root / "day2" / "index.html").read_text()
    assert index.index("New since the last report") < index.index("<h2>Notebooks")
    assert "change window CHG-1234" in index and "no longer suppresses" in index
    # the exit status counts new, unsuppressed findings at high
    counted = [f for f in day2 if f["severity"] in ("high", "critical") and not f["suppressed"]]
    assert manifest["findings"]["counted_for_exit"] == len(counted) > 0
    assert outcomes["day2"].exit_code == EXIT_FINDINGS


def test_running_the_same_range_again_finds_nothing_new_and_exits_0(nightly):
    root, outcomes = nightly
    again, day2 = read(root / "again"), read(root / "day2")
    assert sorted(f["finding_id"] for f in again) == sorted(f["finding_id"] for f in day2)
    assert {f["status"] for f in again} == {"open"}
    assert any(f["severity"] == "high" for f in again)
    assert outcomes["again"].exit_code == EXIT_OK
    assert read(root / "again", "gone.json") == []


def test_detect_applies_suppressions_and_counts_only_unsuppressed(nightly, capsys):
    root, _ = nightly
    argv = ["detect", "--source", f"local:{root / 'data'}", "--start", DAY2[0], "--end", DAY2[1], "--fail-on", "high"]
    assert main([*argv, "--only", "Q05,Q07", "--format", "json"]) == EXIT_FINDINGS
    plain = json.loads(capsys.readouterr().out)
    tampering = [f for f in plain if f["subject"] == TAMPERER]
    assert tampering and all(f["suppressed"] is None for f in tampering)
    others_high = [f for f in plain if f["subject"] != TAMPERER and f["severity"] == "high"]
    code = main([*argv, "--only", "Q05,Q07", "--format", "json", "--suppressions", str(root / "suppressions.toml")])
    out, err = capsys.readouterr()
    marked = json.loads(out)
    assert [f["finding_id"] for f in marked] == [f["finding_id"] for f in plain]  # listed, marked
    assert all(f["suppressed"]["owner"] == "secops" for f in marked if f["subject"] == TAMPERER)
    assert code == (EXIT_FINDINGS if others_high else EXIT_OK)
    assert "no longer suppresses: rule Q01" in err and "suppressed, not counted" in err
    assert [f["key"] for f in marked] == [f["key"] for f in plain]
