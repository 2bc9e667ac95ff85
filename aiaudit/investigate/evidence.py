"""Evidence export: the raw records behind findings, their SHA-256, and the queries that produced them.

Why: a finding that cannot be traced back to the exact records and queries does not survive review.
:func:`export_evidence` writes, to a folder or a ``.zip``:

* ``records/<sha256>.json`` — each cited record exactly as stored (its ``@message`` text, byte for
  byte; a record without one is written as canonical JSON), named by its SHA-256;
* ``findings.json`` — the findings (DESIGN §6 schema);
* ``queries.json`` — every query's text, language, time range, query ids, statistics and warnings
  (from :class:`~aiaudit.core.result.Result` objects, projection frames, pivots/correlations, or the
  :class:`~aiaudit.investigate.access.Telemetry` that ran them);
* ``manifest.json`` — source, time range, one entry per record (``@ptr``, sha256, file, size, system
  fields, which findings cite it), references that could not be read (``missing``, with the error:
  nothing is dropped silently), and the SHA-256 of every other file.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from aiaudit import __version__
from aiaudit.core.errors import AiauditError
from aiaudit.core.findings import Finding, to_json
from aiaudit.core.timerange import TimeRange, iso, utc_now
from aiaudit.investigate.access import Telemetry

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _query_summaries(results: Iterable[Any] | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in results or []:
        if hasattr(item, "summary") and callable(item.summary):  # Result
            out.append(item.summary())
        elif isinstance(item, pd.DataFrame):
            summary = item.attrs.get("aiaudit")
            if summary:
                out.append(dict(summary))
        elif isinstance(item, dict):
            out.append(dict(item))
        elif hasattr(item, "queries"):  # PivotResult, Telemetry
            out.extend(dict(q) for q in item.queries)
        else:
            raise TypeError(f"cannot read query facts from a {type(item).__name__}")
    return out


def _record_bytes(record: dict[str, Any]) -> bytes:
    message = record.get("@message")
    if isinstance(message, str):
        return message.encode("utf-8")
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def export_evidence(
    data: Any,
    findings: Sequence[Finding],
    dest: str | Path,
    *,
    results: Iterable[Any] | None = None,
    time_range: TimeRange | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """Write the evidence bundle for ``findings`` to ``dest`` (a folder, or a file ending in ``.zip``)
    and return the manifest. ``results`` are the queries behind the findings; when ``data`` is a
    :class:`Telemetry`, the queries it ran are included too."""
    tel = Telemetry.of(data)
    files: dict[str, bytes] = {}
    cited: dict[str, list[str]] = {}
    for finding in findings:
        for ref in finding.evidence:
            cited.setdefault(ref, []).append(finding.finding_id)
    records, missing = [], []
    for ptr in sorted(cited):
        try:
            record = tel.record(ptr)
        except AiauditError as exc:
            missing.append({"ptr": ptr, "error": str(exc), "findings": sorted(set(cited[ptr]))})
            continue
        body = _record_bytes(record)
        digest = _sha(body)
        name = f"records/{digest}.json"
        files[name] = body
        records.append(
            {
                "ptr": ptr,
                "sha256": digest,
                "file": name,
                "bytes": len(body),
                "fields": {k: v for k, v in record.items() if k.startswith("@") and k not in ("@message", "@ptr")},
                "findings": sorted(set(cited[ptr])),
            }
        )
    queries = _query_summaries(results)
    if isinstance(data, Telemetry):
        queries += [dict(q) for q in data.queries]
    files["findings.json"] = to_json(list(findings)).encode("utf-8")
    files["queries.json"] = json.dumps(queries, indent=2, ensure_ascii=False, default=str).encode("utf-8")

    manifest = {
        "aiaudit_version": __version__,
        "created": iso(created or utc_now()),
        "source": tel.label,
        "time_range": time_range.to_dict() if time_range else None,
        "findings": [
            {"finding_id": f.finding_id, "rule_id": f.rule_id, "severity": f.severity, "evidence": list(f.evidence)}
            for f in findings
        ],
        "records": records,
        "missing": missing,
        "queries": len(queries),
        "files": {name: _sha(body) for name, body in sorted(files.items()) if not name.startswith("records/")},
    }
    files["manifest.json"] = json.dumps(manifest, indent=2, ensure_ascii=False, default=str).encode("utf-8")
    _write(Path(dest), files)
    return manifest


def _write(dest: Path, files: dict[str, bytes]) -> None:
    if dest.suffix.lower() == ".zip":
        dest.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(files):
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, files[name])
        dest.write_bytes(buffer.getvalue())
        return
    for name, body in files.items():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)


def verify_evidence(path: str | Path) -> list[str]:
    """Problems found re-hashing a bundle (empty list = every record and file matches its manifest)."""
    src = Path(path)
    if src.suffix.lower() == ".zip":
        with zipfile.ZipFile(src) as archive:
            contents = {n: archive.read(n) for n in archive.namelist()}
    else:
        contents = {str(p.relative_to(src)): p.read_bytes() for p in src.rglob("*") if p.is_file()}
    manifest = json.loads(contents["manifest.json"])
    problems = []
    for entry in manifest["records"]:
        body = contents.get(entry["file"])
        if body is None:
            problems.append(f"{entry['file']}: missing")
        elif _sha(body) != entry["sha256"]:
            problems.append(f"{entry['file']}: sha256 differs from the manifest")
    for name, digest in manifest["files"].items():
        if name not in contents:
            problems.append(f"{name}: missing")
        elif _sha(contents[name]) != digest:
            problems.append(f"{name}: sha256 differs from the manifest")
    return problems
