"""Spend: cost anomalies against a principal's own history (X13), inference volume and cost harvesting (X20),
token abuse (X30).

Why per principal and against the median: spend is bursty and diurnal, and principals differ by
orders of magnitude, so one global threshold either floods or misses. An hour is anomalous when the
principal's spend in it is ``factor`` times the median of its earlier active hours (since the lookback
start), ``peak_factor`` times their 95th percentile (so a principal with occasional big jobs is judged
against its big jobs), and at least ``min_tokens`` tokens (and ``min_usd``, where ``[environment]
model_prices`` prices every model the principal used; otherwise spend is counted in tokens).
Consecutive anomalous hours make one finding.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aiaudit.catalog.context import Context, among, successful
from aiaudit.catalog.registry import detection
from aiaudit.core.findings import Finding
from aiaudit.core.grouping import Group, finding, findings, mask


def hourly_spend(ctx: Context, inv: pd.DataFrame) -> pd.DataFrame:
    """Per principal and hour: tokens, and estimated USD where every model is priced."""
    frame = inv[inv["principal"].notna()].copy()
    tin = frame["input_tokens"].fillna(0).astype(float)
    tout = frame["output_tokens"].fillna(0).astype(float)
    prices = [ctx.environment.price_for(m) for m in frame["model_id"]]
    frame["_usd"] = [
        (i / 1000 * p.input_per_1k + o / 1000 * p.output_per_1k) if p else float("nan")
        for i, o, p in zip(tin, tout, prices, strict=True)
    ]
    frame["_tokens"] = tin + tout
    frame["_hour"] = frame["time"].dt.floor("1h")
    return (
        frame.groupby(["principal", "_hour"])
        .agg(usd=("_usd", lambda s: s.sum() if s.notna().all() else float("nan")), tokens=("_tokens", "sum"))
        .reset_index()
    )


@detection("X13")
def cost_anomaly(
    ctx: Context,
    entry: Any,
    *,
    factor: float,
    peak_factor: float,
    min_history_hours: int,
    min_usd: float,
    min_tokens: int,
) -> list[Finding]:
    inv = ctx.all("invocations")
    hours = hourly_spend(ctx, inv)
    start = ctx.judge_from
    out = []
    for principal, rows in hours.groupby("principal"):
        rows = rows.sort_values("_hour").reset_index(drop=True)
        priced = bool(rows["usd"].notna().all())
        # tokens always (a runaway loop on a cheap model is still abuse); dollars too where every model is priced
        metrics = [(rows["tokens"], 0.0)] + ([(rows["usd"], min_usd)] if priced else [])
        flagged = []
        for i in range(len(rows)):
            if rows.loc[i, "_hour"] < start or i < min_history_hours or rows.loc[i, "tokens"] < min_tokens:
                continue
            for metric, floor in metrics:
                history = metric.iloc[:i]
                median, peak, value = float(history.median()), float(history.quantile(0.95)), float(metric.iloc[i])
                if value >= floor and median > 0 and value >= factor * median and value >= peak_factor * peak:
                    flagged.append(
                        (rows.loc[i, "_hour"], float(rows.loc[i, "tokens"]), float(rows["tokens"].iloc[:i].median()))
                    )
                    break
        for run in _consecutive(flagged):
            first, last = run[0][0], run[-1][0] + pd.Timedelta(hours=1)
            calls = inv[(inv["principal"] == principal) & (inv["time"] >= first) & (inv["time"] < last)]
            tokens = sum(v for _, v, _ in run)
            usd = rows[(rows["_hour"] >= first) & (rows["_hour"] < last)]["usd"].sum() if priced else None
            cost = f" (about {usd:,.2f} USD)" if usd is not None else ""
            group = Group(subject=str(principal), rows=calls, start=calls["time"].min(), end=calls["time"].max())
            out.append(
                finding(
                    group,
                    rule_id=entry.id,
                    severity=entry.severity,
                    title=f"{principal}: {tokens:,.0f} tokens{cost} in {len(run)} h, "
                    f"{tokens / len(run) / max(run[0][2], 1.0):.0f}x its usual hour",
                    summary=f"{principal} used {tokens:,.0f} tokens{cost} between {first:%Y-%m-%d %H:%M}Z and "
                    f"{last:%H:%M}Z ({len(calls)} calls); its median active hour before used {run[0][2]:,.0f} tokens.",
                    resources=group.values("model_id"),
                )
            )
    return out


def _consecutive(flagged: list[tuple[pd.Timestamp, float, float]]) -> list[list[tuple[pd.Timestamp, float, float]]]:
    runs: list[list[tuple[pd.Timestamp, float, float]]] = []
    for item in flagged:
        if runs and item[0] - runs[-1][-1][0] <= pd.Timedelta(hours=1):
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


def model_calls(ctx: Context, operations: list[str]) -> pd.DataFrame:
    """Successful model calls with their token counts, one row per request: CloudTrail's management events
    (every account has them; ``additionalEventData`` carries the tokens), completed by the invocation log's
    counts and joined with the log's calls CloudTrail does not have (a trail without those events)."""
    ct = ctx.all("cloudtrail")
    calls = ct[among(ct, "eventName", operations) & successful(ct) & ct["principal"].notna()]
    columns = [
        "time",
        "principal",
        "model_id",
        "region",
        "request_id",
        "@ptr",
        "source_ip",
        "access_key_id",
        "eventName",
        "input_tokens",
        "output_tokens",
    ]
    calls = calls.reindex(columns=columns)
    inv = ctx.all("invocations")
    inv = inv[inv["principal"].notna() & inv["error_code"].isna()]
    if len(inv):
        counts = inv[["request_id", "input_tokens", "output_tokens"]].dropna(subset=["request_id"])
        counts = counts.drop_duplicates("request_id").set_index("request_id")
        known = calls["request_id"].isin(counts.index)
        for column in ("input_tokens", "output_tokens"):
            filled = calls.loc[known, "request_id"].map(counts[column])
            calls.loc[known, column] = calls.loc[known, column].fillna(filled)
        only_logged = inv[~inv["request_id"].isin(set(calls["request_id"].dropna()))].copy()
        only_logged["eventName"] = only_logged["operation"]
        calls = pd.concat([calls, only_logged.reindex(columns=columns)], ignore_index=True)
    return calls.sort_values("time", kind="stable").reset_index(drop=True)


