"""Content: what prompts ask and what models answer (X10, X11, X12, X27, X28, X29).

Why content at all: prompt injection and data leaks through a model leave nothing unusual in
CloudTrail; only the invocation log's bodies show them. The indicators are the vocabulary's lists, judged
by :mod:`aiaudit.investigate.content` exactly as the ``who_asked_what`` notebook judges them. Matched
text is never copied into a finding (it may be the secret); the finding names the indicators and cites
the records. One finding per principal and activity window (a day of quiet ends it).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aiaudit.catalog.context import Context
from aiaudit.catalog.registry import detection
from aiaudit.core.findings import Finding
from aiaudit.core.grouping import Group, findings, mask
from aiaudit.investigate import session_table
from aiaudit.investigate.content import Indicators, judge, scan, user_turns

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
def guardrail_interventions(
    ctx: Context, entry: Any, *, min_interventions: int, min_blocks: int, rate_factor: float
) -> list[Finding]:
    every = ctx.all("invocations")
    every = every[every["principal"].notna()]
    start = pd.Timestamp(ctx.time_range.start)
    inv = every[every["time"] >= start]
    hit = inv[mask(inv, inv["guardrail_action"] == "INTERVENED")]
    calls = every.groupby("principal").size()
    blocked = every[mask(every, every["guardrail_action"] == "INTERVENED")].groupby("principal").size()

    def policies(group: Group) -> str:
        fired = {p.strip() for a in group.values("guardrail_assessment") for p in a.split(";") if p.strip()}
        return "; ".join(sorted(fired))[:400] or "not recorded"

    def usual_rate(g: Group) -> float:
        """The principal's intervention rate outside this window (0 when it had no other calls)."""
        who = str(g.subject)
        window = inv[(inv["principal"] == who) & (inv["time"] >= g.start) & (inv["time"] <= g.end)]
        others = int(calls.get(who, 0)) - len(window)
        other_blocks = int(blocked.get(who, 0)) - g.count
        return other_blocks / others if others > 0 else 0.0

    def unusual(g: Group) -> bool:
        if g.count <= min_blocks or g.start is None or g.start < ctx.judge_from:
            return False
        window = inv[(inv["principal"] == str(g.subject)) & (inv["time"] >= g.start) & (inv["time"] <= g.end)]
        rate = g.count / max(len(window), 1)
        return rate >= rate_factor * usual_rate(g)

    def prompt_attacks(g: Group) -> int:
        return int(g.rows["guardrail_assessment"].astype("string").str.contains("PROMPT_ATTACK", na=False).sum())

    return findings(
        hit,
        rule_id=entry.id,
        severity=lambda g: "medium" if unusual(g) else entry.severity,
        title=lambda g: (
            f"guardrail intervened {g.count} times for {_who(g)}"
            + (f", {prompt_attacks(g)} on prompt attacks" if prompt_attacks(g) else "")
        ),
        summary=lambda g: (
            f"Guardrails {g.listing('guardrail_id')} blocked or masked {g.count} calls by {_who(g)}; "
            f"what fired: {policies(g)}. "
            + (
                f"More than {min_blocks} interventions at {rate_factor:g}x or more the principal's usual rate: "
                "someone is testing the guardrail."
                if unusual(g)
                else "Within the principal's usual intervention rate."
            )
        ),
        window=WINDOW,
        keep=lambda g: g.count >= min_interventions,
        resources=lambda g: g.values("guardrail_id"),
    )


