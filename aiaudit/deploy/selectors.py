"""``aiaudit setup selectors``: the recommended event selectors for an account and Region, merged with a trail's
current ones, with a coverage report and the exact ``put-event-selectors`` call.

Why merge by default when the current set is known: ``PutEventSelectors`` replaces the trail's whole set and
must be called in the trail's home Region (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html);
the logic (templates, validation, coverage, merge, quota) is the catalogue's
(:mod:`aiaudit.catalog.kinds.event_selector`), this module only assembles the plan and finds the current set.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiaudit.catalog.kinds import event_selector as sel
from aiaudit.core.errors import InputError
from aiaudit.core.timerange import TimeRange


@dataclass
class SelectorPlan:
    selectors: list[dict[str, Any]]
    coverage: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    trail_arn: str | None = None

    @property
    def home_region(self) -> str | None:
        parts = (self.trail_arn or "").split(":")
        return parts[3] if len(parts) > 5 and parts[2] == "cloudtrail" else None

    def command(self, trail: str | None = None) -> str:
        name = trail or (self.trail_arn.rsplit("/", 1)[-1] if self.trail_arn else "TRAIL_NAME")
        region = self.home_region or "TRAIL_HOME_REGION"
        return (
            f"aws cloudtrail put-event-selectors --region {region} --trail-name {name} "
            "--advanced-event-selectors file://selectors.json"
        )


def parse_resources(items: Iterable[str]) -> dict[str, list[str]]:
    """``["GATEWAY_ID=gw-1,gw-2", "KB_ID=kb"]`` → ``{"GATEWAY_ID": ["gw-1", "gw-2"], "KB_ID": ["kb"]}``."""
    out: dict[str, list[str]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or not name.strip() or not values.strip():
            raise InputError(f"{item!r}: write NAME=ID[,ID...] (for example GATEWAY_ID=gw-123)", where="--resource")
        out.setdefault(name.strip(), []).extend(v.strip() for v in values.split(",") if v.strip())
    return out


def plan(
    account: str,
    region: str,
    resources: Mapping[str, Sequence[str]] | None = None,
    *,
    groups: Iterable[str] = ("org", "bedrock", "agentcore"),
    current: Any = None,
) -> SelectorPlan:
    """The set to send. ``current`` is a get-event-selectors result, a selector list or a PutEventSelectors event
    (None: the trail's set is not known, and the output is the recommended set with a management selector)."""
    wanted, notes = sel.recommended(account, region, resources, groups)
    problems = sel.validate(wanted)
    if problems:
        raise InputError("; ".join(problems), where="selectors")
    if current is None:
        merged = sel.merge([], wanted)
        notes.append(
            "no current selectors given (--current FILE or --current-from SOURCE): PutEventSelectors "
            "replaces the trail's whole set, so anything the trail records today and this set does not "
            "will stop being recorded"
        )
        return SelectorPlan(merged.selectors, merged.coverage, notes + merged.notes)
    existing, trail_arn = sel.current_selectors(current)
    merged = sel.merge(existing, wanted)
    theirs = sel.validate(existing, strict_types=False)
    notes += [f"current selector problem (kept as is): {p}" for p in theirs]
    kept = len(existing)
    notes.append(f"kept {kept} current selector(s); added {len(merged.added)}: {', '.join(merged.added) or 'none'}")
    return SelectorPlan(merged.selectors, merged.coverage, notes + merged.notes, trail_arn)


def last_put_event_selectors(src: Any, time_range: TimeRange, trail: str | None = None) -> dict[str, Any]:
    """The newest successful ``PutEventSelectors`` event in the data (for ``trail`` when given: its name or ARN)."""
    result = src.query(
        "SELECT `@timestamp`, `@message` FROM `cloudtrail` WHERE eventName = 'PutEventSelectors' "
        "AND errorCode IS NULL ORDER BY `@timestamp` DESC LIMIT 100",
        time_range,
    )
    for message in result.frame.get("@message", []):
        try:
            event = json.loads(message)
        except (TypeError, ValueError):
            continue
        name = str((event.get("requestParameters") or {}).get("trailName") or "")
        if trail is None or name == trail or name.endswith(f"/{trail}"):
            return event
    where = f" for trail {trail}" if trail else ""
    raise InputError(f"no successful PutEventSelectors event{where} in {time_range}", where="--current-from")