def _peak(times: pd.Series, within: pd.Timedelta) -> int:
    """The most calls inside any span of ``within``."""
    stamps = times.sort_values().tolist()
    best = start = 0
    for end in range(len(stamps)):
        while stamps[end] - stamps[start] > within:
            start += 1
        best = max(best, end - start + 1)
    return best


@detection("X20")
def inference_volume(
    ctx: Context,
    entry: Any,
    *,
    operations: list[str],
    min_calls: int,
    window_minutes: int,
    harvest_min_calls: int,
) -> list[Finding]:
    every = model_calls(ctx, operations)
    start = pd.Timestamp(ctx.time_range.start)
    calls = every[every["time"] >= start]
    first = every.groupby("principal")["time"].min()
    within = pd.Timedelta(minutes=window_minutes)

    def heavy_models(g: Group) -> list[str]:
        out = []
        for model, rows in g.rows.groupby("model_id"):
            if _peak(rows["time"], within) >= min_calls:
                out.append(str(model))
        return out

    def harvesting(g: Group) -> bool:
        began = first.get(g.subject)
        return bool(
            g.count >= harvest_min_calls
            and began is not None
            and began >= ctx.judge_from
            and g.start is not None
            and began >= g.start - pd.Timedelta(hours=1)
        )

    def what(g: Group) -> str:
        parts = []
        if harvesting(g):
            parts.append(f"{g.count} model calls from an identity that never called a model before")
        if heavy_models(g):
            parts.append(f"at least {min_calls} calls within {window_minutes} minutes on {', '.join(heavy_models(g))}")
        return "; ".join(parts)

    return findings(
        calls,
        rule_id=entry.id,
        severity=lambda g: "high" if harvesting(g) else entry.severity,
        title=lambda g: f"{g.subject}: {what(g)}",
        summary=lambda g: (
            f"{g.subject} made {g.count} model calls ({g.listing('eventName')}) on {g.listing('model_id', 5)} in "
            f"{g.listing('region')} from {g.listing('source_ip')} between {g.start:%Y-%m-%d %H:%M}Z and "
            f"{g.end:%H:%M}Z. "
            + (
                "Sustained volume from an identity with no model history since "
                f"{ctx.lookback.start:%Y-%m-%d} is what resold or stolen credentials look like (cost harvesting)."
                if harvesting(g)
                else "High frequency on one model: a runaway loop, a batch job, or abuse; compare with the "
                "principal's usual volume (X13)."
            )
        ),
        window="1h",
        keep=lambda g: harvesting(g) or bool(heavy_models(g)),
        resources=lambda g: g.values("model_id", "region"),
    )


