"""LLMjacking: stolen credentials used to find, enable and run models (X01, X02, X03, X14).

Why these signals: a hijacked key first asks what it may do (list models, read the logging
configuration, model availability), enables model access for itself (use-case form, agreement,
entitlement), probes models with malformed calls (``ValidationException`` tells the caller the model
exists and is enabled), then invokes at volume in a region nobody watches. Each step alone is
ordinary for a known Bedrock user; it is the principal with **no Bedrock history** that makes it an
incident, so every check here compares with what the principal did before (lookback and range). The
four entries share the signal ``llmjacking``: steps of one principal in overlapping windows merge into
one finding.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aiaudit.catalog.context import Context, among, successful
from aiaudit.catalog.registry import detection
from aiaudit.core.findings import Finding
from aiaudit.core.grouping import Group, findings

AI_SOURCES = ("bedrock.amazonaws.com", "bedrock-agentcore.amazonaws.com")


def _ai_events(ct: pd.DataFrame) -> pd.DataFrame:
    return ct[among(ct, "eventSource", AI_SOURCES) & ct["principal"].notna()]


def _first_ai_time(ctx: Context) -> dict[str, pd.Timestamp]:
    """Each principal's first Bedrock/AgentCore CloudTrail event, or first invocation log, since the lookback."""
    ct = _ai_events(ctx.all("cloudtrail"))
    firsts = ct.groupby("principal")["time"].min()
    inv = ctx.all("invocations")
    inv = inv[inv["principal"].notna()]
    if len(inv):
        firsts = pd.concat([firsts, inv.groupby("principal")["time"].min()]).groupby(level=0).min()
    return {str(k): v for k, v in firsts.items()}


def _first_success_time(ctx: Context, calls: list[str]) -> dict[str, pd.Timestamp]:
    ct = ctx.all("cloudtrail")
    ok = ct[among(ct, "eventName", calls) & successful(ct) & ct["principal"].notna()]
    return {str(k): v for k, v in ok.groupby("principal")["time"].min().items()}


def _opening(
    rows: pd.DataFrame, known_since: dict[str, pd.Timestamp], ctx: Context, length: pd.Timedelta
) -> pd.DataFrame:
    """Per principal, the rows of its first ``length`` — for principals new at that point (first seen in
    the range after the warm-up, nothing known before)."""
    keep = []
    for principal, part in rows.groupby("principal", sort=False):
        start = part["time"].min()
        if start < ctx.judge_from or known_since.get(str(principal), start) < start:
            continue
        keep.append(part[part["time"] <= start + length])
    return pd.concat(keep) if keep else rows.iloc[0:0]


@detection("X01")
def recon_and_enablement(
    ctx: Context, entry: Any, *, recon_events: list[str], access_events: list[str], min_recon: int, window_hours: int
) -> list[Finding]:
    ct = ctx.in_range("cloudtrail")
    hits = ct[
        among(ct, "eventSource", ["bedrock.amazonaws.com"]) & among(ct, "eventName", [*recon_events, *access_events])
    ]
    hits = _opening(hits[hits["principal"].notna()], _first_ai_time(ctx), ctx, pd.Timedelta(hours=window_hours))

    def enabling(g: Group) -> list[str]:
        return sorted(set(g.values("eventName")) & set(access_events))

    def recon(g: Group) -> list[str]:
        return sorted(set(g.values("eventName")) & set(recon_events))

    def what(g: Group) -> str:
        return (
            f"enabled model access ({', '.join(enabling(g))})"
            if enabling(g)
            else f"{len(recon(g))} reconnaissance calls"
        )

    return findings(
        hits,
        rule_id=entry.id,
        # reconnaissance alone is also a new console user looking around: worth a look, not an alarm
        severity=lambda g: entry.severity if enabling(g) else "low",
        title=lambda g: f"{g.subject}: Bedrock reconnaissance and {what(g)} with no Bedrock history",
        summary=lambda g: (
            f"{g.subject} had no Bedrock or AgentCore activity since {ctx.lookback.start:%Y-%m-%d}, then "
            f"called {', '.join(recon(g) + enabling(g))} from {g.listing('source_ip')} in {g.listing('region')}. "
            "Typical of stolen keys being readied for model abuse."
        ),
        window=None,
        keep=lambda g: bool(enabling(g)) or len(recon(g)) >= min_recon,
        resources=lambda g: g.values("region"),
    )


