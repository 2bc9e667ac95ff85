"""What the catalogue's detections found for a question: one story between the detections and the notebooks.

Why reuse and not re-judge: the daily report shows the detections notebook and the question notebooks of
the same window side by side. A question notebook that said "0 findings" while a detection flagged the
injection prompts it is about told two stories, and a notebook minting its own copy of a detection's
finding counted one incident twice in ``findings.json``. Here a question takes the detections' findings
for its rules *as they are* (same ``finding_id``, from the same full catalogue run, so merged findings
keep their id) and drops its own findings that say the same thing about the same subject and time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from aiaudit.catalog.run import run_all
from aiaudit.core.findings import Finding

#: The catalogue entries that answer each question (``aiaudit catalog list``). Noisy-by-design entries
#: (Q07/Q08 flag every AI configuration change) stay with the detections notebook.
RELATED: dict[str, tuple[str, ...]] = {
    "who_asked_what": ("X10", "X11"),
    "agent_failure_triage": ("Q04", "Q22"),
    "least_privilege": ("Q04", "Q22"),
    "guardrail_weakened": ("Q21",),
    "gateway_caller_credentials": ("Q11",),
    "agent_tool_scope": ("X08", "X09"),
    "cost_attribution": ("X13", "X03"),
    "telemetry_health": ("Q05", "X04", "X05"),
}

FOCUS_FIELDS = {"principal": "principals", "session_id": "session_ids", "request_id": "request_ids"}


def catalogue_findings(inv: Any) -> list[Finding]:
    """Every detection's findings over the investigation's range (low and above), run once per
    investigation: the question notebooks and the detections notebook see the same list."""
    memo = inv.memo
    key = ("catalogue", inv.time_range)
    if key not in memo:
        memo[key] = run_all(inv.src, inv.time_range, environment=inv.environment, min_severity="low")
    return list(memo[key])


def in_focus(findings: Iterable[Finding], focus: dict[str, str]) -> list[Finding]:
    """Findings naming every focused principal, session and request id."""
    out = list(findings)
    for key, value in focus.items():
        out = [f for f in out if value in getattr(f, FOCUS_FIELDS[key])]
    return out


def for_question(inv: Any, name: str) -> list[Finding]:
    """The detections' findings for question ``name`` (in the focus, when one is set)."""
    wanted = set(RELATED.get(name, ()))
    return in_focus((f for f in catalogue_findings(inv) if wanted & set(f.rule_ids)), inv.focus)


def said_by(own: Finding, detected: Iterable[Finding]) -> Finding | None:
    """The detection finding that says what ``own`` says: the same session or request, or the same
    principal in overlapping windows (pipelines' clocks differ by seconds: :data:`SLACK`)."""
    for other in detected:
        if set(own.session_ids) & set(other.session_ids) or set(own.request_ids) & set(other.request_ids):
            return other
        if set(own.principals) & set(other.principals) and _overlap(own, other):
            return other
    return None


#: How far apart two windows may be and still describe the same activity (CloudTrail's ``eventTime`` and the
#: invocation log's ``timestamp`` of one request differ by a second or two).
SLACK = timedelta(minutes=5)


def _overlap(a: Finding, b: Finding) -> bool:
    if not (a.time_start and b.time_start):
        return True
    a_end, b_end = a.time_end or a.time_start, b.time_end or b.time_start
    return a.time_start - SLACK <= b_end and b.time_start - SLACK <= a_end


def reuse(own: list[Finding], detected: list[Finding]) -> list[Finding]:
    """The detections' findings, then the question's own findings no detection already states."""
    return [*detected, *(f for f in own if said_by(f, detected) is None)]
