"""On simulated data: every planted incident's records are reachable by pivoting from any one of its
principals, source IPs or request ids (truth.json lists them)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from aiaudit.investigate import Telemetry, pivot
from aiaudit.timerange import TimeRange

simulate = pytest.importorskip("aiaudit.simulate").simulate

#: Incidents not wholly reachable from every key, each explained; exact, so that an improvement (or a
#: regression) shows up here. gateway-credentials: the JWT caller's gateway events and the runtime
#: role's token-vault retrievals share no key — the guide's own join for that question is "time + agent
#: runtime ARN" (catalogue §5), which is a time correlation, not a pivot.
KNOWN_UNREACHABLE = {"INC-05-gateway-credentials"}

FOLLOW = ("request_id", "trace_id", "session_id", "principal", "source_ip", "guardrail_id", "runtime_arn")


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
    unseen: list[tuple[str, str]] = []
    for incident in truth["incidents"]:
        if not incident["request_ids"]:
            continue  # the telemetry-gap incident plants an absence, not records
        window = TimeRange(incident["window"]["start"], incident["window"]["end"])
        expected, present = _incident_records(tel, incident, window)
        assert expected and present, incident["id"]
        around = window.end - window.start + pd.Timedelta(minutes=5)
        values = [*incident["principals"], *incident["source_ips"][:1], present[0]]
        for value in values:
            result = pivot(tel, value, time_range=window, around=around, follow=FOLLOW, hops=4)
            if not result.frames:  # truth lists an actor's usual IPs; one may not occur in the incident
                assert "no record mentions" in result.notes[0]
                unseen.append((incident["id"], value))
                continue
            missing = expected - result.ptrs
            if missing:
                misses[(incident["id"], value)] = len(missing)
            checked += 1
    assert checked >= 20 and len(unseen) <= 1
    assert {incident for incident, _ in misses} == KNOWN_UNREACHABLE
