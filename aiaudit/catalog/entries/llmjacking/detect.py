"""LLMjacking: stolen credentials used to find, enable and run models (X01, X02, X03, X14).

Why these signals: a hijacked key first asks what it may do (list models, read the logging
configuration, model availability), enables model access for itself (use-case form, agreement,
entitlement), probes models with malformed calls (``ValidationException`` tells the caller the model
exists and is enabled), then invokes at volume in a region nobody watches. Each step alone is
ordinary for a known Bedrock user; it is the principal with **no Bedrock history** that makes it an
incident, so every check here compares with what the principal did before (lookback and range).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aiaudit.catalog.build import finding, successful, values
from aiaudit.catalog.context import Context
from aiaudit.catalog.registry import detection
from aiaudit.core.findings import Finding

AI_SOURCES = ("bedrock.amazonaws.com", "bedrock-agentcore.amazonaws.com")


def _ai_events(ct: pd.DataFrame) -> pd.DataFrame:
    return ct[ct["eventSource"].isin(AI_SOURCES).fillna(False).astype(bool) & ct["principal"].notna()]


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
    ok = ct[ct["eventName"].isin(calls).fillna(False).astype(bool) & successful(ct) & ct["principal"].notna()]
    firsts = ok.groupby("principal")["time"].min()
    return {str(k): v for k, v in firsts.items()}


@detection("X01")
def recon_and_enablement(
    ctx: Context, entry: Any, *, recon_events: list[str], access_events: list[str], min_recon: int, window_hours: int
) -> list[Finding]:
    ct = ctx.in_range("cloudtrail")
    wanted = set(recon_events) | set(access_events)
    hits = ct[
        (ct["eventSource"] == "bedrock.amazonaws.com").fillna(False).astype(bool)
        & ct["eventName"].isin(wanted).fillna(False).astype(bool)
        & ct["principal"].notna()
    ]
    firsts = _first_ai_time(ctx)
    out = []
    for principal, rows in hits.groupby("principal"):
        start = rows["time"].min()
        if start < ctx.judge_from or firsts.get(str(principal), start) < start:
            continue  # the principal used Bedrock before: not new
        rows = rows[rows["time"] <= start + pd.Timedelta(hours=window_hours)]
        enabling = sorted(set(rows["eventName"]) & set(access_events))
        recon = sorted(set(rows["eventName"]) & set(recon_events))
        if not enabling and len(recon) < min_recon:
            continue
        what = f"enabled model access ({', '.join(enabling)})" if enabling else f"{len(recon)} reconnaissance calls"
        out.append(
            finding(
                entry,
                rows,
                f"{principal}: Bedrock reconnaissance and {what} with no Bedrock history",
                f"{principal} had no Bedrock or AgentCore activity since {ctx.lookback.start:%Y-%m-%d}, then called "
                f"{', '.join(recon + enabling)} from {', '.join(values(rows, 'source_ip')) or 'unknown addresses'} "
                f"in {', '.join(values(rows, 'region'))}. Typical of stolen keys being readied for model abuse.",
                resources=values(rows, "region"),
                # reconnaissance alone is also a new console user looking around: worth a look, not an alarm
                severity=None if enabling else "low",
            )
        )
    return out


@detection("X02")
def validation_probing(
    ctx: Context,
    entry: Any,
    *,
    operations: list[str],
    error_codes: list[str],
    min_errors: int,
    window_minutes: int,
) -> list[Finding]:
    ct = ctx.in_range("cloudtrail")
    probes = ct[
        ct["eventName"].isin(operations).fillna(False).astype(bool)
        & ct["errorCode"].isin(error_codes).fillna(False).astype(bool)
        & ct["principal"].notna()
    ]
    first_ok = _first_success_time(ctx, operations)
    out = []
    for principal, rows in probes.groupby("principal"):
        first = rows["time"].min()
        if first < ctx.judge_from or first_ok.get(str(principal), first) < first:
            continue  # had working model calls before probing: a known user's mistakes
        window = rows[rows["time"] <= first + pd.Timedelta(minutes=window_minutes)]
        if len(window) < min_errors:
            continue
        models = values(window, "model_id")
        out.append(
            finding(
                entry,
                window,
                f"{principal}: {len(window)} {'/'.join(values(window, 'errorCode'))} model calls before any success",
                f"{principal} made {len(window)} failing model calls ({', '.join(models) or 'models unknown'}) within "
                f"{window_minutes} minutes and had no successful model call before: probing which models are "
                "enabled.",
                resources=models,
            )
        )
    return out


@detection("X03")
def unusual_region(ctx: Context, entry: Any, *, operations: list[str], min_calls: int) -> list[Finding]:
    every = ctx.all("cloudtrail")
    calls_all = every[every["eventName"].isin(operations).fillna(False).astype(bool) & successful(every)]
    expected = set(ctx.environment.expected_regions)
    calls = ctx.in_range("cloudtrail")
    calls = calls[calls["eventName"].isin(operations).fillna(False).astype(bool) & successful(calls)]
    range_start = ctx.judge_from
    out = []
    for (region, principal), rows in calls.groupby(["region", "principal"]):
        if region in expected:
            continue
        here = calls_all[calls_all["region"] == region]
        mine = here[here["principal"] == principal]["time"].min()
        if mine < range_start or (here[here["principal"] != principal]["time"] < mine).any():
            continue  # the principal used it before the range, or others used it first: not unusual
        if len(rows) < min_calls:
            continue
        out.append(
            finding(
                entry,
                rows,
                f"{len(rows)} model calls in unusual region {region} by {principal}",
                f"{principal} ran {len(rows)} model calls in {region}, which is not an expected region "
                f"({', '.join(sorted(expected)) or 'none configured'}) and where nobody ran models before "
                f"(since {ctx.lookback.start:%Y-%m-%d}). Attackers invoke where no invocation logging or budget "
                "alarm watches.",
                resources=[str(region)],
            )
        )
    return out


@detection("X14")
def denials_from_new_principal(
    ctx: Context, entry: Any, *, denial_codes: list[str], min_denials: int, window_minutes: int
) -> list[Finding]:
    ct = _ai_events(ctx.in_range("cloudtrail"))
    denied = ct[ct["errorCode"].isin(denial_codes).fillna(False).astype(bool)]
    every = _ai_events(ctx.all("cloudtrail"))
    allowed_before = every[successful(every)].groupby("principal")["time"].min()
    out = []
    for principal, rows in denied.groupby("principal"):
        first = rows["time"].min()
        known = allowed_before.get(principal)
        if first < ctx.judge_from or (known is not None and known < first):
            continue
        window = rows[rows["time"] <= first + pd.Timedelta(minutes=window_minutes)]
        if len(window) < min_denials:
            continue
        rows = rows if known is None else rows[rows["time"] < known]
        out.append(
            finding(
                entry,
                rows,
                f"{principal}: {len(rows)} denied AI calls with no successful AI activity before",
                f"{principal} was denied {len(rows)} times on {', '.join(values(rows, 'eventName'))[:200]} and had "
                f"no successful Bedrock or AgentCore call since {ctx.lookback.start:%Y-%m-%d}: an unknown identity "
                "trying what it can reach.",
            )
        )
    return out
