"""Scheduled reports that remember: this report's findings against the previous report's.

Why a separate module: the runner writes a report; deciding what is *new* is a comparison of two reports,
made once here. Findings are compared on :attr:`~aiaudit.core.findings.Finding.key` (rule × subject ×
window start rounded down to the rule's window), computed from the raw subject before redaction — the
redaction key is random per report, so redacted subjects of two reports never compare equal, keys do.

- ``new``: no finding of the previous report has its key;
- ``open``: the previous report had it (still there);
- ``gone``: the previous report had it and this one does not. Gone findings are written to ``gone.json``
  (not ``findings.json``, which holds this report's findings only), each with ``gone_reason``: its window
  ended before this report's range started (``outside this report's range``: not looked at again), or it
  lies inside this range and was not found again.

The previous report is a report folder (``findings.json``, ``manifest.json``). A folder that does not exist
yet (the first scheduled run) means "no previous report": every finding is new, and the manifest says so.
A previous report whose notebooks failed cannot vouch for what they would have found: that is said too.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aiaudit.core.config import load_config
from aiaudit.core.errors import InputError
from aiaudit.core.findings import Finding, order, severity_rank
from aiaudit.core.suppress import Suppression, apply, load_suppressions
from aiaudit.core.timerange import TimeRange, iso


@dataclass
class Previous:
    """The previous report as far as comparison needs it."""

    path: Path
    found: bool
    findings: list[Finding] = field(default_factory=list)
    time_range: dict[str, Any] | None = None
    failed_notebooks: list[str] = field(default_factory=list)


@dataclass
class History:
    """This report's findings with their status, the gone ones, and the notes to show."""

    findings: list[Finding]
    gone: list[Finding]
    previous: Previous | None
    notes: list[str]
    #: finding id of each gone finding → why it is gone
    gone_reasons: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "new": sum(f.status == "new" for f in self.findings),
            "open": sum(f.status == "open" for f in self.findings),
            "gone": len(self.gone),
            "suppressed": sum(f.suppressed is not None for f in self.findings),
        }

    def manifest(self) -> dict[str, Any]:
        """The ``history`` block of ``manifest.json``."""
        return {
            "previous": str(self.previous.path) if self.previous else None,
            "previous_found": bool(self.previous and self.previous.found),
            "previous_time_range": self.previous.time_range if self.previous else None,
            **self.counts(),
        }


@dataclass
class Accepted:
    """The run's suppressions: loaded once, applied to each notebook's raw findings."""

    file: Path | None
    entries: list[Suppression]
    warnings: list[str]

    @classmethod
    def load(cls, path: str | Path | None) -> Accepted:
        """``path``, else the config file's ``suppressions``; none → nothing is suppressed."""
        if path is None:
            config = load_config()
            path = config.suppressions
        if path is None:
            return cls(None, [], [])
        entries = load_suppressions(path)
        return cls(Path(path), entries, apply([], entries).warnings)

    def mark(self, findings: list[Finding]) -> list[Finding]:
        return apply(findings, self.entries).findings if self.entries else findings

    def manifest(self, findings: list[Finding]) -> dict[str, Any]:
        matched = {s.where: 0 for s in self.entries}
        for f in findings:
            for where in (f.suppressed or {}).get("where", []):
                if where in matched:
                    matched[where] += 1
        return {"file": str(self.file) if self.file else None, "matched": matched, "expired": self.warnings}


def load_previous(path: str | Path) -> Previous:
    """Read a previous report folder; a folder that does not exist is "no previous report"."""
    folder = Path(path)
    if not folder.exists():
        return Previous(folder, found=False)
    findings_file = folder / "findings.json"
    if not findings_file.is_file():
        raise InputError("not a report folder: it has no findings.json", where=str(folder))
    try:
        payload = json.loads(findings_file.read_text(encoding="utf-8"))
        if not isinstance(payload, list):
            raise InputError("findings.json must be a list", where=str(findings_file))
        findings = [Finding.from_dict({k: v for k, v in item.items() if k != "gone_reason"}) for item in payload]
    except (json.JSONDecodeError, TypeError, AttributeError) as exc:
        raise InputError(f"cannot read the previous report's findings: {exc}", where=str(findings_file)) from None
    except InputError as exc:
        raise InputError(str(exc), where=str(findings_file)) from None
    manifest_file = folder / "manifest.json"
    manifest: dict[str, Any] = {}
    if manifest_file.is_file():
        try:
            manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc}", where=str(manifest_file)) from None
    failed = [n["notebook"] for n in manifest.get("notebooks", []) if n.get("status") != "ok"]
    return Previous(folder, True, findings, manifest.get("time_range"), failed)


