"""Metric filters (``MFnn``): a filter pattern on a pipeline's log group that publishes a CloudWatch metric.

Why the pattern is compiled, not re-implemented: the same text is deployed (PutMetricFilter) and
back-tested (:mod:`aiaudit.query.filterpattern` compiles it to DuckDB SQL over the store), so what the
back-test counts is what the deployed filter would have counted.

**Planned changes.** An entry with ``exclude_change_roles: true`` (configuration-change filters) gets the
roles of ``[environment] change_roles`` compiled into its pattern, so the alarm on it stays quiet for a
deploy pipeline's planned changes — in the deployed filter and in the back-test alike. The condition is
written for AWS's absent-field rule (a ``!=`` on a missing field does not match)::

    { (<pattern>) && ($.userIdentity.arn NOT EXISTS ||
                      ($.userIdentity.arn != "arn:aws:sts::111122223333:assumed-role/deploy/*" && ...)) }

Assumed-role session ARNs carry no role path, so ``role/ci/deploy`` is matched as ``assumed-role/deploy/*``.
Semantics of metric values: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringPolicyExamples.html
and PutMetricFilter (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html):
a matching event publishes ``metricValue``; with no ``defaultValue`` a period without matches has no datapoint.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import duckdb
import pandas as pd

from aiaudit.core.errors import AiauditError, InputError, QuerySyntaxError
from aiaudit.core.interrupts import raise_interrupt
from aiaudit.core.result import Result
from aiaudit.core.timerange import TimeRange
from aiaudit.frames import normalise_principal
from aiaudit.frames.principals import parse_arn
from aiaudit.query.filterpattern import (
    JsonPattern,
    compile_pattern,
    field_sql,
    metric_value_sql,
    parse,
    parse_selector,
)
from aiaudit.query.filterpattern.compile import necessary_text
from aiaudit.store.schema import PIPELINE_TABLES

#: Fields read for an ALARM episode's evidence (principal normalisation needs the whole userIdentity).
_EVIDENCE_FIELDS = {
    "request_id": "$.requestID",
    "source_ip": "$.sourceIPAddress",
    "resource": "$.resources[0].ARN",
    "recipient": "$.recipientAccountId",
    "identity": "$.userIdentity",
    "jwt": "$.additionalEventData.jwt",
}


@dataclass(frozen=True)
class MetricFilter:
    """One metric filter, as PutMetricFilter takes it."""

    id: str
    pattern: str
    metric_name: str
    namespace: str
    value: str = "1"
    default_value: float | None = None
    unit: str | None = None
    filter_name: str = ""
    exclude_change_roles: bool = False
    pipeline: str = "cloudtrail"

    def effective_pattern(self, change_roles: Iterable[str] = ()) -> str:
        """The pattern to deploy and back-test: with the planned-change roles compiled in when the entry
        asks for it. Raises ``InputError`` when the result breaks AWS's pattern rules (1,024 characters)."""
        roles = tuple(change_roles)
        if not self.exclude_change_roles or not roles:
            return self.pattern
        inner = self.pattern.strip()[1:-1].strip()
        text = "{ (" + inner + ") && " + planned_change_exclusion(roles) + " }"
        try:
            parse(text)
        except QuerySyntaxError as exc:
            raise InputError(
                f"{self.id} with {len(roles)} change role(s) is not a valid filter pattern: {exc.reason} "
                "(list fewer roles in [environment] change_roles)",
                where=self.id,
            ) from None
        return text


def planned_change_exclusion(change_roles: Iterable[str]) -> str:
    """The JSON condition that leaves out events made by the planned-change roles."""
    sessions = sorted({session_prefix(role) for role in change_roles})
    tests = " && ".join(f'$.userIdentity.arn != "{prefix}*"' for prefix in sessions)
    return f"($.userIdentity.arn NOT EXISTS || ({tests}))"


def session_prefix(role_arn: str) -> str:
    """``arn:aws:iam::1:role/path/deploy`` → ``arn:aws:sts::1:assumed-role/deploy/`` (sessions carry no path)."""
    parts = parse_arn(role_arn)
    if parts is None or parts.service != "iam" or not parts.resource.startswith("role/"):
        raise InputError(f"{role_arn!r} is not an IAM role ARN", where="environment.change_roles")
    name = parts.resource.rsplit("/", 1)[-1]
    if any(char in name for char in '"\\*'):
        raise InputError(f"role name {name!r} cannot be written in a filter pattern", where="environment.change_roles")
    return f"arn:{parts.partition}:sts::{parts.account}:assumed-role/{name}/"


@cache
def _spec(entry_id: str, raw: str, pipeline: str) -> MetricFilter:
    block = json.loads(raw)
    return MetricFilter(
        id=entry_id,
        pattern=block["pattern"],
        metric_name=block["metric_name"],
        namespace=block["namespace"],
        value=str(block.get("value", "1")),
        default_value=block.get("default_value"),
        unit=block.get("unit"),
        filter_name=block.get("filter_name") or f"aiaudit-{entry_id}-{block['metric_name']}",
        exclude_change_roles=bool(block.get("exclude_change_roles", False)),
        pipeline=pipeline,
    )


