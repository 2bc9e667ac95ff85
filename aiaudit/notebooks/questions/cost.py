"""Tokens and estimated cost by principal, model, agent and region, with the environment's price table.

Why two sources: invocation logs carry tokens (so cost), but a call with no invocation log — logging
off, or a region nobody configured — still costs money and shows only in CloudTrail. Those calls are
counted (not priced) and, in a region outside ``expected_regions``, reported: that is where stolen keys
spend (LLMjacking).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aiaudit.investigate.vocab import is_model_call
from aiaudit.notebooks import plots
from aiaudit.notebooks.questions.common import Answer, finding_from, principal_focus, runtime_principals

#: An hour is a spike when its tokens exceed this multiple of the principal's median active hour ...
SPIKE_RATIO = 5.0
#: ... and this many tokens (small principals double easily).
SPIKE_FLOOR = 20_000


def priced(inv: Any) -> pd.DataFrame:
    """Invocations with ``cost_usd`` (missing when the model has no price) and the agent behind the role."""
    env = inv.environment
    frame = inv.tel.projection("invocations", inv.time_range, **principal_focus(inv)).copy()

    def cost(row: Any) -> float | None:
        price = env.price_for(row["model_id"])
        if price is None:
            return None
        tokens = [row[c] if pd.notna(row[c]) else 0 for c in ("input_tokens", "output_tokens")]
        return tokens[0] / 1000 * price.input_per_1k + tokens[1] / 1000 * price.output_per_1k

    frame["cost_usd"] = [cost(r) for _, r in frame.iterrows()] if len(frame) else []
    frame["cost_usd"] = pd.to_numeric(frame["cost_usd"], errors="coerce")
    frame["tokens"] = frame["input_tokens"].fillna(0).astype(float) + frame["output_tokens"].fillna(0).astype(float)
    roles = runtime_principals(inv.tel.projection("cloudtrail", inv.time_range))
    agents = dict(zip(roles["principal"], roles["agent"], strict=False))
    frame["agent"] = pd.Series([agents.get(p) for p in frame["principal"].tolist()], index=frame.index, dtype="string")
    return frame


def spikes(frame: pd.DataFrame) -> list[pd.DataFrame]:
    """Per principal: runs of consecutive hours above SPIKE_RATIO × its median active hour (and the floor)."""
    out = []
    for _, rows in frame.dropna(subset=["principal"]).groupby("principal"):
        hours = rows.groupby(rows["time"].dt.floor("1h"))["tokens"].sum()
        if len(hours) < 4:
            continue
        hot = hours[(hours > SPIKE_RATIO * hours.median()) & (hours >= SPIKE_FLOOR)]
        if hot.empty:
            continue
        buckets = rows["time"].dt.floor("1h")
        out.append(rows[buckets.isin(hot.index)].assign(median_hour_tokens=hours.median()))
    return out


def cost_attribution(inv: Any) -> Answer:
    """Cost tables per dimension, figures, spike and unexpected-region findings."""
    env = inv.environment
    frame = priced(inv)
    answer = Answer("cost_attribution")
    for by in ("principal", "model_id", "agent", "region"):
        answer.tables[f"by_{by}"] = (
            frame.groupby(frame[by].astype("string").fillna("(none)"))
            .agg(calls=("request_id", "size"), input_tokens=("input_tokens", "sum"),
                 output_tokens=("output_tokens", "sum"), cost_usd=("cost_usd", "sum"))
            .sort_values("cost_usd", ascending=False)
            .reset_index()
        )  # fmt: skip
    unpriced = frame[frame["cost_usd"].isna()]
    answer.tables["unpriced_models"] = unpriced.groupby("model_id").size().rename("calls").reset_index()
    for by, label in (("principal", "principal"), ("model_id", "model"), ("agent", "agent"), ("region", "region")):
        answer.figures[f"cost_by_{by}"] = plots.cost_breakdown(
            frame.dropna(subset=["cost_usd"]), by=by, title=f"Estimated cost by {label}"
        )
    answer.figures["tokens"] = plots.top_contributors(
        frame, key="principal", time="time", value="tokens", title="Tokens per principal over time", y_label="tokens"
    )
    for rows in spikes(frame):
        who = rows["principal"].iloc[0]
        hours, median = rows["time"].dt.floor("1h").nunique(), int(rows["median_hour_tokens"].iloc[0])
        answer.findings.append(
            finding_from(
                rows,
                rule="nb:cost_attribution",
                severity="medium",
                title=f"token spike: {who} used {int(rows['tokens'].sum()):,} tokens in "
                f"{hours} hour(s) (median hour {median:,})",
                summary=f"estimated cost of the spike: ${rows['cost_usd'].sum():.2f}",
            )
        )
    ct = inv.tel.projection("cloudtrail", inv.time_range, **principal_focus(inv))
    calls = ct[is_model_call(ct) & ct["errorCode"].isna()]
    logged = set(frame["request_id"].dropna())
    unlogged = calls[~calls["request_id"].isin(logged).fillna(False).astype(bool)]
    answer.tables["unlogged_calls"] = (
        unlogged.groupby(["principal", "region"]).size().rename("calls").reset_index().sort_values("calls")
    )
    if env.expected_regions:
        odd = unlogged[~unlogged["region"].isin(env.expected_regions).fillna(False).astype(bool)]
        for (who, region), rows in odd.groupby(["principal", "region"]):
            answer.findings.append(
                finding_from(
                    rows,
                    rule="nb:cost_attribution",
                    severity="high",
                    title=f"{len(rows)} unlogged model call(s) by {who} in {region}, outside the expected regions",
                    summary="Model calls CloudTrail recorded but no invocation log priced: their cost is unknown.",
                    resources=("resource_arn",),
                )
            )
    else:
        answer.notes.append("no [environment] expected_regions: unlogged calls are listed, not judged")
    if len(unpriced):
        answer.notes.append(f"{len(unpriced)} invocation(s) of models without a price in [environment] model_prices")
    return answer
