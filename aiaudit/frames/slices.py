"""Time slices: a large time-ordered projection as one query per ``@timestamp`` range, two in flight.

Why slices: sorting a million 68-column CloudTrail rows holds them twice (the sort's rows and the
result): 3.7 GB peak, where the frame itself is 1.7 GB. Rows of disjoint ``@timestamp`` ranges sort apart,
so slices of about :data:`SLICE_ROWS` rows, each sorted and appended in order, give the same frame with
only the slices in flight sorting. Equal timestamps never straddle a boundary (slices are ``[lo, hi)``),
so ties keep their order. Each slice's ``@timestamp`` filter is pushed into the scan: it reads only the
row groups whose time range meets it, and fetches the other columns of its own rows only.

Why two in flight (:func:`fetch`): DuckDB sorts a slice on every thread but hands an ordered result to
Arrow on one (a slice's query keeps 1.5 of two cores busy); a second slice's sort runs meanwhile. The cost
is memory: two sorts at once leave DuckDB's allocator holding both. Measured over a million CloudTrail
events on two cores, four alternated runs of each (17:23 UTC on 2026-12-06, load average about 1.6):

=====================================  ==================  ===================
slices                                 full frame          peak RSS
=====================================  ==================  ===================
5 of 200k, one at a time (before)      3.78–3.97 s         2.12–2.24 GB
5 of 200k, two at a time               3.43–3.65 s         2.18–2.41 GB
7 of 145k, two at a time (kept)        3.44–3.65 s         2.01–2.16 GB
=====================================  ==================  ===================

Five slices two at a time reached 2.51 GB in a benchmark run, over the 2.5 GB the frame is allowed (issue
17); seven keep the peak of one slice at a time. One thread per slice, two at a time, was slower (3.24–3.33
s against 2.96–3.09 s with two threads each, in an earlier hour).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from aiaudit.query.quoting import iso_utc, sql_literal
from aiaudit.query.quoting import sql_identifier as q
from aiaudit.store.parallel import on_connections

if TYPE_CHECKING:
    from aiaudit.frames.project import Query

#: Where a time slice's bounds go in a time-ordered query's WHERE clauses (``TRUE`` when run whole).
SLICE = "TRUE /* aiaudit:time-slice */"
#: A time-ordered projection of more rows than this is computed in time slices of about this many rows,
#: each sorted on its own and appended in order (:func:`time_slices`).
SLICE_ROWS = 145_000
#: Rows stored far out of time order: the slices would read, through the row groups' ``@timestamp`` ranges,
#: more than this many times the rows one query reads. Such a store is cut into :data:`SPREAD_SLICES` at most.
SLICE_READ_LIMIT = 2.0
SPREAD_SLICES = 7
#: Rows per row group of DuckDB's storage (``@timestamp`` min/max are kept per row group).
ROW_GROUP = 122_880
#: Slices fetched at once (see the module docstring): each adds one slice's sort to the peak memory.
SLICE_WORKERS = 2


def whole(sql: str) -> str:
    """A sliceable query's SQL run as one query."""
    return sql.replace(SLICE, "TRUE")


