"""The ``AI-Workload-Security-Dashboard`` (the guide's §"Unified dashboard"): rows 1–9 as a CloudWatch
dashboard body.

Why from the catalogue: every Logs widget runs a catalogue entry's query (rows 5–7 and the spend counter use
the guide's dashboard queries ``D02``–``D10`` in classic Logs Insights QL, rows 8–9 its SQL queries, fixed),
bound with its default parameters through the language's binder and with pipeline names replaced by the
deployment's log groups, so the dashboard shows what the tested queries return. Widget JSON follows the
dashboard body structure
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html);
Logs widgets are written as the AWS CDK's ``LogQueryWidget`` writes them (``SOURCE 'group' | query`` with
``queryLanguage`` ``SQL`` or ``Logs``), Contributor Insights widgets as ``metric`` widgets with ``insightRule``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiaudit.catalog import catalog
from aiaudit.catalog.kinds import alarm as alarm_kind
from aiaudit.catalog.kinds import contributor_insights as ci_kind
from aiaudit.core.errors import InputError
from aiaudit.deploy.targets import group_for
from aiaudit.sources.aws.querytext import rewrite_sql_from

DASHBOARD_NAME = "AI-Workload-Security-Dashboard"
NAMESPACE = "AIWorkloadMetrics"
_QUERY_LANGUAGE = {"sql": "SQL", "cwli": "Logs"}

#: (row title, widgets). A widget: ("alarms",), ("number", metric name, title), ("ci", rule entry),
#: ("logs", entry id, view, title).
ROWS: list[tuple[str, list[tuple[str, ...]]]] = [
    (
        "1 · Status",
        [
            ("alarms",),
            ("number", "BedrockModelInvocations", "Bedrock model invocations"),
            ("logs", "D08", "singleValue", "Total Bedrock spend (estimated)"),
            ("number", "AgentCrossServiceAccessDenied", "Agent cross-service denied"),
            ("number", "BedrockUnauthorizedAccess", "Bedrock unauthorized access"),
        ],
    ),
    ("2 · Model and agent activity", [("ci", "CI01"), ("ci", "CI02")]),
    ("3 · Data and access denied", [("ci", "CI03"), ("ci", "CI05"), ("ci", "CI06"), ("ci", "CI04")]),
    ("4 · Security configuration", [("ci", "CI10"), ("ci", "CI11"), ("ci", "CI07")]),
    (
        "4.5 · AgentCore",
        [("ci", "CI13"), ("ci", "CI14"), ("ci", "CI15"), ("ci", "CI16"), ("ci", "CI17"), ("ci", "CI18")],
    ),
    ("4.6 · Bedrock extended", [("ci", "CI19"), ("ci", "CI20"), ("ci", "CI21"), ("ci", "CI22"), ("ci", "CI23")]),
    ("5 · Model performance", [("logs", "D02", "timeSeries", ""), ("logs", "D04", "table", "")]),
    ("6 · Agent workflow", [("logs", "D05", "timeSeries", ""), ("logs", "D07", "table", "")]),
    ("7 · Cost", [("logs", "D09", "pie", ""), ("logs", "D10", "table", "")]),
    (
        "8 · Investigation",
        [
            ("logs", "Q07", "table", ""),
            ("logs", "Q06", "table", ""),
            ("logs", "Q14", "table", ""),
            ("logs", "Q11", "table", ""),
            ("logs", "Q23", "table", "Bedrock session & flow execution activity"),
            ("logs", "Q25", "table", "Data automation & tool activity"),
            ("logs", "Q27", "table", ""),
        ],
    ),
    (
        "9 · Cross-pipeline correlation",
        [("logs", "Q18", "table", ""), ("logs", "Q19", "table", ""), ("logs", "Q20", "table", "")],
    ),
]


def log_widget_query(entry_id: str, groups: Mapping[str, str]) -> tuple[str, str]:
    """A catalogue entry's query as a Logs widget runs it (``SOURCE`` lines for its pipelines' groups,
    parameters at their defaults), and its ``queryLanguage``."""
    entry = catalog[entry_id]
    if entry.language not in _QUERY_LANGUAGE:
        raise InputError(f"{entry_id} is not a Logs Insights query", where=entry_id)
    sources = [group_for(groups, p) for p in entry.pipelines]
    if entry.language == "sql":
        text = rewrite_sql_from(
            entry.dry_run(), lambda name: [group_for(groups, name)] if name in groups or name == "cloudtrail" else None
        )
    else:
        text = entry.dry_run()
    head = " | ".join(f"SOURCE '{group}'" for group in sources)
    return f"{head} | {text.strip()}", _QUERY_LANGUAGE[entry.language]


def dashboard_body(
    groups: Mapping[str, str],
    region: str,
    alarm_arn: Callable[[str], str],
) -> dict[str, Any]:
    """The dashboard body. ``alarm_arn(alarm name)`` gives an alarm's ARN (a concrete ARN for put-dashboard, a
    CloudFormation ``${Logical.Arn}`` reference in the template)."""
    widgets: list[dict[str, Any]] = []
    y = 0
    alarm_names = [alarm_kind.spec(catalog[i]).name for i in catalog if catalog[i].kind == "alarm"]
    for title, row in ROWS:
        widgets.append(
            {"type": "text", "x": 0, "y": y, "width": 24, "height": 1, "properties": {"markdown": f"## {title}"}}
        )
        y += 1
        width = max(6, 24 // min(len(row), 4))
        x = 0
        for spec in row:
            if x + width > 24:
                x, y = 0, y + 6
            widgets.append(
                {"x": x, "y": y, "width": width, "height": 6, **_widget(spec, groups, region, alarm_names, alarm_arn)}
            )
            x += width
        y += 6
    return {"start": "-PT24H", "periodOverride": "inherit", "widgets": widgets}


def _widget(
    spec: Sequence[str], groups: Mapping[str, str], region: str, alarm_names: list[str], alarm_arn: Callable[[str], str]
) -> dict[str, Any]:
    kind = spec[0]
    if kind == "alarms":
        return {
            "type": "alarm",
            "properties": {
                "title": "Alarm status (every metric-filter alarm)",
                "alarms": [alarm_arn(name) for name in alarm_names],
            },
        }
    if kind == "number":
        return {
            "type": "metric",
            "properties": {
                "title": spec[2],
                "view": "singleValue",
                "region": region,
                "stat": "Sum",
                "period": 300,
                "metrics": [[NAMESPACE, spec[1]]],
            },
        }
    if kind == "ci":
        rule = ci_kind.spec(catalog[spec[1]])
        return {
            "type": "metric",
            "properties": {
                "title": f"{catalog[spec[1]].title.split(': ', 1)[-1]} ({rule.name})",
                "region": region,
                "view": "timeSeries",
                "period": 300,
                "legend": {"position": "bottom"},
                "insightRule": {"maxContributorCount": rule.top, "orderBy": "Sum", "ruleName": rule.name},
            },
        }
    entry_id, view, title = spec[1], spec[2], spec[3]
    query, language = log_widget_query(entry_id, groups)
    properties: dict[str, Any] = {
        "title": title or f"{entry_id} · {catalog[entry_id].title}",
        "region": region,
        "query": query,
        "queryLanguage": language,
        "view": view,
    }
    if view == "timeSeries":
        properties["stacked"] = False
    return {"type": "log", "properties": properties}


def body_json(body: Mapping[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"))