@detection("X02")
def validation_probing(
    ctx: Context, entry: Any, *, operations: list[str], error_codes: list[str], min_errors: int, window_minutes: int
) -> list[Finding]:
    ct = ctx.in_range("cloudtrail")
    probes = ct[among(ct, "eventName", operations) & among(ct, "errorCode", error_codes) & ct["principal"].notna()]
    window = _opening(probes, _first_success_time(ctx, operations), ctx, pd.Timedelta(minutes=window_minutes))
    return findings(
        window,
        rule_id=entry.id,
        severity=entry.severity,
        title=lambda g: f"{g.subject}: {g.count} {'/'.join(g.values('errorCode'))} model calls before any success",
        summary=lambda g: (
            f"{g.subject} made {g.count} failing model calls ({g.listing('model_id')}) within "
            f"{window_minutes} minutes and had no successful model call before: probing which models are enabled."
        ),
        window=None,
        keep=lambda g: g.count >= min_errors,
        resources=lambda g: g.values("model_id"),
    )


@detection("X03")
def unusual_region(ctx: Context, entry: Any, *, operations: list[str], min_calls: int) -> list[Finding]:
    every = ctx.all("cloudtrail")
    calls_all = every[among(every, "eventName", operations) & successful(every)]
    expected = set(ctx.environment.expected_regions)
    calls = ctx.in_range("cloudtrail")
    calls = calls[among(calls, "eventName", operations) & successful(calls) & calls["principal"].notna()]
    keep = []
    for (region, principal), rows in calls.groupby(["region", "principal"]):
        if region in expected:
            continue
        here = calls_all[calls_all["region"] == region]
        mine = here[here["principal"] == principal]["time"].min()
        if mine < ctx.judge_from or (here[here["principal"] != principal]["time"] < mine).any():
            continue  # the principal used it before the range, or others used it first: not unusual
        keep.append(rows)
    unusual = pd.concat(keep) if keep else calls.iloc[0:0]
    return findings(
        unusual,
        rule_id=entry.id,
        # without [environment] expected_regions "unusual" only means "new here": worth a look, not an alarm
        severity=entry.severity if expected else "low",
        title=lambda g: f"{g.count} model calls in unusual region {g.listing('region')} by {g.subject}",
        summary=lambda g: (
            f"{g.subject} ran {g.count} model calls in {g.listing('region')}, which is not an expected "
            f"region ({', '.join(sorted(expected)) or 'none configured'}) and where nobody ran models before (since "
            f"{ctx.lookback.start:%Y-%m-%d}). Attackers invoke where no invocation logging or budget alarm watches."
        ),
        window="24h",
        keep=lambda g: g.count >= min_calls,
        resources=lambda g: g.values("region"),
    )


@detection("X14")
def denials_from_new_principal(
    ctx: Context, entry: Any, *, denial_codes: list[str], min_denials: int, window_minutes: int
) -> list[Finding]:
    ct = _ai_events(ctx.in_range("cloudtrail"))
    denied = ct[among(ct, "errorCode", denial_codes)]
    every = _ai_events(ctx.all("cloudtrail"))
    allowed_before = {str(k): v for k, v in every[successful(every)].groupby("principal")["time"].min().items()}
    keep = []
    for principal, rows in denied.groupby("principal"):
        first = rows["time"].min()
        known = allowed_before.get(str(principal))
        if first < ctx.judge_from or (known is not None and known < first):
            continue
        if (rows["time"] <= first + pd.Timedelta(minutes=window_minutes)).sum() < min_denials:
            continue
        keep.append(rows if known is None else rows[rows["time"] < known])
    rows = pd.concat(keep) if keep else denied.iloc[0:0]
    return findings(
        rows,
        rule_id=entry.id,
        severity=entry.severity,
        title=lambda g: f"{g.subject}: {g.count} denied AI calls with no successful AI activity before",
        summary=lambda g: (
            f"{g.subject} was denied {g.count} times on {g.listing('eventName', 8)} and had no "
            f"successful Bedrock or AgentCore call since {ctx.lookback.start:%Y-%m-%d}: an unknown identity trying "
            "what it can reach."
        ),
        window="24h",
    )
