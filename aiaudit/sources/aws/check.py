"""``aiaudit aws check`` and the AWS inventory: is the account set up so investigations can see anything?

Why a check of its own: the commonest failure is silence — a pipeline whose log group was never created,
a Bedrock account with invocation logging off, a role that may not call ``logs:StartQuery``. Each of
these returns empty results that look like "nothing happened". The check lists, per region, each
configured group (existence, retention, log class, stored bytes, last event, whether it looks enabled)
and Bedrock's invocation-logging configuration, and names the IAM permission a denial was about
instead of failing on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from aiaudit.core.config import PIPELINES
from aiaudit.core.errors import SourceError
from aiaudit.core.timerange import TimeRange
from aiaudit.sources.aws.client import translate

if TYPE_CHECKING:
    from aiaudit.sources.aws.source import AwsSource

#: A pipeline "looks enabled" when its newest event is at most this old.
RECENT = timedelta(days=1)


@dataclass
class CheckReport:
    groups: pd.DataFrame
    invocation_logging: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    missing_permissions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        with pd.option_context("display.max_columns", 20, "display.width", 200):
            lines = ["Log groups:", self.groups.to_string(index=False) if len(self.groups) else "(none)", ""]
            lines += ["Bedrock model invocation logging:", self.invocation_logging.to_string(index=False), ""]
        if self.problems:
            lines.append("Problems:")
            lines += [f"  - {p}" for p in self.problems]
        if self.missing_permissions:
            lines.append("Missing IAM permissions: " + ", ".join(sorted(set(self.missing_permissions))))
        if not self.problems:
            lines.append("No problems found.")
        return "\n".join(lines)


@dataclass
class AwsInventory:
    """``Source.sources()`` for AWS: one row per configured group and region (no files, nothing skipped)."""

    groups: pd.DataFrame
    files: pd.DataFrame = field(default_factory=pd.DataFrame)
    skipped: pd.DataFrame = field(default_factory=pd.DataFrame)

    def span(self) -> TimeRange | None:
        """First group creation to newest event: an upper bound on the data's span, read without a
        query (a ``stats min(@timestamp)`` over every group would scan, and bill, everything)."""
        found = self.groups[self.groups["exists"]] if len(self.groups) else self.groups
        if not len(found) or found["last_event"].isna().all():
            return None
        end = found["last_event"].max()
        start = min(found["created"].min(), end)  # events may be older than their group (back-filled)
        return TimeRange(start.to_pydatetime(), end.to_pydatetime())

    def __str__(self) -> str:
        with pd.option_context("display.max_columns", 20, "display.width", 200):
            return self.groups.to_string(index=False) if len(self.groups) else "(no log groups)"


def _ms(value: Any) -> pd.Timestamp | None:
    return pd.Timestamp(int(value), unit="ms", tz="UTC") if value is not None else None


def describe_groups(src: AwsSource, problems: list[str], denied: list[str]) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    now = pd.Timestamp(datetime.now(UTC))
    if getattr(src, "monitoring", False):
        return describe_linked(src, problems, denied, now)
    for region in src.regions:
        client = src.clients[region]
        for pipeline in PIPELINES:
            configured = src.log_group_names.get(pipeline, "")
            prefix = configured.endswith(("/", "*"))
            try:
                found = _list_groups(client, configured.rstrip("*"))
            except SourceError as exc:
                _denied(exc, problems, denied, f"{region} {pipeline}")
                continue
            matches = found if prefix else [g for g in found if g["logGroupName"] == configured]
            if not matches:
                problems.append(f"{region}: log group {configured!r} for {pipeline} does not exist")
                rows.append(_row(region, pipeline, configured, None, None, now))
                continue
            for group in matches:
                try:
                    last = _last_event(client, group["logGroupName"])
                except SourceError as exc:
                    _denied(exc, problems, denied, f"{region} {group['logGroupName']}")
                    last = None
                row = _row(region, pipeline, group["logGroupName"], group, last, now)
                if not row["enabled"]:
                    problems.append(
                        f"{region}: {group['logGroupName']} ({pipeline}) has no event in the last "
                        f"{RECENT.days} day(s): is the pipeline still delivering?"
                    )
                rows.append(row)
    return by_account(src, pd.DataFrame(rows, columns=_COLUMNS))


def describe_linked(src: AwsSource, problems: list[str], denied: list[str], now: Any) -> pd.DataFrame:
    """A monitoring account's view: each pipeline's group in each linked account, by ARN
    (DescribeLogGroups ``logGroupIdentifiers``), one row per account — a group missing in one account, or
    not shared with this monitoring account, is that account's problem only."""
    rows: list[dict[str, Any]] = []
    for region in src.regions:
        client = src.clients[region]
        for pipeline in PIPELINES:
            try:
                identifiers = src.groups_for(pipeline, region)
            except SourceError as exc:  # a prefix with no group in any linked account
                _denied(exc, problems, denied, f"{region} {pipeline}")
                continue
            try:
                found = _identified(client, identifiers)
            except SourceError as exc:
                _denied(exc, problems, denied, f"{region} {pipeline}")
                continue
            for arn in identifiers:
                account, name = arn.split(":")[4], arn.split(":log-group:", 1)[1]
                group = found.get(arn)
                last = None
                if group is None:
                    problems.append(
                        f"{region}: account {account}: log group {name!r} for {pipeline} does not exist or is not "
                        "shared with this monitoring account (an OAM link sharing AWS::Logs::LogGroup)"
                    )
                else:
                    try:
                        last = _last_event(client, arn, identifier=True)
                    except SourceError as exc:
                        _denied(exc, problems, denied, f"{region} {arn}")
                row = {"account": account, **_row(region, pipeline, name, group, last, now)}
                if group is not None and not row["enabled"]:
                    problems.append(
                        f"{region}: account {account}: {name} ({pipeline}) has no event in the last "
                        f"{RECENT.days} day(s): is the pipeline still delivering?"
                    )
                rows.append(row)
    return pd.DataFrame(rows, columns=["account", *_COLUMNS])


