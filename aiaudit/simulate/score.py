"""Scoring findings against a simulation's ``truth.json``: per entry, and the figures an analyst feels.

Why this definition: a finding is a *true* positive when it covers (``aiaudit.core.findings.covers``,
with the frames' principal normaliser) at least one planted incident — or one of the *posture
conditions* truth lists (regions that log no model invocations, say), which are real and worth telling —
and a *false* positive otherwise, since on a simulation everything else is baseline activity. An
incident is *missed* by an entry when truth names the entry in ``expected.catalog`` and none of the
entry's findings covers it.

The acceptance figures (:func:`figures`) are taken on what an analyst sees — the merged findings at
``low`` and above: every planted incident covered; of the findings at ``medium`` and above, at least
:data:`MIN_PRECISION` cover an incident; at most :data:`MAX_FINDINGS` findings in all. No entry is
exempt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
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


#: Of the findings at medium and above, at least this share must cover an incident or posture condition.
MIN_PRECISION = 0.95
#: At most this many findings at low and above for a three-day simulation.
MAX_FINDINGS = 150


def _normalise(value: str) -> str:
    return principal_key(value) or value


def covers_posture(finding: Finding, condition: dict[str, Any]) -> bool:
    """A finding is about a posture condition when one of its rules reports that kind of condition and it
    names the condition's account and region (or one of its principals)."""
    if not set(finding.rule_ids or [finding.rule_id]) & set(condition.get("rules") or []):
        return False
    where = {f"account:{condition.get('account')}", f"region:{condition.get('region')}"}
    if where <= set(finding.resources):
        return True
    mine = {_normalise(p) for p in finding.principals}
    return bool(mine & {_normalise(p) for p in condition.get("principals") or []})


def covered_by(finding: Finding, incidents: list[dict[str, Any]], posture: list[dict[str, Any]] = ()) -> list[str]:  # type: ignore[assignment]
    """Ids of the incidents (and posture conditions) ``finding`` covers."""
    hit = [inc["id"] for inc in incidents if covers(finding, inc, normalise=_normalise)]
    return hit + [c["id"] for c in posture if covers_posture(finding, c)]


@dataclass
class Figures:
    """What an analyst sees on a simulation (see the module docstring)."""

    incidents: int
    covered: list[str]
    missed: list[str]
    findings_low_up: int
    medium_up: int
    medium_up_true: int

    @property
    def precision(self) -> float:
        return self.medium_up_true / self.medium_up if self.medium_up else 1.0

    def problems(self) -> list[str]:
        out = [f"incident {i} is covered by no finding" for i in self.missed]
        if self.precision < MIN_PRECISION:
            out.append(
                f"medium+ precision {self.precision:.3f} < {MIN_PRECISION} "
                f"({self.medium_up_true} of {self.medium_up} cover an incident)"
            )
        if self.findings_low_up > MAX_FINDINGS:
            out.append(f"{self.findings_low_up} findings at low and above (at most {MAX_FINDINGS})")
        return out

    def text(self) -> str:
        return (
            f"incidents covered {len(self.covered)}/{self.incidents}; findings at low+ {self.findings_low_up} "
            f"(max {MAX_FINDINGS}); medium+ {self.medium_up}, of which {self.medium_up_true} cover an incident: "
            f"precision {self.precision:.3f} (min {MIN_PRECISION})"
        )


def figures(shown: list[Finding], truth: dict[str, Any]) -> Figures:
    """The acceptance figures over the findings an analyst sees (merged, ``low`` and above)."""
    incidents = list(truth.get("incidents") or [])
    posture = list(truth.get("posture") or [])
    covered = sorted({i for f in shown for i in covered_by(f, incidents)} & {inc["id"] for inc in incidents})
    loud = [f for f in shown if f.severity_rank >= severity_rank("medium")]
    return Figures(
        incidents=len(incidents),
        covered=covered,
        missed=sorted({inc["id"] for inc in incidents} - set(covered)),
        findings_low_up=sum(1 for f in shown if f.severity_rank >= severity_rank("low")),
        medium_up=len(loud),
        medium_up_true=sum(1 for f in loud if covered_by(f, incidents, posture)),
    )


def score(found: dict[str, list[Finding]], truth: dict[str, Any], entries: Mapping[str, Any]) -> pd.DataFrame:
    """One row per entry: findings, true/false positives, incidents covered, expected and missed.

    ``entries`` maps an entry id to its catalogue entry (its ``severity`` and ``change_alarm`` are shown)."""
    incidents = list(truth.get("incidents") or [])
    posture = list(truth.get("posture") or [])
    rows = []
    for entry_id, findings in found.items():
        entry = entries[entry_id]
        hit: set[str] = set()
        tp = fp = fp_security = 0
        for f in findings:
            ids = covered_by(f, incidents, posture)
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


def problems(table: pd.DataFrame, totals: Figures | None = None) -> list[str]:
    """What breaks the acceptance rule: an entry missing an incident truth expects it to find, and the
    figures' problems (an uncovered incident, precision, volume)."""
    out = [f"{row.id} misses {row.missed}" for row in table.itertuples(index=False) if row.missed]
    return out + (totals.problems() if totals is not None else [])


def format_report(table: pd.DataFrame, totals: Figures | None = None) -> str:
    """Plain-text report for ``aiaudit detect --report``: the per-entry table, the figures, the problems."""
    with pd.option_context("display.max_rows", 500, "display.max_columns", 20, "display.width", 250):
        text = table.to_string(index=False) if len(table) else "(no entries)"
    issues = problems(table, totals)
    tail = "\n".join(f"  - {p}" for p in issues) if issues else "  none"
    head = f"\nfigures: {totals.text()}\n" if totals is not None else ""
    return f"{text}\n{head}\nacceptance problems:\n{tail}\n"
