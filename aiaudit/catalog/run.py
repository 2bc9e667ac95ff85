"""Run every detection of the catalogue over a range: isolated, honest about what it could not run.

Why a run object and not a list: an analyst (and ``aiaudit detect``) needs more than findings — which
entries could not run because a pipeline is missing (and how to collect it), which raised (entry id,
exception, where in aiaudit), which stopped at a row limit, and what the baseline was. One entry that
raises never stops the others. Findings of related entries (same ``signal``, subject and overlapping
window) are merged here, once, through :func:`aiaudit.core.findings.merge`.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiaudit
from aiaudit.catalog import catalog
from aiaudit.catalog.context import Context
from aiaudit.catalog.entry import REPORTING_KINDS
from aiaudit.catalog.registry import DETECTIONS, detection, implementation
from aiaudit.core.config import Environment
from aiaudit.core.errors import InputError
from aiaudit.core.findings import Finding, dedupe, merge, severity_rank
from aiaudit.core.interrupts import raise_interrupt
from aiaudit.core.timerange import TimeRange
from aiaudit.investigate.availability import ABOUT, Availability, availability


@dataclass
class EntryError:
    """An entry that raised: which, what, and the aiaudit frame it came from."""

    entry_id: str
    error_type: str
    message: str
    where: str

    def line(self) -> str:
        return f"{self.entry_id}: {self.error_type}: {self.message} ({self.where})"


@dataclass
class Run:
    """What a run of the catalogue found, skipped, noted and failed on."""

    time_range: TimeRange
    lookback: TimeRange
    found: dict[str, list[Finding]] = field(default_factory=dict)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    errors: list[EntryError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    available: Availability | None = None
    environment_origin: str = "none"

    def findings(self, min_severity: str = "info") -> list[Finding]:
        """Every finding, related ones merged, de-duplicated, in the one order; at or above ``min_severity``."""
        signals = {i: catalog[i].signal for i in self.found if i in catalog and catalog[i].signal}
        alarms = {i for i in self.found if i in catalog and catalog[i].kind == "alarm"}  # they count, not judge
        found = (f for items in self.found.values() for f in items)
        merged = merge(found, signals, defer=alarms)  # type: ignore[arg-type]
        floor = severity_rank(min_severity)
        return [f for f in dedupe(merged) if f.severity_rank >= floor]

    def below(self, min_severity: str) -> dict[str, int]:
        """Findings under ``min_severity`` per rule (what ``detect`` summarises in one line per rule)."""
        floor = severity_rank(min_severity)
        counts: dict[str, int] = {}
        for f in self.findings():
            if f.severity_rank < floor:
                counts[f.rule_id] = counts.get(f.rule_id, 0) + 1
        return dict(sorted(counts.items()))

    def skipped_lines(self) -> list[str]:
        """One line per missing requirement, naming the entries it kept from running."""
        by_need: dict[str, list[str]] = {}
        for entry_id, needs in self.skipped.items():
            by_need.setdefault(self._names(needs), []).append(entry_id)
        return [f"not run (no {need} in range): {', '.join(sorted(ids))}" for need, ids in sorted(by_need.items())]

    def _names(self, needs: list[str]) -> str:
        return ", ".join(ABOUT[n][0] if n in ABOUT else n for n in needs)

    @property
    def complete(self) -> bool:
        return not self.errors


def run(
    src: Any,
    time_range: TimeRange,
    *,
    lookback: TimeRange | timedelta | str | None = None,
    environment: Environment | None = None,
    ids: Iterable[str] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
) -> Run:
    """Run the detections (or ``ids``) over ``time_range``; ``lookback`` is what "before" means for novelty
    and cost detections (default ``[environment] default_lookback``); ``params`` maps an entry id to its
    parameters. Entries whose required pipelines hold no data in range are skipped and listed."""
    ctx = Context.make(src, time_range, lookback=lookback, environment=environment)
    wanted = list(ids) if ids is not None else [i for i in catalog if catalog[i].kind in REPORTING_KINDS]
    for entry_id in wanted:
        if entry_id not in catalog:
            raise InputError(f"no catalogue entry {entry_id!r} (see aiaudit catalog list)", where="ids")
    params = params or {}
    unknown = sorted(set(params) - set(wanted))
    if unknown:
        raise InputError(f"parameters given for {unknown[0]}, which is not run", where="params")
    out = Run(time_range=time_range, lookback=ctx.lookback)
    source = ctx.tel.source
    out.environment_origin = source.environment_origin if source is not None and environment is None else "given"
    out.available = availability(source, ctx.full_range) if source is not None else None
    for entry_id in wanted:
        entry = catalog[entry_id]
        missing = entry.unavailable(out.available) if out.available is not None else []
        if missing:
            out.skipped[entry_id] = missing
            continue
        try:
            out.found[entry_id] = entry.detect(ctx, **params.get(entry_id, {}))
        except Exception as exc:
            raise_interrupt(exc)  # a Ctrl-C inside a query stops the run, not just this entry
            out.errors.append(_error(entry_id, exc))
    out.notes = list(dict.fromkeys(ctx.notes))
    return out


def _error(entry_id: str, exc: BaseException) -> EntryError:
    """The innermost traceback frame inside aiaudit (where the entry's code went wrong)."""
    root = Path(aiaudit.__file__).parent
    where = "?"
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        if root in path.parents:
            where = f"{path.relative_to(root.parent)}:{frame.lineno} in {frame.name}"
    message = str(exc).splitlines()[0] if str(exc) else repr(exc)
    return EntryError(entry_id=entry_id, error_type=type(exc).__name__, message=message[:300], where=where)


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
    """Every detection's findings over ``time_range`` (merged, de-duplicated, severity first). Errors of
    single entries do not stop the others; use :func:`run` to see them."""
    return run(src, time_range, lookback=lookback, environment=environment, ids=ids, params=params).findings(
        min_severity
    )


def run_each(
    src: Any,
    time_range: TimeRange,
    *,
    lookback: TimeRange | timedelta | str | None = None,
    environment: Environment | None = None,
    ids: Iterable[str] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
) -> dict[str, list[Finding]]:
    """Findings per entry id, unmerged (scoring needs them apart); raises the first entry error."""
    result = run(src, time_range, lookback=lookback, environment=environment, ids=ids, params=params)
    if result.errors:
        raise InputError(result.errors[0].line(), where=result.errors[0].entry_id)
    return result.found


def run_entry(entry_id: str, ctx: Context, **params: Any) -> list[Finding]:
    """One entry's findings (a query runs on the source; a detection runs its function)."""
    return catalog[entry_id].detect(ctx, **params)


__all__ = [
    "DETECTIONS",
    "Context",
    "EntryError",
    "Run",
    "detection",
    "implementation",
    "run",
    "run_all",
    "run_each",
    "run_entry",
]
