"""The unified dashboard's rows (guide §6) as plotly figures, with the alarms that fired as findings.

Why alarms computed here: metric-filter alarms live in CloudWatch, but an investigation over exported
logs has no alarm history; evaluating the same conditions per hour over the projections gives the
status grid and says when each would have fired. Judgement of the underlying activity belongs to the
question notebooks; alarms are leads (their severities are the alarms', configuration changes low).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from aiaudit.investigate.vocab import is_change, is_model_call
from aiaudit.notebooks import plots
from aiaudit.notebooks.questions.common import Answer, finding_from, principal_focus, truthy

AUDIT = ("StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors",
         "DeleteModelInvocationLoggingConfiguration", "PutModelInvocationLoggingConfiguration")  # fmt: skip
GUARDRAIL = ("UpdateGuardrail", "DeleteGuardrail", "CreateGuardrailVersion", "DeleteGuardrailVersion")


@dataclass(frozen=True)
class Alarm:
    """An hourly condition over CloudTrail rows: ``select`` picks rows, ``threshold`` per principal-hour."""

    name: str
    severity: str
    threshold: int
    select: Callable[[pd.DataFrame], pd.Series]
    per_principal: bool = True


ALARMS = (
    Alarm("Bedrock AccessDenied burst", "medium", 8,
          lambda ct: truthy(ct, "is_denied") & ct["eventSource"].str.startswith("bedrock", na=False)),
    Alarm("Agent cross-service denied", "medium", 3,
          lambda ct: truthy(ct, "is_denied") & ct["runtime_arn"].notna()
          & ~ct["eventSource"].str.startswith("bedrock", na=False)),
    Alarm("Gateway authentication failures", "medium", 10,
          lambda ct: ct["http_status"].fillna(0).astype(int).isin([401, 403]), per_principal=False),
    Alarm("Audit / logging configuration change", "low", 1,
          lambda ct: ct["eventName"].isin(AUDIT).fillna(False).astype(bool) & ~truthy(ct, "is_error")),
    Alarm("Guardrail change", "low", 1,
          lambda ct: ct["eventName"].isin(GUARDRAIL).fillna(False).astype(bool) & ~truthy(ct, "is_error")),
)  # fmt: skip


def alarm_states(ct: pd.DataFrame, hours: pd.DatetimeIndex) -> tuple[pd.DataFrame, list[tuple[Alarm, pd.DataFrame]]]:
    """Alarm × hour grid (1 = in alarm) and the rows behind each firing (alarm, principal-hour)."""
    grid = pd.DataFrame(0, index=[a.name for a in ALARMS], columns=hours)
    fired = []
    bucket = ct["time"].dt.floor("1h")
    for alarm in ALARMS:
        rows = ct[alarm.select(ct).fillna(False).astype(bool)] if len(ct) else ct
        keys = [bucket[rows.index], rows["principal"].fillna("?")] if alarm.per_principal else [bucket[rows.index]]
        for _, group in rows.groupby(keys):
            if len(group) >= alarm.threshold:
                hour = group["time"].dt.floor("1h").iloc[0]
                if hour in grid.columns:
                    grid.loc[alarm.name, hour] = 1
                fired.append((alarm, group))
    return grid, fired


def overview_dashboard(inv: Any) -> Answer:
    """Status grid, callers, denials, changes, AgentCore activity, model performance, agent workflow, cost."""
    tel, tr = inv.tel, inv.time_range
    ct = tel.projection("cloudtrail", tr, **principal_focus(inv))
    invs = tel.projection("invocations", tr, **principal_focus(inv))
    spans = tel.projection("spans", tr, **{k: v for k, v in inv.focus.items() if k == "session_id"})
    hours = pd.date_range(pd.Timestamp(tr.start).floor("1h"), pd.Timestamp(tr.end).floor("1h"), freq="1h")
    grid, fired = alarm_states(ct, hours)
    answer = Answer("overview_dashboard")
    answer.figures["1 status"] = plots.alarm_grid(grid, title="Row 1 · Alarm states per hour")
    calls = ct[is_model_call(ct)]
    answer.figures["2 callers"] = plots.top_contributors(
        calls, key="principal", time="time", title="Row 2 · Top model callers over time", y_label="model calls"
    )
    denied = ct[truthy(ct, "is_denied")]
    answer.figures["3 denials"] = plots.top_contributors(
        denied, key="principal", time="time", title="Row 3 · Access denied by identity over time", y_label="denials"
    )
    changes = ct[is_change(ct)].assign(pipeline="configuration change", is_change=True)
    changes = changes.assign(summary=changes["eventName"], **{"@timestamp": changes["time"]})
    answer.figures["4 changes"] = plots.timeline(changes, title="Row 4 · Configuration changes")
    agentcore = ct[ct["eventSource"].eq("bedrock-agentcore.amazonaws.com").fillna(False).astype(bool)]
    answer.figures["4.5 agentcore"] = plots.top_contributors(
        agentcore, key="eventName", time="time", title="Row 4.5 · AgentCore activity by API", y_label="events"
    )
    outcome = (
        invs["stop_reason"]
        .astype("object")
        .map(lambda r: ("truncated" if r == "max_tokens" else "ok") if isinstance(r, str) else "unknown")
    )
    answer.figures["5 completion"] = plots.top_contributors(
        invs.assign(completion=outcome), key="completion", time="time",
        title="Row 5 · Completions ok vs truncated", y_label="invocations",
    )  # fmt: skip
    latency = (
        invs.dropna(subset=["latency_ms"])
        .groupby("model_id")["latency_ms"]
        .quantile(0.95)
        .rename("p95_ms")
        .reset_index()
    )
    answer.figures["5 latency"] = plots.bar(
        latency, x="model_id", y="p95_ms", title="Row 5 · Model latency p95 by model", x_label="model",
        y_label="latency p95 (ms)",
    )  # fmt: skip
    agent = spans.assign(outcome=truthy(spans, "is_error").map({True: "error spans", False: "ok spans"}))
    answer.figures["6 workflow"] = plots.top_contributors(
        agent, key="outcome", time="time", title="Row 6 · Agent spans vs errors", y_label="spans"
    )
    env = inv.environment
    priced = invs.assign(
        cost_usd=[
            (
                lambda p, i, o: (
                    None if p is None else (i or 0) / 1000 * p.input_per_1k + (o or 0) / 1000 * p.output_per_1k
                )
            )(env.price_for(m), None if pd.isna(i) else float(i), None if pd.isna(o) else float(o))
            for m, i, o in zip(invs["model_id"], invs["input_tokens"], invs["output_tokens"], strict=False)
        ]
    )
    priced["cost_usd"] = pd.to_numeric(priced["cost_usd"], errors="coerce")
    answer.figures["7 cost"] = plots.cost_breakdown(
        priced.dropna(subset=["cost_usd"]), by="model_id", title="Row 7 · Estimated cost by model"
    )
    answer.tables["status"] = pd.DataFrame(
        [
            {"metric": "model invocations (logged)", "value": len(invs)},
            {"metric": "model calls (CloudTrail)", "value": len(calls)},
            {"metric": "estimated spend (USD)", "value": round(float(priced["cost_usd"].sum()), 2)},
            {"metric": "access denied events", "value": len(denied)},
            {"metric": "agent cross-service denied", "value": int(grid.loc["Agent cross-service denied"].sum())},
            {"metric": "alarm-hours", "value": int(grid.values.sum())},
        ]
    )
    answer.tables["alarms"] = pd.DataFrame(
        [
            {"alarm": a.name, "severity": a.severity, "hour": g["time"].dt.floor("1h").iloc[0],
             "events": len(g), "principals": ", ".join(sorted(set(g["principal"].dropna())))}
            for a, g in fired
        ],
        columns=["alarm", "severity", "hour", "events", "principals"],
    )  # fmt: skip
    for alarm, rows in fired:
        answer.findings.append(
            finding_from(
                rows,
                rule="nb:overview_dashboard",
                severity=alarm.severity,
                title=f"alarm: {alarm.name} ({len(rows)} event(s) in one hour)",
                summary="Dashboard alarm condition evaluated per hour over CloudTrail.",
            )
        )
    return answer
