"""Tiny stores for the SQL tests: the aiaudit/store/schema.py table layout, filled from JSON dicts.

Deliberately independent of the engine: hot columns are computed here by a few lines of flattening,
so a test compares the engine's reading of ``@message`` and of hot columns with plain Python.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from aiaudit.core.config import DEFAULT_LOG_GROUPS
from aiaudit.store.schema import HOT_COLUMNS, columns

DEFAULT_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def flatten(value: Any, prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Logs Insights flattening: nested keys joined with dots, array positions as numbers."""
    out = {} if out is None else out
    if isinstance(value, dict):
        for key, item in value.items():
            flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            flatten(item, f"{prefix}.{index}" if prefix else str(index), out)
    else:
        out[prefix] = value
    return out


def scalar_text(value: Any) -> str | None:
    """A JSON scalar as the text Logs Insights shows: numbers and booleans as JSON, null as NULL."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def _container(record: dict[str, Any], name: str) -> Any:
    """A typed field that holds an object or array (``resources``): its compact JSON, as Logs Insights
    shows a field's object; None when the record has no such container."""
    value: Any = record
    for key in name.split("."):
        if isinstance(value, dict) and key in value:
            value = value[key]
        else:
            return None
    return json.dumps(value, separators=(",", ":")) if isinstance(value, dict | list) else None


def _time(pipeline: str, record: dict[str, Any]) -> datetime:
    raw: Any = None
    if pipeline == "cloudtrail":
        raw = record.get("eventTime")
    elif pipeline == "invocations":
        raw = record.get("timestamp")
    elif pipeline == "spans":
        raw = record.get("startTimeUnixNano")
    else:
        raw = record.get("timeUnixNano")
    if isinstance(raw, int):
        return datetime.fromtimestamp(raw / 1e9, tz=UTC)
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            return DEFAULT_TIME
    return DEFAULT_TIME


class TinyStore:
    """What the engine needs from a store: ``connection()`` and ``log_groups``."""

    def __init__(
        self,
        records: Mapping[str, Iterable[dict[str, Any] | tuple[dict[str, Any], dict[str, Any]]]],
        *,
        log_groups: Mapping[str, str] | None = None,
    ) -> None:
        self.log_groups = dict(DEFAULT_LOG_GROUPS)
        self.log_groups.update(log_groups or {})
        self._con = duckdb.connect()
        self._con.execute("SET TimeZone = 'UTC'")
        for pipeline in HOT_COLUMNS:
            cols = ", ".join(f'"{name}" {kind}' for name, kind in columns(pipeline))
            self._con.execute(f'CREATE TABLE "{pipeline}" ({cols})')
        for pipeline, items in records.items():
            self.add(pipeline, items)

    def add(self, pipeline: str, items: Iterable[dict[str, Any] | tuple[dict[str, Any], dict[str, Any]]]) -> None:
        names = [name for name, _ in columns(pipeline)]
        rows = []
        for line, item in enumerate(items, start=1):
            record, meta = item if isinstance(item, tuple) else (item, {})
            flat = flatten(record)
            row: dict[str, Any] = {
                "@timestamp": meta.get("@timestamp", _time(pipeline, record)),
                "@message": json.dumps(record, separators=(",", ":")),
                "@log": meta.get(
                    "@log", self.log_groups[pipeline].rstrip("/") + ("/agent" if pipeline == "runtime_logs" else "")
                ),
                "@logStream": meta.get("@logStream", "stream"),
                "@ingestionTime": DEFAULT_TIME,
                "@ptr": f"{pipeline}:{line}",
                "_file_id": 1,
                "_line": line,
                "_time_flag": None,
                "_hash": None,
                "_json": True,
            }
            for name, kind in HOT_COLUMNS[pipeline]:
                value = flat.get(name, _container(record, name))
                if kind == "BIGINT":
                    try:
                        row[name] = int(value) if value is not None and not isinstance(value, bool) else None
                    except (TypeError, ValueError):
                        row[name] = None
                else:
                    row[name] = scalar_text(value)
            # the values the store computes at ingest stay NULL: the SQL engine never reads them
            rows.append([row.get(name) for name in names])
        if rows:
            frame = pd.DataFrame(rows, columns=[f"c{i}" for i in range(len(names))], dtype=object)
            self._con.register("_incoming", frame)
            casts = ", ".join(f"CAST(c{i} AS {kind})" for i, (_, kind) in enumerate(columns(pipeline)))
            self._con.execute(f'INSERT INTO "{pipeline}" SELECT {casts} FROM _incoming')
            self._con.unregister("_incoming")

    def connection(self) -> duckdb.DuckDBPyConnection:
        return self._con
