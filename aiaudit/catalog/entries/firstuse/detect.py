"""First use: a model, a region or a tool a known principal or agent never used before (X06-X09).

Why only *known* principals: a principal with no history at all is a different question (X01, X14);
reporting every value of a brand-new identity as "first use" would bury that one signal in many.
Declared expectations (``[environment] expected_models``, ``expected_regions``, ``agent_tools``) count
as history. X09 is the allow-list check, which needs no history and is a security finding on its own.
Each finding is about one principal (or agent) and one new value.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aiaudit.catalog.context import Context, among, successful
from aiaudit.catalog.registry import detection
from aiaudit.core.findings import Finding
from aiaudit.core.grouping import findings
from aiaudit.frames import normalise_model_id, principal_key


def _model_calls(frame: pd.DataFrame, operations: list[str]) -> pd.DataFrame:
    column = "eventName" if "eventName" in frame else "operation"
    calls = frame[among(frame, column, operations) & successful(frame)]
    return calls[calls["principal"].notna()]


def _first_uses(
    ctx: Context, entry: Any, calls: pd.DataFrame, value: str, declared: dict[str, set[str]], noun: str
) -> list[Finding]:
    """One finding per (principal, value) first seen in the range, for principals active before it."""
    calls = calls[calls[value].notna()]
    if calls.empty:
        return []
    start = ctx.judge_from
    principal_first = calls.groupby("principal")["time"].min()
    pair_first = calls.groupby(["principal", value])["time"].min()
    new = [
        (principal, item)
        for (principal, item), first in pair_first.items()
        if first >= start
        and str(item) not in declared.get(str(principal), set())
        and principal_first[principal] < first  # known before: otherwise not a "first use" question
    ]
    if not new:
        return []
    pairs = pd.MultiIndex.from_tuples(new)
    rows = calls[pd.MultiIndex.from_arrays([calls["principal"], calls[value]]).isin(pairs)].copy()
    rows["_pair"] = rows["principal"].astype(str) + " " + noun + " " + rows[value].astype(str)
    return findings(
        rows,
        rule_id=entry.id,
        severity=entry.severity,
        title=lambda g: f"{g.listing('principal')} used {noun} {g.listing(value)} for the first time",
        summary=lambda g: (
            f"First {noun} {g.listing(value)} by {g.listing('principal')} since "
            f"{ctx.lookback.start:%Y-%m-%d} ({g.count} calls from {g.start:%Y-%m-%d %H:%M}Z); its earlier activity "
            "never used it."
        ),
        subject="_pair",
        subject_kind="principal",
        window=None,
        resources=lambda g: g.values(value, "runtime_arn"),
    )


@detection("X06")
def first_model(ctx: Context, entry: Any, *, operations: list[str]) -> list[Finding]:
    calls = pd.concat(
        [_model_calls(ctx.all("cloudtrail"), operations), _model_calls(ctx.all("invocations"), operations)],
        ignore_index=True,
    )
    declared = {
        (principal_key(role) or role): {normalise_model_id(m) or m for m in models}
        for role, models in ctx.environment.expected_models.items()
    }
    return _first_uses(ctx, entry, calls, "model_id", declared, "model")


@detection("X07")
def first_region(ctx: Context, entry: Any, *, operations: list[str]) -> list[Finding]:
    calls = _model_calls(ctx.all("cloudtrail"), operations)
    return _first_uses(ctx, entry, calls, "region", {}, "region")


def _agent(service: Any) -> str | None:
    """``billing_agent.DEFAULT`` -> ``billing_agent`` (the runtime endpoint is not part of the agent)."""
    if service is None or pd.isna(service):
        return None
    return str(service).split(".", 1)[0]


def _tool_spans(frame: pd.DataFrame) -> pd.DataFrame:
    spans = frame[frame["tool_name"].notna() & frame["service"].notna()].copy()
    spans["agent"] = spans["service"].map(_agent).astype("object")
    spans["principal"] = "agent:" + spans["agent"].astype(str)
    return spans


@detection("X08")
def first_tool(ctx: Context, entry: Any) -> list[Finding]:
    spans = _tool_spans(ctx.all("spans"))
    declared = {f"agent:{a}": set(tools) for a, tools in ctx.environment.agent_tools.items()}
    return _first_uses(ctx, entry, spans, "tool_name", declared, "tool")


@detection("X09")
def tool_outside_allow_list(ctx: Context, entry: Any) -> list[Finding]:
    allowed = ctx.environment.agent_tools
    spans = _tool_spans(ctx.in_range("spans"))
    if not allowed or spans.empty:
        return []
    outside = spans[
        [
            agent in allowed and tool not in allowed[agent]
            for agent, tool in zip(spans["agent"], spans["tool_name"], strict=True)
        ]
    ].copy()
    outside["_pair"] = outside["agent"].astype(str) + " tool " + outside["tool_name"].astype(str)
    return findings(
        outside,
        rule_id=entry.id,
        severity=entry.severity,
        title=lambda g: (
            f"agent {g.listing('agent')} used tool {g.listing('tool_name')}, which is not in its allow-list"
        ),
        summary=lambda g: (
            f"{g.listing('agent')} ran {g.listing('tool_name')} {g.count} times in "
            f"{len(g.values('session_id'))} session(s); its allow-list ([environment] agent_tools) is "
            f"{', '.join(allowed.get(g.values('agent')[0], ()))}."
        ),
        subject="_pair",
        subject_kind="resource",
        window="24h",
        resources=lambda g: g.values("agent", "tool_name", "runtime_arn"),
    )