def time_slices(con: duckdb.DuckDBPyConnection, qy: Query) -> list[str]:
    """The SQL of ``qy`` as one query per time slice, in time order (one query for few rows).

    Where rows are stored far out of time order every slice reads every row group (about 0.1 CPU-second
    per extra slice and million rows), so such stores are cut into at most :data:`SPREAD_SLICES` slices."""
    if qy.sliceable is None:
        return [whole(qy.sql)]
    table, time_sql = qy.sliceable
    where = time_sql or "TRUE"
    rows = con.sql(f"SELECT count(*) FROM {table} WHERE {where}").fetchall()[0][0]
    pieces = -(-rows // SLICE_ROWS)
    spans = _spans(con, table, where, pieces)
    if len(spans) > SPREAD_SLICES and _reads(con, table, where, spans) > SLICE_READ_LIMIT * rows:
        spans = _spans(con, table, where, SPREAD_SLICES)
    if len(spans) < 2:
        return [whole(qy.sql)]
    out = []
    for lo, hi in spans:
        parts = ([f'"@timestamp" >= {sql_literal(iso_utc(lo))}::TIMESTAMPTZ'] if lo is not None else []) + (
            [f'"@timestamp" < {sql_literal(iso_utc(hi))}::TIMESTAMPTZ'] if hi is not None else []
        )
        out.append(qy.sql.replace(SLICE, "(" + " AND ".join(parts) + ")"))
    return out


def _spans(con: duckdb.DuckDBPyConnection, table: str, where: str, pieces: int) -> list[tuple[Any, Any]]:
    """``[lo, hi)`` ``@timestamp`` ranges holding about equal numbers of rows (None: open)."""
    if pieces < 2:
        return [(None, None)]
    quantiles = [i / pieces for i in range(1, pieces)]
    cut = con.sql(f'SELECT quantile_disc("@timestamp", {quantiles}) FROM {table} WHERE {where}').fetchall()[0][0]
    edges: list[Any] = [None, *sorted({b for b in cut or [] if b is not None}), None]
    return list(pairwise(edges))


def _reads(con: duckdb.DuckDBPyConnection, table: str, where: str, spans: list[tuple[Any, Any]]) -> int:
    """Rows the slices' scans read in all, judged by each row group's ``@timestamp`` range."""
    found = con.execute(
        f"""WITH groups AS (
                SELECT rowid // {ROW_GROUP} AS g, min("@timestamp") AS lo, max("@timestamp") AS hi, count(*) AS n
                FROM {table} WHERE {where} GROUP BY g),
            slices AS (SELECT unnest(?::TIMESTAMPTZ[]) AS lo, unnest(?::TIMESTAMPTZ[]) AS hi)
            SELECT sum(groups.n) FROM groups JOIN slices
            ON (slices.lo IS NULL OR groups.hi >= slices.lo) AND (slices.hi IS NULL OR groups.lo < slices.hi)""",
        [[lo for lo, _ in spans], [hi for _, hi in spans]],
    ).fetchall()[0][0]
    return int(found or 0)


def sibling(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A new connection to ``con``'s database in ``con``'s session: its time zone (times are cast to the
    session's zone) and its current catalog and schema. Temporary objects stay ``con``'s own."""
    zone, catalog, schema = con.sql(
        "SELECT current_setting('TimeZone'), current_database(), current_schema()"
    ).fetchall()[0]
    cursor = con.cursor()
    cursor.execute(f"SET TimeZone = {sql_literal(zone)}")
    cursor.execute(f"USE {q(catalog)}.{q(schema)}")
    return cursor


def fetch(
    con: duckdb.DuckDBPyConnection,
    sqls: Sequence[str],
    params: Sequence[Any] | None,
    prepare: Callable[[duckdb.DuckDBPyConnection], None],
) -> list[pa.Table]:
    """The Arrow result of each query of ``sqls``, in their order; several run at once
    (:data:`SLICE_WORKERS`), each on a :func:`sibling` of ``con`` set up by ``prepare``. A failure or an
    interrupt (Ctrl-C) stops the others before it is raised (:func:`aiaudit.store.parallel.on_connections`)."""
    if len(sqls) == 1:
        return [con.sql(sqls[0], params=params or None).to_arrow_table()]
    cursors = [sibling(con) for _ in range(min(SLICE_WORKERS, len(sqls)))]
    for cursor in cursors:
        prepare(cursor)
    tables: list[pa.Table] = [None] * len(sqls)  # type: ignore[list-item]  # each filled once its slice ends

    def one(cursor: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
        return cursor.sql(sql, params=params or None).to_arrow_table()

    on_connections(cursors, one, sqls, tables.__setitem__, name="slice")
    return tables
