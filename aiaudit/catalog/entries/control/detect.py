"""Bedrock control plane: agents and knowledge bases changed (X24). Resource policies (X25) and model supply
(X26) are query detections beside it.

Why "new for this principal": agent and knowledge-base builders change their agents all day; what matters
is a principal doing a kind of change it has not done since the lookback start — an engineer's session
suddenly re-pointing a knowledge base's data source and ingesting documents is how retrieved content gets
poisoned. A change the principal made before is still listed, at low.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aiaudit.catalog.context import Context, among, successful
from aiaudit.catalog.registry import detection
from aiaudit.core.findings import Finding
from aiaudit.core.grouping import Group, findings


@detection("X24")
def agent_or_knowledge_base_changed(
    ctx: Context, entry: Any, *, agent_events: list[str], knowledge_base_events: list[str]
) -> list[Finding]:
    events = [*agent_events, *knowledge_base_events]
    every = ctx.all("cloudtrail")
    changes = every[
        among(every, "eventSource", ["bedrock.amazonaws.com"])
        & among(every, "eventName", events)
        & successful(every)
        & every["principal"].notna()
    ]
    start = pd.Timestamp(ctx.time_range.start)
    before = changes[changes["time"] < start]
    done = set(zip(before["principal"].astype(str), before["eventName"].astype(str), strict=True))
    rows = changes[changes["time"] >= start].copy()
    rows["_new"] = [(str(p), str(e)) not in done for p, e in zip(rows["principal"], rows["eventName"], strict=True)]

    def severity(g: Group) -> str:
        judged = g.start is not None and g.start >= ctx.judge_from
        return entry.severity if judged and bool(g.rows["_new"].any()) else "low"

    def kind(g: Group) -> str:
        names = set(g.values("eventName"))
        parts = [
            label
            for label, group in (("knowledge base", knowledge_base_events), ("agent", agent_events))
            if names & set(group)
        ]
        return " and ".join(parts)

    return findings(
        rows,
        rule_id=entry.id,
        severity=severity,
        title=lambda g: f"{kind(g)} changed by {g.subject}: {g.listing('eventName', 4)}",
        summary=lambda g: (
            f"{g.subject} made {g.count} {kind(g)} change(s) ({g.listing('eventName', 8)}) from "
            f"{g.listing('source_ip')} on {g.listing('resource_arn')}. "
            + (
                "It made none of these changes since the lookback start: review the new content, data source or "
                "action group before agents serve it (retrieved documents and tools steer what the model does)."
                if severity(g) != "low"
                else "It has made changes of this kind before."
            )
        ),
        window="1h",
        resources=lambda g: g.values("resource_arn", "region"),
    )