def compare(current: list[Finding], previous: Previous | None, time_range: TimeRange) -> History:
    """Mark ``current`` new or open against ``previous`` and list what is gone (see the module docstring)."""
    if previous is None:
        return History(list(current), [], None, [])
    notes = []
    if not previous.found:
        notes.append(f"no previous report at {previous.path}: every finding is new")
    if previous.failed_notebooks:
        notes.append(
            "the previous report's notebooks "
            + ", ".join(previous.failed_notebooks)
            + " failed: what they find now shows as new"
        )
    before = {f.key: f for f in previous.findings}
    marked = [replace(f, status="open" if f.key in before else "new") for f in current]
    now = {f.key for f in marked}
    gone, reasons = [], {}
    for f in before.values():
        if f.key in now:
            continue
        end = f.time_end or f.time_start
        outside = end is not None and end < time_range.start
        gone.append(replace(f, status="gone"))
        reasons[f.finding_id] = "outside this report's range" if outside else "not found again"
    return History(marked, order(gone), previous, notes, reasons)


def counted(findings: list[Finding], threshold: str | None) -> list[Finding]:
    """The findings an exit status counts: new (or not compared), not suppressed, at or above ``threshold``."""
    if not threshold:
        return []
    rank = severity_rank(threshold)
    return [f for f in findings if f.status != "open" and f.suppressed is None and f.severity_rank >= rank]


def gone_json(history: History) -> str:
    """``gone.json``: the previous report's findings not found again, each with why."""
    items = [{**f.to_dict(), "gone_reason": history.gone_reasons.get(f.finding_id, "")} for f in history.gone]
    return json.dumps(items, indent=2, ensure_ascii=False)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _rows(findings: list[Finding], extra: Any = None) -> str:
    rows = []
    for f in findings:
        link = f'<a href="{_e(f.notebook)}.html">{_e(f.notebook)}</a>' if f.notebook else ""
        cells = [
            _e(f.severity),
            _e(", ".join(f.rule_ids)),
            _e(f.title),
            _e(f.subject),
            _e(iso(f.time_start) if f.time_start else ""),
            link,
        ]
        if extra is not None:
            cells.append(_e(extra(f)))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return "".join(rows)


def render_section(history: History) -> str:
    """The part of ``index.html`` that leads: what is new, then counts of what is still open, gone and
    suppressed, and the suppressed findings with who accepted them until when. Everything is escaped."""
    counts = history.counts()
    new = order(f for f in history.findings if f.status in ("new", "") and f.suppressed is None)
    suppressed = order(f for f in history.findings if f.suppressed is not None)
    head = "<tr><th>severity</th><th>rules</th><th>title</th><th>subject</th><th>start</th><th>notebook</th>"
    compared = history.previous is not None
    title = "New since the last report" if compared else "Findings to look at"
    hidden = sum(f.status in ("new", "") and f.suppressed is not None for f in history.findings)
    also = f", and {hidden} suppressed" if hidden else ""
    parts = [f'<section class="history"><h2>{title} ({len(new)}{also})</h2>']
    if compared and history.previous is not None:
        parts.append(
            f'<p class="meta">compared with {_e(history.previous.path)}: {counts["new"]} new, {counts["open"]} still '
            f"open, {counts['gone']} gone (gone.json), {counts['suppressed']} suppressed</p>"
        )
    for note in history.notes:
        parts.append(f'<p class="meta">{_e(note)}</p>')
    parts.append(f"<table>{head}</tr>{_rows(new) or '<tr><td colspan=6>nothing new</td></tr>'}</table>")
    if suppressed:
        parts.append(f"<h2>Suppressed ({len(suppressed)})</h2><table>{head}<th>accepted</th></tr>")
        parts.append(
            _rows(
                suppressed,
                lambda f: f"{f.suppressed['reason']} — {f.suppressed['owner']}, until {f.suppressed['expires']}",
            )
        )
        parts.append("</table>")
    if history.gone:
        reasons = history.gone_reasons
        parts.append(f"<h2>Gone since the last report ({len(history.gone)})</h2><table>{head}<th>why</th></tr>")
        parts.append(_rows(history.gone, lambda f: reasons.get(f.finding_id, "")))
        parts.append("</table>")
    parts.append("</section>")
    return "\n".join(parts)