def _ceilings(spec: list[str]) -> dict[str, int]:
    """``["haiku=3000", ...]`` → ``{"haiku": 3000}`` (a model id containing the family name has that ceiling)."""
    out = {}
    for item in spec:
        family, _, value = str(item).partition("=")
        out[family.strip()] = int(value)
    return out


@detection("X30")
def token_abuse(
    ctx: Context,
    entry: Any,
    *,
    operations: list[str],
    max_input: int,
    min_calls: int,
    min_avg_output: int,
    empty_output_input: int,
    ceilings: list[str],
    embedding_prefixes: list[str],
) -> list[Finding]:
    every = model_calls(ctx, operations)
    every = every[every["input_tokens"].notna()].copy()
    tin = every["input_tokens"].astype(float)
    tout = every["output_tokens"].astype(float)
    limits = _ceilings(ceilings)
    model = every["model_id"].astype("string").fillna("")
    ceiling = model.map(lambda m: next((v for k, v in limits.items() if k in m), None))
    every["_over"] = mask(every, ceiling.notna() & ((tin + tout.fillna(0)) > ceiling.astype(float)))
    embedding = model.str.startswith(tuple(embedding_prefixes))
    every["_empty"] = mask(every, (tin >= empty_output_input) & (tout.fillna(-1) == 0) & ~embedding)
    start = pd.Timestamp(ctx.time_range.start)
    calls = every[every["time"] >= start]
    heavy_before = {
        str(p): t for p, t in every[every["_over"] | every["_empty"]].groupby("principal")["time"].min().items()
    }

    def elastic(g: Group) -> bool:
        rows = g.rows
        return bool(
            rows["input_tokens"].astype(float).max() > max_input
            and g.count > min_calls
            and rows["output_tokens"].astype(float).mean() > min_avg_output
        )

    def empty(g: Group) -> int:
        return int(g.rows["_empty"].sum())

    def over(g: Group) -> int:
        return int(g.rows["_over"].sum())

    def severity(g: Group) -> str:
        if not (elastic(g) or empty(g)):
            return "info"  # per-call ceilings alone: Panther's own severity for them
        seen = heavy_before.get(str(g.subject))
        first_heavy = seen is None or g.start is None or seen >= g.start
        return "medium" if first_heavy and g.start is not None and g.start >= ctx.judge_from else entry.severity

    def what(g: Group) -> str:
        parts = []
        if elastic(g):
            parts.append(
                f"prompts up to {g.rows['input_tokens'].astype(float).max():,.0f} tokens over {g.count} calls, "
                f"{g.rows['output_tokens'].astype(float).mean():,.0f} output tokens on average"
            )
        if empty(g):
            parts.append(f"{empty(g)} call(s) with {empty_output_input}+ input tokens and no output")
        if over(g):
            parts.append(f"{over(g)} call(s) above the per-model token ceiling")
        return "; ".join(parts)

    return findings(
        calls,
        rule_id=entry.id,
        severity=severity,
        title=lambda g: f"{g.subject}: token abuse — {what(g)[:150]}",
        summary=lambda g: (
            f"{g.subject} on {g.listing('model_id')}: {what(g)}. Very large prompts with long answers at volume drain "
            "budgets or extract data; large inputs that produce nothing are resource exhaustion. "
            + (
                "The principal had no such calls before: medium."
                if severity(g) == "medium"
                else "The principal made such calls before: low (per-call ceilings alone: info)."
            )
        ),
        window="1h",
        keep=lambda g: elastic(g) or empty(g) > 0 or over(g) > 0,
        resources=lambda g: g.values("model_id"),
    )
