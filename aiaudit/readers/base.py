"""Reader contract: what a reader hands the store for one file.

Why a contract of its own: the store has a fast path for well-formed bulk files and falls back to the
Python readers for everything else; both must produce the same records and the same accounting. A
reader never raises on bad content: it yields every valid record and lists every skipped item with its
line and reason, so the load report loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Pipelines a record can belong to (DESIGN §3).
PIPELINES = ("cloudtrail", "invocations", "spans", "runtime_logs")


@dataclass
class RawRecord:
    """One telemetry record as read from disk."""

    pipeline: str  # one of PIPELINES
    log_group: str  # resolved log-group name (pipeline default, or from the data, e.g. aws.log.group.names)
    log_stream: str | None  # stream name when the format carries one (CW export, S3 key, OTel resource)
    message: str  # the record's JSON text, compact (what @message shows)
    data: dict[str, Any]  # the parsed record (big integers exact)
    timestamp_ms: int | None  # event time in epoch ms; None when the record has no usable time
    time_flag: str | None = None  # why timestamp_ms is None ("missing eventTime", "unparseable eventTime: '...'")
    line: int = 0  # 1-based line in the (decompressed) file, or 1-based record index in a document
    ingestion_ms: int | None = None  # ingestion time when the format records it
    ordinal: int = 0  # 1-based position among the file's records: unique in a file even when records share a line


@dataclass
class Skipped:
    """Something in a file that did not become a record, and why."""

    line: int  # 1-based line (0 = the whole file)
    reason: str  # short, stable reason ("invalid JSON: Expecting ',' delimiter", "truncated gzip", ...)
    excerpt: str = ""  # at most 200 characters of the offending text, for the report


@dataclass
class FileLoad:
    """The result of reading one file: its format, its records, and its accounting."""

    path: Path
    format: str  # e.g. cloudtrail-s3, cloudtrail-digest, ndjson, json-array, json-object, cw-export, ...
    pipeline: str | None  # the pipeline most records belong to (None for ignored/unrecognised files)
    records: Iterator[RawRecord] | list[RawRecord] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # appended to while records are iterated
    notes: list[str] = field(default_factory=list)  # e.g. "CloudTrail digest file: not events, skipped"
    delivery_ms: int | None = None  # when the file was delivered (S3 key time, else mtime): fallback time
    ignored: bool = False  # True for files that are not telemetry at all (digest, truth.json, README)