def spec(entry: Any) -> MetricFilter:
    return _spec(entry.id, json.dumps(dict(entry.spec), sort_keys=True), entry.pipelines[0])


# -- the kind protocol ----------------------------------------------------------------------------
def check(entry: Any) -> None:
    mf = spec(entry)
    where = str(entry.path or entry.id)
    try:
        parsed = parse(mf.pattern)
    except QuerySyntaxError as exc:
        raise InputError(f"metric_filter.pattern: {exc}", where=where) from None
    if mf.exclude_change_roles and not isinstance(parsed, JsonPattern):
        raise InputError("metric_filter.exclude_change_roles needs a JSON pattern", where=where)
    try:
        metric_value_sql(mf.value, parsed, mf.pipeline)
    except (ValueError, QuerySyntaxError) as exc:
        raise InputError(f"metric_filter.value: {exc}", where=where) from None
    for selector in entry.spec.get("concepts") or {}:
        try:
            parse_selector(selector)
        except QuerySyntaxError as exc:
            raise InputError(f"metric_filter.concepts: {exc}", where=where) from None


def detect(ctx: Any, entry: Any, **params: Any) -> list[Any]:
    """A metric filter alone reports nothing: its alarm (``ALnn``) does."""
    return []


def render(entry: Any, change_roles: Iterable[str] = (), **params: Any) -> str:
    return spec(entry).effective_pattern(change_roles) + "\n"


def run(
    entry: Any, src: Any, time_range: TimeRange, period: int = 300, change_roles: Iterable[str] | None = None
) -> Result:
    """The metric per period over ``time_range`` (periods without a match have no row, as CloudWatch has no
    datapoint), with the planned-change roles (default: the source's ``[environment] change_roles``) compiled in."""
    mf = spec(entry)
    roles = tuple(change_roles) if change_roles is not None else _roles(src)
    frame = metric_series(src, mf, time_range, period, roles)
    return Result(frame=frame, language="filter_pattern", time_range=time_range, query=mf.effective_pattern(roles))


def _roles(src: Any) -> tuple[str, ...]:
    config = getattr(src, "config", None)
    return tuple(config.environment.change_roles) if config is not None else ()


# -- evaluation over a store ------------------------------------------------------------------------
def store_of(src: Any) -> Any:
    """The local store behind a source (Contributor Insights rules are evaluated on it only)."""
    store = src if hasattr(src, "connection") else getattr(src, "store", None)
    if store is None or not hasattr(store, "connection"):
        raise InputError("this evaluation reads the local store: use a local source", where="source")
    return store


def table_columns(connection: Any, pipeline: str, table: str | None = None) -> set[str]:
    """The columns ``pipeline``'s table has (empty when the store has none of its data)."""
    rows = connection.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = current_schema() AND table_name = ?",
        [table or PIPELINE_TABLES[pipeline]],
    ).fetchall()
    return {row[0] for row in rows}


@dataclass
class Events:
    """Where a back-test reads a pipeline's events: the local store's table (hot columns and all), or the
    candidate events of another source (AWS, raw frames) in an in-memory table of ``@timestamp``, ``@ptr``,
    ``@message``, where the same compiled pattern matches them exactly."""

    connection: Any
    table: str
    columns: set[str]
    pipeline: str


def events_for(data: Any, mf: MetricFilter, time_range: TimeRange, change_roles: Iterable[str] = ()) -> Events:
    """``data``: a store, a local source, any other :class:`~aiaudit.sources.base.Source`, or a raw frame.

    Off the local store, the candidates are fetched with one Logs Insights SQL query narrowed by the text the
    pattern needs (:func:`aiaudit.query.filterpattern.compile.necessary_text`), over ``time_range``; the exact
    match is then local, so every backend counts exactly the same events."""
    if isinstance(data, Events):
        return data
    store = data if hasattr(data, "connection") else getattr(data, "store", None)
    if store is not None and hasattr(store, "connection"):
        con = store.connection()
        return Events(con, PIPELINE_TABLES[mf.pipeline], table_columns(con, mf.pipeline), mf.pipeline)
    if isinstance(data, pd.DataFrame):
        frame = data
    elif hasattr(data, "query"):
        params: dict[str, Any] = {}
        condition = _like(necessary_text(mf.effective_pattern(change_roles)), params)
        where = f" WHERE {condition}" if condition else ""
        text = f"SELECT `@timestamp`, `@ptr`, `@message` FROM `{mf.pipeline}`{where}"
        frame = data.query(text, time_range, params=params).frame
    else:
        raise InputError(f"cannot back-test on a {type(data).__name__}", where="source")
    con = duckdb.connect()
    rows = frame.reindex(columns=["@timestamp", "@ptr", "@message"])
    con.execute('CREATE TABLE events ("@timestamp" TIMESTAMPTZ, "@ptr" VARCHAR, "@message" VARCHAR)')
    if len(rows):
        con.register("_incoming", rows.assign(**{"@timestamp": pd.to_datetime(rows["@timestamp"], utc=True)}))
        con.execute('INSERT INTO events SELECT "@timestamp", "@ptr", "@message" FROM _incoming')
        con.unregister("_incoming")
    return Events(con, "events", {"@timestamp", "@ptr", "@message"}, mf.pipeline)


