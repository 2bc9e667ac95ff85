"""Bodies Bedrock offloaded to S3 (over 100 KB): read them from the export's ``data/`` folder.

An invocation record then carries ``input.inputBodyS3Path`` / ``output.outputBodyS3Path``
(``s3://bucket/AWSLogs/ACCT/BedrockModelInvocationLogs/REGION/YYYY/MM/DD/HH/data/ID_input.json.gz``).
A local export mirrors the bucket's keys under some folder; the file is found by the longest suffix of
the key (after the bucket) that matches a file under ``data_root``. Files are indexed once per root by
name, and only when an offloaded body is first needed. Not found → the body stays empty, the S3 path is
kept in the frame, and ``body_source`` says ``s3-missing``.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa

_INDEX: dict[Path, dict[str, list[Path]]] = {}


def _index(root: Path) -> dict[str, list[Path]]:
    root = root.resolve()
    if root not in _INDEX:
        names: dict[str, list[Path]] = {}
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                names.setdefault(name, []).append(Path(dirpath) / name)
        _INDEX[root] = names
    return _INDEX[root]


def find_local(s3_path: str, data_root: Path) -> Path | None:
    """The local copy of an S3 object, matched by the longest key suffix; None when absent."""
    if not s3_path.startswith("s3://"):
        return None
    key = s3_path[5:].split("/", 1)[1] if "/" in s3_path[5:] else ""
    parts = [p for p in key.split("/") if p]
    if not parts:
        return None
    best: tuple[int, Path] | None = None
    for candidate in _index(data_root).get(parts[-1], []):
        cparts = candidate.parts
        n = 0
        while n < len(parts) and n < len(cparts) and cparts[-1 - n] == parts[-1 - n]:
            n += 1
        if best is None or n > best[0]:
            best = (n, candidate)
    return best[1] if best else None


def load_body(s3_path: str, data_root: Path | None, which: str) -> tuple[Any, int | None, str]:
    """(body, size in bytes, body_source) for an offloaded body; ``which`` is ``input`` or ``output``.

    The object holds the body JSON (sometimes wrapped as ``{"inputBodyJson": ...}``); gzip by suffix.
    A file that cannot be read or parsed counts as missing, with the reason in ``body_source``.
    """
    if data_root is None:
        return None, None, "s3-missing"
    path = find_local(s3_path, data_root)
    if path is None:
        return None, None, "s3-missing"
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz" or raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        body = json.loads(raw)
    except (OSError, ValueError, EOFError) as exc:
        return None, None, f"s3-unreadable: {path}: {exc}"
    if isinstance(body, dict):
        wrapped = f"{which}BodyJson"
        if wrapped in body:
            body = body[wrapped]
        elif isinstance(body.get(which), dict) and wrapped in body[which]:
            body = body[which][wrapped]
    return body, len(raw), "s3-local"


def offload_relation(con: Any, table: str, data_root: Path | None, time_range: Any = None) -> pa.Table | None:
    """The offloaded bodies the invocation records of ``table`` name (``which, path, body, size, source``;
    ``body`` as compact JSON text), read from ``data_root``; None when no record names one.

    This is the projections' one Python step per record, for records whose body Bedrock put in S3: the
    file is found by its key's longest suffix under the data folder and read (gzip or not)."""
    stamp = ""
    if time_range is not None:
        from datetime import timedelta

        from aiaudit.query.quoting import iso_utc, sql_literal

        start, end = iso_utc(time_range.start), iso_utc(time_range.end + timedelta(seconds=1))
        stamp = (
            f' AND "@timestamp" >= {sql_literal(start)}::TIMESTAMPTZ AND "@timestamp" < {sql_literal(end)}::TIMESTAMPTZ'
        )
    rows = con.execute(
        f"""SELECT DISTINCT 'input', "input.inputBodyS3Path" FROM {table} WHERE "input.inputBodyS3Path" <> ''{stamp}
            UNION SELECT DISTINCT 'output', "output.outputBodyS3Path" FROM {table}
            WHERE "output.outputBodyS3Path" <> ''{stamp}"""
    ).fetchall()
    if not rows:
        return None
    out: dict[str, list[Any]] = {"which": [], "path": [], "body": [], "size": [], "source": []}
    for which, path in sorted(rows):
        body, size, source = load_body(path, data_root, which)
        out["which"].append(which)
        out["path"].append(path)
        out["body"].append(None if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")))
        out["size"].append(size)
        out["source"].append(source)
    return pa.table(
        out,
        schema=pa.schema(
            [
                ("which", pa.string()),
                ("path", pa.string()),
                ("body", pa.string()),
                ("size", pa.int64()),
                ("source", pa.string()),
            ]
        ),
    )


def clear_index() -> None:
    """Forget file indexes (tests, or after new files arrive)."""
    _INDEX.clear()
