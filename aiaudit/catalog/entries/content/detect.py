"""Content: what prompts ask and what models answer (X10, X11, X12).

Why content at all: prompt injection and data leaks through a model leave nothing unusual in
CloudTrail; only the invocation log's bodies show them. The indicators are the vocabulary's lists, judged
by :mod:`aiaudit.investigate.content` exactly as the ``who_asked_what`` notebook judges them. Matched
text is never copied into a finding (it may be the secret); the finding names the indicators and cites
the records. One finding per principal and activity window (a day of quiet ends it).
"""

from __future__ import annotations

from typing import Any

from aiaudit.catalog.context import Context
from aiaudit.catalog.registry import detection
from aiaudit.core.findings import Finding
from aiaudit.core.grouping import Group, findings, mask
from aiaudit.investigate.content import Indicators, judge

WINDOW = "24h"


def _named(group: Group, column: str) -> str:
    return "; ".join(sorted({name for found in group.rows[column] for name in found}))[:400]


def _who(group: Group) -> str:
    return group.subject or "an unknown principal"


@detection("X10")
def prompt_injection(ctx: Context, entry: Any, *, markers: list[str]) -> list[Finding]:
    judged = judge(ctx.in_range("invocations"), Indicators(injection=markers))
    hits = judged[mask(judged, judged["injection"].map(bool))]
    return findings(
        hits,
        rule_id=entry.id,
        severity=entry.severity,
        title=lambda g: f"{g.count} prompt(s) carrying injection markers by {_who(g)}",
        summary=lambda g: (
            "User input tells the model to drop its instructions, change role or exfiltrate through "
            f"links. Indicators: {_named(g, 'injection')}."
        ),
        window=WINDOW,
        resources=lambda g: g.values("model_id"),
    )


@detection("X11")
def sensitive_output(
    ctx: Context,
    entry: Any,
    *,
    secret_patterns: list[str],
    personal_patterns: list[str],
    disclosure_markers: list[str],
    card_numbers: bool,
) -> list[Finding]:
    indicators = Indicators(
        secrets=secret_patterns, personal=personal_patterns, disclosure=disclosure_markers, cards=card_numbers
    )
    judged = judge(ctx.in_range("invocations"), indicators)
    hits = judged[mask(judged, judged["disclosure"].map(bool))]
    return findings(
        hits,
        rule_id=entry.id,
        severity=entry.severity,
        title=lambda g: f"{g.count} response(s) containing secrets or personal data for {_who(g)}",
        summary=lambda g: (
            "Model output carries credentials, personal data or its own instructions: a leak through the model "
            "(injection, over-broad retrieval or a weakened guardrail). "
            f"Indicators: {_named(g, 'disclosure')}."
        ),
        window=WINDOW,
        resources=lambda g: g.values("model_id"),
    )


@detection("X12")
def guardrail_interventions(ctx: Context, entry: Any, *, min_interventions: int) -> list[Finding]:
    inv = ctx.in_range("invocations")
    hit = inv[mask(inv, inv["guardrail_action"] == "INTERVENED")]

    def policies(group: Group) -> str:
        fired = {p.strip() for a in group.values("guardrail_assessment") for p in a.split(";") if p.strip()}
        return "; ".join(sorted(fired))[:400] or "not recorded"

    return findings(
        hit,
        rule_id=entry.id,
        severity=entry.severity,
        title=lambda g: f"guardrail intervened {g.count} times for {_who(g)}",
        summary=lambda g: (
            f"Guardrails {g.listing('guardrail_id')} blocked or masked {g.count} calls by {_who(g)}; "
            f"what fired: {policies(g)}."
        ),
        window=WINDOW,
        keep=lambda g: g.count >= min_interventions,
        resources=lambda g: g.values("guardrail_id"),
    )
