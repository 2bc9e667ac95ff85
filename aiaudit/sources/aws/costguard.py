"""The cost guard: estimate what a query (or a playbook's fetch) will scan before sending it, and refuse
above ``max_scan_gb``.

Why an estimate from metadata: Logs Insights bills the bytes a query scans, and there is no dry run that
says how many. ``DescribeLogGroups`` gives each group's ``storedBytes`` (what its retention holds now),
``retentionInDays`` (absent: never expire) and ``creationTime``; a query over a range scans about the
stored bytes × the share of the held period (creation or retention start, whichever is later, to now)
that the range covers. Ingest is rarely even, so this is an estimate, said as one; after the run the real
``bytesScanned`` is reported beside it. A group that cannot be described counts as 0 and is named.

The limit is per source: ``[sources.NAME] max_scan_gb``, ``--max-scan-gb`` or
``AIAUDIT_AWS_MAX_SCAN_GB`` (0: no limit). What one source object already scanned counts against it, so a
notebook's tenth query is refused when the nine before it used the budget.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiaudit.core.errors import SourceError
from aiaudit.core.timerange import TimeRange
from aiaudit.sources.aws.client import translate

GB = 1e9


class ScanLimitExceeded(SourceError):
    """A query or run would scan more than the source's ``max_scan_gb``."""


@dataclass(frozen=True)
class GroupEstimate:
    region: str
    group: str
    stored_bytes: float
    retention_days: int | None
    held_from: datetime | None
    share: float
    note: str = ""

    @property
    def bytes(self) -> float:
        return self.stored_bytes * self.share


@dataclass
class Estimate:
    """The estimated scan of one query or run, group by group."""

    groups: list[GroupEstimate] = field(default_factory=list)

    @property
    def bytes(self) -> float:
        return sum(g.bytes for g in self.groups)

    def lines(self) -> list[str]:
        out = []
        for g in self.groups:
            kept = f"{g.retention_days} days retention" if g.retention_days else "never expires"
            out.append(
                f"{g.region} {g.group}: {g.stored_bytes / GB:.3f} GB stored ({kept}); the range covers "
                f"{g.share:.0%} of it → {g.bytes / GB:.3f} GB{' (' + g.note + ')' if g.note else ''}"
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "bytes": self.bytes,
            "groups": [
                {
                    "region": g.region,
                    "log_group": g.group,
                    "stored_bytes": g.stored_bytes,
                    "retention_days": g.retention_days,
                    "share": g.share,
                    "bytes": g.bytes,
                    "note": g.note,
                }
                for g in self.groups
            ],
        }


def share_of_held(time_range: TimeRange, held_from: datetime, now: datetime) -> float:
    """The share of the held period ``[held_from, now]`` that ``time_range`` covers (0..1)."""
    held = (now - held_from).total_seconds()
    if held <= 0:
        return 1.0 if time_range.end >= held_from else 0.0
    start = max(time_range.start, held_from)
    end = min(time_range.end + timedelta(seconds=1), now)  # the range's end second is inclusive
    return max(0.0, min(1.0, (end - start).total_seconds() / held))


def estimate(
    clients: Mapping[str, Any],
    groups: Mapping[str, Sequence[str]],
    time_range: TimeRange,
    *,
    now: datetime | None = None,
) -> Estimate:
    """Estimate the scan of ``groups`` (region → names) over ``time_range``."""
    now = now or datetime.now(UTC)
    out = Estimate()
    for region, names in groups.items():
        for name in dict.fromkeys(names):
            try:
                found = clients[region].describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
            except Exception as exc:
                error = translate(exc, operation="DescribeLogGroups")
                out.groups.append(GroupEstimate(region, name, 0.0, None, None, 0.0, f"not described: {error}"))
                continue
            group = next((g for g in found if g.get("logGroupName") == name), None)
            if group is None:
                out.groups.append(GroupEstimate(region, name, 0.0, None, None, 0.0, "no such group"))
                continue
            retention = group.get("retentionInDays")
            created = datetime.fromtimestamp(int(group.get("creationTime") or 0) / 1000, tz=UTC)
            held_from = max(created, now - timedelta(days=int(retention))) if retention else created
            stored = float(group.get("storedBytes") or 0)
            out.groups.append(
                GroupEstimate(region, name, stored, retention, held_from, share_of_held(time_range, held_from, now))
            )
    return out


def check(found: Estimate, *, limit_gb: float, spent_bytes: float = 0.0, source: str = "", what: str = "query") -> None:
    """Refuse (:class:`ScanLimitExceeded`) when ``spent_bytes`` + the estimate exceed ``limit_gb``."""
    if not limit_gb or spent_bytes + found.bytes <= limit_gb * GB:
        return
    needed = (spent_bytes + found.bytes) / GB
    name = source or "NAME"
    already = f" on top of {spent_bytes / GB:.3f} GB already scanned" if spent_bytes else ""
    detail = "; ".join(found.lines()[:6])
    raise_to = max(needed * 1.2, 0.001)
    raise ScanLimitExceeded(
        f"this {what} would scan about {found.bytes / GB:.3f} GB{already} (estimate: {detail}), above "
        f"max_scan_gb = {limit_gb:g}. Narrow the range, or raise the limit: --max-scan-gb {raise_to:.3g} "
        f"(or [sources.{name}] max_scan_gb, or AIAUDIT_AWS_MAX_SCAN_GB)"
    )
