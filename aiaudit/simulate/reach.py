"""How far a pivot reaches on a simulation: from each incident's first principal to the records truth lists.

Why this figure: ``truth.json`` lists, per planted incident, its principals and the request ids of its
records (CloudTrail events, invocation logs, spans). An analyst starts from the one name an alert gives
— the first principal — and a pivot with its default settings should bring back the whole incident:
the changes that principal made and their effects (the invocations under a loosened guardrail, the calls
a deleted logging configuration left unlogged), the agent turns it ran with their callers and tool calls,
a Gateway caller's failures and the runtime's credential retrievals. A request id counts as reached when
a record the pivot returned carries it as its own (a CloudTrail ``requestID``, an invocation log's
``requestId``, a span's own ``aws.request_id``; not an id a span inherits from a child). Incidents with no
principal (a silent telemetry gap) are not counted.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import pandas as pd

from aiaudit.investigate import pivot

REACH_COLUMNS = ["id", "principal", "listed", "reached", "missing", "rows", "seconds"]


def _own_request_ids(frames: Mapping[str, pd.DataFrame]) -> set[str]:
    out: set[str] = set()
    for pipeline, frame in frames.items():
        if "request_id" not in frame or frame.empty:
            continue
        ids = frame["request_id"]
        if pipeline == "spans":
            ids = ids[(frame["request_id_source"] == "own").fillna(False).astype(bool)]
        out |= {str(v).lower() for v in ids.dropna()}
    return out


def pivot_reach(data: Any, truth: Mapping[str, Any], **options: Any) -> pd.DataFrame:
    """One row per incident with a principal: ``id, principal`` (its first), ``listed`` and ``reached``
    request ids, ``missing`` (the ids not reached), ``rows`` the pivot returned and ``seconds`` it took.
    ``options`` go to :func:`~aiaudit.investigate.pivot` (none: its defaults). Given a Source, each pivot
    starts afresh, as a user's would (a :class:`~aiaudit.investigate.Telemetry` would share its projections
    between incidents)."""
    rows = []
    for incident in truth["incidents"]:
        if not incident.get("principals"):
            continue
        principal = incident["principals"][0]
        started = time.monotonic()
        result = pivot(data, principal, **options)
        seconds = time.monotonic() - started
        reached = _own_request_ids(result.frames)
        listed = list(dict.fromkeys(incident.get("request_ids", [])))
        missing = [r for r in listed if r.lower() not in reached]
        rows.append(
            {
                "id": incident["id"],
                "principal": principal,
                "listed": len(listed),
                "reached": len(listed) - len(missing),
                "missing": missing,
                "rows": int(sum(len(f) for f in result.frames.values())),
                "seconds": round(seconds, 2),
            }
        )
    return pd.DataFrame(rows, columns=REACH_COLUMNS)


def reach_summary(table: pd.DataFrame) -> dict[str, int]:
    """Incidents fully reached / incidents, request ids reached / listed."""
    return {
        "incidents": len(table),
        "fully_reached": int((table["reached"] == table["listed"]).sum()),
        "request_ids_listed": int(table["listed"].sum()),
        "request_ids_reached": int(table["reached"].sum()),
    }
