"""Rows from elsewhere in the store's layout: in-memory tables for the AWS backend and frames in hand.

Why: projections and SQL run on a relation of the store's layout, whatever the rows' origin. Rows Logs
Insights returned (or a raw frame a notebook holds: system columns and ``@message``) are loaded into a
private in-memory DuckDB database through the row expression every ingest uses (typed columns,
``_hash``, ``_json``), so the same query gives the same values as on the store.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import duckdb
import pyarrow as pa

from aiaudit.core.config import DEFAULT_LOG_GROUPS
from aiaudit.store.schema import columns
from aiaudit.store.tables import extraction, insert_columns, install_rules, q, row_query


def load_messages(con: Any, pipeline: str, rows: Any, table: str | None = None) -> str:
    """A table of ``pipeline``'s store layout in ``con`` (a private, usually in-memory connection), filled
    from ``rows`` with the columns Logs Insights returns (``@timestamp``, ``@message``, ``@log``,
    ``@logStream``, ``@ptr``, optionally ``@ingestionTime``; an Arrow table or a pandas frame) through the
    row expression every ingest uses. Returns the table name. ``_line`` is the row's position (1-based).

    Why: the AWS backend and frames already in hand get their projections from the same SQL as the
    store; a message that is not a JSON object is kept with ``_json`` false (its fields read as NULL)."""
    name = table or pipeline
    install_rules(con)
    con.execute(f"DROP TABLE IF EXISTS {q(name)}")
    cols = ", ".join(f"{q(n)} {k}" for n, k in columns(pipeline))
    con.execute(f"CREATE TABLE {q(name)} ({cols})")
    source = rows if isinstance(rows, pa.Table) else _arrow_of(rows)
    if source.num_rows == 0:
        # nothing to insert; binding the row expression costs ~0.4 s for invocation logs (the bodies' rules)
        return name
    view = f"_incoming_{threading.get_ident()}"
    con.register(view, source)
    try:
        names = set(source.column_names)
        ing = q("@ingestionTime") + "::TIMESTAMPTZ" if "@ingestionTime" in names else "NULL::TIMESTAMPTZ"
        stamp = f"{q('@timestamp')}::TIMESTAMPTZ" if "@timestamp" in names else "NULL::TIMESTAMPTZ"

        def text(column: str) -> str:
            return f"{q(column)}::VARCHAR" if column in names else "NULL::VARCHAR"

        h_expr, picks = extraction(pipeline, "(CASE WHEN is_json THEN msg END)")
        con.execute(
            f"""INSERT INTO {q(name)} ({insert_columns(pipeline)})
            WITH base AS (
                SELECT {text("@message")} AS msg, {text("@log")} AS log, {text("@logStream")} AS stream,
                       {text("@ptr")} AS ptr, {stamp} AS ts, {ing} AS ing, 0 AS file_id,
                       (row_number() OVER ())::INTEGER AS line, NULL::VARCHAR AS flag
                FROM {view}
            ), checked AS (
                SELECT *, coalesce(starts_with(ltrim(msg), '{{') AND json_valid(msg), false) AS is_json FROM base
            ), src AS (
                SELECT *, {h_expr} AS h FROM checked
            )
            {row_query(pipeline, picks, "src", order=("_line",))}"""
        )
    finally:
        con.unregister(view)
    return name


def _message_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return None if value != value else str(value)  # NaN: missing


def _arrow_of(frame: Any) -> pa.Table:
    """The system columns of a pandas frame as Arrow (messages that are not text become JSON text)."""
    data: dict[str, Any] = {}
    if "@message" not in frame.columns:
        data["@message"] = pa.nulls(len(frame), pa.string())
    for column in ("@timestamp", "@message", "@log", "@logStream", "@ptr", "@ingestionTime"):
        if column not in frame.columns:
            continue
        values = frame[column]
        if column in ("@timestamp", "@ingestionTime"):
            data[column] = pa.array(values.astype("datetime64[ns, UTC]"), type=pa.timestamp("ns", tz="UTC"))
        elif column == "@message" and values.dtype == object:
            try:  # text (NaN/None missing), converted in C
                data[column] = pa.array(values, type=pa.string(), from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # parsed records (dicts) among them: as JSON text
                data[column] = pa.array([_message_text(v) for v in values.tolist()], type=pa.string())
        else:
            data[column] = pa.array(values.astype("string"), type=pa.string())
    return pa.table(data)


class MemoryStore:
    """An in-memory store of raw frames (``{pipeline: frame}``): what the SQL engine and the projections
    need from a store (``connection()``, ``log_groups``), for rows that never were in one."""

    def __init__(self, frames: Mapping[str, Any], log_groups: Mapping[str, str] | None = None) -> None:
        self.log_groups = {**DEFAULT_LOG_GROUPS, **(log_groups or {})}
        self._con = duckdb.connect()
        self._con.execute("SET TimeZone = 'UTC'")
        self._lock = threading.Lock()
        for pipeline in DEFAULT_LOG_GROUPS:
            load_messages(self._con, pipeline, frames.get(pipeline, pa.table({"@message": pa.array([], pa.string())})))

    def connection(self) -> duckdb.DuckDBPyConnection:
        """A cursor of the in-memory database (one per call, as the store's readers)."""
        with self._lock:
            cursor = self._con.cursor()
        cursor.execute("SET TimeZone = 'UTC'")
        return cursor

    def count(self, pipeline: str) -> int:
        return int(self._con.execute(f"SELECT count(*) FROM {q(pipeline)}").fetchone()[0])  # type: ignore[index]

    def close(self) -> None:
        self._con.close()
