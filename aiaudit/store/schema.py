"""The store's table layout: the contract between the store, the SQL engine and the frames.

One table per pipeline, named after it (``cloudtrail``, ``invocations``, ``spans``, ``runtime_logs``).
Every table has the system columns Logs Insights shows (``@timestamp``, ``@message``, ``@log``,
``@logStream``, ``@ingestionTime``, ``@ptr``) plus bookkeeping, plus *hot* columns: the fields most
queries touch, stored typed under their exact dotted Logs Insights name (``"userIdentity.arn"``) so a
query reads a column instead of parsing JSON. Any other dotted field is read from ``@message``. Last come
the values computed once per record at ingest, named ``_ingest_<frame column>`` (the principal columns
and the invocation body columns: :mod:`aiaudit.derive.stored`).

Why typed hot columns named by the dotted path: every reader of a field goes through the one field
planner (:mod:`aiaudit.query.fields`), which reads the column of that name when the table has it, else
the record's JSON — one rule, no per-field special cases.
"""

from __future__ import annotations

from aiaudit.derive import stored
from aiaudit.query.fields import TYPED_FIELDS

PIPELINE_TABLES: dict[str, str] = {
    "cloudtrail": "cloudtrail",
    "invocations": "invocations",
    "spans": "spans",
    "runtime_logs": "runtime_logs",
}

#: System and bookkeeping columns present in every pipeline table, in order, with DuckDB types.
SYSTEM_COLUMNS: list[tuple[str, str]] = [
    ("@timestamp", "TIMESTAMPTZ"),  # event time (UTC); file delivery time when the record has none
    ("@message", "VARCHAR"),  # the record's JSON text, compact
    ("@log", "VARCHAR"),  # log group name (locally: the pipeline's configured group)
    ("@logStream", "VARCHAR"),
    ("@ingestionTime", "TIMESTAMPTZ"),  # when aiaudit stored it (or the export's ingestion time)
    ("@ptr", "VARCHAR"),  # opaque, unique, stable across re-ingest of the same file content
    ("_file_id", "INTEGER"),  # files.file_id
    ("_line", "INTEGER"),  # 1-based line (or record index for single-document files)
    ("_time_flag", "VARCHAR"),  # NULL, or why @timestamp is the file's delivery time
    ("_hash", "UBIGINT"),  # DuckDB hash() of @message (CloudTrail de-duplication key with eventID)
    ("_json", "BOOLEAN"),  # @message is a JSON object (false: a runtime stdout line, or bad JSON from AWS)
]

#: Hot (typed) columns per pipeline: (dotted field name exactly as Logs Insights shows it, DuckDB type).
#: The field planner owns the list (:data:`aiaudit.query.fields.TYPED_FIELDS`): which fields are typed is
#: part of how a field is read, so the SQL translator, the projections and the store cannot disagree.
HOT_COLUMNS: dict[str, list[tuple[str, str]]] = {pipeline: list(TYPED_FIELDS[pipeline]) for pipeline in PIPELINE_TABLES}

#: Bookkeeping tables.
FILES_TABLE = "_files"  # one row per ingested file: path, size, mtime, sha256, format, counts, span
SKIPPED_TABLE = "_skipped"  # one row per skipped item: file_id, line, reason, excerpt


def columns(pipeline: str) -> list[tuple[str, str]]:
    """All columns of a pipeline table, in order: system, hot, then the values computed at ingest."""
    return SYSTEM_COLUMNS + HOT_COLUMNS[pipeline] + stored.columns(pipeline)


def hot_names(pipeline: str) -> set[str]:
    return {name for name, _ in HOT_COLUMNS[pipeline]}
