"""The one findings schema (DESIGN §6), shared by detections, catalogue entries, notebooks and playbooks.

A finding is evidence, so it is plain data: JSON round-trips exactly, ids are deterministic (the same
rule over the same facts gives the same ``finding_id``, which is how de-duplication works), and
``covers`` implements the matching rule tests use against ``truth.json``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import pandas as pd

from aiaudit.core.errors import InputError
from aiaudit.core.timerange import iso, to_utc

SEVERITIES = ("info", "low", "medium", "high", "critical")
_LIST_FIELDS = ("principals", "source_ips", "request_ids", "session_ids", "resources", "evidence")


def severity_rank(severity: str) -> int:
    """0 for info .. 4 for critical; unknown severities are an error."""
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        raise InputError(f"unknown severity {severity!r} (one of {', '.join(SEVERITIES)})", where="severity") from None


@dataclass
class Finding:
    """One finding. Lists are de-duplicated and sorted so that equal facts compare equal."""

    rule_id: str
    severity: str
    title: str
    summary: str = ""
    time_start: datetime | None = None
    time_end: datetime | None = None
    principals: list[str] = field(default_factory=list)
    source_ips: list[str] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    session_ids: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    notebook: str | None = None
    playbook: str | None = None
    finding_id: str = ""

    def __post_init__(self) -> None:
        severity_rank(self.severity)
        if not self.rule_id:
            raise InputError("a finding needs a rule_id", where="finding")
        for name in _LIST_FIELDS:
            values = getattr(self, name) or []
            if isinstance(values, str):
                values = [values]
            clean = sorted({str(v) for v in values if v is not None and str(v) != "" and not _is_nan(v)})
            setattr(self, name, clean)
        self.time_start = to_utc(self.time_start, what="time_start") if self.time_start is not None else None
        self.time_end = to_utc(self.time_end, what="time_end") if self.time_end is not None else None
        if self.time_start and self.time_end and self.time_end < self.time_start:
            raise InputError("time_end is before time_start", where="finding")
        if not self.finding_id:
            self.finding_id = self.compute_id()

    def compute_id(self) -> str:
        """Deterministic id from the rule and the facts (not the wording)."""
        key = json.dumps(
            [
                self.rule_id,
                iso(self.time_start) if self.time_start else None,
                iso(self.time_end) if self.time_end else None,
                self.principals,
                self.source_ips,
                self.request_ids,
                self.session_ids,
                self.resources,
            ],
            sort_keys=True,
        )
        return f"{self.rule_id}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"

    @property
    def severity_rank(self) -> int:
        return severity_rank(self.severity)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = iso(value)
            elif isinstance(value, list):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"unknown finding field {unknown[0]!r}", where="finding")
        return cls(**data)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and value != value


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings as a frame with the schema's columns in order (empty frames keep the columns)."""
    rows = [f.to_dict() for f in findings]
    columns = ["finding_id"] + [f.name for f in fields(Finding) if f.name != "finding_id"]
    frame = pd.DataFrame(rows, columns=columns)
    for col in ("time_start", "time_end"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def findings_from_frame(frame: pd.DataFrame) -> list[Finding]:
    out = []
    for record in frame.to_dict(orient="records"):
        clean = {k: (None if (not isinstance(v, list) and pd.isna(v)) else v) for k, v in record.items()}
        out.append(Finding.from_dict(clean))
    return out


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per ``finding_id``, keeping the highest severity; sorted severity-first, then time."""
    best: dict[str, Finding] = {}
    for finding in findings:
        current = best.get(finding.finding_id)
        if current is None or finding.severity_rank > current.severity_rank:
            best[finding.finding_id] = finding
    return sorted(
        best.values(),
        key=lambda f: (-f.severity_rank, f.time_start.isoformat() if f.time_start else "", f.finding_id),
    )


def to_json(findings: Sequence[Finding], *, indent: int | None = 2) -> str:
    return json.dumps([f.to_dict() for f in findings], indent=indent, ensure_ascii=False)


def from_json(text: str) -> list[Finding]:
    data = json.loads(text)
    if not isinstance(data, list):
        raise InputError("findings JSON must be a list", where="findings")
    return [Finding.from_dict(item) for item in data]


def covers(finding: Finding, incident: dict[str, Any], *, normalise: Any = None) -> bool:
    """DESIGN §6: a finding covers a planted incident when they share a request id or session id, or a
    normalised principal with overlapping time.

    ``incident`` is a truth.json entry (``principals``, ``request_ids``, ``session_ids``, ``window`` with
    ``start``/``end`` or ``time_start``/``time_end``). ``normalise`` maps a principal string to its
    normalised form (default: identity; the frames' principal normaliser is passed by callers that
    hold raw ARNs).
    """
    norm = normalise or (lambda value: value)
    if set(finding.request_ids) & set(incident.get("request_ids") or []):
        return True
    if set(finding.session_ids) & set(incident.get("session_ids") or []):
        return True
    mine = {norm(p) for p in finding.principals} - {None, "", "<redacted>"}
    theirs = {norm(p) for p in incident.get("principals") or []} - {None, "", "<redacted>"}
    if not mine & theirs:
        return False
    window = incident.get("window") or {}
    start = window.get("start") or incident.get("time_start")
    end = window.get("end") or incident.get("time_end")
    if start is None or end is None or finding.time_start is None:
        return True
    f_end = finding.time_end or finding.time_start
    return to_utc(start) <= f_end and finding.time_start <= to_utc(end)
