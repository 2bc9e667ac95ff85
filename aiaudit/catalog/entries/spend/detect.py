"""Cost anomalies by principal against its own history (X13).

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

from aiaudit.catalog.context import Context
from aiaudit.catalog.registry import detection
from aiaudit.core.findings import Finding
from aiaudit.core.grouping import Group, finding


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
