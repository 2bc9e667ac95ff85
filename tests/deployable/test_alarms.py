"""AL01–AL25 back-tested: the state machine on hand-computed datapoints (PutMetricAlarm's rules), and each
alarm on a store where its metric goes one above its threshold in one period (ALARM, one finding) and exactly
to it in another (no ALARM).

CloudWatch alarm evaluation: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from aiaudit.catalog import catalog, load_entry
from aiaudit.catalog.context import Context
from aiaudit.catalog.kinds import alarm as alarms
from aiaudit.catalog.run import run_each
from aiaudit.core.config import Environment
from aiaudit.core.timerange import TimeRange

from . import records
from .conftest import write_trail

AL_IDS = sorted(i for i in catalog if catalog[i].kind == "alarm")
DAY = TimeRange.from_dict({"start": "2026-03-02T00:00:00Z", "end": "2026-03-02T23:59:59Z"})
BASE = pd.Timestamp("2026-03-02T00:00:00Z")
#: The principal each alarm's burst comes from (records.MF_CASES' first hit), normalised as the frames do.
APP = "arn:aws:iam::111122223333:role/app"
PRINCIPAL = {
    "AL01": "arn:aws:iam::111122223333:user/mallory",
    "AL10": "arn:aws:iam::111122223333:role/agent-exec",
    "AL15": "jwt:" + records.ISSUER + "#client-1",
    "AL16": "ip:198.51.100.7",
}


def _alarm(**kw: Any) -> alarms.Alarm:
    return alarms.Alarm(id="T", metric_filter="MF01", name="t", threshold=kw.pop("threshold", 5), period=300, **kw)


@pytest.mark.parametrize(
    ("kw", "datapoints", "states"),
    [
        ({}, [None, 3, 6, None, 7, 7, 2], ["OK", "OK", "ALARM", "OK", "ALARM", "ALARM", "OK"]),
        (
            {"evaluation_periods": 3, "datapoints_to_alarm": 2},
            [6, None, 6, 1, 1, 6],
            ["OK", "OK", "ALARM", "OK", "OK", "OK"],
        ),
        ({"evaluation_periods": 3, "datapoints_to_alarm": 3}, [6, 6, 6, 6, 1], ["OK", "OK", "ALARM", "ALARM", "OK"]),
        (
            {"treat_missing_data": "missing"},
            [None, None, 6, None],
            ["INSUFFICIENT_DATA", "INSUFFICIENT_DATA", "ALARM", "INSUFFICIENT_DATA"],
        ),
        (
            {"treat_missing_data": "ignore"},
            [None, 6, None, None, 1],
            ["INSUFFICIENT_DATA", "ALARM", "ALARM", "ALARM", "OK"],
        ),
        ({"treat_missing_data": "breaching"}, [None, 1], ["ALARM", "OK"]),
        ({"threshold": 2, "comparison": "LessThanThreshold"}, [1, 3, 2], ["ALARM", "OK", "OK"]),
        ({"threshold": 2, "comparison": "GreaterThanOrEqualToThreshold"}, [1, 2], ["OK", "ALARM"]),
    ],
)
def test_state_machine(kw: dict, datapoints: list, states: list) -> None:
    assert alarms.evaluate(datapoints, _alarm(**kw)) == states


def test_episodes_are_runs_of_alarm() -> None:
    assert alarms.episodes(["OK", "ALARM", "ALARM", "INSUFFICIENT_DATA", "ALARM"]) == [(1, 2), (4, 4)]
    assert alarms.episodes(["OK", "OK"]) == []


def test_every_alarm_has_the_guides_values_or_the_defaults() -> None:
    """Thresholds and periods from the guide's two alarm tables; 1 of 1 datapoints, Sum, notBreaching."""
    guide = {
        1: (5, 300),
        2: (500, 300),
        3: (500, 300),
        4: (0, 60),
        5: (0, 60),
        6: (1000, 300),
        7: (0, 60),
        8: (200, 300),
        9: (0, 300),
        10: (10, 300),
        11: (50, 300),
        12: (1000, 300),
        13: (0, 300),
        14: (0, 60),
        15: (1000, 300),
        16: (5, 300),
        17: (500, 300),
        18: (50, 300),
        19: (200, 300),
        20: (0, 60),
        21: (500, 300),
        22: (200, 300),
        23: (100, 300),
        24: (500, 300),
        25: (0, 60),
    }
    assert [f"AL{n:02d}" for n in range(1, 26)] == AL_IDS
    for n, (threshold, period) in guide.items():
        a = alarms.spec(catalog[f"AL{n:02d}"])
        assert (a.threshold, a.period, a.metric_filter) == (threshold, period, f"MF{n:02d}")
        assert (a.statistic, a.evaluation_periods, a.datapoints_to_alarm, a.treat_missing_data, a.comparison) == (
            "Sum",
            1,
            1,
            "notBreaching",
            "GreaterThanThreshold",
        )
    teams = {a: alarms.spec(catalog[a]).team for a in AL_IDS}
    assert sum(t == "security" for t in teams.values()) == 12 and sum(t == "ops" for t in teams.values()) == 13


