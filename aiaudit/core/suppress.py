"""Suppressions: findings a team has triaged and accepted, kept in a file under version control.

Why a file and not a flag: "known, accepted until March" is a decision someone owns; it belongs in
review, with its reason, its owner and its end. Each entry names a rule (an id or a glob, ``X0*``), a
subject pattern (a glob over the finding's ``subject``, ``principal:arn:aws:iam::*:role/nightly-eval``;
``*`` for any), why, who owns the decision, and the last day it holds (``expires``, a date: the entry
suppresses through the end of that day, UTC). An expired entry stops suppressing and says so — an
acceptance nobody renews must come back as a finding, not vanish.

A suppressed finding is *marked* (``Finding.suppressed``), never dropped: reports list it apart and exit
statuses do not count it. A finding merged from several rules is suppressed only when every one of its
rules is (a suppression for one step of an attack must not hide the others).

File formats, chosen by suffix — TOML (``.toml``)::

    [[suppress]]
    rule = "X07"
    subject = "principal:arn:aws:iam::111122223333:role/nightly-eval"
    reason = "load tests call every enabled model each night"
    owner = "ai-platform@example.com"
    expires = 2027-03-31

or YAML (``.yaml``/``.yml``) with the same keys in a list under ``suppress:``. Errors name the file and
the entry (``suppress[3]``) and, in YAML, the line.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from aiaudit.core.errors import InputError
from aiaudit.core.findings import Finding
from aiaudit.core.timerange import utc_now

_KEYS = ("rule", "subject", "reason", "owner", "expires")


@dataclass(frozen=True)
class Suppression:
    """One entry of a suppressions file."""

    rule: str
    subject: str
    reason: str
    owner: str
    expires: date
    #: ``file:suppress[N]`` (and ``line N`` when the format says), for messages and the finding's mark
    where: str = ""

    def expired(self, today: date) -> bool:
        return today > self.expires

    def matches(self, rule_id: str, subject: str) -> bool:
        """Globs, case-sensitive (ARNs are): ``rule`` over one rule id, ``subject`` over the finding's subject."""
        return fnmatch.fnmatchcase(rule_id, self.rule) and fnmatch.fnmatchcase(subject, self.subject)

    def mark(self, *others: Suppression) -> dict[str, Any]:
        """What a suppressed finding carries: this entry's fields, and ``where`` of every entry that covered
        it (a merged finding needs one per rule)."""
        return {
            "rule": self.rule,
            "subject": self.subject,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
            "where": [self.where, *(o.where for o in others if o.where != self.where)],
        }


@dataclass(frozen=True)
class Applied:
    """The outcome of :func:`apply`: the findings (suppressed ones marked), warnings, and how often each
    entry matched."""

    findings: list[Finding]
    warnings: list[str]
    matched: dict[str, int]

    @property
    def suppressed(self) -> int:
        return sum(f.suppressed is not None for f in self.findings)


def load_suppressions(path: str | Path) -> list[Suppression]:
    """Read and check a suppressions file (see the module docstring for the format)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read suppressions: {exc.strerror or exc}", where=str(path)) from None
    lines: list[int | None]
    if path.suffix == ".toml":
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"invalid TOML: {exc}", where=str(path)) from None
        lines = []
    elif path.suffix in (".yaml", ".yml"):
        try:
            raw = yaml.safe_load(text) or {}
            lines = _yaml_lines(text)
        except yaml.YAMLError as exc:
            raise InputError(f"invalid YAML: {exc}", where=str(path)) from None
    else:
        raise InputError("a suppressions file is .toml, .yaml or .yml", where=str(path))
    if not isinstance(raw, dict) or set(raw) - {"suppress"}:
        extra = sorted(set(raw) - {"suppress"}) if isinstance(raw, dict) else ["(not a table)"]
        raise InputError(
            f"unknown key {extra[0]!r}: a suppressions file holds only 'suppress' entries", where=str(path)
        )
    entries = raw.get("suppress", [])
    if not isinstance(entries, list):
        raise InputError("'suppress' must be a list of entries ([[suppress]] in TOML)", where=str(path))
    out = []
    for number, entry in enumerate(entries, 1):
        line = lines[number - 1] if number <= len(lines) else None
        where = f"{path}:suppress[{number}]" + (f" (line {line})" if line else "")
        out.append(_entry(entry, where))
    return out


def _yaml_lines(text: str) -> list[int | None]:
    """The line of each entry under ``suppress:`` (1-based), for messages."""
    node = yaml.compose(text)
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if key.value == "suppress" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _entry(entry: Any, where: str) -> Suppression:
    if not isinstance(entry, dict):
        raise InputError("an entry must be a table of rule, subject, reason, owner, expires", where=where)
    unknown = sorted(set(entry) - set(_KEYS))
    if unknown:
        raise InputError(f"unknown key {unknown[0]!r} (allowed: {', '.join(_KEYS)})", where=where)
    missing = [key for key in _KEYS if key not in entry]
    if missing:
        raise InputError(
            f"missing {', '.join(missing)}: every suppression says what, why, who owns it and until when", where=where
        )
    for key in ("rule", "subject", "reason", "owner"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise InputError(f"{key} must be a non-empty string", where=where)
    return Suppression(
        rule=entry["rule"].strip(),
        subject=entry["subject"].strip(),
        reason=entry["reason"].strip(),
        owner=entry["owner"].strip(),
        expires=_date(entry["expires"], where),
        where=where,
    )


def _date(value: Any, where: str) -> date:
    """A date (TOML's and YAML's own dates, or ``YYYY-MM-DD`` text); a time of day is refused as ambiguous."""
    if isinstance(value, datetime):
        raise InputError(f"expires must be a date (YYYY-MM-DD), not a time: {value}", where=where)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(f"expires must be a date (YYYY-MM-DD), not {value!r}", where=where)


def apply(findings: Iterable[Finding], suppressions: list[Suppression], *, today: date | None = None) -> Applied:
    """Mark the findings the live suppressions name; warn once per expired entry (it no longer suppresses)."""
    today = today or utc_now().date()
    live = [s for s in suppressions if not s.expired(today)]
    warnings = [
        f"suppression expired on {s.expires.isoformat()} and no longer suppresses: rule {s.rule}, subject "
        f"{s.subject} (owner {s.owner}; {s.where})"
        for s in suppressions
        if s.expired(today)
    ]
    matched = {s.where: 0 for s in suppressions}
    out = []
    for finding in findings:
        covering: list[Suppression] = []
        for rule_id in finding.rule_ids or [finding.rule_id]:
            hit = next((s for s in live if s.matches(rule_id, finding.subject)), None)
            if hit is None:
                covering = []
                break
            covering.append(hit)
        if covering:
            for where in {s.where for s in covering}:
                matched[where] += 1
            out.append(replace(finding, suppressed=covering[0].mark(*covering[1:])))
        else:
            out.append(replace(finding, suppressed=None) if finding.suppressed else finding)
    return Applied(out, warnings, matched)
