"""DDL and the one SQL expression that turns a record into a table row, shared by every way rows arrive.

Why one row expression: the DuckDB fast path, the Python-reader fallback and the in-memory tables the
AWS backend and raw frames are loaded into (:mod:`aiaudit.store.memory`) must store identical rows for
the same record. All hand this module the same few source columns (the record's JSON text, its
position, time, stream ...) and the hot columns, ``@ptr``, ``_hash`` and ``_json`` are derived here, in
SQL, the same way. Hot columns are read with one ``json_extract_string`` call over the JSON Pointers the
field planner (:mod:`aiaudit.query.fields`) gives for each typed field (one parse per record, not one
per column): OpenTelemetry pipelines try every key split of a dotted name, nested first; CloudTrail and
invocation records nest real objects, so one pointer per column keeps the bulk path fast.
"""

from __future__ import annotations

import threading
from typing import Any

import pyarrow as pa

from aiaudit.derive import expr, stored
from aiaudit.query.fields import Extraction, as_integer
from aiaudit.query.quoting import sql_identifier, sql_literal
from aiaudit.store.schema import FILES_TABLE, HOT_COLUMNS, SKIPPED_TABLE, SYSTEM_COLUMNS, columns

META_TABLE = "_meta"
#: Bumped when the layout or the row derivation changes: a store of another version is rebuilt.
LAYOUT_VERSION = "4"
#: The message column compresses ~5x better with zstd than with DuckDB's default string codecs.
MESSAGE_COMPRESSION = "zstd"

FILES_COLUMNS: list[tuple[str, str]] = [
    ("file_id", "INTEGER"),
    ("path", "VARCHAR"),  # relative to the data root, '/'-separated
    ("size", "BIGINT"),
    ("mtime_ns", "BIGINT"),
    ("sha256", "VARCHAR"),
    ("format", "VARCHAR"),
    ("pipeline", "VARCHAR"),
    ("records_read", "BIGINT"),
    ("records_kept", "BIGINT"),
    ("duplicates", "BIGINT"),
    ("skipped", "BIGINT"),
    ("first_time", "TIMESTAMPTZ"),
    ("last_time", "TIMESTAMPTZ"),
    ("notes", "VARCHAR"),
    ("ignored", "BOOLEAN"),
    ("fast_path", "BOOLEAN"),
    ("ingested_at", "TIMESTAMPTZ"),
]
SKIPPED_COLUMNS: list[tuple[str, str]] = [
    ("file_id", "INTEGER"),
    ("line", "INTEGER"),
    ("reason", "VARCHAR"),
    ("excerpt", "VARCHAR"),
]
#: The order rows are stored in within one INSERT of the Python readers (a chunk of rows): by the
#: principal computed at ingest, then time. The bulk path groups CloudTrail rows the same way more
#: cheaply, by the caller its records name, before their columns are computed
#: (:data:`aiaudit.store.fastpath.CALLER_POINTERS`). Why: DuckDB skips, for the other columns,
#: every vector (2,048 rows) where a pushed-down filter matched no row. In delivery order one role's
#: events (2 % of them) sat in every vector, so a focus on it decoded every column of the whole table;
#: clustered, it decodes the few vectors its rows fill (over 10M events: 2.1–3.1 s before, 1.5–1.8 s
#: after). A part's time range is unchanged, so time filters skip the same row groups. Frames are
#: sorted by the engine: the stored order is never a result.
CLUSTER_KEYS: dict[str, tuple[str, ...]] = {
    "cloudtrail": ("_ingest_principal", "@timestamp"),
    "invocations": ("_ingest_principal", "@timestamp"),
}
#: Records that are not plain events but export wrappers (the readers unwrap them; the fast path must not).
WRAPPER_POINTERS = ("/CloudTrailEvent", "/message", "/@message")


def q(name: str) -> str:
    """A quoted identifier (column names hold dots and ``@``)."""
    return sql_identifier(name)


def lit(text: str) -> str:
    """A SQL string literal."""
    return sql_literal(text)


