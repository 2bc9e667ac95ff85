"""Standard projections: raw records (``@message`` JSON) → one typed frame per pipeline.

The same code serves both backends: the local store hands over its rows, the AWS backend the
``@message`` strings Logs Insights returns, so every value is computed from the record's JSON alone.

Per record the work is one ``json.loads``, one compiled reader for the raw columns
(:mod:`aiaudit.frames.compiled`) and one row function for the derived ones (:mod:`aiaudit.frames.rows`),
each giving a tuple; the tuples are transposed into columns and each column is built once with the
dtype of :mod:`aiaudit.frames.columns` (:mod:`aiaudit.frames.build`); time columns are parsed vectorised.

A record whose ``@message`` is not a JSON object keeps its row (system columns filled, every field
null) and is counted in a warning (``frame.attrs["warnings"]``, also issued as a Python warning). For
``runtime_logs`` a non-JSON line is normal (the ``runtime-logs`` stdout stream) and becomes ``body``.
"""

from __future__ import annotations

import gc
import json
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from aiaudit.frames import columns as C
from aiaudit.frames.bridges import bridge_request_ids
from aiaudit.frames.build import typed_array
from aiaudit.frames.compiled import Reader, reader
from aiaudit.frames.rows import DENIAL_CODES, GEN_AI_OPERATIONS, ROWS, normalise_trace_id

__all__ = ["DENIAL_CODES", "GEN_AI_OPERATIONS", "ProjectionWarning", "normalise_trace_id", "project"]

SYSTEM_NAMES = ("@timestamp", "@ptr", "@log", "@logStream")
_OTEL_KEYS = ("body", "severityNumber", "severityText", "timeUnixNano", "traceId")


class ProjectionWarning(UserWarning):
    """Records that could not be read completely (bad JSON in ``@message``)."""


def _raw_names(pipeline: str) -> list[str]:
    """Columns copied verbatim from the record: their name is their dotted source path."""
    out = []
    for col in C.COLUMNS[pipeline]:
        if col.name in SYSTEM_NAMES:
            continue
        if col.source.replace("[0]", ".0") == col.name:
            out.append(col.name)
    return out


@cache
def _raw_reader(pipeline: str) -> tuple[tuple[str, ...], Reader]:
    """The raw column names of ``pipeline`` and their compiled reader (value converted to the column kind)."""
    names = tuple(_raw_names(pipeline))
    kinds = {c.name: c.kind for c in C.COLUMNS[pipeline]}
    fields = tuple((name, kinds[name] if kinds[name] in ("int", "bool") else "string") for name in names)
    return names, reader(fields)


_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # the C scanner json.loads uses


def _parse(msg: Any) -> Any:
    """``json.loads(msg)`` for text (None when it is not JSON), ``msg`` itself when already an object.

    The common case, a message that is exactly one JSON value, goes straight to the C scanner; anything
    else (surrounding whitespace, trailing data, a BOM, bad JSON) takes ``json.loads`` for its exact rules."""
    if isinstance(msg, str):
        try:
            value, end = _scan(msg, 0)
            if end == len(msg):
                return value
        except (StopIteration, ValueError):
            pass
        try:
            return json.loads(msg)
        except ValueError:
            return None
    return msg if isinstance(msg, dict) else None


def _typed(values: list[Any], kind: str) -> pd.Series:
    if kind == "time":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object), utc=True, errors="coerce", format="ISO8601"))
    return pd.Series(typed_array(values, kind))


def _ns_times(values: list[int | None]) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="Int64"), unit="ns", utc=True)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while rows are built.

    Why: a projection allocates a few tracked tuples per record and makes no reference cycles, yet
    every few hundred allocations the collector would rescan all of them (a third of the run time on
    100k records). Objects are freed by reference counting as usual; collection resumes afterwards."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _values(pipeline: str, messages: list[Any], data_root: Path | None) -> tuple[dict[str, list[Any]], list[int]]:
    """Column name → Python list of values (raw and derived), and the positions of non-JSON records."""
    raw_names, read = _raw_reader(pipeline)
    derived_names, factory = ROWS[pipeline]
    derive = factory(raw_names, data_root)
    raw_rows: list[tuple[Any, ...]] = []
    derived_rows: list[tuple[Any, ...]] = []
    no_raw: tuple[Any, ...] = (None,) * len(raw_names)
    no_derived: tuple[Any, ...] = (None,) * len(derived_names)
    logs = pipeline == "runtime_logs"
    stdout = _stdout_row(derived_names) if logs else None
    bad: list[int] = []
    for i, msg in enumerate(messages):
        rec = _parse(msg)
        if logs and (not isinstance(rec, dict) or not any(k in rec for k in _OTEL_KEYS)):
            raw_rows.append(no_raw)
            derived_rows.append(stdout(msg))  # type: ignore[misc]
            continue
        if not isinstance(rec, dict):
            bad.append(i)
            raw_rows.append(no_raw)
            derived_rows.append(no_derived)
            continue
        fields = read(rec)
        raw_rows.append(fields)
        derived_rows.append(derive(rec, fields))
    lists: dict[str, list[Any]] = dict(zip(derived_names, map(list, zip(*derived_rows))))
    lists.update(zip(raw_names, map(list, zip(*raw_rows))))  # a raw column wins over a derived namesake
    return lists, bad


