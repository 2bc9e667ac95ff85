"""Scoring findings against a simulation's ``truth.json``: per entry, true and false positives.

Why this definition: a finding is a *true* positive when it covers (``aiaudit.core.findings.covers``, with the
frames' principal normaliser) at least one planted incident, and a *false* positive otherwise, since
on a simulation everything that is not planted is baseline activity. An incident is *missed* by an
entry when truth names the entry in ``expected.catalog`` and none of the entry's findings covers it.
The acceptance rule counts false positives by each finding's own severity (``false_pos_medium_up``):
an entry may grade its findings (X01 reconnaissance without enablement is low, X05 partial gaps medium).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from aiaudit.core.errors import InputError
from aiaudit.core.findings import Finding, covers, severity_rank
from aiaudit.frames import principal_key

COLUMNS = [
    "id",
    "severity",
    "change_alarm",
    "findings",
    "true_pos",
    "false_pos",
    "false_pos_medium_up",
    "covered",
    "expected",
    "missed",
]


def load_truth(path: str | Path) -> dict[str, Any]:
    """``truth.json`` from a simulation folder (or the file itself)."""
    file = Path(path)
    if file.is_dir():
        file = file / "truth.json"
    if not file.is_file():
        raise InputError("no truth.json (the report needs a simulated dataset)", where=str(file))
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"invalid JSON: {exc}", where=str(file)) from None
    if not isinstance(data, dict) or "incidents" not in data:
        raise InputError("truth.json has no 'incidents' list", where=str(file))
    return data


def _normalise(value: str) -> str:
    return principal_key(value) or value


def covered_by(finding: Finding, incidents: list[dict[str, Any]]) -> list[str]:
    return [inc["id"] for inc in incidents if covers(finding, inc, normalise=_normalise)]


def score(found: dict[str, list[Finding]], truth: dict[str, Any], entries: Mapping[str, Any]) -> pd.DataFrame:
    """One row per entry: findings, true/false positives, incidents covered, expected and missed.

    ``entries`` maps an entry id to its catalogue entry (its ``severity`` and ``change_alarm`` are shown)."""
    incidents = list(truth.get("incidents") or [])
    rows = []
    for entry_id, findings in found.items():
        entry = entries[entry_id]
        hit: set[str] = set()
        tp = fp = fp_security = 0
        for f in findings:
            ids = covered_by(f, incidents)
            hit.update(ids)
            if ids:
                tp += 1
            else:
                fp += 1
                fp_security += f.severity_rank >= severity_rank("medium")
        expected = sorted(inc["id"] for inc in incidents if entry_id in (inc.get("expected") or {}).get("catalog", []))
        rows.append(
            {
                "id": entry_id,
                "severity": entry.severity,
                "change_alarm": entry.change_alarm,
                "findings": len(findings),
                "true_pos": tp,
                "false_pos": fp,
                "false_pos_medium_up": fp_security,
                "covered": ",".join(sorted(hit)),
                "expected": ",".join(expected),
                "missed": ",".join(sorted(set(expected) - hit)),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def problems(table: pd.DataFrame) -> list[str]:
    """What breaks the acceptance rule: missed expected incidents, and false positives of medium-and-above
    entries that are not change alarms."""
    out = []
    for row in table.itertuples(index=False):
        if row.missed:
            out.append(f"{row.id} misses {row.missed}")
        if row.false_pos_medium_up and not row.change_alarm:
            out.append(f"{row.id} has {row.false_pos_medium_up} false positive(s) at medium or above")
    return out


def format_report(table: pd.DataFrame) -> str:
    """Plain-text table for ``aiaudit detect --report``."""
    with pd.option_context("display.max_rows", 500, "display.max_columns", 20, "display.width", 250):
        text = table.to_string(index=False) if len(table) else "(no entries)"
    issues = problems(table)
    tail = "\n".join(f"  - {p}" for p in issues) if issues else "  none"
    return f"{text}\n\nacceptance problems:\n{tail}\n"