def insert_rows(con: Any, table: str, names: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert many small rows in one statement (``executemany`` runs one statement per row: ~1 ms each,
    which made bookkeeping for thousands of small files cost more than reading them)."""
    if not rows:
        return
    frame = pa.table({name: [row[i] for row in rows] for i, name in enumerate(names)})
    view = f"_rows_{threading.get_ident()}"
    con.register(view, frame)
    try:
        con.execute(f"INSERT INTO {q(table)} ({', '.join(q(n) for n in names)}) SELECT * FROM {view}")
    finally:
        con.unregister(view)


def install_rules(con: Any) -> None:
    """Make the rules' macros (:func:`aiaudit.derive.expr.install`) callable on ``con``, an in-memory
    connection or a store file's writer (which gets an in-memory catalog named ``memory`` for them)."""
    if not con.execute("SELECT 1 FROM duckdb_databases() WHERE database_name = 'memory'").fetchall():
        con.execute("ATTACH ':memory:' AS memory")
    expr.install(con)


def ddl() -> list[str]:
    """CREATE statements for every table (idempotent)."""
    out = []
    for pipeline in HOT_COLUMNS:
        cols = []
        for name, kind in columns(pipeline):
            extra = f" USING COMPRESSION {MESSAGE_COMPRESSION}" if name == "@message" else ""
            cols.append(f"{q(name)} {kind}{extra}")
        out.append(f"CREATE TABLE IF NOT EXISTS {q(pipeline)} ({', '.join(cols)})")
    for table, cols_ in ((FILES_TABLE, FILES_COLUMNS), (SKIPPED_TABLE, SKIPPED_COLUMNS)):
        out.append(f"CREATE TABLE IF NOT EXISTS {q(table)} ({', '.join(f'{q(n)} {k}' for n, k in cols_)})")
    out.append(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR)")
    return out


def extraction(pipeline: str, json_col: str, extra: tuple[str, ...] = ()) -> tuple[str, dict[str, str]]:
    """One ``json_extract_string`` over all hot pointers (+ ``extra`` pointers) and, per hot column and extra
    pointer, the expression picking its value out of the result list ``h``."""
    ext = Extraction(pipeline, "h")
    picks: dict[str, str] = {}
    for name, kind in HOT_COLUMNS[pipeline]:
        value = ext.add(name)
        picks[name] = value if kind.upper() == "VARCHAR" else as_integer(value)
    for ptr in extra:
        picks[ptr] = ext.add_pointer(ptr)
    return ext.sql(json_col), picks


def row_query(pipeline: str, picks: dict[str, str], source: str, order: tuple[str, ...] | None = None) -> str:
    """The SELECT producing table rows, in the table's column order, from ``source``: a relation with the
    columns ``msg, file_id, ptr, line, log, stream, ts, flag, ing``, the hot-value list ``h`` and ``is_json``
    (the message is a JSON object). The values computed at ingest (:mod:`aiaudit.derive.stored`) are
    evaluated over the row's own typed columns, by the projection's rules. Rows come in the order of the
    columns ``order``, by default :data:`CLUSTER_KEYS`."""
    system = {
        "@timestamp": "ts",
        "@message": "msg",
        "@log": "log",
        "@logStream": "stream",
        "@ingestionTime": "ing",
        "@ptr": "ptr",
        "_file_id": "file_id",
        "_line": "line",
        "_time_flag": "flag",
        "_hash": "hash(msg)",  # 64-bit: 5x cheaper than md5 and 8 bytes instead of 32 hex characters
        "_json": "is_json",
    }
    items = [f"{system[name]} AS {q(name)}" for name, _ in SYSTEM_COLUMNS]
    items += [f"{picks[name]} AS {q(name)}" for name, _ in HOT_COLUMNS[pipeline]]
    row = f"SELECT {', '.join(items)} FROM {source}"
    if stored.STORED[pipeline]:
        row = f"SELECT {insert_columns(pipeline)} FROM ({stored.select(pipeline, row)}) AS _row"
    keys = CLUSTER_KEYS.get(pipeline, ()) if order is None else order
    return f"{row} ORDER BY {', '.join(q(name) for name in keys)}" if keys else row


def insert_columns(pipeline: str) -> str:
    return ", ".join(q(name) for name, _ in columns(pipeline))