def _copies(event: dict[str, Any], n: int, at: pd.Timestamp, marker: str) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        copy_ = copy.deepcopy(event)
        copy_["eventTime"] = (at + pd.Timedelta(seconds=i % 50)).strftime("%Y-%m-%dT%H:%M:%SZ")
        copy_["requestID"] = f"{marker}-{i}"
        copy_["eventID"] = f"{marker}-event-{i}"
        out.append(copy_)
    return out


def _slot(entry_id: str) -> pd.Timestamp:
    return BASE + pd.Timedelta(minutes=55 * (int(entry_id[2:]) - 1))


@pytest.fixture(scope="module")
def bursts_src(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import aiaudit

    events = []
    for entry_id in AL_IDS:
        a = alarms.spec(catalog[entry_id])
        hit = records.MF_CASES[a.metric_filter][0][0]
        threshold = int(a.threshold)
        events += _copies(hit, threshold + 1, _slot(entry_id) + pd.Timedelta(seconds=5), f"{entry_id.lower()}-over")
        events += _copies(
            hit, threshold, _slot(entry_id) + pd.Timedelta(minutes=30, seconds=5), f"{entry_id.lower()}-at"
        )
    source = aiaudit.connect("local:" + str(write_trail(tmp_path_factory.mktemp("bursts"), events)))
    yield source
    source.close()


@pytest.mark.parametrize("entry_id", AL_IDS)
def test_alarm_fires_above_its_threshold_and_not_at_it(entry_id: str, bursts_src: Any) -> None:
    a = alarms.spec(catalog[entry_id])
    result = alarms.backtest(bursts_src.store, catalog[entry_id], DAY)
    slot = _slot(entry_id)
    mine = [f for f in result.findings if slot <= pd.Timestamp(f.time_start) < slot + pd.Timedelta(minutes=55)]
    assert len(mine) == 1, [f.title for f in mine]
    finding = mine[0]
    assert pd.Timestamp(finding.time_start) == slot
    assert pd.Timestamp(finding.time_end) == slot + pd.Timedelta(seconds=a.period - 1)
    over = int(a.threshold) + 1
    expected = {f"{entry_id.lower()}-over-{i}" for i in range(over)}
    if over <= alarms.REQUEST_ID_CAP:
        assert set(finding.request_ids) == expected
    else:  # capped, and the summary says how many are not listed
        assert len(finding.request_ids) == alarms.REQUEST_ID_CAP and set(finding.request_ids) <= expected
        assert (
            f"{over - alarms.REQUEST_ID_CAP} request id(s) beyond {alarms.REQUEST_ID_CAP} not listed" in finding.summary
        )
    assert finding.principals == [PRINCIPAL.get(entry_id, APP)]
    # one principal behind the episode: it is the subject, so the alarm merges with detections on them
    assert finding.subject == f"principal:{PRINCIPAL.get(entry_id, APP)}"
    assert finding.rule_id == entry_id and finding.severity == catalog[entry_id].severity
    assert f"ALARM {slot:%Y-%m-%d %H:%M}" in finding.title and f", {over} " in finding.title
    assert len(finding.evidence) == min(over, alarms.EVIDENCE_CAP)
    states = result.timeline.set_index("period_start")["state"]
    assert states[slot] == "ALARM"
    assert states[slot + pd.Timedelta(minutes=30)] == "OK"


def _store_with(tmp_path: Path, events: list[dict[str, Any]]) -> Any:
    import aiaudit

    return aiaudit.connect("local:" + str(write_trail(tmp_path, events)))


def test_consecutive_periods_make_one_episode_and_planned_changes_none(tmp_path: Path) -> None:
    at = BASE + pd.Timedelta(hours=9)
    deploy = records.role("deploy", path="pipelines/")
    events = [
        records.event("UpdateGuardrail", "by-user-1", ident=records.user("ops"), when=f"{at:%Y-%m-%dT%H:%M}:10Z"),
        records.event(
            "CreateGuardrailVersion",
            "by-user-2",
            ident=records.user("ops"),
            when=f"{at + pd.Timedelta(minutes=1):%Y-%m-%dT%H:%M}:20Z",
        ),
        records.event(
            "UpdateGuardrail", "by-deploy", ident=deploy, when=f"{at + pd.Timedelta(minutes=5):%Y-%m-%dT%H:%M}:00Z"
        ),
    ]
    with _store_with(tmp_path, events) as src:
        plain = alarms.backtest(src.store, catalog["AL04"], DAY)
        planned = alarms.backtest(src.store, catalog["AL04"], DAY, ["arn:aws:iam::111122223333:role/pipelines/deploy"])
    assert [(f.request_ids, pd.Timestamp(f.time_start), pd.Timestamp(f.time_end)) for f in plain.findings] == [
        (["by-user-1", "by-user-2"], at, at + pd.Timedelta(seconds=119)),
        (["by-deploy"], at + pd.Timedelta(minutes=5), at + pd.Timedelta(minutes=5, seconds=59)),
    ]
    assert [f.request_ids for f in planned.findings] == [["by-user-1", "by-user-2"]]
    assert planned.findings[0].subject == "principal:arn:aws:iam::111122223333:user/ops"
    assert "assumed-role/deploy/*" in planned.pattern


def test_a_range_far_wider_than_the_data_gives_the_same_episodes_quickly(bursts_src: Any) -> None:
    """``--start 2000 --end 2100`` is 52 million one-minute periods: the timeline is narrowed to where the
    metric has datapoints (no period without one can breach), with the same episodes and a note."""
    wide = TimeRange(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    narrow = alarms.backtest(bursts_src.store, catalog["AL04"], DAY)
    widened = alarms.backtest(bursts_src.store, catalog["AL04"], wide)
    assert [f.to_dict() for f in widened.findings] == [f.to_dict() for f in narrow.findings] != []
    assert len(widened.timeline) < 24 * 60 and "52,5" in widened.note and narrow.note == ""
    slot = _slot("AL04")
    states = widened.timeline.set_index("period_start")["state"]
    assert states[slot] == "ALARM" and states[slot + pd.Timedelta(minutes=1)] == "OK"
    result = catalog["AL04"].run(bursts_src, wide)
    assert result.warnings == [widened.note]


def test_m_of_n_alarm_window_covers_the_breaching_periods(tmp_path: Path) -> None:
    data = yaml.safe_load(catalog["AL01"].path.read_text())  # type: ignore[union-attr]
    data["alarm"].update(evaluation_periods=3, datapoints_to_alarm=2)
    path = tmp_path / "defs" / "AL01.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(data))
    entry = load_entry(path)
    hit = records.MF_CASES["MF01"][0][0]
    at = BASE + pd.Timedelta(hours=3)
    events = _copies(hit, 6, at, "first") + _copies(hit, 6, at + pd.Timedelta(minutes=10), "third")
    with _store_with(tmp_path / "data", events) as src:
        result = alarms.backtest(src.store, entry, DAY)
    assert len(result.findings) == 1
    finding = result.findings[0]
    assert pd.Timestamp(finding.time_start) == at  # the first breaching period of the window
    assert pd.Timestamp(finding.time_end) == at + pd.Timedelta(minutes=15) - pd.Timedelta(seconds=1)
    assert len(finding.request_ids) == 12
    states = list(result.timeline.set_index("period_start")["state"][at : at + pd.Timedelta(minutes=25)])
    assert states == ["OK", "OK", "ALARM", "OK", "OK", "OK"]  # 2 of the last 3: periods 0 and 10 only at 10


def test_detect_runs_alarms_and_entry_run_gives_the_timeline(bursts_src: Any) -> None:
    found = run_each(bursts_src, DAY, ids=["AL04", "X01"], environment=Environment())
    assert len(found["AL04"]) == 1
    result = catalog["AL04"].run(bursts_src, DAY)
    assert list(result.frame.columns) == ["period_start", "period_end", "value", "events", "breaching", "state"]
    assert len(result.frame) == 24 * 60
    assert len(result.frame.attrs["findings"]) == 1


def test_alarms_back_test_the_same_on_raw_frames_and_say_when_they_cannot(bursts_src: Any) -> None:
    raw = bursts_src.store.select_raw("cloudtrail", DAY)  # raw frames: no store behind them
    ctx = Context.make({"cloudtrail": raw}, DAY, lookback="1d", environment=Environment())
    from_frames = catalog["AL16"].detect(ctx)
    from_store = alarms.backtest(bursts_src.store, catalog["AL16"], DAY).findings
    assert [f.to_dict() for f in from_frames] == [f.to_dict() for f in from_store] and from_frames
    empty = Context.make(
        {"spans": bursts_src.store.select_raw("spans", DAY)}, DAY, lookback="1d", environment=Environment()
    )
    assert catalog["AL04"].detect(empty) == []
    assert any("AL04: not back-tested" in note for note in empty.notes)


def test_a_remote_source_is_asked_only_for_candidate_events(bursts_src: Any) -> None:
    """Off the local store, one Logs Insights SQL query fetches the events whose text can match (narrowed by
    the pattern's literals); the exact match is local, so the findings equal the store's."""

    class Remote:  # answers like a Source: the local engine runs the SQL (as the loopback emulator would)
        def __init__(self) -> None:
            self.queries: list[tuple[str, dict]] = []

        def query(self, text: str, time_range: TimeRange, params: dict | None = None) -> Any:
            self.queries.append((text, dict(params or {})))
            return bursts_src.query(text, time_range, params=params)

    remote = Remote()
    findings = alarms.backtest(remote, catalog["AL01"], DAY).findings
    assert [f.to_dict() for f in findings] == [
        f.to_dict() for f in alarms.backtest(bursts_src.store, catalog["AL01"], DAY).findings
    ]
    (text, params), *_ = remote.queries
    assert text.startswith("SELECT `@timestamp`, `@ptr`, `@message` FROM `cloudtrail` WHERE ((`@message` LIKE :t0)")
    assert params["t0"] == "%bedrock.amazonaws.com%" and "%AccessDeniedException%" in params.values()
