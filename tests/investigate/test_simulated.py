"""On simulated data: every planted incident's records are reachable by pivoting from any one of its
principals, source IPs or request ids (truth.json lists them, and lists only values its records carry).

The gateway-credentials incident needs ``gateway_runtime``: the JWT caller's gateway calls and the runtime
role's token-vault retrievals share no key; the gateway target's configuration names the runtime."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from aiaudit.core.timerange import TimeRange
from aiaudit.investigate import Telemetry, pivot

simulate = pytest.importorskip("aiaudit.simulate").simulate

FOLLOW = (
    "request_id",
    "trace_id",
    "session_id",
    "principal",
    "source_ip",
    "guardrail_id",
    "runtime_arn",
    "gateway_runtime",
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    import aiaudit

    out = tmp_path_factory.mktemp("sim")
    simulate(out, days=1, scale=0.05, seed=7)
    truth = json.loads((Path(out) / "truth.json").read_text())
    src = aiaudit.connect("local:" + str(out))
    yield Telemetry.of(src), truth
    src.close()


def _incident_records(tel: Telemetry, incident: dict, window: TimeRange) -> tuple[set[str], list[str]]:
    """@ptr of every record carrying one of the incident's request ids or session ids, and the request
    ids present in the data (a planted absence — a suppressed log — has an id but no record)."""
    rids = {r.lower() for r in incident["request_ids"]}
    sids = set(incident["session_ids"])
    ptrs: set[str] = set()
    present: set[str] = set()
    for pipeline in ("cloudtrail", "invocations", "spans", "runtime_logs"):
        frame = tel.projection(pipeline, window)
        hit = pd.Series(False, index=frame.index)
        if "request_id" in frame:
            hit |= frame["request_id"].str.lower().isin(rids).fillna(False).astype(bool)
        if "session_id" in frame:
            hit |= frame["session_id"].isin(sids).fillna(False).astype(bool)
        ptrs |= set(frame.loc[hit, "@ptr"])
        if "request_id" in frame:
            present |= set(frame["request_id"].dropna().str.lower()) & rids
    return ptrs, [r for r in incident["request_ids"] if r.lower() in present]


@pytest.mark.slow
def test_every_incident_is_reachable_from_each_of_its_keys(world):
    tel, truth = world
    checked = 0
    misses: dict[tuple[str, str], int] = {}
    for incident in truth["incidents"]:
        if not incident["request_ids"]:
            continue  # an incident that planted only an absence has no record to reach
        window = TimeRange(incident["window"]["start"], incident["window"]["end"])
        expected, present = _incident_records(tel, incident, window)
        assert expected and present, incident["id"]
        around = window.end - window.start + pd.Timedelta(minutes=5)
        values = [*incident["principals"], *incident["source_ips"], present[0], present[-1]]
        for value in values:
            result = pivot(tel, value, time_range=window, around=around, follow=FOLLOW, hops=4)
            assert result.frames, (incident["id"], value, result.notes)
            missing = expected - result.ptrs
            if missing:
                misses[(incident["id"], value)] = len(missing)
            checked += 1
    assert checked >= 40
    assert misses == {}


@pytest.mark.slow
def test_without_the_gateway_link_the_gateway_caller_does_not_reach_the_credentials(world):
    """The link is what joins them: with every other key followed, the caller's pivot misses the runtime's
    retrievals, and the runtime role's pivot misses the caller's calls."""
    tel, truth = world
    incident = next(i for i in truth["incidents"] if i["scenario"] == "gateway-credentials")
    window = TimeRange(incident["window"]["start"], incident["window"]["end"])
    expected, _ = _incident_records(tel, incident, window)
    around = window.end - window.start + pd.Timedelta(minutes=5)
    without = tuple(k for k in FOLLOW if k != "gateway_runtime")
    for value in incident["principals"]:
        linked = pivot(tel, value, time_range=window, around=around, follow=FOLLOW, hops=4)
        unlinked = pivot(tel, value, time_range=window, around=around, follow=without, hops=4)
        assert expected <= linked.ptrs and not expected <= unlinked.ptrs, value
        via = linked.frames["cloudtrail"]["via"]
        assert (via == "gateway_runtime").any(), value
