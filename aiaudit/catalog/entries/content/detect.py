"""Content: what prompts ask and what models answer (X10, X11, X12).

Why content at all: prompt injection and data leaks through a model leave nothing unusual in
CloudTrail; only the invocation log's bodies show them. Patterns are data (``concepts.yaml``:
``prompt_injection_markers``, ``secret_patterns``, ``personal_data_patterns``) so a team adds its own
markers without code. Card-number candidates must pass the Luhn check, which keeps order numbers and
invoice ids out. Matched text is never copied into a finding (it may be the secret); the finding
names the pattern and cites the record.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from aiaudit.catalog.build import finding
from aiaudit.catalog.context import Context
from aiaudit.catalog.registry import detection
from aiaudit.core.errors import InputError
from aiaudit.core.findings import Finding


def _compile(patterns: list[str], name: str) -> list[re.Pattern[str]]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            raise InputError(f"parameter {name}: invalid pattern {pattern!r}: {exc}", where=name) from None
    return compiled


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


_CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")


def _cards(text: str) -> bool:
    return any(_luhn(re.sub(r"\D", "", m.group(0))) for m in _CARD.finditer(text))


def _matches(text: Any, patterns: list[re.Pattern[str]]) -> list[str]:
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return []
    return [p.pattern for p in patterns if p.search(text)]


def _per_principal_day(ctx: Context, entry: Any, hits: pd.DataFrame, what: str, summary: str) -> list[Finding]:
    out = []
    hits = hits.copy()
    hits["_day"] = hits["time"].dt.floor("1D")
    hits["_who"] = hits["principal"].fillna("unknown principal")
    for (who, _day), rows in hits.groupby(["_who", "_day"]):
        patterns = sorted({p for found in rows["_hits"] for p in found})
        out.append(
            finding(
                entry,
                rows,
                f"{len(rows)} {what} by {who}",
                f"{summary} Patterns: {'; '.join(patterns)[:400]}.",
                resources=sorted({str(m) for m in rows["model_id"].dropna()}),
            )
        )
    return out


@detection("X10")
def prompt_injection(ctx: Context, entry: Any, *, markers: list[str]) -> list[Finding]:
    inv = ctx.in_range("invocations")
    patterns = _compile(markers, "markers")
    text = inv["user_text"].fillna(inv["prompt"]) if "user_text" in inv else inv["prompt"]
    hits = inv.assign(_hits=[_matches(t, patterns) for t in text])
    hits = hits[hits["_hits"].map(bool)]
    return _per_principal_day(
        ctx,
        entry,
        hits,
        "prompt(s) carrying injection markers",
        "User input tells the model to drop its instructions, change role or exfiltrate through links.",
    )


@detection("X11")
def sensitive_output(
    ctx: Context, entry: Any, *, secret_patterns: list[str], personal_patterns: list[str], card_numbers: bool
) -> list[Finding]:
    inv = ctx.in_range("invocations")
    secrets = _compile(secret_patterns, "secret_patterns")
    personal = _compile(personal_patterns, "personal_patterns")

    def scan(text: Any) -> list[str]:
        found = [f"secret:{p}" for p in _matches(text, secrets)]
        found += [f"personal:{p}" for p in _matches(text, personal)]
        if card_numbers and isinstance(text, str) and _cards(text):
            found.append("personal:card number (Luhn)")
        return found

    hits = inv.assign(_hits=[scan(t) for t in inv["response"]])
    hits = hits[hits["_hits"].map(bool)]
    return _per_principal_day(
        ctx,
        entry,
        hits,
        "response(s) containing secrets or personal data",
        "Model output carries credentials or personal data: a leak through the model (injection, over-broad "
        "retrieval or a weakened guardrail).",
    )


@detection("X12")
def guardrail_interventions(ctx: Context, entry: Any, *, min_interventions: int) -> list[Finding]:
    inv = ctx.in_range("invocations")
    hit = inv[(inv["guardrail_action"] == "INTERVENED").fillna(False).astype(bool)]
    out = []
    for principal, rows in hit.groupby(hit["principal"].fillna("unknown principal")):
        if len(rows) < min_interventions:
            continue
        policies = sorted({p.strip() for a in rows["guardrail_assessment"].dropna() for p in str(a).split(";")})
        out.append(
            finding(
                entry,
                rows,
                f"guardrail intervened {len(rows)} times for {principal}",
                f"Guardrails {', '.join(sorted(rows['guardrail_id'].dropna().unique()))} blocked or masked "
                f"{len(rows)} calls by {principal}; what fired: {'; '.join(policies)[:400] or 'not recorded'}.",
                resources=sorted({str(g) for g in rows["guardrail_id"].dropna()}),
            )
        )
    return out
