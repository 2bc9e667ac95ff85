"""Which pipelines a source holds for a time range, and what to tell the user about the ones it lacks.

Why: real accounts rarely deliver all four pipelines. CloudTrail alone is the commonest set-up (model
invocation logging is off by default; spans exist only where agents run with ADOT; a default trail
records management events only). A question that needs a missing pipeline cannot be answered, and an
empty table would look like "nothing happened". This module counts each pipeline's records in range
(one small aggregate query per pipeline, on either backend) and turns every gap into one sentence a user
can act on: which pipeline is missing, what it would have shown, and how it is enabled. ``aiaudit
detect``, notebooks and the report index all print these same sentences.

``cloudtrail-data`` stands for CloudTrail *data events* (Bedrock agent, knowledge-base, flow and
guardrail-evaluation calls; AgentCore runtime, gateway, memory, tool and identity calls), which trails
record only with event selectors; catalogue entries name it in ``requires`` like a pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aiaudit.core.config import PIPELINES
from aiaudit.core.timerange import TimeRange, iso

#: what each pipeline (and CloudTrail's data events) is, what it shows, and how it is turned on
ABOUT: dict[str, tuple[str, str, str]] = {
    "cloudtrail": (
        "CloudTrail",
        "who called what: callers, source addresses, denials and configuration changes",
        "create a trail (an organisation trail for many accounts) delivering to S3 or CloudWatch Logs, and "
        "export it here",
    ),
    "cloudtrail-data": (
        "CloudTrail data events",
        "Bedrock agent, knowledge-base, flow and ApplyGuardrail calls, and AgentCore runtime, gateway, memory, "
        "tool and credential calls",
        "add advanced event selectors with eventCategory = Data for the AWS::Bedrock::* and "
        "AWS::BedrockAgentCore::* resource types to the trail (PutEventSelectors)",
    ),
    "invocations": (
        "Bedrock model invocation logs",
        "what each model call was asked and answered, tokens, and guardrail outcomes",
        "turn on model invocation logging (PutModelInvocationLoggingConfiguration, e.g. `aws bedrock "
        "put-model-invocation-logging-configuration`) to S3 or CloudWatch Logs, in every region that runs models",
    ),
    "spans": (
        "agent spans (aws/spans)",
        "agent sessions, traces, tool calls and latency",
        "instrument agents with ADOT (AWS Distro for OpenTelemetry) and enable CloudWatch Transaction Search so "
        "spans reach the aws/spans log group",
    ),
    "runtime_logs": (
        "AgentCore runtime logs",
        "what agents logged per session (OTel log records and stdout)",
        "enable observability on the AgentCore runtime so it writes to /aws/bedrock-agentcore/runtimes/",
    ),
}
REQUIREMENTS = (*PIPELINES, "cloudtrail-data")


@dataclass
class Availability:
    """Records per pipeline in a time range (and in the whole source), and CloudTrail data events."""

    time_range: TimeRange | None
    in_range: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)
    span: dict[str, TimeRange | None] = field(default_factory=dict)
    data_events: int = 0

    def count(self, requirement: str) -> int:
        """Records in range of a pipeline, or of CloudTrail data events (``cloudtrail-data``)."""
        if requirement == "cloudtrail-data":
            return self.data_events
        return self.in_range.get(requirement, 0)

    def has(self, requirement: str) -> bool:
        return self.count(requirement) > 0

    @property
    def empty(self) -> bool:
        return not any(self.in_range.values())

    def missing(self, needed: Iterable[str] = REQUIREMENTS) -> list[str]:
        """Requirements with no records in range (data events only judged when CloudTrail is there)."""
        out = [p for p in needed if p != "cloudtrail-data" and not self.has(p)]
        if "cloudtrail-data" in needed and self.has("cloudtrail") and not self.data_events:
            out.append("cloudtrail-data")
        return out

    def messages(self, needed: Iterable[str] = REQUIREMENTS) -> list[str]:
        """One actionable sentence per missing requirement (nothing when everything is there)."""
        needed = list(needed)
        if self.empty and not any(self.total.values()):
            return [
                "the source holds no telemetry at all (no readable CloudTrail, invocation logs, spans or "
                "runtime logs): check the path, and `aiaudit sources` for files it skipped"
            ]
        lines = []
        for requirement in self.missing(needed):
            name, shows, enable = ABOUT[requirement]
            if requirement == "cloudtrail-data":
                lines.append(
                    f"CloudTrail holds management events only, no data events: {shows} are not recorded. "
                    f"To record them, {enable}."
                )
            elif self.total.get(requirement) and self.time_range is not None:
                lines.append(
                    f"no {name} in {self.time_range} (the source has {self.total[requirement]:,} from "
                    f"{self.span.get(requirement)}): {shows} cannot be shown for this range."
                )
            else:
                lines.append(f"no {name} in this source: {shows} cannot be shown. To collect them, {enable}.")
        return lines

    def unavailable(self, requires: Iterable[str]) -> list[str]:
        """The requirements of an entry or question that have no records in range."""
        return [r for r in requires if not self.has(r)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "time_range": self.time_range.to_dict() if self.time_range else None,
            "in_range": dict(self.in_range),
            "total": dict(self.total),
            "data_events": self.data_events,
            "messages": self.messages(),
        }


def availability(src: Any, time_range: TimeRange | None) -> Availability:
    """Count what ``src`` (a Source) holds per pipeline in ``time_range`` and overall."""
    out = Availability(time_range=time_range)
    for pipeline in PIPELINES:
        overall = _counts(src, pipeline, None)
        out.total[pipeline] = overall[0]
        out.span[pipeline] = _span(overall[1], overall[2])
        out.in_range[pipeline] = _counts(src, pipeline, time_range)[0] if time_range is not None else overall[0]
    if out.in_range.get("cloudtrail"):
        frame = src.query(
            "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE eventCategory = 'Data' OR managementEvent = false",
            time_range,
        ).frame
        count = pd.to_numeric(frame["n"].iloc[0], errors="coerce") if len(frame) and "n" in frame else 0
        out.data_events = 0 if pd.isna(count) else int(count)
    return out


def _counts(src: Any, pipeline: str, time_range: TimeRange | None) -> tuple[int, Any, Any]:
    frame = src.query(
        f"SELECT COUNT(*) AS n, MIN(`@timestamp`) AS first, MAX(`@timestamp`) AS last FROM `{pipeline}`", time_range
    ).frame
    if frame.empty:
        return 0, None, None
    row = frame.iloc[0]  # Logs Insights leaves a null aggregate out of the row: read each column if present
    count = pd.to_numeric(row.get("n"), errors="coerce")
    return (0 if pd.isna(count) else int(count)), row.get("first"), row.get("last")


def _span(first: Any, last: Any) -> TimeRange | None:
    if first is None or last is None or pd.isna(first) or pd.isna(last):
        return None
    start, end = pd.to_datetime(first, utc=True), pd.to_datetime(last, utc=True)
    return TimeRange(start.floor("s").to_pydatetime(), end.ceil("s").to_pydatetime())


def range_hint(src: Any, time_range: TimeRange, option: str = "--anchor data-end") -> str | None:
    """When the source holds data but none in ``time_range``: one line with the data's span and the exact
    option that covers it; else None."""
    span = src.data_span()
    if span is None or (span.start <= time_range.end and time_range.start <= span.end):
        return None
    return (
        f"the source holds data from {iso(span.start)} to {iso(span.end)}, none in {time_range}; "
        f"relative ranges count back from now — add {option} to count back from the data's last event"
    )
