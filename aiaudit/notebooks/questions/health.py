"""Telemetry health: is every pipeline delivering, and did anyone reduce what is recorded?

Why both: gaps (:func:`aiaudit.investigate.gaps`) see the *effect* — model calls with no invocation
log, silent hours, volume drops — while the audit-configuration events (``StopLogging``,
``DeleteModelInvocationLoggingConfiguration``, ``PutEventSelectors`` without the Bedrock/AgentCore
selectors, ``UpdateTrail`` to one region) are the *cause* and name who did it.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from aiaudit.investigate import gaps
from aiaudit.notebooks import plots
from aiaudit.notebooks.questions.common import Answer, finding_from, truthy
from aiaudit.sources.base import PIPELINES

REDUCING = ("StopLogging", "DeleteTrail", "DeleteModelInvocationLoggingConfiguration", "DeleteEventDataStore",
            "StopEventDataStoreIngestion", "DeleteLogGroup", "DeleteLogStream", "DeleteSubscriptionFilter")  # fmt: skip
REVIEWED = ("PutEventSelectors", "UpdateTrail", "PutModelInvocationLoggingConfiguration", "StartLogging",
            "CreateTrail", "PutRetentionPolicy")  # fmt: skip
AI_SELECTOR_HINTS = ("AWS::Bedrock", "AWS::BedrockAgentCore", "bedrock")


def audit_changes(inv: Any) -> pd.DataFrame:
    """Audit/logging configuration calls with a verdict: ``reduces`` coverage, ``restores`` or ``neutral``."""
    ct = inv.tel.projection("cloudtrail", inv.time_range)
    rows = ct[ct["eventName"].isin(REDUCING + REVIEWED).fillna(False).astype(bool) & ~truthy(ct, "is_error")].copy()
    effects = [_effect(inv, n, p) for n, p in zip(rows["eventName"], rows["@ptr"], strict=False)]
    rows["effect"] = pd.Series(effects, index=rows.index, dtype="string")
    cols = ["time", "eventName", "principal", "source_ip", "region", "effect", "request_id", "@ptr"]
    return rows[cols].sort_values("time").reset_index(drop=True)


def _effect(inv: Any, name: str, ptr: str) -> str:
    if name in REDUCING:
        return "reduces"
    if name not in ("PutEventSelectors", "UpdateTrail"):
        return "restores" if name in ("StartLogging", "PutModelInvocationLoggingConfiguration") else "neutral"
    record = inv.tel.record(ptr)
    message = record.get("@message", record)
    data = json.loads(message) if isinstance(message, str) else message
    params = (data or {}).get("requestParameters") or {}
    if name == "UpdateTrail":
        return "reduces" if params.get("isMultiRegionTrail") is False else "neutral"
    text = json.dumps(params)
    return "neutral" if any(hint in text for hint in AI_SELECTOR_HINTS) else "reduces"


def coverage(inv: Any) -> pd.DataFrame:
    """Records, first and last time per pipeline in range."""
    rows = []
    for pipeline in PIPELINES:
        times = inv.tel.times(pipeline, inv.time_range)
        stamps = times["@timestamp"]
        rows.append(
            {
                "pipeline": pipeline,
                "records": len(times),
                "first": stamps.min() if len(stamps) else pd.NaT,
                "last": stamps.max() if len(stamps) else pd.NaT,
            }
        )
    return pd.DataFrame(rows)


def telemetry_health(inv: Any) -> Answer:
    """Coverage per pipeline, hourly volumes with audit changes marked, gap and audit-change findings."""
    answer = Answer("telemetry_health", tables={"coverage": coverage(inv)})
    changes = audit_changes(inv)
    answer.tables["audit_changes"] = changes
    volumes = pd.concat([inv.tel.times(p, inv.time_range).assign(pipeline=p) for p in PIPELINES], ignore_index=True)
    answer.figures["volumes"] = plots.top_contributors(
        volumes, key="pipeline", time="@timestamp", title="Records per pipeline per hour", y_label="records"
    )
    events = pd.concat(
        [
            volumes.assign(is_change=False, summary=volumes["pipeline"]).iloc[::20],
            changes.rename(columns={"time": "@timestamp"}).assign(
                pipeline="audit changes", is_change=True, summary=changes["eventName"] + " (" + changes["effect"] + ")"
            ),
        ],
        ignore_index=True,
    )
    answer.figures["changes"] = plots.timeline(events, title="Audit configuration changes against delivered records")
    found = gaps(inv.tel, inv.time_range)
    if "principal" in inv.focus:
        found = [f for f in found if inv.focus["principal"] in f.principals]
    answer.findings.extend(found)
    answer.tables["gaps"] = pd.DataFrame(
        [{"rule_id": f.rule_id, "severity": f.severity, "title": f.title, "start": f.time_start} for f in found]
    )
    for _, row in changes[changes["effect"] == "reduces"].iterrows():
        rows = changes[changes["@ptr"] == row["@ptr"]]
        answer.findings.append(
            finding_from(
                rows,
                rule="nb:telemetry_health",
                severity="high",
                title=f"{row['eventName']} reduced what is recorded ({row['region']})",
                summary="An audit or invocation-logging configuration change that removes coverage.",
                source_ips=("source_ip",),
            )
        )
    return answer
