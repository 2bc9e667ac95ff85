"""LLMjacking: stolen credentials used to find, enable and run models (X01, X02, X03, X14, X17, X18, X19).

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
from aiaudit.core.grouping import Group, findings, mask

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


def _listed(frame: pd.DataFrame, items: list[Any]) -> pd.Series:
    return pd.Series(items, index=frame.index, dtype=object)


@detection("X17")
def enumerate_then_invoke(
    ctx: Context,
    entry: Any,
    *,
    listing_events: list[str],
    operations: list[str],
    key_prefix: str,
    window_minutes: int,
) -> list[Finding]:
    ct = ctx.in_range("cloudtrail")
    keyed = ct[
        mask(ct, ct["access_key_id"].astype("string").str.startswith(key_prefix))
        & successful(ct)
        & ct["principal"].notna()
    ]
    lists = keyed[among(keyed, "eventName", listing_events)]
    calls = keyed[among(keyed, "eventName", operations)]
    within = pd.Timedelta(minutes=window_minutes)
    keep = []
    for key, listed in lists.groupby("access_key_id"):
        invoked = calls[calls["access_key_id"] == key]
        for when in listed["time"]:
            after = invoked[(invoked["time"] > when) & (invoked["time"] <= when + within)]
            if len(after):
                keep.append(listed[listed["time"] == when])
                keep.append(after)
    rows = pd.concat(keep).drop_duplicates(subset="@ptr") if keep else keyed.iloc[0:0]
    return findings(
        rows,
        rule_id=entry.id,
        severity=entry.severity,
        title=lambda g: f"{g.subject}: long-term key {g.listing('access_key_id')} listed models, then invoked them",
        summary=lambda g: (
            f"Access key {g.listing('access_key_id')} of {g.subject} called {g.listing('eventName', 6)} from "
            f"{g.listing('source_ip')}: a model listing followed within {window_minutes} minutes by model calls "
            f"({g.listing('model_id')}). A long-term key that enumerates and then invokes is a stolen key being tried."
        ),
        window="24h",
        resources=lambda g: g.values("access_key_id", "model_id", "region"),
    )


@detection("X18")
def llmjacking_api_diversity(
    ctx: Context, entry: Any, *, events: list[str], threshold: float, window_hours: int
) -> list[Finding]:
    ct = ctx.in_range("cloudtrail")
    rows = ct[
        among(ct, "eventName", events) & ct["principal"].notna() & ~mask(ct, ct["principal_type"] == "AWSService")
    ]
    share = lambda g: len(set(g.values("eventName")) & set(events)) / len(set(events))  # noqa: E731
    return findings(
        rows,
        rule_id=entry.id,
        severity=entry.severity,
        title=lambda g: (
            f"{g.subject}: {len(g.values('eventName'))} of the {len(set(events))} LLMjacking calls in a day"
        ),
        summary=lambda g: (
            f"{g.subject} made {share(g):.0%} of the calls of the LLMjacking sequence within {window_hours} h "
            f"({', '.join(sorted(g.values('eventName')))}), from {g.listing('source_ip')}. Checking logging, "
            "availability and agreements, enabling access and invoking is the whole attack in one identity."
        ),
        window=f"{window_hours}h",
        keep=lambda g: share(g) > threshold,
        resources=lambda g: g.values("region"),
    )


def _model_errors(ctx: Context, operations: list[str], codes: list[str]) -> pd.DataFrame:
    """Failed model calls from both pipelines, one row per request: the invocation log's own errors joined to
    their CloudTrail event (caller address, key, user agent), and CloudTrail failures the log never saw."""
    ct = ctx.in_range("cloudtrail")
    ct_err = ct[among(ct, "eventName", operations) & among(ct, "errorCode", codes)].copy()
    ct_err["code"] = ct_err["errorCode"]
    inv = ctx.in_range("invocations")
    inv_err = inv[among(inv, "error_code", codes)].copy()
    if len(inv_err):
        extra = ["request_id", "source_ip", "access_key_id", "userAgent", "eventName"]
        caller = ct[ct["request_id"].isin(set(inv_err["request_id"].dropna()))][extra].drop_duplicates("request_id")
        inv_err = inv_err.drop(columns=[c for c in extra[1:] if c in inv_err.columns]).merge(
            caller, on="request_id", how="left"
        )
        inv_err["code"] = inv_err["error_code"]
        inv_err["eventName"] = inv_err["eventName"].fillna(inv_err["operation"])
        ct_err = ct_err[~ct_err["request_id"].isin(set(inv_err["request_id"].dropna()))]
    columns = [
        "time",
        "principal",
        "model_id",
        "code",
        "eventName",
        "source_ip",
        "access_key_id",
        "request_id",
        "@ptr",
        "region",
    ]
    parts = [p.reindex(columns=columns) for p in (ct_err, inv_err) if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return out[out["principal"].notna()].sort_values("time", kind="stable")


def _burst(rows: pd.DataFrame, within: pd.Timedelta, above: int) -> pd.DataFrame:
    """Rows that belong to a run of more than ``above`` rows inside any ``within`` span."""
    times = rows["time"].sort_values()
    keep = pd.Series(False, index=times.index)
    stamps = times.tolist()
    start = 0
    for end in range(len(stamps)):
        while stamps[end] - stamps[start] > within:
            start += 1
        if end - start + 1 > above:
            keep.iloc[start : end + 1] = True
    return rows.loc[keep[keep].index]


@detection("X19")
def denied_and_invalid_bursts(
    ctx: Context,
    entry: Any,
    *,
    operations: list[str],
    denial_codes: list[str],
    validation_codes: list[str],
    max_denied_per_model: int,
    max_denied_listings: int,
    max_invalid_per_minute: int,
    window_minutes: int,
) -> list[Finding]:
    errors = _model_errors(ctx, operations, [*denial_codes, *validation_codes])
    window = pd.Timedelta(minutes=window_minutes)
    parts = []
    denied = errors[among(errors, "code", denial_codes)]
    for _, rows in denied.groupby(["principal", "model_id"], dropna=False):
        parts.append(_burst(rows, window, max_denied_per_model).assign(_kind="denied model calls"))
    invalid = errors[among(errors, "code", validation_codes)]
    for _, rows in invalid.groupby("principal"):
        parts.append(_burst(rows, pd.Timedelta(minutes=1), max_invalid_per_minute).assign(_kind="invalid model calls"))
    ct = ctx.in_range("cloudtrail")
    listings = ct[among(ct, "eventName", ["ListFoundationModels"]) & among(ct, "errorCode", denial_codes)]
    listings = listings[listings["principal"].notna()]
    for _, rows in listings.groupby(["principal", "source_ip"], dropna=False):
        parts.append(_burst(rows, window, max_denied_listings).assign(_kind="denied model listings"))
    hits = pd.concat([p for p in parts if len(p)]) if any(len(p) for p in parts) else errors.iloc[0:0].assign(_kind=[])
    first_ok = _first_success_time(ctx, operations)

    def severity(g: Group) -> str:
        known = first_ok.get(str(g.subject))
        return "medium" if known is None or g.start is None or known > g.start else entry.severity

    return findings(
        hits,
        rule_id=entry.id,
        severity=severity,
        title=lambda g: f"{g.subject}: burst of {g.listing('_kind')} ({g.count})",
        summary=lambda g: (
            f"{g.subject} had {g.count} failed calls ({g.listing('code')}) on {g.listing('model_id')} from "
            f"{g.listing('source_ip')}: more than {max_denied_per_model} denials per model within {window_minutes} "
            f"minutes, more than {max_invalid_per_minute} validation errors in a minute, or more than "
            f"{max_denied_listings} denied model listings from one address. "
            + (
                "It had no successful model call before: probing what a credential can reach."
                if severity(g) == "medium"
                else "It uses models successfully otherwise: a misconfigured client, or models it may not use."
            )
        ),
        window=f"{window_minutes}m",
        resources=lambda g: g.values("model_id", "region"),
    )
