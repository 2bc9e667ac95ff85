"""One way in to the data for every investigation function: a :class:`Source`, or frames already in hand.

Why a wrapper: correlation, pivots, timelines and gaps need four things from the data — a pipeline's
standard projection (with a focus), the raw record behind a ``@ptr``, record and ingestion times for
volumes, and the data's span — and evidence needs to know *which queries* produced what it cites. This
class asks the :class:`~aiaudit.sources.base.Source` (either backend) and remembers the summary of every query
it ran (``queries``), so an evidence export can list query texts, ids and statistics.

``Telemetry.from_raw({pipeline: raw_frame})`` serves the same calls from raw frames (system columns with
``@message`` JSON, as a query returns them): they are loaded into an in-memory store of the store's layout
(:class:`~aiaudit.store.memory.MemoryStore`), and projections and SQL run on it with the very code the
local source uses. Notebooks use it on exported results, and it lets the investigation logic run without
a store.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aiaudit.core.config import PIPELINES, Environment
from aiaudit.core.errors import InputError
from aiaudit.core.result import Result
from aiaudit.core.timerange import ONE_SECOND, TimeRange
from aiaudit.frames import apply_focus, empty_frame, project_table
from aiaudit.query.sql import run_sql
from aiaudit.sources.base import Source, check_focus, check_pipeline
from aiaudit.store.memory import MemoryStore
from aiaudit.store.tables import q

TIMES_COLUMNS = ("@timestamp", "@ingestionTime", "@ptr")


@dataclass
class Telemetry:
    """Projections, records, times and the query log, from a Source or from raw frames."""

    source: Source | None = None
    raw: dict[str, pd.DataFrame] = field(default_factory=dict)
    queries: list[dict[str, Any]] = field(default_factory=list)
    given: dict[str, pd.DataFrame] = field(default_factory=dict)
    _cache: dict[tuple[Any, ...], pd.DataFrame] = field(default_factory=dict, repr=False)
    _memory: MemoryStore | None = field(default=None, repr=False)

    # -- construction -----------------------------------------------------------------------------
    @classmethod
    def of(cls, data: Source | Telemetry | Mapping[str, pd.DataFrame]) -> Telemetry:
        """Wrap a Source, pass a Telemetry through, or read a ``{pipeline: raw_frame}`` mapping."""
        if isinstance(data, Telemetry):
            return data
        if isinstance(data, Source):
            return cls(source=data)
        if isinstance(data, Mapping):
            return cls.from_raw(data)
        raise InputError(f"cannot investigate a {type(data).__name__}: give a Source or raw frames", where="source")

    @classmethod
    def from_raw(cls, frames: Mapping[str, pd.DataFrame]) -> Telemetry:
        raw: dict[str, pd.DataFrame] = {}
        for pipeline, frame in frames.items():
            check_pipeline(pipeline)
            missing = {"@timestamp", "@message", "@ptr"} - set(frame.columns)
            if missing:
                raise InputError(f"raw frame lacks {', '.join(sorted(missing))}", where=f"raw[{pipeline!r}]")
            copy = frame.copy()
            copy["@timestamp"] = pd.to_datetime(copy["@timestamp"], utc=True)
            if "@ingestionTime" in copy.columns:
                copy["@ingestionTime"] = pd.to_datetime(copy["@ingestionTime"], utc=True)
            raw[pipeline] = copy.reset_index(drop=True)
        return cls(raw=raw)

    def over(self, **frames: pd.DataFrame | None) -> Telemetry:
        """The same data, except that the pipelines named are served from the projected frames given.

        Why: a notebook reads its frames in visible cells (``ct = inv.cloudtrail()``) and an analyst may
        filter them or add a column; every join and judgement below must then see *those* rows. The
        frames are still cut to the range and focus each caller asks for; records, times and the other
        pipelines come from the source as before, and queries stay in one log."""
        for pipeline in frames:
            check_pipeline(pipeline)
        given = {**self.given, **{p: f for p, f in frames.items() if f is not None}}
        return Telemetry(source=self.source, raw=self.raw, queries=self.queries, given=given)

    @property
    def label(self) -> str:
        return self.source.spec.text if self.source is not None else "frames"

    @property
    def environment(self) -> Environment:
        if self.source is not None:
            return self.source.environment
        return Environment()

    # -- projections ------------------------------------------------------------------------------
    def projection(self, pipeline: str, time_range: TimeRange | None = None, **focus: Any) -> pd.DataFrame:
        """The standard projection (cached per pipeline, range and focus within this investigation)."""
        check_pipeline(pipeline)
        wanted = check_focus(focus)
        key = (pipeline, time_range, tuple(sorted((k, tuple(v)) for k, v in wanted.items())))
        if key in self._cache:
            return self._cache[key]
        if pipeline in self.given:
            frame = self.given[pipeline]
            frame = apply_focus(frame[_in_range(frame["@timestamp"], time_range)], wanted, pipeline)
        elif self.source is not None:
            frame = self.source.projection(pipeline, time_range, **wanted)
            summary = frame.attrs.get("aiaudit")
            if summary:
                self.queries.append({"pipeline": pipeline, **summary})
        else:
            frame = self._project_raw(pipeline, time_range, wanted)
            self.queries.append(
                {
                    "pipeline": pipeline,
                    "query": f"projection {pipeline} focus={wanted}",
                    "language": "projection",
                    "time_range": time_range.to_dict() if time_range else None,
                    "source": self.label,
                    "rows": len(frame),
                    "complete": True,
                    "warnings": list(frame.attrs.get("warnings", [])),
                    "query_ids": [],
                    "stats": {},
                }
            )
        self._cache[key] = frame
        return frame

    def _store(self) -> MemoryStore:
        """The raw frames as an in-memory store (built once, on first use)."""
        if self._memory is None:
            self._memory = MemoryStore(self.raw)
        return self._memory

    def _query(self, text: str, time_range: TimeRange | None, params: Mapping[str, Any] | None = None) -> Result:
        """Logs Insights SQL on the source, or on the raw frames' in-memory store."""
        if self.source is not None:
            return self.source.query(text, time_range, params=params)
        result = run_sql(self._store(), text, time_range, params=params)
        result.source = self.label
        return result

    def _project_raw(self, pipeline: str, time_range: TimeRange | None, focus: dict[str, list[str]]) -> pd.DataFrame:
        raw = self.raw.get(pipeline)
        if raw is None or raw.empty:
            frame = empty_frame(pipeline)
            frame.attrs["warnings"] = []
            return frame
        store = self._store()
        return project_table(
            store.connection(), pipeline, q(pipeline), None, time_range=time_range, focus=focus, rows_hint=len(raw)
        )

    def frames(self, time_range: TimeRange | None, pipelines: tuple[str, ...] = PIPELINES) -> dict[str, pd.DataFrame]:
        return {p: self.projection(p, time_range) for p in pipelines}

    # -- times, records, span ---------------------------------------------------------------------
    def times(self, pipeline: str, time_range: TimeRange | None) -> pd.DataFrame:
        """``@timestamp`` and ``@ingestionTime`` of every record of a pipeline in range (for volumes and
        delivery delay): one SQL query, recorded in ``queries``."""
        check_pipeline(pipeline)
        if self.source is None and (self.raw.get(pipeline) is None or self.raw[pipeline].empty):
            return _empty_times()
        result = self._query(f"SELECT `@timestamp`, `@ingestionTime`, `@ptr` FROM `{pipeline}`", time_range)
        self.queries.append({"pipeline": pipeline, **result.summary()})
        frame = result.frame
        if frame.empty:
            return _empty_times()
        out = pd.DataFrame(index=frame.index)
        for col in ("@timestamp", "@ingestionTime"):
            out[col] = pd.to_datetime(frame[col], utc=True) if col in frame else pd.NaT
        out["@ptr"] = frame["@ptr"].astype("string") if "@ptr" in frame else pd.NA
        if not result.complete:
            out.attrs["incomplete"] = list(result.warnings)
        return out.reset_index(drop=True)

    def event_fields(
        self, time_range: TimeRange | None, event_names: tuple[str, ...], fields: tuple[str, ...]
    ) -> pd.DataFrame:
        """``@ptr``, ``@timestamp`` and raw CloudTrail fields the projection does not carry (dotted paths such
        as ``additionalEventData.targetId``) for the events named (:meth:`raw_fields` on CloudTrail)."""
        return self.raw_fields("cloudtrail", time_range, fields, equals={"eventName": event_names})

    def raw_fields(
        self,
        pipeline: str,
        time_range: TimeRange | None,
        fields: tuple[str, ...],
        *,
        equals: Mapping[str, tuple[str, ...] | list[str]] | None = None,
        contains: Mapping[str, str] | None = None,
    ) -> pd.DataFrame:
        """``@ptr``, ``@timestamp`` and raw fields (dotted Logs Insights names, read as Logs Insights reads
        them) of the records of one pipeline whose every ``equals`` field is one of its values and, when
        ``contains`` is given, one of whose ``contains`` fields holds its text: one SQL query (fields read
        by the field planner; an object's value is its JSON text), recorded in ``queries``; rows known to be
        missing are listed in ``attrs["incomplete"]``.

        Why: links resolve a few fields the standard projections do not carry (a gateway call's target
        id, a client span's URL) without widening the projection contract for every reader."""
        check_pipeline(pipeline)
        equals = {k: tuple(v) for k, v in (equals or {}).items()}
        contains = dict(contains or {})
        columns = ("@ptr", "@timestamp", *fields)
        if self.source is None and (self.raw.get(pipeline) is None or self.raw[pipeline].empty):
            return pd.DataFrame(columns=list(columns))
        selected = ", ".join(f"`{c}`" for c in columns)
        params: dict[str, Any] = {}
        where = []
        for i, (key, values) in enumerate(equals.items()):
            params[f"e{i}"] = sorted(values)
            where.append(f"`{key}` IN :e{i}")
        if contains:
            for i, needle in enumerate(contains.values()):
                params[f"c{i}"] = f"%{needle}%"
            where.append("(" + " OR ".join(f"`{key}` LIKE :c{i}" for i, key in enumerate(contains)) + ")")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        result = self._query(f"SELECT {selected} FROM `{pipeline}`{clause}", time_range, params=params)
        self.queries.append({"pipeline": pipeline, **result.summary()})
        frame = result.frame.reindex(columns=list(columns))
        if not result.complete:
            frame.attrs["incomplete"] = list(result.warnings)
        return frame.reset_index(drop=True)

    def record(self, ptr: str) -> dict[str, Any]:
        """The raw record behind a ``@ptr``."""
        if self.source is not None:
            return self.source.record(ptr)
        for frame in self.raw.values():
            hit = frame[frame["@ptr"] == ptr]
            if len(hit):
                row = hit.iloc[0]
                out = {k: _plain(row[k]) for k in frame.columns if k.startswith("@") and k != "@message"}
                out["@message"] = row["@message"]
                return out
        raise InputError(f"no record with @ptr {ptr!r}", where="@ptr")

    def data_span(self) -> TimeRange | None:
        if self.source is not None:
            return self.source.data_span()
        stamps = [f["@timestamp"] for f in self.raw.values() if len(f)]
        if not stamps:
            return None
        every = pd.concat(stamps)
        return TimeRange(every.min().floor("s"), every.max().floor("s"))


def _empty_times() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series([], dtype="datetime64[ns, UTC]") for c in TIMES_COLUMNS[:2]})
    out["@ptr"] = pd.Series([], dtype="string")
    return out


def _in_range(stamps: pd.Series, time_range: TimeRange | None) -> pd.Series:
    """Times within a range (whole seconds, both ends inclusive, as StartQuery)."""
    if time_range is None:
        return pd.Series(True, index=stamps.index)
    return (stamps >= time_range.start) & (stamps < time_range.end + ONE_SECOND)


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return value if isinstance(value, (str, int, float, bool)) or value is None else json.dumps(value, default=str)
