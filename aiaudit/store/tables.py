"""DDL and the one SQL expression that turns a record into a table row, shared by both ingest paths.

Why one row expression for both paths: the DuckDB fast path and the Python-reader fallback must store
identical rows for the same record. Both hand this module the same few source columns (the record's
JSON text, its position, time, stream ...) and the hot columns, ``@ptr`` and ``_hash`` are derived here, in
SQL, the same way. Hot columns are read with one ``json_extract_string`` call over a list of JSON
Pointers (one parse per record, not one per column); scalars come back as their JSON text (``401``,
``true``), objects and arrays as JSON text, null or absent as NULL. OpenTelemetry records keep dotted
attribute names as literal keys (``{"attributes": {"session.id": ...}}``), so for ``spans`` and
``runtime_logs`` every way a dotted name can split into keys is tried, nested first (the SQL
translator reads non-hot fields from ``@message`` the same way); CloudTrail and invocation records nest
real objects, so one pointer per column keeps the bulk path fast.
"""

from __future__ import annotations

import threading
from itertools import product
from typing import Any

import pyarrow as pa

from aiaudit.store.schema import FILES_TABLE, HOT_COLUMNS, SKIPPED_TABLE, columns

META_TABLE = "_meta"
#: Bumped when the layout or the row derivation changes: a store of another version is rebuilt.
LAYOUT_VERSION = "2"
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
#: Pipelines whose records keep dotted attribute names as literal keys.
_DOTTED_KEY_PIPELINES = ("spans", "runtime_logs")
#: Records that are not plain events but export wrappers (the readers unwrap them; the fast path must not).
WRAPPER_POINTERS = ("/CloudTrailEvent", "/message", "/@message")


def q(name: str) -> str:
    """A quoted identifier (column names hold dots and ``@``)."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """A SQL string literal (only for text this module builds, never for data)."""
    return "'" + text.replace("'", "''") + "'"


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


def _pointer(keys: list[str]) -> str:
    return "".join("/" + key.replace("~", "~0").replace("/", "~1") for key in keys)


def key_splits(field: str) -> list[list[str]]:
    """Every way a dotted name splits into keys, nested-most first; array positions never join."""
    parts = field.split(".")
    gaps = [i for i in range(len(parts) - 1) if not (parts[i].isdigit() or parts[i + 1].isdigit())]
    masks = sorted(product((False, True), repeat=len(gaps)), key=sum)
    out: list[list[str]] = []
    for mask in masks:
        joined = {gap for gap, on in zip(gaps, mask) if on}
        keys = [parts[0]]
        for i, part in enumerate(parts[1:]):
            if i in joined:
                keys[-1] += "." + part
            else:
                keys.append(part)
        out.append(keys)
    return out


def pointers(pipeline: str, field: str) -> list[str]:
    """JSON Pointers that may hold ``field`` in a record of ``pipeline``, in order of preference."""
    if pipeline in _DOTTED_KEY_PIPELINES:
        return [_pointer(keys) for keys in key_splits(field)]
    return [_pointer(field.split("."))]


def extraction(pipeline: str, json_col: str, extra: tuple[str, ...] = ()) -> tuple[str, dict[str, str]]:
    """One ``json_extract_string`` over all hot pointers (+ ``extra``) and, per hot column and extra
    pointer, the expression picking its value out of the result list ``h``."""
    flat: list[str] = []
    picks: dict[str, str] = {}
    for name, kind in HOT_COLUMNS[pipeline]:
        idx = []
        for pointer in pointers(pipeline, name):
            flat.append(pointer)
            idx.append(len(flat))
        value = f"h[{idx[0]}]" if len(idx) == 1 else "coalesce(" + ", ".join(f"h[{i}]" for i in idx) + ")"
        picks[name] = value if kind.upper() == "VARCHAR" else f"TRY_CAST({value} AS {kind})"
    for pointer in extra:
        flat.append(pointer)
        picks[pointer] = f"h[{len(flat)}]"
    listed = "[" + ", ".join(lit(p) for p in flat) + "]"
    return f"json_extract_string({json_col}, {listed})", picks


def row_select(pipeline: str, picks: dict[str, str]) -> str:
    """The SELECT list producing a table row from a source relation with the columns
    ``msg, file_id, ptr_prefix, ord, line, log, stream, ts, flag, ing`` and the hot-value list ``h``."""
    system = [
        "ts",
        "msg",
        "log",
        "stream",
        "ing",
        "ptr_prefix || '-' || ord::VARCHAR",
        "file_id",
        "line",
        "flag",
        "hash(msg)",  # 64-bit: 5x cheaper than md5 and 8 bytes instead of 32 hex characters
    ]
    hot = [picks[name] for name, _ in HOT_COLUMNS[pipeline]]
    return ", ".join(system + hot)


def insert_columns(pipeline: str) -> str:
    return ", ".join(q(name) for name, _ in columns(pipeline))
