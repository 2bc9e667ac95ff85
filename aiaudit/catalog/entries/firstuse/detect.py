"""First use: a model, a region or a tool a known principal or agent never used before (X06-X09).

Why only *known* principals: a principal with no history at all is a different question (X01, X14);
reporting every value of a brand-new identity as "first use" would bury that one signal in many.
Declared expectations (``[environment] expected_models``, ``expected_regions``, ``agent_tools``) count
as history. X09 is the allow-list check, which needs no history and is a security finding on its own.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from aiaudit.catalog.build import finding, successful
from aiaudit.catalog.context import Context
from aiaudit.catalog.registry import detection
from aiaudit.core.findings import Finding
from aiaudit.frames import normalise_model_id, principal_key


def _model_calls(frame: pd.DataFrame, operations: list[str]) -> pd.DataFrame:
    column = "eventName" if "eventName" in frame else "operation"
    calls = frame[frame[column].isin(operations).fillna(False).astype(bool) & successful(frame)]
    return calls[calls["principal"].notna()]


def _first_uses(
    ctx: Context, entry: Any, calls: pd.DataFrame, value: str, declared: dict[str, set[str]], noun: str
) -> list[Finding]:
    """One finding per (principal, value) first seen in the range, for principals active before it."""
    calls = calls[calls[value].notna()]
    start = ctx.judge_from
    principal_first = calls.groupby("principal")["time"].min()
    pair_first = calls.groupby(["principal", value])["time"].min()
    out = []
    for (principal, item), first in pair_first.items():
        if first < start or str(item) in declared.get(str(principal), set()):
            continue
        if principal_first[principal] >= first:
            continue  # nothing known about the principal before this: not a "first use" question
        rows = calls[(calls["principal"] == principal) & (calls[value] == item)]
        out.append(
            finding(
                entry,
                rows.head(50),
                f"{principal} used {noun} {item} for the first time",
                f"First {noun} {item} by {principal} since {ctx.lookback.start:%Y-%m-%d} ({len(rows)} calls from "
                f"{first:%Y-%m-%d %H:%M}Z); its earlier activity never used it.",
                resources=[str(item)],
            )
        )
    return out


@detection("X06")
def first_model(ctx: Context, entry: Any, *, operations: list[str]) -> list[Finding]:
    calls = pd.concat(
        [_model_calls(ctx.all("cloudtrail"), operations), _model_calls(ctx.all("invocations"), operations)],
        ignore_index=True,
    )
    declared = {
        (principal_key(role) or role): {_base(m) for m in models}
        for role, models in ctx.environment.expected_models.items()
    }
    return _first_uses(ctx, entry, calls, "model_id", declared, "model")


def _base(model: str) -> str:

    return normalise_model_id(model) or model


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
    spans["agent"] = spans["service"].map(_agent)
    spans["principal"] = "agent:" + spans["agent"].astype(str)
    return spans


@detection("X08")
def first_tool(ctx: Context, entry: Any) -> list[Finding]:
    spans = _tool_spans(ctx.all("spans"))
    declared = {f"agent:{a}": set(tools) for a, tools in ctx.environment.agent_tools.items()}
    found = _first_uses(ctx, entry, spans, "tool_name", declared, "tool")
    return [_with_runtime_principals(f, spans) for f in found]


@detection("X09")
def tool_outside_allow_list(ctx: Context, entry: Any) -> list[Finding]:
    allowed = ctx.environment.agent_tools
    if not allowed:
        return []
    spans = _tool_spans(ctx.in_range("spans"))
    spans = spans[spans["agent"].isin(list(allowed))]
    outside = spans[
        [tool not in allowed[agent] for agent, tool in zip(spans["agent"], spans["tool_name"], strict=True)]
    ]
    out = []
    for (agent, tool), rows in outside.groupby(["agent", "tool_name"]):
        out.append(
            _with_runtime_principals(
                finding(
                    entry,
                    rows,
                    f"agent {agent} used tool {tool}, which is not in its allow-list",
                    f"{agent} ran {tool} {len(rows)} times in {rows['session_id'].nunique()} session(s); its "
                    f"allow-list ([environment] agent_tools) is {', '.join(allowed[agent])}.",
                    resources=[str(agent), str(tool)],
                ),
                spans,
            )
        )
    return out


def _with_runtime_principals(found: Finding, spans: pd.DataFrame) -> Finding:
    """Add the runtime ARN as a resource so the finding pivots to CloudTrail (the runtime role's events)."""
    agents = {p.split(":", 1)[1] for p in found.principals if p.startswith("agent:")}
    runtimes = spans[spans["agent"].isin(agents)]["runtime_arn"].dropna().unique().tolist()
    return replace(found, resources=sorted(set(found.resources) | {str(r) for r in runtimes}), finding_id="")
