"""The general path: any file the readers understand, streamed into the tables in chunks.

Why Arrow chunks and SQL for the rest: the reader yields Python records; building the hot columns in
Python would duplicate (and drift from) the fast path's SQL. So only the reader's facts travel (message
text, position, time, stream, group) as an Arrow table of a few columns, and the row expression in
``tables.py`` derives everything else, exactly as for the fast path. Memory stays bounded by the chunk
size whatever the file size, because the reader is consumed lazily.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from aiaudit.readers.base import FileLoad, RawRecord
from aiaudit.store.tables import extraction, insert_columns, q, row_query

CHUNK_ROWS = 20_000

_SCHEMA = pa.schema(
    [
        ("msg", pa.string()),
        ("j", pa.string()),
        ("file_id", pa.int32()),
        ("ptr_prefix", pa.string()),
        ("ord", pa.int64()),
        ("line", pa.int32()),
        ("log", pa.string()),
        ("stream", pa.string()),
        ("ts_ms", pa.int64()),
        ("flag", pa.string()),
        ("ing_ms", pa.int64()),
    ]
)


@dataclass
class PyResult:
    records: int = 0
    per_pipeline: dict[str, int] = field(default_factory=dict)


class _Chunk:
    def __init__(self) -> None:
        self.cols: dict[str, list[Any]] = {name: [] for name in _SCHEMA.names}

    def add(self, rec: RawRecord, file_id: int, ptr_prefix: str, delivery_ms: int | None, ingest_ms: int) -> None:
        c = self.cols
        c["msg"].append(rec.message)
        c["j"].append(rec.message if rec.data else None)
        c["file_id"].append(file_id)
        c["ptr_prefix"].append(ptr_prefix)
        c["ord"].append(rec.ordinal)
        c["line"].append(rec.line)
        c["log"].append(rec.log_group)
        c["stream"].append(rec.log_stream)
        if rec.timestamp_ms is not None:
            c["ts_ms"].append(rec.timestamp_ms)
            c["flag"].append(rec.time_flag)
        else:
            c["ts_ms"].append(delivery_ms if delivery_ms is not None else ingest_ms)
            c["flag"].append(rec.time_flag or "no event time")
        c["ing_ms"].append(rec.ingestion_ms if rec.ingestion_ms is not None else ingest_ms)

    def __len__(self) -> int:
        return len(self.cols["msg"])


def _flush(con: Any, pipeline: str, chunk: _Chunk) -> None:
    table = pa.table(chunk.cols, schema=_SCHEMA)
    h_expr, picks = extraction(pipeline, "j")
    con.register("_py_rows", table)
    try:
        con.execute(
            f"""INSERT INTO {q(pipeline)} ({insert_columns(pipeline)})
            WITH src AS (
                SELECT msg, file_id, ptr_prefix || '-' || ord::VARCHAR AS ptr, line, log, stream,
                       epoch_ms(ts_ms)::TIMESTAMPTZ AS ts, flag, epoch_ms(ing_ms)::TIMESTAMPTZ AS ing,
                       {h_expr} AS h, j IS NOT NULL AS is_json
                FROM _py_rows
            )
            {row_query(pipeline, picks, "src")}"""
        )
    finally:
        con.unregister("_py_rows")


class BatchLoader:
    """Rows of many files gathered per pipeline and inserted in few statements (inside the caller's
    transaction). Why: a day of agent telemetry is thousands of small files; one INSERT per file and
    pipeline cost more than parsing them."""

    def __init__(self, con: Any, ingest_ms: int) -> None:
        self.con = con
        self.ingest_ms = ingest_ms
        self.chunks: dict[str, _Chunk] = {}

    def add_file(self, load: FileLoad, file_id: int, ptr_prefix: str) -> PyResult:
        """Queue every record of ``load`` (a chunk is inserted whenever it reaches ``CHUNK_ROWS``)."""
        out = PyResult()
        chunks = self.chunks
        for rec in load.records:
            chunk = chunks.get(rec.pipeline)
            if chunk is None:
                chunk = chunks[rec.pipeline] = _Chunk()
            chunk.add(rec, file_id, ptr_prefix, load.delivery_ms, self.ingest_ms)
            out.records += 1
            out.per_pipeline[rec.pipeline] = out.per_pipeline.get(rec.pipeline, 0) + 1
            if len(chunk) >= CHUNK_ROWS:
                _flush(self.con, rec.pipeline, chunk)
                chunks[rec.pipeline] = _Chunk()
        return out

    def flush(self) -> None:
        for pipeline, chunk in self.chunks.items():
            if len(chunk):
                _flush(self.con, pipeline, chunk)
        self.chunks = {}
