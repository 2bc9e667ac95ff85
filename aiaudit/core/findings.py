"""The one findings schema (DESIGN §6), shared by detections, catalogue entries, notebooks and playbooks.

A finding is something an analyst should look at: one rule (or several that detect the same thing,
``rule_ids``) × one subject (a principal, a session or a resource) × one time window, with the matching
rows as evidence (``evidence_count`` rows; ``evidence`` holds at most a capped number of pointers). It is
plain data: JSON round-trips exactly; ids are deterministic — rule × subject × window start when the
finding has a subject (so the same alert keeps its id when more rows arrive), else the facts — which is
how de-duplication and "new since the last report" work. Findings are built from rows in one place,
:mod:`aiaudit.core.grouping`; :func:`merge` joins findings of related rules; :func:`covers` is the
matching rule tests use against ``truth.json``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from aiaudit.core.errors import InputError
from aiaudit.core.timerange import iso, parse_duration, to_utc

SEVERITIES = ("info", "low", "medium", "high", "critical")
#: a finding's place against the previous report (empty: not compared)
STATUSES = ("", "new", "open", "gone")
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
    #: rows behind the finding (``evidence`` cites at most a capped number of them)
    evidence_count: int = 0
    #: what the finding is about: ``principal:<arn>``, ``session:<id>``, ``resource:<arn>`` (empty: the facts)
    subject: str = ""
    #: every rule that found it, ``rule_id`` first (several when related rules' findings were merged)
    rule_ids: list[str] = field(default_factory=list)
    notebook: str | None = None
    playbook: str | None = None
    finding_id: str = ""
    #: the rule's activity window (``"1h"``, ``"24h"``; ``"range"``: one finding per subject over the whole
    #: range; empty: not said) — what :attr:`key` rounds the window start to
    window: str = ""
    #: stable across reports: rule × subject × window start rounded down to :attr:`window` (computed from the
    #: raw subject, so it survives a report's redaction); how "new since the last report" is decided
    key: str = ""
    #: against the previous report: ``new``, ``open`` (still there) or ``gone``; empty when not compared
    status: str = ""
    #: the suppression that matched (rule, subject, reason, owner, expires, file); the finding stays listed
    suppressed: dict[str, Any] | None = None

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
        self.rule_ids = [self.rule_id, *sorted({str(r) for r in self.rule_ids or []} - {self.rule_id})]
        self.evidence_count = max(int(self.evidence_count or 0), len(self.evidence))
        if not self.finding_id:
            self.finding_id = self.compute_id()
        if self.window and self.window != "range":
            window_seconds(self.window)  # refuse a window that is not a fixed length here, not in a later report
        if self.status not in STATUSES:
            raise InputError(
                f"unknown finding status {self.status!r} (one of {', '.join(STATUSES[1:])})", where="status"
            )
        if not self.key:
            self.key = self.compute_key()

    def compute_id(self) -> str:
        """Deterministic id (not from the wording): rule × subject × window start when there is a subject,
        else rule × every fact."""
        if self.subject:
            start = iso(self.time_start) if self.time_start else None
            key = json.dumps([self.rule_id, self.subject, start])
            return f"{self.rule_id}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
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

    def compute_key(self) -> str:
        """The key reports compare on: rule × subject × window start rounded down to the rule's window (whole
        windows counted from the Unix epoch, so hours and days fall on UTC boundaries); a rule with one finding
        per subject over the range keys on rule × subject alone. A finding without a subject keys on its facts
        (its ``finding_id``); one whose window is not said, on its exact start."""
        if not self.subject:
            return self.finding_id
        start: str | None = iso(self.time_start) if self.time_start else None
        if self.window == "range":
            start = None
        elif self.window and self.time_start:
            length = window_seconds(self.window)
            epoch = int(self.time_start.timestamp())
            start = iso(datetime.fromtimestamp(epoch - epoch % length, tz=UTC))
        key = json.dumps([self.rule_id, self.subject, start])
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


def window_seconds(window: str) -> int:
    """``"1h"`` → 3600; a window of months (no fixed length) or nonsense is an error naming the field."""
    length = parse_duration(window)
    if not isinstance(length, timedelta):
        raise InputError(f"a finding window needs a fixed length, not {window!r}", where="window")
    return int(length.total_seconds())


def window_label(window: timedelta | str | None) -> str:
    """How a finding records its rule's window: a duration as written (``"1h"``), a ``timedelta`` in seconds
    (``"5400s"``), ``None`` (one finding per subject over the range) as ``"range"``."""
    if window is None:
        return "range"
    if isinstance(window, timedelta):
        return f"{int(window.total_seconds())}s"
    return window


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
    """One finding per ``finding_id``, keeping the highest severity; in :func:`order`."""
    best: dict[str, Finding] = {}
    for finding in findings:
        current = best.get(finding.finding_id)
        if current is None or finding.severity_rank > current.severity_rank:
            best[finding.finding_id] = finding
    return order(best.values())


def to_json(findings: Sequence[Finding], *, indent: int | None = 2) -> str:
    return json.dumps([f.to_dict() for f in findings], indent=indent, ensure_ascii=False)


def from_json(text: str) -> list[Finding]:
    data = json.loads(text)
    if not isinstance(data, list):
        raise InputError("findings JSON must be a list", where="findings")
    return [Finding.from_dict(item) for item in data]


#: A finding covers an incident through a shared principal only when its window is at most this long ...
COVER_MAX_WINDOW = timedelta(hours=24)
#: ... and overlaps the incident's window widened by this much on each side.
COVER_SLACK = timedelta(hours=1)


def covers(finding: Finding, incident: dict[str, Any], *, normalise: Any = None) -> bool:
    """DESIGN §6: does ``finding`` cover a planted incident (a ``truth.json`` entry)?

    Yes when they share a request id or a session id, or when they share a normalised principal and the
    finding's window — at most :data:`COVER_MAX_WINDOW` long — overlaps the incident's window widened by
    :data:`COVER_SLACK`. A finding with no time covers nothing (it cannot say *when*, so it cannot say
    *what*). ``incident`` has ``principals``, ``request_ids``, ``session_ids`` and ``window``
    (``start``/``end``; or ``time_start``/``time_end``); ``normalise`` maps a principal string to its
    normalised form (callers holding raw ARNs pass the frames' principal normaliser).
    """
    if finding.time_start is None:
        return False
    if set(finding.request_ids) & set(incident.get("request_ids") or []):
        return True
    if set(finding.session_ids) & set(incident.get("session_ids") or []):
        return True
    norm = normalise or (lambda value: value)
    mine = {norm(p) for p in finding.principals} - {None, "", "<redacted>"}
    theirs = {norm(p) for p in incident.get("principals") or []} - {None, "", "<redacted>"}
    if not mine & theirs:
        return False
    f_end = finding.time_end or finding.time_start
    if f_end - finding.time_start > COVER_MAX_WINDOW:
        return False
    window = incident.get("window") or {}
    start = window.get("start") or incident.get("time_start")
    end = window.get("end") or incident.get("time_end")
    if start is None or end is None:
        return False
    return to_utc(start) - COVER_SLACK <= f_end and finding.time_start <= to_utc(end) + COVER_SLACK


def order(findings: Iterable[Finding]) -> list[Finding]:
    """The one order findings are shown in: severity first, then time, then id."""
    return sorted(
        findings,
        key=lambda f: (-f.severity_rank, f.time_start.isoformat() if f.time_start else "", f.finding_id),
    )


def merge(findings: Iterable[Finding], related: Mapping[str, str], *, defer: Collection[str] = ()) -> list[Finding]:
    """Join findings of rules that detect the same thing (``related``: rule id → signal name) when they
    have the same subject and overlapping windows: one finding listing every rule id, the highest
    severity, the union of the facts. Findings of rules without a signal pass through unchanged.

    Rules in ``defer`` count matching events without judging them (a metric alarm fires on every change
    its filter names): joined with a rule that did judge the same events, they take that rule's grade
    instead of raising it (a logging configuration that was switched back on is not a high finding
    because an alarm counted it)."""
    passthrough: list[Finding] = []
    buckets: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        signal = related.get(f.rule_id)
        if not signal or not f.subject or f.time_start is None:
            passthrough.append(f)
        else:
            buckets.setdefault((signal, f.subject), []).append(f)
    out = passthrough
    for items in buckets.values():
        items.sort(key=lambda f: f.time_start or datetime.min)
        cluster: list[Finding] = []
        cluster_end: datetime | None = None
        for f in items:
            start, end = f.time_start, f.time_end or f.time_start
            if cluster and cluster_end is not None and start is not None and start <= cluster_end:
                cluster.append(f)
                cluster_end = max(cluster_end, end) if end else cluster_end
                continue
            if cluster:
                out.append(_joined(cluster, defer))
            cluster, cluster_end = [f], end
        if cluster:
            out.append(_joined(cluster, defer))
    return out


def _joined(cluster: list[Finding], defer: Collection[str] = ()) -> Finding:
    if len(cluster) == 1:
        return cluster[0]
    judged = [f for f in cluster if f.rule_id not in defer] or cluster
    # the lead names the merged finding: the most severe, and among those the one holding the most evidence
    # (a detection that read every matching row says more than an alarm's one-minute datapoint)
    lead = sorted(order(judged), key=lambda f: (-f.severity_rank, -f.evidence_count))[0]
    rules = sorted({r for f in cluster for r in f.rule_ids})
    others = [f for f in cluster if f is not lead]
    # every rule's evidence, each already capped when its finding was built (by time, from the rows): a
    # second cap here could only cut by the pointers' text, and a pointer names where a copy keeps a row (a
    # file hash and line, an AWS @ptr), so another copy of the same events would cite another subset
    evidence = sorted({e for f in cluster for e in f.evidence})
    return Finding(
        rule_id=lead.rule_id,
        rule_ids=rules,
        severity=lead.severity,
        title=lead.title,
        summary=" ".join([lead.summary, *(f"{f.rule_id}: {f.title}." for f in others)]).strip(),
        time_start=min(f.time_start for f in cluster if f.time_start is not None),
        time_end=max((f.time_end or f.time_start) for f in cluster if f.time_start is not None),
        principals=[p for f in cluster for p in f.principals],
        source_ips=[p for f in cluster for p in f.source_ips],
        request_ids=[p for f in cluster for p in f.request_ids],
        session_ids=[p for f in cluster for p in f.session_ids],
        resources=[p for f in cluster for p in f.resources],
        evidence=evidence,
        evidence_count=max(sum(f.evidence_count for f in cluster), len(evidence)),
        subject=lead.subject,
        window=lead.window,
        notebook=lead.notebook,
        playbook=lead.playbook,
    )
