"""Detections beyond one query, and ``run_all``: every catalogue entry's findings in one call.

Why one registry: a detection's metadata (id, title, severity, parameters with types and defaults,
purpose, references) lives in the catalogue as YAML (``kind: detection``), exactly like a guide query;
only its logic is Python, registered here under the same id with :func:`detection`. ``aiaudit detect``,
notebooks and playbooks therefore iterate one list (``aiaudit.catalog``) and cannot miss an entry.

A detection is ``fn(ctx: Context, entry: Entry, **params) -> list[Finding]``; ``params`` are the
entry's parameters bound with their defaults and checked for type.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from aiaudit.catalog import catalog
from aiaudit.catalog.context import Context
from aiaudit.catalog.registry import DETECTIONS, detection, implementation
from aiaudit.core.config import Environment
from aiaudit.core.errors import InputError
from aiaudit.core.findings import Finding, dedupe, severity_rank
from aiaudit.core.timerange import TimeRange

#: Entry kinds that report findings: detections, and alarms (their back-tested ALARM episodes).
REPORTING_KINDS = ("detection", "alarm")


def run_entry(entry_id: str, ctx: Context, **params: Any) -> list[Finding]:
    """One entry's findings (a query runs on the source; a detection runs its function)."""

    entry = catalog[entry_id]
    return entry.detect(ctx, **params)


def run_all(
    src: Any,
    time_range: TimeRange,
    *,
    lookback: TimeRange | timedelta | str | None = None,
    environment: Environment | None = None,
    ids: Iterable[str] | None = None,
    min_severity: str = "info",
    params: dict[str, dict[str, Any]] | None = None,
) -> list[Finding]:
    """Every catalogue entry (or ``ids``) over ``time_range``, de-duplicated, severity first.

    ``lookback`` is what "before" means for first-use, new-principal and cost detections (default:
    ``[environment] default_lookback`` before the range); ``params`` maps an entry id to its parameters.
    """
    floor = severity_rank(min_severity)
    found = run_each(src, time_range, lookback=lookback, environment=environment, ids=ids, params=params)
    return dedupe(f for results in found.values() for f in results if f.severity_rank >= floor)


def run_each(
    src: Any,
    time_range: TimeRange,
    *,
    lookback: TimeRange | timedelta | str | None = None,
    environment: Environment | None = None,
    ids: Iterable[str] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
) -> dict[str, list[Finding]]:
    """Findings per entry id (the report needs them apart)."""

    ctx = Context.make(src, time_range, lookback=lookback, environment=environment)
    wanted = list(ids) if ids is not None else [i for i in catalog if catalog[i].kind in REPORTING_KINDS]
    params = params or {}
    unknown = sorted(set(params) - set(wanted))
    if unknown:
        raise InputError(f"parameters given for {unknown[0]}, which is not run", where="params")
    return {entry_id: catalog[entry_id].detect(ctx, **params.get(entry_id, {})) for entry_id in wanted}


__all__ = [
    "DETECTIONS",
    "REPORTING_KINDS",
    "Context",
    "detection",
    "implementation",
    "run_all",
    "run_each",
    "run_entry",
]