def _like(need: Any, params: dict[str, Any]) -> str:
    """A necessary-text condition as Logs Insights SQL on ``@message`` (values as ``:name`` parameters)."""
    if need is None:
        return ""
    if isinstance(need, str):
        name = f"t{len(params)}"
        params[name] = f"%{need}%"
        return f"`@message` LIKE :{name}"
    kind, parts = need
    joined = f" {kind.upper()} ".join(f"({_like(part, params)})" for part in parts)
    return f"({joined})"


def _where(mf: MetricFilter, columns: set[str], change_roles: Iterable[str]) -> tuple[str, dict[str, Any], str]:
    pattern = parse(mf.effective_pattern(change_roles))
    compiled = compile_pattern(pattern, mf.pipeline, table_columns=columns)
    value = metric_value_sql(mf.value, pattern, mf.pipeline, table_columns=columns)
    return compiled.sql, compiled.params, value


def metric_series(
    data: Any, mf: MetricFilter, time_range: TimeRange, period: int, change_roles: Iterable[str] = ()
) -> pd.DataFrame:
    """One row per period with at least one match: ``period_start`` (UTC), ``sum``, ``count``, ``minimum``,
    ``maximum``, ``average`` of the published values (periods aligned to the epoch, as CloudWatch's)."""
    columns_out = ["period_start", "sum", "count", "minimum", "maximum", "average"]
    events = events_for(data, mf, time_range, change_roles)
    if not events.columns:
        return pd.DataFrame(columns=columns_out)
    where, params, value = _where(mf, events.columns, change_roles)
    sql = (
        f'SELECT CAST(floor(epoch("@timestamp") / {int(period)}) AS BIGINT) * {int(period)} AS bucket, '
        f'sum(v), count(v), min(v), max(v), avg(v) FROM (SELECT "@timestamp", {value} AS v FROM "{events.table}" '
        f'WHERE "@timestamp" >= $_start AND "@timestamp" < $_end AND {where}) WHERE v IS NOT NULL '
        "GROUP BY bucket ORDER BY bucket"
    )
    args = dict(params, _start=time_range.start, _end=time_range.end + pd.Timedelta(seconds=1))
    try:
        rows = events.connection.execute(sql, args).fetchall()
    except Exception as exc:  # DuckDB raises many types; name the entry
        raise_interrupt(exc)
        raise AiauditError(f"{mf.id}: the back-test query failed: {exc}") from exc
    frame = pd.DataFrame(rows, columns=["bucket", *columns_out[1:]])
    frame.insert(0, "period_start", pd.to_datetime(frame.pop("bucket"), unit="s", utc=True))
    return frame


def matched_events(
    data: Any, mf: MetricFilter, start: pd.Timestamp, end: pd.Timestamp, change_roles: Iterable[str] = ()
) -> pd.DataFrame:
    """The events the filter matches in ``[start, end)``, oldest first, with what a finding needs:
    ``@ptr``, ``@timestamp``, ``principal`` (the frames' normaliser), ``request_id``, ``source_ip``,
    ``resource``."""
    out = ["@ptr", "@timestamp", "principal", "request_id", "source_ip", "resource"]
    window = TimeRange(start.to_pydatetime(), (end - pd.Timedelta(seconds=1)).to_pydatetime())
    events = events_for(data, mf, window, change_roles)
    if not events.columns:
        return pd.DataFrame(columns=out)
    where, params, _ = _where(mf, events.columns, change_roles)
    reads = ", ".join(
        f"{field_sql(mf.pipeline, parse_selector(path), events.columns).value} AS {name}"
        for name, path in _EVIDENCE_FIELDS.items()
    )
    sql = (
        f'SELECT "@ptr", "@timestamp", {reads} FROM "{events.table}" '
        f'WHERE "@timestamp" >= $_start AND "@timestamp" < $_end AND {where} ORDER BY "@timestamp", "@message", "@ptr"'
    )
    frame = events.connection.execute(sql, dict(params, _start=start, _end=end)).fetch_df()
    frame["principal"] = [
        _principal(identity, jwt, ip, recipient)
        for identity, jwt, ip, recipient in zip(frame["identity"], frame["jwt"], frame["source_ip"], frame["recipient"])
    ]
    frame["@timestamp"] = pd.to_datetime(frame["@timestamp"], utc=True)
    return frame[out]


@lru_cache(maxsize=65536)
def _principal(identity: str | None, jwt: str | None, source_ip: str | None, recipient: str | None) -> str | None:
    """The frames' principal normaliser on one event's ``userIdentity`` (and Gateway JWT claims)."""
    ident = _json(identity)
    claims = _json(jwt)
    extra = {"jwt": claims} if isinstance(claims, dict) else None
    return normalise_principal(
        ident if isinstance(ident, dict) else None,
        additional_event_data=extra,
        source_ip=source_ip,
        recipient_account=recipient,
    ).principal


def _json(text: Any) -> Any:
    if not isinstance(text, str) or not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