def project(pipeline: str, raw: pd.DataFrame, data_root: Path | None = None) -> pd.DataFrame:
    """The standard projection of ``raw`` (system columns incl. ``@message``) for one pipeline."""
    if pipeline not in C.COLUMNS:
        raise ValueError(f"unknown pipeline {pipeline!r}")
    with _collector_paused():
        return _project(pipeline, raw, data_root)


def _project(pipeline: str, raw: pd.DataFrame, data_root: Path | None) -> pd.DataFrame:
    if raw is None or len(raw) == 0:
        frame = C.empty_frame(pipeline)
        frame.attrs["warnings"] = []
        frame.attrs["pipeline"] = pipeline
        return frame
    specs = {c.name: c for c in C.COLUMNS[pipeline]}
    messages = raw["@message"].tolist() if "@message" in raw.columns else [None] * len(raw)
    n = len(messages)
    lists, bad = _values(pipeline, messages, data_root)
    data: dict[str, pd.Series] = {}
    for col in C.COLUMNS[pipeline]:
        if col.name in SYSTEM_NAMES or col.kind == "time":
            continue  # filled below
        values = lists.get(col.name)
        data[col.name] = _typed(values if values is not None else [None] * n, col.kind)  # None: set below
    frame = pd.DataFrame(data)
    for name in SYSTEM_NAMES:
        if name in raw.columns:
            values = raw[name].reset_index(drop=True)
            frame[name] = (
                pd.to_datetime(values, utc=True, errors="coerce").astype(C.DTYPES["time"])
                if name == "@timestamp"
                else values.astype("string")
            )
        else:
            frame[name] = pd.Series([None] * n, dtype=C.DTYPES[specs[name].kind])
    stamp = frame["@timestamp"]
    if pipeline == "cloudtrail":
        frame["time"] = _typed(lists["eventTime"], "time")
    elif pipeline == "invocations":
        frame["time"] = _typed(lists["timestamp"], "time")
    elif pipeline == "spans":
        start = _ns_times(lists["_start"])
        end = _ns_times(lists["_end"])
        dur = pd.Series(typed_array(lists["_dur"], "int"))
        frame["time"] = start
        frame["end_time"] = end.fillna(start + pd.to_timedelta(dur.astype("float64"), unit="ns"))
        frame["duration_ms"] = (dur.astype("Float64") / 1e6).fillna(
            ((end - start).dt.total_seconds() * 1000).astype("Float64")
        )
    else:
        frame["time"] = _ns_times(lists["_time"])
    frame["time"] = frame["time"].fillna(stamp).astype(C.DTYPES["time"])
    if pipeline == "spans":
        bridged = bridge_request_ids(frame)
        frame["request_id"] = bridged["request_id"]
        frame["request_id_source"] = bridged["request_id_source"]
    frame = frame[[c.name for c in C.COLUMNS[pipeline]]]
    frame.index = raw.index if len(raw.index) == n else pd.RangeIndex(n)
    notes: list[str] = []
    if bad:
        ptrs = raw["@ptr"].iloc[bad[:3]].tolist() if "@ptr" in raw.columns else bad[:3]
        notes.append(
            f"{pipeline}: {len(bad)} record(s) whose @message is not a JSON object; fields left null "
            f"(first @ptr: {', '.join(str(p) for p in ptrs)})"
        )
        warnings.warn(notes[-1], ProjectionWarning, stacklevel=3)
    frame.attrs["warnings"] = notes
    frame.attrs["pipeline"] = pipeline
    return frame


def _stdout_row(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """Derived values of a ``runtime_logs`` line that is not an OTel record: the line is the body."""
    i_body, i_otel = names.index("body"), names.index("is_otel")
    empty: tuple[Any, ...] = (None,) * len(names)

    def row(msg: Any) -> tuple[Any, ...]:
        if msg is None:
            return empty
        out = list(empty)
        out[i_body] = msg if isinstance(msg, str) else None
        out[i_otel] = False
        return tuple(out)

    return row