def _session_of(ctx: Context, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with the agent session their request ran in (:func:`aiaudit.investigate.session_table`: the spans
    that carry the request id) and the tools the session called after the row — so a credential or harvesting
    prompt leads to what the agent did next."""
    spans = ctx.all("spans")
    out = rows.copy()
    if spans.empty:
        out["session_id"] = out.get("session_id", pd.Series(None, index=out.index, dtype=object))
        out["tools_after"] = pd.Series([[] for _ in range(len(out))], index=out.index, dtype=object)
        return out
    sessions = session_table(spans)[["session_id", "request_ids"]].explode("request_ids").dropna()
    session = sessions.drop_duplicates("request_ids").set_index("request_ids")["session_id"]
    if "session_id" not in out.columns:
        out["session_id"] = None
    known = out["session_id"].astype("object")
    looked_up = out["request_id"].map(session) if "request_id" in out.columns else known
    out["session_id"] = known.where(known.notna(), looked_up)
    tools = spans[spans["tool_name"].notna() & spans["session_id"].notna()]
    after: list[list[str]] = []
    for sid, when in zip(out["session_id"].tolist(), out["time"].tolist(), strict=True):
        if sid is None or (isinstance(sid, float) and sid != sid):
            after.append([])
            continue
        mine = tools[(tools["session_id"] == sid) & (tools["time"] >= when)]
        after.append(sorted(set(mine["tool_name"].astype(str))))
    out["tools_after"] = pd.Series(after, index=out.index, dtype=object)
    return out


def _runtime_principals(ctx: Context) -> dict[str, str]:
    """AgentCore runtime ARN → its execution role (from CloudTrail's inScopeOf), to name runtime-log findings."""
    ct = ctx.all("cloudtrail")
    scoped = ct[ct["runtime_arn"].notna() & ct["principal"].notna() & ct["credentials_issued_to"].notna()]
    return {str(r): str(p) for r, p in scoped.drop_duplicates("runtime_arn")[["runtime_arn", "principal"]].values}


def _content_hits(ctx: Context, judge_text: Any, *, prompts_only: bool) -> pd.DataFrame:
    """Invocation-log prompts (and completions unless ``prompts_only``) and runtime-log records (user messages
    only when ``prompts_only``) with the indicator names ``judge_text`` finds, one row per record."""
    inv = ctx.in_range("invocations")
    parts = []
    if len(inv):
        found_in = scan(user_turns(inv), judge_text)
        found_out = scan(inv["response"], judge_text) if not prompts_only else found_in.map(lambda _: [])
        rows = inv.assign(
            _found=pd.Series(
                [sorted(set(a) | set(b)) for a, b in zip(found_in, found_out, strict=True)],
                index=inv.index,
                dtype=object,
            ),
            _where=["prompt" if a else "completion" if b else "" for a, b in zip(found_in, found_out, strict=True)],
            _pipeline="invocation log",
        )
        parts.append(rows[mask(rows, rows["_found"].map(bool))])
    rt = ctx.in_range("runtime_logs")
    if len(rt):
        if prompts_only:
            rt = rt[rt["event_name"].astype("string").fillna("").str.contains("user.message", regex=False)]
        found = scan(rt["body"], judge_text)
        names = _runtime_principals(ctx)
        rows = rt.assign(
            _found=found,
            _where=rt["event_name"].astype("object").where(rt["event_name"].notna(), "log line"),
            _pipeline="AgentCore runtime log",
            principal=rt["runtime_arn"].map(lambda r: names.get(str(r), r)).astype("object"),
            request_id=None,
        )
        parts.append(rows[mask(rows, rows["_found"].map(bool))])
    if not parts:
        return inv.iloc[0:0].assign(_found=[], _where=[], _pipeline=[], tools_after=[])
    hits = pd.concat(parts, ignore_index=True)
    return _session_of(ctx, hits)


def _found(group: Group) -> str:
    return "; ".join(sorted({n for items in group.rows["_found"] for n in items}))[:300]


def _after(group: Group) -> str:
    tools = sorted({t for items in group.rows["tools_after"] for t in items})
    return f" Tools the session called afterwards: {', '.join(tools)}." if tools else ""


@detection("X27")
def credentials_in_content(ctx: Context, entry: Any, *, patterns: list[str]) -> list[Finding]:
    indicators = Indicators(credentials=patterns)
    hits = _content_hits(ctx, indicators.credentials, prompts_only=False)
    return findings(
        hits,
        rule_id=entry.id,
        severity=entry.severity,
        title=lambda g: f"credentials in {g.listing('_where')} for {_who(g)} ({_found(g)[:80]})",
        summary=lambda g: (
            f"{g.count} record(s) in the {g.listing('_pipeline')} carry {_found(g)} in the {g.listing('_where')}: a "
            "secret sent to or returned by a model is exposed to logs, the provider and everyone who reads them; "
            "rotate it and find the path that put it there (a tool result, a poisoned document, an injection)."
            + _after(g)
        ),
        window=WINDOW,
        resources=lambda g: g.values("model_id", "runtime_arn"),
    )


@detection("X28")
def harvesting_and_shell_prompts(ctx: Context, entry: Any, *, shell_alone: str) -> list[Finding]:
    indicators = Indicators()

    def judge_prompt(text: Any) -> list[str]:
        found = indicators.harvesting(text)
        shell = indicators.shell_strings(text)
        return found + [f"shell:{s}" for s in shell]

    hits = _content_hits(ctx, judge_prompt, prompts_only=True)
    hits = hits.assign(_harvest=hits["_found"].map(lambda names: any(not n.startswith("shell:") for n in names)))

    def severity(g: Group) -> str:
        return entry.severity if bool(g.rows["_harvest"].any()) else shell_alone

    return findings(
        hits,
        rule_id=entry.id,
        severity=severity,
        title=lambda g: (
            f"prompts aimed at credentials or instance metadata for {_who(g)}"
            if severity(g) == entry.severity
            else f"shell or code-execution strings in prompts for {_who(g)}"
        ),
        summary=lambda g: (
            f"{g.count} prompt(s) in the {g.listing('_pipeline')}: {_found(g)}. "
            + (
                "Asking an agent for instance or container credentials, or jailbreak wording with secret or "
                "exfiltration intent, is an attempt to turn the agent into a credential thief even if it refused."
                if severity(g) == entry.severity
                else "Shell and interpreter strings alone are common in developers' prompts; worth a look where the "
                "agent can run code."
            )
            + _after(g)
        ),
        window=WINDOW,
        resources=lambda g: g.values("model_id", "runtime_arn"),
    )


@detection("X29")
def calls_without_guardrail(ctx: Context, entry: Any, *, min_calls: int, guarded_share: float) -> list[Finding]:
    every = ctx.all("invocations")
    every = every[every["principal"].notna() & every["error_code"].isna()]
    start = pd.Timestamp(ctx.time_range.start)
    bare = every[(every["time"] >= start) & every["guardrail_id"].isna()]
    guarded = every[every["guardrail_id"].notna()]

    def share_before(g: Group) -> float:
        who = str(g.subject)
        earlier = every[(every["principal"] == who) & (every["time"] < g.start)]
        if earlier.empty:
            return 0.0
        return float(earlier["guardrail_id"].notna().mean())

    def ever_guarded(g: Group) -> bool:
        return bool((guarded["principal"] == str(g.subject)).any())

    def severity(g: Group) -> str:
        if not ever_guarded(g):
            return "info"  # posture: this caller never uses a guardrail (nothing was removed)
        if share_before(g) >= guarded_share and g.start is not None and g.start >= ctx.judge_from:
            return "medium"  # it used one on nearly every call before: the guardrail was dropped
        return entry.severity

    return findings(
        bare,
        rule_id=entry.id,
        severity=severity,
        title=lambda g: f"{g.count} model calls without a guardrail by {_who(g)}",
        summary=lambda g: (
            f"{_who(g)} called {g.listing('model_id')} {g.count} times with no guardrail. "
            + {
                "info": "It never used a guardrail: a posture gap, not a change.",
                "medium": f"It used a guardrail on at least {guarded_share:.0%} of its earlier calls: the guardrail "
                "was dropped from its requests.",
            }.get(severity(g), "It uses a guardrail on some calls but not these.")
        ),
        window=WINDOW,
        keep=lambda g: g.count > min_calls,
        resources=lambda g: g.values("model_id"),
    )
