"""Inline tests: every entry carries hand-written records that must, and must not, make it fire.

Why beside the entry: a security team reviewing a rule reads its logic and its evidence of working in
one place, and a rule copied to another project takes its tests with it (Panther and Sigma ship rules the
same way). ``entries/<topic>/<ID>.tests.yaml`` holds *cases*; each case is a small record set in the
real on-disk shapes — CloudTrail events as AWS delivers them, model invocation log records, ADOT spans,
AgentCore runtime log records — and what the entry must do with it:

``expect: findings``
    at least one finding (a view: at least one row), and, when ``match`` is given, one finding whose
    principals, request ids, session ids, resources and source addresses contain each listed marker
    (substrings), with ``severity`` and a ``title`` substring when given (a view: one row mentioning every
    marker, and every ``values`` text: a model id, a count, an hour);
``expect: none``
    no finding at all (a view: no row);
``absent``
    markers no finding (no row) may mention, in either kind of case.

A case runs the product path end to end: its records are written to a fresh folder (CloudTrail as an S3
delivery file, the others as JSON lines), a local store ingests them, and the entry runs through
:func:`aiaudit.catalog.run.run` — so an entry whose ``requires`` the records do not meet is reported as
not run, which fails a case that expects findings. The range is the UTC day of the latest record unless
the case says otherwise; records before it are history (the lookback, ``[environment] default_lookback``
unless given). ``environment`` is an ``[environment]`` table, ``params`` the entry's parameters.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

import aiaudit
from aiaudit.catalog import TESTS_SUFFIX as SUFFIX
from aiaudit.catalog import catalog
from aiaudit.catalog.run import run
from aiaudit.core.config import Config, Environment, parse_config
from aiaudit.core.errors import InputError
from aiaudit.core.findings import Finding
from aiaudit.core.timerange import TimeRange, to_utc
from aiaudit.core.yamlfile import load_validated

HERE = Path(__file__).parent
#: entry kinds whose behaviour inline tests pin (the deployable kinds are back-tested elsewhere)
TESTED_KINDS = ("view", "detection")
_MARKERS = ("principals", "request_ids", "session_ids", "resources", "source_ips")
_TIME_FIELDS = {
    "cloudtrail": ("eventTime",),
    "invocations": ("timestamp",),
    "spans": ("startTimeUnixNano",),
    "runtime_logs": ("timeUnixNano", "observedTimeUnixNano"),
}


@cache
def schema() -> dict[str, Any]:
    return json.loads((HERE / "cases.schema.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Case:
    """One record set and what the entry must do with it."""

    entry_id: str
    name: str
    expect: str
    records: dict[str, list[dict[str, Any]]]
    match: tuple[dict[str, Any], ...] = ()
    absent: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    range: dict[str, str] | None = None
    lookback: dict[str, str] | None = None
    path: Path | None = None

    @property
    def label(self) -> str:
        return f"{self.entry_id}: {self.name}"


@dataclass
class Outcome:
    """What a case did: passed or not, why, and what the entry reported."""

    case: Case
    passed: bool
    problems: list[str]
    findings: list[Finding] = field(default_factory=list)
    rows: int = 0

    def line(self) -> str:
        status = "ok  " if self.passed else "FAIL"
        tail = "" if self.passed else " — " + "; ".join(self.problems)
        return f"{status} {self.case.label}{tail}"


def cases_file(entry_path: Path) -> Path:
    """``entries/<topic>/X16.yaml`` → ``entries/<topic>/X16.tests.yaml``."""
    return entry_path.with_name(entry_path.stem + SUFFIX)


def load_cases(path: Path, entry_id: str | None = None) -> list[Case]:
    """The cases of one ``<ID>.tests.yaml`` (validated: errors name the file and the field)."""
    raw = load_validated(path, schema())
    owner = path.name[: -len(SUFFIX)]
    if entry_id is not None and owner != entry_id:
        raise InputError(f"tests file of {owner} given for {entry_id}", where=str(path))
    defaults = raw.get("defaults") or {}
    out = []
    for number, spec in enumerate(raw["cases"]):
        merged = {**defaults, **spec}
        out.append(
            Case(
                entry_id=owner,
                name=str(spec.get("name") or f"case {number + 1}"),
                expect=spec["expect"],
                records={k: list(v) for k, v in (spec.get("records") or {}).items()},
                match=_matches(spec.get("match")),
                absent=tuple(spec.get("absent") or ()),
                params=dict(merged.get("params") or {}),
                environment=dict(merged.get("environment") or {}),
                range=merged.get("range"),
                lookback=merged.get("lookback"),
                path=path,
            )
        )
    return out


def _matches(spec: Any) -> tuple[dict[str, Any], ...]:
    if not spec:
        return ()
    return tuple(dict(m) for m in spec) if isinstance(spec, list) else (dict(spec),)


def entry_cases(entry: Any) -> list[Case]:
    """The inline cases of a catalogue entry (none when it has no tests file)."""
    if entry.path is None:
        return []
    path = cases_file(entry.path)
    return load_cases(path, entry.id) if path.is_file() else []


# -- writing a case's records as exported files ------------------------------------------------------
def write_records(case: Case, root: Path) -> Path:
    """CloudTrail as one S3 delivery file (``{"Records": [...]}``), the other pipelines as JSON lines."""
    for pipeline, records in case.records.items():
        if not records:
            continue
        folder = root / pipeline
        folder.mkdir(parents=True, exist_ok=True)
        if pipeline == "cloudtrail":
            account = next((str(r.get("recipientAccountId")) for r in records if r.get("recipientAccountId")), "0")
            name = f"{account}_CloudTrail_us-east-1_{case.entry_id}_case.json"
            (folder / name).write_text(json.dumps({"Records": records}), encoding="utf-8")
        else:
            (folder / f"{pipeline}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return root


def _record_times(case: Case) -> list[pd.Timestamp]:
    times = []
    for pipeline, records in case.records.items():
        for record in records:
            for key in _TIME_FIELDS.get(pipeline, ()):
                value = record.get(key)
                if value is None:
                    continue
                stamp = (
                    pd.Timestamp(int(value), unit="ns", tz="UTC")
                    if isinstance(value, int | float) or str(value).isdigit()
                    else pd.Timestamp(to_utc(str(value)))
                )
                times.append(stamp)
                break
    return times


def case_range(case: Case) -> TimeRange:
    """The case's range, or the whole UTC day of its latest record."""
    if case.range:
        return TimeRange.from_dict(case.range)
    times = _record_times(case)
    if not times:
        raise InputError("a case with no timed records needs a range", where=f"{case.path}: {case.name}")
    day = max(times).floor("D")
    return TimeRange.from_dict(
        {
            "start": day.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": (day + pd.Timedelta(seconds=86399)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    )


def case_environment(case: Case) -> Environment:
    """The case's ``[environment]`` table, validated as a user's ``aiaudit.toml`` would be."""
    where = f"{case.path}: {case.name}: environment"
    return parse_config({"environment": case.environment}, source_file=where).environment


# -- judging -------------------------------------------------------------------------------------------
def _finding_text(finding: Finding) -> dict[str, list[str]]:
    return {name: list(getattr(finding, name)) for name in _MARKERS}


def _mentions_all(finding: Finding, match: dict[str, Any]) -> bool:
    facts = _finding_text(finding)
    for name in _MARKERS:
        for marker in match.get(name) or []:
            if not any(marker in value for value in facts[name]):
                return False
    if match.get("severity") and finding.severity != match["severity"]:
        return False
    return not match.get("title") or str(match["title"]) in finding.title


def _mentions(finding: Finding, marker: str) -> bool:
    return any(marker in value for values in _finding_text(finding).values() for value in values)


def judge_findings(case: Case, found: list[Finding]) -> list[str]:
    problems = []
    titles = [f"{f.severity} {f.title}" for f in found][:5]
    if case.expect == "none" and found:
        problems.append(f"expected no finding, got {len(found)}: {titles}")
    if case.expect == "findings":
        if not found:
            problems.append("expected findings, got none")
        for wanted in case.match:
            if "values" in wanted:
                problems.append("match.values is for views (a row's text); a finding is matched by its keys")
            elif not any(_mentions_all(f, wanted) for f in found):
                problems.append(f"no finding matches {wanted}; got {titles}")
    for marker in case.absent:
        hits = [f.title for f in found if _mentions(f, marker)]
        if hits:
            problems.append(f"{marker!r} must not be reported, but is: {hits[:3]}")
    return problems


def judge_rows(case: Case, frame: pd.DataFrame) -> list[str]:
    rows = [" ".join(str(v) for v in row if v is not None) for row in frame.astype(object).itertuples(index=False)]
    problems = []
    if case.expect == "none" and rows:
        problems.append(f"expected no row, got {len(rows)}")
    if case.expect == "findings":
        if not rows:
            problems.append("expected rows, got none")
        for wanted in case.match if rows else ():
            markers = [m for name in (*_MARKERS, "values") for m in wanted.get(name) or []]
            if not any(all(m in row for m in markers) for row in rows):
                problems.append(f"no row mentions all of {markers}")
    for marker in case.absent:
        if any(marker in row for row in rows):
            problems.append(f"{marker!r} must not be shown, but is")
    return problems


def run_case(case: Case, workdir: Path | None = None) -> Outcome:
    """Write the case's records, ingest them into a fresh local store, run the entry, judge the result."""
    entry = catalog[case.entry_id]
    with tempfile.TemporaryDirectory(prefix=f"aiaudit-case-{case.entry_id}-", dir=workdir) as tmp:
        root = write_records(case, Path(tmp))
        time_range = case_range(case)
        lookback = TimeRange.from_dict(case.lookback) if case.lookback else None
        environment = case_environment(case)
        with aiaudit.connect(f"local:{root}", config=Config()) as src:
            if entry.kind == "view":
                frame = entry.run(src, time_range, **case.params).frame
                problems = judge_rows(case, frame)
                return Outcome(case, not problems, problems, rows=len(frame))
            result = run(
                src,
                time_range,
                lookback=lookback,
                environment=environment,
                ids=[entry.id],
                params={entry.id: case.params} if case.params else None,
            )
    problems = [e.line() for e in result.errors]
    if entry.id in result.skipped and case.expect == "findings":
        problems.append(f"not run: the records lack {', '.join(result.skipped[entry.id])}")
    found = [f for f in result.found.get(entry.id, []) if f.rule_id == entry.id]
    problems += judge_findings(case, found)
    return Outcome(case, not problems, problems, findings=found)


def run_cases(entries: Any, ids: list[str] | None = None) -> list[Outcome]:
    """Every case of the given entries (a mapping id → entry), in id order."""
    out = []
    for entry_id in sorted(ids if ids is not None else entries):
        for case in entry_cases(entries[entry_id]):
            out.append(run_case(case))
    return out


__all__ = [
    "SUFFIX",
    "TESTED_KINDS",
    "Case",
    "Outcome",
    "case_range",
    "cases_file",
    "entry_cases",
    "load_cases",
    "run_case",
    "run_cases",
    "write_records",
]
