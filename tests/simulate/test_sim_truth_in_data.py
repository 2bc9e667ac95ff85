"""truth.json names only what the data carries: every principal, address, request id and session id an
incident lists is on one of that incident's own records, read back through ``aiaudit.connect("local:…")``
frames. A value that appears nowhere (an actor's usual address the incident never used, a call another
incident's effect erased from every pipeline) would make a pivot from it find nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import aiaudit
from aiaudit.frames import principal_key
from aiaudit.simulate import simulate

from .conftest import SMALL

PIPELINES = ("cloudtrail", "invocations", "spans", "runtime_logs")


@pytest.fixture(scope="module", params=[7, 202])  # 202 plants the multi-region variant of trail-coverage-reduced
def loaded(request: pytest.FixtureRequest, sim_all, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    if request.param == 7:
        out = sim_all[0]
    else:
        out = tmp_path_factory.mktemp(f"sim{request.param}")
        simulate(out, seed=request.param, **SMALL)
    truth = json.loads((Path(out) / "truth.json").read_text())
    with aiaudit.connect(f"local:{out}") as src:
        span = src.data_span()
        frames = {p: src.projection(p, span) for p in PIPELINES}
    return truth, frames


def _carried(frames: dict[str, pd.DataFrame], incident: dict) -> dict[str, set[str]]:
    """Principals, session names, addresses, request and session ids on the incident's own records."""
    rids = {r.lower() for r in incident["request_ids"]}
    sids = set(incident["session_ids"])
    out: dict[str, set[str]] = {k: set() for k in ("principal", "session", "ip", "request_id", "session_id")}
    for frame in frames.values():
        mine = pd.Series(False, index=frame.index)
        if "request_id" in frame:
            mine |= frame["request_id"].str.lower().isin(rids).fillna(False).astype(bool)
        if "session_id" in frame:
            mine |= frame["session_id"].isin(sids).fillna(False).astype(bool)
        rows = frame[mine]
        if "principal" in rows:
            out["principal"] |= set(rows["principal"].dropna())
            out["session"] |= set(rows["principal_session"].dropna())
        if "source_ips" in rows:
            out["ip"] |= {ip for ips in rows["source_ips"] if isinstance(ips, list) for ip in ips}
        if "request_id" in rows:
            out["request_id"] |= set(rows["request_id"].dropna().str.lower())
        if "session_id" in rows:
            out["session_id"] |= set(rows["session_id"].dropna())
    return out


def test_every_listed_value_is_on_the_incidents_records(loaded):
    truth, frames = loaded
    assert len(truth["incidents"]) == 15
    for incident in truth["incidents"]:
        carried = _carried(frames, incident)
        name = incident["id"]
        assert {principal_key(p) for p in incident["principals"]} <= carried["principal"], name
        for session in incident["principal_sessions"]:  # the role or user, and for a session ARN its name
            assert principal_key(session) in carried["principal"], (name, session)
            if ":assumed-role/" in session:
                assert session.rsplit("/", 1)[-1] in carried["session"], (name, session)
        assert set(incident["source_ips"]) <= carried["ip"], name
        assert {r.lower() for r in incident["request_ids"]} <= carried["request_id"], name
        assert set(incident["session_ids"]) <= carried["session_id"], name


def test_trail_coverage_reduced_lists_the_one_address_the_admin_used(loaded):
    truth, frames = loaded
    incident = next(i for i in truth["incidents"] if i["scenario"] == "trail-coverage-reduced")
    ct = frames["cloudtrail"]
    events = ct[ct["request_id"].isin(incident["request_ids"])]
    assert len(events) == 2  # GetEventSelectors, then PutEventSelectors or UpdateTrail
    assert incident["source_ips"] == sorted(set(events["source_ip"]))
