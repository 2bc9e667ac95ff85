"""On simulated data: every planted incident's records are reachable by pivoting from any one of its
principals, source IPs or request ids (truth.json lists them, and lists only values its records carry).

Which records are the incident's is decided without the code under test (the pivot and the projections it
reads): :func:`_incident_records` reads each record's raw JSON with plain Python and applies the field
contract of docs/frames.md by hand — CloudTrail ``requestID``, invocation ``requestId``, a span's
``attributes.aws.request_id`` / ``attributes.aws.request.id`` or else the one id its descendants carry,
``attributes.session.id`` on spans and runtime logs. The store only enumerates records and their @ptr.

The gateway-credentials incident needs ``gateway_runtime``: the JWT caller's gateway calls and the runtime
role's token-vault retrievals share no key; the gateway target's configuration names the runtime."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import aiaudit
from aiaudit.core.timerange import TimeRange
from aiaudit.investigate import Telemetry, pivot
from aiaudit.simulate import simulate

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
    out = tmp_path_factory.mktemp("sim")
    simulate(out, days=1, scale=0.05, seed=7)
    truth = json.loads((Path(out) / "truth.json").read_text())
    src = aiaudit.connect("local:" + str(out))
    yield src, Telemetry.of(src), truth
    src.close()


def _flat(text: str) -> dict[str, Any]:
    """A record's JSON leaves by their Logs Insights dotted name; {} for a line that is not JSON."""
    try:
        record = json.loads(text)
    except ValueError:
        return {}
    out: dict[str, Any] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else key)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}.{index}" if path else str(index))
        else:
            out[path] = value

    walk(record, "")
    return out


def _span_request_ids(spans: list[dict[str, Any]]) -> list[str | None]:
    """Each span's own request id, else the one distinct id its descendants in the trace carry."""
    own = [s.get("attributes.aws.request_id") or s.get("attributes.aws.request.id") for s in spans]
    children: dict[tuple[Any, Any], list[int]] = defaultdict(list)
    for index, span in enumerate(spans):
        children[(span.get("traceId"), span.get("parentSpanId"))].append(index)

    def below(index: int) -> set[str]:
        ids: set[str] = set()
        for child in children.get((spans[index].get("traceId"), spans[index].get("spanId")), []):
            ids |= {own[child]} if own[child] else set()
            ids |= below(child)
        return ids

    out: list[str | None] = []
    for index, rid in enumerate(own):
        if rid:
            out.append(rid)
            continue
        ids = below(index)
        out.append(ids.pop() if len(ids) == 1 else None)
    return out


def _incident_records(src: Any, incident: dict, window: TimeRange) -> tuple[set[str], list[str]]:
    """@ptr of every record carrying one of the incident's request ids or session ids, and the request
    ids present in the data (a planted absence — a suppressed log — has an id but no record)."""
    rids = {r.lower() for r in incident["request_ids"]}
    sids = set(incident["session_ids"])
    ptrs: set[str] = set()
    present: set[str] = set()
    request_field = {"cloudtrail": "requestID", "invocations": "requestId"}
    for pipeline in ("cloudtrail", "invocations", "spans", "runtime_logs"):
        result = src.query(f"SELECT `@ptr`, `@message` FROM `{pipeline}`", window)
        assert result.complete, pipeline
        rows = [(ptr, _flat(message)) for ptr, message in result.frame.itertuples(index=False)]
        if pipeline == "spans":
            request_ids = _span_request_ids([flat for _, flat in rows])
        else:
            request_ids = [flat.get(request_field[pipeline]) if pipeline in request_field else None for _, flat in rows]
        for (ptr, flat), rid in zip(rows, request_ids, strict=True):
            rid = str(rid).lower() if rid else None
            session = flat.get("attributes.session.id") if pipeline in ("spans", "runtime_logs") else None
            if rid in rids or session in sids:
                ptrs.add(ptr)
            if rid in rids:
                present.add(rid)
    return ptrs, [r for r in incident["request_ids"] if r.lower() in present]


@pytest.mark.slow
def test_every_incident_is_reachable_from_each_of_its_keys(world):
    src, tel, truth = world
    checked = 0
    misses: dict[tuple[str, str], int] = {}
    for incident in truth["incidents"]:
        if not incident["request_ids"]:
            continue  # an incident that planted only an absence has no record to reach
        window = TimeRange(incident["window"]["start"], incident["window"]["end"])
        expected, present = _incident_records(src, incident, window)
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
    src, tel, truth = world
    incident = next(i for i in truth["incidents"] if i["scenario"] == "gateway-credentials")
    window = TimeRange(incident["window"]["start"], incident["window"]["end"])
    expected, _ = _incident_records(src, incident, window)
    around = window.end - window.start + pd.Timedelta(minutes=5)
    without = tuple(k for k in FOLLOW if k != "gateway_runtime")
    for value in incident["principals"]:
        linked = pivot(tel, value, time_range=window, around=around, follow=FOLLOW, hops=4)
        unlinked = pivot(tel, value, time_range=window, around=around, follow=without, hops=4)
        assert expected <= linked.ptrs and not expected <= unlinked.ptrs, value
        via = linked.frames["cloudtrail"]["via"]
        assert (via == "gateway_runtime").any(), value
