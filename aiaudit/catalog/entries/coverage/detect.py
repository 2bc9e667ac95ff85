"""Telemetry coverage: the trail records less (X04), invocation logs go missing (X05).

Why a diff and not an event-name match: ``PutEventSelectors`` is how a trail is *set up* as well as
how it is blinded; only comparing the new selector set with the trail's previous one tells the two
apart. The previous set comes from the last successful ``PutEventSelectors`` (or ``CreateTrail`` /
``UpdateTrail`` for the trail settings) on the same trail since the lookback start. Without a previous
set a change is reported only when the new set records no AI data events at all.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aiaudit.catalog.context import Context, among, successful
from aiaudit.catalog.registry import detection
from aiaudit.core.findings import Finding
from aiaudit.core.grouping import findings
from aiaudit.investigate import missing_invocation_logs

#: resource-type and event-source prefixes that make a selector an AI data-event selector
AI_MARKERS = ("AWS::Bedrock::", "AWS::BedrockAgentCore::", "bedrock.amazonaws.com", "bedrock-agentcore.amazonaws.com")


def _trail_name(params: dict[str, Any]) -> str:
    name = str(params.get("trailName") or params.get("name") or "")
    return name.rsplit("/", 1)[-1] if name.startswith("arn:") else name


def ai_coverage(params: dict[str, Any]) -> set[str]:
    """The AI resource types / event sources a selector set records (advanced or basic selectors)."""
    covered: set[str] = set()
    for selector in params.get("advancedEventSelectors") or []:
        fields = selector.get("fieldSelectors") or []
        if any(f.get("field") == "eventCategory" and "Management" in (f.get("equals") or []) for f in fields):
            continue
        for f in fields:
            if f.get("field") in ("resources.type", "eventSource"):
                covered.update(v for v in f.get("equals") or [] if str(v).startswith(AI_MARKERS))
    for selector in params.get("eventSelectors") or []:
        for resource in selector.get("dataResources") or []:
            if str(resource.get("type", "")).startswith(AI_MARKERS):
                covered.add(str(resource["type"]))
    return covered


def management_writes(params: dict[str, Any]) -> bool | None:
    """Whether a selector set records management write events (None: the call set no selectors). Advanced
    selectors record them through a ``Management`` category selector that does not keep read-only events
    alone; basic selectors through ``includeManagementEvents`` (true when absent) with ``ReadWriteType``
    ``All`` or ``WriteOnly``."""
    advanced = params.get("advancedEventSelectors")
    basic = params.get("eventSelectors")
    if advanced is None and basic is None:
        return None
    for selector in advanced or []:
        fields = selector.get("fieldSelectors") or []
        if not any(f.get("field") == "eventCategory" and "Management" in (f.get("equals") or []) for f in fields):
            continue
        read_only = next((f for f in fields if f.get("field") == "readOnly"), None)
        if read_only is None or "false" in [str(v).lower() for v in read_only.get("equals") or []]:
            return True
    for selector in basic or []:
        if selector.get("includeManagementEvents", True) and selector.get("readWriteType", "All") in (
            "All",
            "WriteOnly",
        ):
            return True
    return False


def _change(
    entry: Any, rows: pd.DataFrame, title: str, summary: str, resources: list[str], severity: str | None = None
) -> list[Finding]:
    """One trail change (one CloudTrail row) as a finding about its principal."""
    return findings(
        rows,
        rule_id=entry.id,
        severity=severity or entry.severity,
        title=title,
        summary=summary,
        window=None,
        resources=lambda g: resources,
    )


@detection("X04")
def trail_coverage_reduced(ctx: Context, entry: Any, *, events: list[str]) -> list[Finding]:
    ct = ctx.all("cloudtrail")
    changes = ct[
        among(ct, "eventSource", ["cloudtrail.amazonaws.com"]) & among(ct, "eventName", events) & successful(ct)
    ]
    range_start = pd.Timestamp(ctx.time_range.start)
    selectors: dict[tuple[str, str], set[str]] = {}
    management: dict[tuple[str, str], bool] = {}
    settings: dict[tuple[str, str], dict[str, Any]] = {}
    out = []
    for _, row in changes.iterrows():
        params = ctx.event(str(row["@ptr"])).get("requestParameters") or {}
        key = (str(row.get("recipient_account") or row.get("account") or ""), _trail_name(params))
        rows = changes.loc[[row.name]]
        report = row["time"] >= range_start
        if row["eventName"] == "PutEventSelectors":
            new = ai_coverage(params)
            before = selectors.get(key)
            selectors[key] = new
            writes, wrote_before = management_writes(params), management.get(key, True)
            if writes is not None:
                management[key] = writes
            if not report:
                continue
            if writes is False and wrote_before:
                out += _change(
                    entry,
                    rows,
                    f"{row['principal']} stopped trail {key[1]} recording management events",
                    f"PutEventSelectors on {key[1]} (account {key[0]}) keeps no management write events: IAM, "
                    "guardrail, logging and trail changes made afterwards are no longer recorded.",
                    [key[1], "management-events"],
                )
            if before is not None and before - new:
                dropped = sorted(before - new)
                out += _change(
                    entry,
                    rows,
                    f"{row['principal']} dropped {len(dropped)} AI data-event selector(s) from trail {key[1]}",
                    f"PutEventSelectors on {key[1]} (account {key[0]}) no longer records: {', '.join(dropped)}. "
                    "Bedrock and AgentCore data events for these resources stop being logged.",
                    [key[1], *dropped],
                )
            elif before is None and not new:
                out += _change(
                    entry,
                    rows,
                    f"{row['principal']} set selectors on trail {key[1]} that record no AI data events",
                    f"PutEventSelectors on {key[1]} (account {key[0]}) records no Bedrock or AgentCore data events "
                    "(no earlier selector set was seen to compare with).",
                    [key[1]],
                    severity="medium",
                )
            continue
        previous = settings.setdefault(key, {})
        problems = []
        if params.get("isMultiRegionTrail") is False and previous.get("isMultiRegionTrail") is not False:
            problems.append("multi-region logging turned off")
        if "cloudWatchLogsLogGroupArn" in params:
            old, new_group = previous.get("cloudWatchLogsLogGroupArn"), params.get("cloudWatchLogsLogGroupArn")
            if row["eventName"] == "UpdateTrail" and (not new_group or (old and new_group != old)):
                problems.append(
                    f"CloudWatch Logs delivery redirected from {old or 'its group'} to {new_group or 'none'}"
                )
        previous.update({k: v for k, v in params.items() if k in ("isMultiRegionTrail", "cloudWatchLogsLogGroupArn")})
        if report and problems:
            out += _change(
                entry,
                rows,
                f"{row['principal']} reduced trail {key[1]}: {'; '.join(problems)}",
                f"{row['eventName']} on {key[1]} (account {key[0]}): {'; '.join(problems)}. Events in other "
                "regions, or the log group detections read, stop receiving AI activity.",
                [key[1]],
            )
    return out


@detection("X05")
def invocation_logging_gap(ctx: Context, entry: Any, *, only_logged_regions: bool) -> list[Finding]:
    gaps = missing_invocation_logs(ctx.tel, ctx.time_range, rule_id=entry.id)
    if not only_logged_regions:
        return gaps
    inv = ctx.all("invocations")
    accounts = inv["accountId"].fillna(inv["account"]) if "accountId" in inv else inv["account"]
    logged_where = set(zip(accounts.astype(str), inv["region"].astype(str), strict=True))
    out = []
    for gap in gaps:
        account = next((r.split(":", 1)[1] for r in gap.resources if r.startswith("account:")), "")
        region = next((r.split(":", 1)[1] for r in gap.resources if r.startswith("region:")), "")
        if (account, region) in logged_where:
            out.append(gap)
        # else: logging never seen there — not configured, a posture question rather than a gap
    return out
