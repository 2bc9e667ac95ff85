"""Run Logs Insights SQL on the store: parse → check → translate → execute → typed frame.

Why the row cap and the prepared parameters: AWS returns at most 10,000 rows for a SQL query, so the
local engine does too and says so in ``warnings`` (``complete=False``) instead of returning a silently
different answer. Parameter values go to DuckDB as prepared parameters, never into the text.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import pandas as pd
from sqlglot import exp

from aiaudit.core.config import DEFAULT_LOG_GROUPS, PIPELINES
from aiaudit.core.errors import QueryFailed
from aiaudit.core.interrupts import raise_interrupt
from aiaudit.core.result import ChunkStats, QueryStats, Result
from aiaudit.core.timerange import TimeRange
from aiaudit.query.sql.dialect import parse
from aiaudit.query.sql.groups import GroupRef
from aiaudit.query.sql.rewrite import Options, Translation, translate_tree
from aiaudit.query.sql.rules import check_tree

#: Logs Insights returns at most this many rows for a SQL query.
MAX_ROWS = 10_000


class StoreLike(Protocol):
    """What the engine needs from a store: a DuckDB connection and the pipeline → log-group names."""

    @property
    def log_groups(self) -> Mapping[str, str]: ...

    def connection(self) -> Any: ...


def check(query: str) -> exp.Expr:
    """Validate a query without a store (syntax, AWS restrictions, whitelist); return its tree."""
    tree = parse(query)
    check_tree(tree, query)
    return tree


def translate(
    query: str,
    *,
    params: Mapping[str, Any] | None = None,
    time_range: TimeRange | None = None,
    store: StoreLike | None = None,
    log_groups: Mapping[str, str] | None = None,
    inline: bool = True,
) -> str:
    """The DuckDB SQL a query runs as (dry runs, tests). Values are rendered inline by
    :mod:`aiaudit.query.quoting` unless ``inline=False`` (then ``$name`` placeholders remain). With ``store``,
    groups resolve and hot columns are read exactly as :func:`run_sql` would."""
    columns = table_columns(store.connection()) if store is not None else None
    groups = log_groups if log_groups is not None else (store.log_groups if store is not None else None)
    return _translate(query, params, time_range, groups, columns, inline=inline, store=store).sql


def _translate(
    query: str,
    params: Mapping[str, Any] | None,
    time_range: TimeRange | None,
    log_groups: Mapping[str, str] | None,
    table_columns: Mapping[str, set[str]] | None,
    *,
    inline: bool,
    store: StoreLike | None,
) -> Translation:
    tree = check(query)
    groups = dict(DEFAULT_LOG_GROUPS)
    groups.update(log_groups or {})
    lookup = store_lookup(store) if store is not None else None
    options = Options(
        log_groups=groups,
        lookup=lookup,
        table_columns=table_columns,
        params=dict(params or {}),
        inline=inline,
        time_range=time_range,
    )
    return translate_tree(tree, query, options)


def table_columns(connection: Any) -> dict[str, set[str]]:
    """Pipeline table → its columns (an empty set when the table does not exist yet)."""
    names = ", ".join(f"'{name}'" for name in PIPELINES)
    rows = connection.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = current_schema() "
        f"AND table_name IN ({names})"
    ).fetchall()
    out: dict[str, set[str]] = {name: set() for name in PIPELINES}
    for table, column in rows:
        if table in out:
            out[table].add(column)
    return out


def store_lookup(store: StoreLike) -> Any:
    """Find a group by its ``@log`` value in the store, for groups the configuration does not name."""

    def find(name: str) -> str | None:
        connection = store.connection()
        present = table_columns(connection)
        for pipeline in PIPELINES:
            if not present.get(pipeline):
                continue
            hit = connection.execute(f'SELECT 1 FROM "{pipeline}" WHERE "@log" = $name LIMIT 1', {"name": name})
            if hit.fetchone() is not None:
                return pipeline
        return None

    return find


def run_sql(
    store: StoreLike,
    query: str,
    time_range: TimeRange | None,
    *,
    params: Mapping[str, Any] | None = None,
    max_rows: int = MAX_ROWS,
) -> Result:
    """Run one Logs Insights SQL query on ``store`` and return a :class:`Result`."""
    started = time.monotonic()
    connection = store.connection()
    columns = table_columns(connection)
    translation = _translate(
        query, params, time_range, getattr(store, "log_groups", None), columns, inline=False, store=store
    )
    frame = execute_capped(connection, translation.sql, translation.args, max_rows, query)
    return finish(
        frame,
        connection=connection,
        refs=translation.pipelines,
        time_range=time_range,
        columns=columns,
        query=query,
        language="sql",
        started=started,
        max_rows=max_rows,
    )


def execute_capped(connection: Any, sql: str, args: Any, max_rows: int, query: str) -> pd.DataFrame:
    """Run the translated SQL for at most ``max_rows + 1`` rows (one more tells that the result was cut);
    a DuckDB failure becomes :class:`QueryFailed` naming the query as written. Both query languages."""
    capped_sql = f"SELECT * FROM ({sql}) AS _result LIMIT {int(max_rows) + 1}"
    try:
        return connection.execute(capped_sql, args).fetch_df()
    except Exception as exc:  # DuckDB raises many types; name the query
        raise_interrupt(exc)
        raise QueryFailed(f"the local engine could not run the query: {exc}", status="Failed", query=query) from exc


def finish(
    frame: pd.DataFrame,
    *,
    connection: Any,
    refs: Sequence[GroupRef],
    time_range: TimeRange | None,
    columns: Mapping[str, set[str]],
    query: str,
    language: str,
    started: float,
    max_rows: int,
    warnings: Sequence[str] = (),
) -> Result:
    """A local query's rows → the :class:`Result` both engines return: cut to ``max_rows`` with a warning
    (as Logs Insights caps a result), times in UTC, and the statistics AWS reports (records and bytes
    scanned, matched)."""
    notes = list(warnings)
    complete = True
    if len(frame) > max_rows:
        frame = frame.iloc[:max_rows].reset_index(drop=True)
        notes.append(f"capped: more than {max_rows} rows matched; Logs Insights returns at most {max_rows}")
        complete = False
    frame = _utc(frame)
    scanned, scanned_bytes = records_scanned(connection, refs, time_range, columns)
    elapsed = time.monotonic() - started
    chunk = ChunkStats(
        time_range=time_range,
        records_scanned=float(scanned),
        bytes_scanned=float(scanned_bytes),
        records_matched=float(len(frame)),
        rows=len(frame),
        elapsed_s=elapsed,
        capped=not complete,
    )
    return Result(
        frame=frame,
        stats=QueryStats.from_chunks([chunk], elapsed_s=elapsed),
        warnings=notes,
        query=query,
        language=language,
        time_range=time_range,
        complete=complete,
    )


def _utc(frame: pd.DataFrame) -> pd.DataFrame:
    """Time columns as tz-aware UTC (DuckDB hands them over in the connection's zone); absent text
    values as None, not NaN, so an absent field reads the same in every column."""
    for index in range(len(frame.columns)):
        column = frame.iloc[:, index]
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            frame.isetitem(index, column.dt.tz_convert("UTC"))
        elif column.dtype == object:
            frame.isetitem(index, column.astype(object).where(column.notna(), None))
    return frame


def records_scanned(
    connection: Any, refs: Sequence[GroupRef], time_range: TimeRange | None, columns: Mapping[str, set[str]]
) -> tuple[int, int]:
    """Rows of the groups read that fall in the time range (Logs Insights' ``recordsScanned``), and their
    size in bytes (``bytesScanned``: AWS bills a query by the UTF-8 size of the events it reads)."""
    total = 0
    size = 0
    for ref in refs:
        if not columns.get(ref.pipeline):
            continue
        where, args = [], {}
        if time_range is not None:
            where.append('"@timestamp" >= $start AND "@timestamp" < $end')
            args = {"start": time_range.start, "end": time_range.end + pd.Timedelta(seconds=1)}
        if ref.log is not None:
            where.append('"@log" = $log')
            args["log"] = ref.log
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        row = connection.execute(
            f'SELECT count(*), coalesce(sum(octet_length(encode("@message"))), 0) FROM "{ref.pipeline}"{clause}', args
        ).fetchone()
        total += int(row[0]) if row else 0
        size += int(row[1]) if row else 0
    return total, size
