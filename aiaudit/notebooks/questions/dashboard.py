"""The unified dashboard's rows (guide §6) as plotly figures, with the alarms that fired as findings.

Why back-tested alarms: metric-filter alarms live in CloudWatch, but an investigation over exported logs has
no alarm history; replaying the catalogue's alarms (``AL01``–``AL25``, :mod:`aiaudit.catalog.kinds.alarm`)
over the store gives the status grid and one finding per ALARM episode, exactly as ``aiaudit detect``
reports them (change alarms graded low here: a lead to review against change tickets, as this dashboard
has always graded configuration changes). The Contributor Insights rules of rows 2–4.6 are evaluated the
same way (top contributors of the range). Judgement of the underlying activity belongs to the question notebooks.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from aiaudit.catalog import catalog
from aiaudit.catalog.kinds import contributor_insights
from aiaudit.catalog.kinds.alarm import Backtest, backtest_all
from aiaudit.investigate.vocab import is_model_call, is_security_change
from aiaudit.notebooks import plots
from aiaudit.notebooks.questions.common import Answer, principal_focus, truthy

#: The Contributor Insights rules the dashboard's rows 2-4.6 show.
DASHBOARD_RULES = (
    "CI01",
    "CI02",
    "CI03",
    "CI05",
    "CI06",
    "CI04",
    "CI10",
    "CI11",
    "CI07",
    "CI13",
    "CI14",
    "CI15",
    "CI16",
    "CI17",
    "CI18",
    "CI19",
    "CI20",
    "CI21",
    "CI22",
    "CI23",
)


def alarm_hours(backtests: dict[str, Backtest], hours: pd.DatetimeIndex) -> pd.DataFrame:
    """Alarm × hour grid: 1 when the back-tested alarm was in ALARM at any period of the hour."""
    grid = pd.DataFrame(0, index=[b.alarm.name for b in backtests.values()], columns=hours)
    for result in backtests.values():
        timeline = result.timeline
        for hour in timeline.loc[timeline["state"] == "ALARM", "period_start"].dt.floor("1h").unique():
            if hour in grid.columns:
                grid.loc[result.alarm.name, hour] = 1
    return grid


def _alarm_rows(backtests: dict[str, Backtest]) -> pd.DataFrame:
    rows = []
    for result in backtests.values():
        timeline = result.timeline
        for f in result.findings:
            inside = timeline[(timeline["period_start"] >= f.time_start) & (timeline["period_start"] <= f.time_end)]
            rows.append(
                {
                    "alarm": result.alarm.name,
                    "rule_id": f.rule_id,
                    "severity": f.severity,
                    "start": f.time_start,
                    "end": f.time_end,
                    "events": int(inside["events"].sum()),
                    "principals": ", ".join(f.principals),
                }
            )
    return pd.DataFrame(rows, columns=["alarm", "rule_id", "severity", "start", "end", "events", "principals"])


def _contributors(source: Any, tr: Any) -> pd.DataFrame:
    """Top five contributors of the range per dashboard rule (empty without a local store)."""
    store = getattr(source, "store", None)
    rows = []
    for entry_id in DASHBOARD_RULES if store is not None else ():
        rule = contributor_insights.spec(catalog[entry_id])
        table = contributor_insights.contributors(store, rule, tr, period=None, top=5)
        keys = list(rule.body["Contribution"]["Keys"])
        for record in table.to_dict(orient="records"):
            rows.append(
                {
                    "rule": rule.name,
                    "rank": record["rank"],
                    "contributor": " | ".join(str(record[k]) for k in keys),
                    "events": record["value"],
                }
            )
    return pd.DataFrame(rows, columns=["rule", "rank", "contributor", "events"])


def overview_dashboard(inv: Any) -> Answer:
    """Status grid, callers, denials, changes, AgentCore activity, model performance, agent workflow, cost."""
    tel, tr = inv.tel, inv.time_range
    ct = tel.projection("cloudtrail", tr, **principal_focus(inv))
    invs = tel.projection("invocations", tr, **principal_focus(inv))
    spans = tel.projection("spans", tr, **{k: v for k, v in inv.focus.items() if k == "session_id"})
    hours = pd.date_range(pd.Timestamp(tr.start).floor("1h"), pd.Timestamp(tr.end).floor("1h"), freq="1h")
    backtests, notes = backtest_all(tel.source, tr, inv.environment.change_roles)
    grid = alarm_hours(backtests, hours)
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
    changes = ct[is_security_change(ct)]
    lanes = changes["eventSource"].astype("string").str.replace(".amazonaws.com", "", regex=False)
    changes = changes.assign(
        pipeline=lanes, is_change=True, summary=changes["eventName"] + " by " + changes["principal"].fillna("?")
    )
    answer.figures["4 changes"] = plots.timeline(
        changes.assign(**{"@timestamp": changes["time"]}), title="Row 4 · Security-relevant configuration changes"
    )
    answer.tables["changes"] = changes[
        ["time", "eventName", "eventSource", "principal", "source_ip", "request_id", "@ptr"]
    ]
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
            {
                "metric": "agent cross-service denied",
                "value": int(backtests["AL10"].timeline["events"].sum()) if "AL10" in backtests else None,
            },
            {"metric": "alarm-hours", "value": int(grid.values.sum())},
        ]
    )
    answer.tables["alarms"] = _alarm_rows(backtests)
    answer.tables["contributors"] = _contributors(tel.source, tr)
    for result in backtests.values():  # change alarms are leads here (low), as the dashboard always graded them
        answer.findings.extend(
            replace(f, severity="low") if catalog[f.rule_id].change_alarm else f for f in result.findings
        )
    answer.notes.extend(notes)
    return answer
