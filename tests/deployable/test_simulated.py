"""Back-testing on simulated organisations: every alarm truth.json expects fires on its incident (with the
period and the count in the title), every metric filter it expects counts the incident's events, every rule
ranks the incident's caller; on a baseline-only simulation every ALARM episode is a planned change that
truth.json lists, and none is left once the simulation's change_roles are compiled in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import aiaudit
from aiaudit.catalog import catalog
from aiaudit.catalog.kinds import alarm as alarms
from aiaudit.catalog.kinds import contributor_insights as ci
from aiaudit.catalog.kinds import metric_filter
from aiaudit.core.config import load_config
from aiaudit.core.findings import covers
from aiaudit.core.timerange import TimeRange
from aiaudit.frames import principal_key
from aiaudit.simulate import simulate
from aiaudit.simulate.score import load_truth

pytestmark = pytest.mark.slow
END = "2026-11-20T00:00:00Z"


def _sim(
    tmp_path_factory: pytest.TempPathFactory, seed: int, scenarios: tuple[str, ...]
) -> tuple[Path, dict[str, Any]]:
    out: Path = tmp_path_factory.mktemp(f"alarms-sim{seed}")
    simulate(out, days=3, seed=seed, scale=0.1, end=END, scenarios=scenarios)
    return out, load_truth(out)


@pytest.fixture(scope="module", params=[23, 101], ids=lambda seed: f"seed{seed}")
def planted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out, truth = _sim(tmp_path_factory, request.param, ("all",))
    roles = load_config(out / "aiaudit.toml").environment.change_roles
    with aiaudit.connect(f"local:{out}") as src:
        tr = TimeRange.from_dict(truth["window"])
        found = {
            i: alarms.backtest(src.store, catalog[i], tr, roles).findings for i in catalog if catalog[i].kind == "alarm"
        }
        yield src, truth, found


def _norm(value: str) -> str:
    return principal_key(value) or value


def test_expected_alarms_fire_on_their_incidents(planted: Any) -> None:
    _, truth, found = planted
    checked = 0
    for incident in truth["incidents"]:
        for entry_id in (i for i in incident["expected"]["catalog"] if i.startswith("AL")):
            hits = [f for f in found[entry_id] if covers(f, incident, normalise=_norm)]
            assert hits, f"{entry_id} does not fire on {incident['id']}"
            a = alarms.spec(catalog[entry_id])
            for finding in hits:
                assert re.search(r"ALARM \d{4}-\d\d-\d\d \d\d:\d\d", finding.title)  # the period
                count = float(
                    re.search(r", ([\d.]+) " + catalog[a.metric_filter].spec["metric_name"], finding.title).group(1)
                )  # type: ignore[union-attr]
                assert count > a.threshold
                assert len(finding.request_ids) >= min(count, alarms.REQUEST_ID_CAP)
            checked += 1
    assert checked >= 6


def test_expected_metric_filters_count_the_incidents_events(planted: Any) -> None:
    src, truth, _ = planted
    for incident in truth["incidents"]:
        window = incident["window"]
        start, end = pd.Timestamp(window["start"]), pd.Timestamp(window["end"]) + pd.Timedelta(hours=7)
        for entry_id in (i for i in incident["expected"]["catalog"] if i.startswith("MF")):
            events = metric_filter.matched_events(src.store, metric_filter.spec(catalog[entry_id]), start, end)
            mine = set(events["request_id"]) & set(incident["request_ids"])
            theirs = {_norm(p) for p in incident["principals"]} & set(events["principal"].dropna())
            assert mine or theirs, f"{entry_id} counts none of {incident['id']}'s events"


def test_expected_rules_rank_the_incidents_callers(planted: Any) -> None:
    src, truth, _ = planted
    for incident in truth["incidents"]:
        window = incident["window"]
        tr = TimeRange.from_dict({"start": window["start"], "end": window["end"]})
        wanted = set(incident["principals"]) | set(incident["principal_sessions"]) | set(incident["source_ips"])
        wanted |= {p.split("#", 1)[1] for p in incident["principals"] if p.startswith("jwt:")}
        for entry_id in (i for i in incident["expected"]["catalog"] if i.startswith("CI")):
            table = ci.contributors(src.store, ci.spec(catalog[entry_id]), tr, period=None, top=10)
            keys = {str(v) for column in table.columns[2:-1] for v in table[column]}
            assert keys & wanted, f"{entry_id} does not rank {incident['id']}'s caller: {sorted(keys)[:10]}"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out, truth = _sim(tmp_path_factory, 404, ("none",))
    roles = load_config(out / "aiaudit.toml").environment.change_roles
    with aiaudit.connect(f"local:{out}") as src:
        tr = TimeRange.from_dict(truth["window"])
        ids = [i for i in catalog if catalog[i].kind == "alarm"]
        plain = {i: alarms.backtest(src.store, catalog[i], tr).findings for i in ids}
        planned = {i: alarms.backtest(src.store, catalog[i], tr, roles).findings for i in ids}
    return truth, roles, plain, planned


def test_baseline_alarms_are_the_planned_changes_and_vanish_with_change_roles(baseline: Any) -> None:
    truth, roles, plain, planned = baseline
    assert truth["incidents"] == [] and roles
    assert sorted(roles) == sorted({c["principal"] for c in truth["planned_changes"]})
    episodes = [f for findings in plain.values() for f in findings]
    assert episodes, "the baseline's planned changes should fire the change alarms when nothing is planned"
    for finding in episodes:
        explained = [
            change
            for change in truth["planned_changes"]
            if set(finding.principals) == {_norm(change["principal"])}
            and pd.Timestamp(change["window"]["start"]) <= pd.Timestamp(finding.time_end)
            and pd.Timestamp(finding.time_start) <= pd.Timestamp(change["window"]["end"])
        ]
        assert explained, f"{finding.rule_id} {finding.title} is not a planned change"
    assert {f.rule_id for f in episodes} <= {i for i in plain if catalog[i].change_alarm}
    assert [f.title for findings in planned.values() for f in findings] == []