def _identified(client: Any, identifiers: list[str]) -> dict[str, dict[str, Any]]:
    """ARN → group, for the ``identifiers`` that exist (DescribeLogGroups takes at most 50 at a time)."""
    out: dict[str, dict[str, Any]] = {}
    try:
        for start in range(0, len(identifiers), 50):
            page = client.describe_log_groups(logGroupIdentifiers=identifiers[start : start + 50])
            for group in page.get("logGroups", []):
                arn = str(group.get("logGroupArn") or group.get("arn") or "").removesuffix(":*")
                out[arn] = group
    except Exception as exc:
        raise translate(exc, operation="DescribeLogGroups") from exc
    return out


def by_account(src: AwsSource, frame: pd.DataFrame) -> pd.DataFrame:
    """On a source of many accounts, split the client key ``ACCOUNT/REGION`` into ``account`` and ``region``."""
    targets = getattr(src, "targets", {})
    if not any(t.account for t in targets.values()) or "region" not in frame.columns:
        return frame
    keys = frame["region"].tolist()
    frame = frame.copy()
    frame["region"] = [targets[k].region if k in targets else k for k in keys]
    frame.insert(0, "account", [targets[k].account if k in targets else None for k in keys])
    return frame


_COLUMNS = [
    "region",
    "pipeline",
    "log_group",
    "exists",
    "retention_days",
    "log_class",
    "stored_bytes",
    "created",
    "last_event",
    "enabled",
]


def _row(region: str, pipeline: str, name: str, group: dict[str, Any] | None, last: Any, now: Any) -> dict[str, Any]:
    last_event = _ms(last)
    return {
        "region": region,
        "pipeline": pipeline,
        "log_group": name,
        "exists": group is not None,
        "retention_days": (group or {}).get("retentionInDays"),  # None = never expire
        "log_class": (group or {}).get("logGroupClass", "STANDARD" if group else None),
        "stored_bytes": (group or {}).get("storedBytes"),
        "created": _ms((group or {}).get("creationTime")),
        "last_event": last_event,
        "enabled": bool(last_event is not None and now - last_event <= RECENT),
    }


def _list_groups(client: Any, prefix: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    try:
        for page in client.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix):
            out.extend(page.get("logGroups", []))
    except Exception as exc:
        raise translate(exc, operation="DescribeLogGroups") from exc
    return out


def _last_event(client: Any, group: str, *, identifier: bool = False) -> Any:
    named = {"logGroupIdentifier" if identifier else "logGroupName": group}
    try:
        streams = client.describe_log_streams(**named, orderBy="LastEventTime", descending=True, limit=1).get(
            "logStreams", []
        )
    except Exception as exc:
        raise translate(exc, operation="DescribeLogStreams") from exc
    return streams[0].get("lastEventTimestamp") if streams else None


def _denied(exc: SourceError, problems: list[str], denied: list[str], where: str) -> None:
    if exc.permission:
        denied.append(exc.permission)
    problems.append(f"{where}: {exc}")


def invocation_logging(src: AwsSource, problems: list[str], denied: list[str]) -> pd.DataFrame:
    rows = []
    wanted = src.log_group_names.get("invocations")
    for region in src.regions:
        row: dict[str, Any] = {"region": region, "enabled": False, "log_group": None, "s3_bucket": None, "text": None}
        try:
            config = src.service_client("bedrock", region).get_model_invocation_logging_configuration()
        except Exception as exc:
            error = translate(exc, service="bedrock", operation="GetModelInvocationLoggingConfiguration")
            if isinstance(error, SourceError):
                _denied(error, problems, denied, f"{region} invocation logging")
            else:
                problems.append(f"{region} invocation logging: {error}")
            rows.append(row)
            continue
        logging = config.get("loggingConfig") or {}
        group = (logging.get("cloudWatchConfig") or {}).get("logGroupName")
        row.update(
            enabled=bool(logging),
            log_group=group,
            s3_bucket=(logging.get("s3Config") or {}).get("bucketName"),
            text=logging.get("textDataDeliveryEnabled"),
        )
        if not logging:
            problems.append(f"{region}: Bedrock model invocation logging is off (no prompts or responses are logged)")
        elif group and wanted and group != wanted:
            problems.append(
                f"{region}: Bedrock logs invocations to {group!r} but this source reads {wanted!r} "
                "(set [sources.NAME.log_groups] invocations)"
            )
        elif not group:
            problems.append(f"{region}: invocation logging goes to S3 only; Logs Insights cannot query it")
        rows.append(row)
    return by_account(src, pd.DataFrame(rows))


def check(src: AwsSource) -> CheckReport:
    problems: list[str] = list(src.account_notes())
    denied: list[str] = []
    groups = describe_groups(src, problems, denied)
    logging = invocation_logging(src, problems, denied)
    return CheckReport(groups=groups, invocation_logging=logging, problems=problems, missing_permissions=denied)


def inventory(src: AwsSource) -> AwsInventory:
    problems: list[str] = []
    denied: list[str] = []
    groups = describe_groups(src, problems, denied)
    if denied and not len(groups):
        raise SourceError(f"cannot list log groups: {problems[0]}", permission=denied[0])
    return AwsInventory(groups=groups)
