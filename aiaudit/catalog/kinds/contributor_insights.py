"""Contributor Insights rules (``CInn``): the ``CloudWatchLogRule`` body, validated, and evaluated offline.

Why offline: a rule shows the top contributors (principals, IPs, JWT subjects) per period, and an
investigation over exported logs needs the same ranking for the window it reviews, not only from the moment a
rule was deployed. The rule's ``Keys``, ``Filters`` and ``ValueOf`` are JSON selectors, resolved through the
same field resolution as filter patterns and SQL (:func:`aiaudit.query.filterpattern.field_sql`).

Rule syntax and limits (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContributorInsights-RuleSyntax.html):
``Schema`` is ``{"Name": "CloudWatchLogRule", "Version": 1}``; ``LogFormat`` ``JSON`` or ``CLF``; at most
4 ``Keys``; at most 4 ``Filters``, each a ``Match`` with one operator (``In``, ``NotIn``, ``StartsWith`` with at
most 10 values; ``GreaterThan``, ``LessThan``, ``EqualTo``, ``NotEqualTo`` with a number; ``IsPresent`` with a
boolean); ``AggregateOn`` ``Count`` or ``Sum`` (``ValueOf`` only with ``Sum``); the definition is at most 8,192
ASCII characters (InsightRule, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_InsightRule.html).
Rules run only on log groups in the **Standard** log class. Like Logs Insights, which discovers at most 200
fields of a JSON event, a rule keyed on deeply nested fields of very wide events may see no value; the
catalogue's rules key on top-level fields, ``resources[0]`` and the Gateway's JWT ``sub``.

Offline semantics (stated, since AWS documents them only by example): matching is case-sensitive text
equality; a number in ``In`` matches the field's text form (``401`` matches ``401`` and ``"401"``); an event
without a value for a filter's field fails that filter (``NotIn`` included), and an event without a value for
a key is not counted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from aiaudit.catalog.kinds.metric_filter import store_of, table_columns
from aiaudit.core.errors import AiauditError, InputError, QuerySyntaxError
from aiaudit.core.interrupts import raise_interrupt
from aiaudit.core.result import Result
from aiaudit.core.timerange import TimeRange
from aiaudit.query.filterpattern import field_sql, parse_selector
from aiaudit.store.schema import PIPELINE_TABLES

SCHEMA = {"Name": "CloudWatchLogRule", "Version": 1}
MAX_KEYS = 4
MAX_FILTERS = 4
MAX_VALUES = 10
MAX_DEFINITION = 8192
_LIST_OPS = ("In", "NotIn", "StartsWith")
_NUMBER_OPS = {"GreaterThan": ">", "LessThan": "<", "EqualTo": "=", "NotEqualTo": "<>"}
_OPS = (*_LIST_OPS, *_NUMBER_OPS, "IsPresent")


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    body: Mapping[str, Any]
    top: int
    pipeline: str

    def definition(self, log_groups: Sequence[str]) -> dict[str, Any]:
        """The full rule (``PutInsightRule``'s ``RuleDefinition``) on ``log_groups``."""
        return {
            "Schema": dict(SCHEMA),
            "LogGroupNames": list(log_groups),
            **{k: v for k, v in self.body.items() if k != "Schema"},
        }


def spec(entry: Any) -> Rule:
    block = entry.spec
    return Rule(entry.id, block["rule_name"], dict(block["rule"]), int(block.get("top", 10)), entry.pipelines[0])


def validate(definition: Mapping[str, Any], *, log_group_class: str | None = None, full: bool = True) -> list[str]:
    """What AWS would refuse in a rule definition (empty when valid). ``full``: the definition must name its
    log groups; ``log_group_class``: the class of those groups when known (Contributor Insights needs
    ``STANDARD``)."""
    errors: list[str] = []
    if definition.get("Schema") != SCHEMA:
        errors.append(f"Schema must be {json.dumps(SCHEMA)}")
    if definition.get("LogFormat") not in ("JSON", "CLF"):
        errors.append("LogFormat must be JSON or CLF")
    if full:
        names, arns = definition.get("LogGroupNames"), definition.get("LogGroupARNs")
        if bool(names) == bool(arns):
            errors.append("name the log groups in LogGroupNames or LogGroupARNs (one of them)")
    if log_group_class is not None and log_group_class.upper() != "STANDARD":
        errors.append(f"Contributor Insights runs only on Standard-class log groups (this one is {log_group_class})")
    contribution = definition.get("Contribution")
    if not isinstance(contribution, Mapping):
        return [*errors, "Contribution is missing"]
    keys = contribution.get("Keys")
    if not isinstance(keys, list) or not 1 <= len(keys) <= MAX_KEYS:
        errors.append(f"Contribution.Keys must list 1 to {MAX_KEYS} fields")
        keys = keys if isinstance(keys, list) else []
    json_format = definition.get("LogFormat") == "JSON"
    for key in keys:
        errors += _selector_errors(key, "Contribution.Keys", json_format)
    aggregate = definition.get("AggregateOn")
    if aggregate not in ("Count", "Sum"):
        errors.append("AggregateOn must be Count or Sum")
    if "ValueOf" in contribution:
        if aggregate != "Sum":
            errors.append("ValueOf is only for AggregateOn Sum")
        errors += _selector_errors(contribution["ValueOf"], "Contribution.ValueOf", json_format)
    elif aggregate == "Sum":
        errors.append("AggregateOn Sum needs Contribution.ValueOf")
    filters = contribution.get("Filters") or []
    if not isinstance(filters, list) or len(filters) > MAX_FILTERS:
        errors.append(f"Contribution.Filters holds at most {MAX_FILTERS} filters")
        filters = filters if isinstance(filters, list) else []
    for index, item in enumerate(filters):
        where = f"Contribution.Filters[{index}]"
        if not isinstance(item, Mapping) or "Match" not in item:
            errors.append(f"{where} needs a Match field")
            continue
        errors += _selector_errors(item["Match"], f"{where}.Match", json_format)
        ops = [op for op in item if op != "Match"]
        if len(ops) != 1 or ops[0] not in _OPS:
            errors.append(f"{where} needs exactly one operator of {', '.join(_OPS)}")
            continue
        op, values = ops[0], item[ops[0]]
        if op in _LIST_OPS:
            if not isinstance(values, list) or not values:
                errors.append(f"{where}.{op} must be a non-empty list")
            elif len(values) > MAX_VALUES:
                errors.append(f"{where}.{op} holds {len(values)} values; at most {MAX_VALUES} are allowed")
            elif op == "StartsWith" and not all(isinstance(v, str) for v in values):
                errors.append(f"{where}.StartsWith takes strings")
            elif not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values):
                errors.append(f"{where}.{op} takes strings (or numbers)")
        elif op in _NUMBER_OPS:
            if not isinstance(values, int | float) or isinstance(values, bool):
                errors.append(f"{where}.{op} takes one number")
        elif not isinstance(values, bool):
            errors.append(f"{where}.IsPresent takes true or false")
    text = json.dumps(definition)
    if len(text) > MAX_DEFINITION or not text.isascii():
        errors.append(f"the definition must be at most {MAX_DEFINITION} ASCII characters")
    return errors


def _selector_errors(path: Any, where: str, json_format: bool) -> list[str]:
    if not isinstance(path, str):
        return [f"{where}: {path!r} is not a field name"]
    if not json_format:
        return []
    try:
        parse_selector(path)
    except QuerySyntaxError as exc:
        return [f"{where}: {path!r} is not a JSON selector ({exc})"]
    return []


# -- the kind protocol ----------------------------------------------------------------------------
def check(entry: Any) -> None:
    rule = spec(entry)
    problems = validate(rule.definition(["placeholder"]))
    if "LogGroupNames" in rule.body or "LogGroupARNs" in rule.body:
        problems.append("leave LogGroupNames out of the catalogue rule: the deployment fills in the pipeline's group")
    if problems:
        raise InputError("contributor_insights.rule: " + "; ".join(problems), where=str(entry.path or entry.id))


def detect(ctx: Any, entry: Any, **params: Any) -> list[Any]:
    """A Contributor Insights rule is a ranking to read (notebooks, ``catalog run``), not findings."""
    return []


def render(entry: Any, log_groups: Sequence[str] = ("YOUR_CLOUDTRAIL_LOG_GROUP",), **params: Any) -> str:
    return json.dumps(spec(entry).definition(log_groups), indent=2) + "\n"


def run(
    entry: Any, src: Any, time_range: TimeRange, period: int | None = 300, top: int | None = None, **params: Any
) -> Result:
    rule = spec(entry)
    frame = contributors(store_of(src), rule, time_range, period=period, top=top)
    return Result(frame=frame, language="ci_rule", time_range=time_range, query=render(entry))


# -- offline evaluation -----------------------------------------------------------------------------
def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def contributors(
    store: Any, rule: Rule, time_range: TimeRange, *, period: int | None = 300, top: int | None = None
) -> pd.DataFrame:
    """The top contributors per period (``period`` seconds, epoch-aligned; None: the whole range):
    ``period_start``, ``rank``, one column per key (named by its selector), ``value`` (count or sum)."""
    limit = int(top or rule.top)
    contribution = rule.body["Contribution"]
    keys: list[str] = list(contribution["Keys"])
    columns_out = ["period_start", "rank", *keys, "value"]
    con = store.connection()
    columns = table_columns(con, rule.pipeline)
    if not columns:
        return pd.DataFrame(columns=columns_out)
    params: dict[str, Any] = {}

    def bind(value: Any) -> str:
        name = f"ci{len(params)}"
        params[name] = value
        return f"${name}"

    def read(path: str) -> Any:
        return field_sql(rule.pipeline, parse_selector(path), columns)

    conditions = []
    for item in contribution.get("Filters") or []:
        ref = read(item["Match"])
        op = next(k for k in item if k != "Match")
        values = item[op]
        if op == "In":
            conditions.append(f"{ref.value} IN ({', '.join(bind(_text(v)) for v in values)})")
        elif op == "NotIn":
            conditions.append(
                f"{ref.value} IS NOT NULL AND {ref.value} NOT IN ({', '.join(bind(_text(v)) for v in values)})"
            )
        elif op == "StartsWith":
            conditions.append("(" + " OR ".join(f"starts_with({ref.value}, {bind(v)})" for v in values) + ")")
        elif op in _NUMBER_OPS:
            conditions.append(f"TRY_CAST({ref.value} AS DOUBLE) {_NUMBER_OPS[op]} {bind(float(values))}")
        else:
            conditions.append(f"{ref.kind} IS {'NOT ' if values else ''}NULL")
    key_sql = [read(key).value for key in keys]
    conditions += [f"{sql} IS NOT NULL" for sql in key_sql]
    measure = (
        "count(*)"
        if rule.body.get("AggregateOn") == "Count"
        else f"sum(TRY_CAST({read(contribution['ValueOf']).value} AS DOUBLE))"
    )
    bucket = (
        f'CAST(floor(epoch("@timestamp") / {int(period)}) AS BIGINT) * {int(period)}'
        if period
        else f"CAST(epoch({bind(time_range.start)}::TIMESTAMPTZ) AS BIGINT)"
    )
    selected = ", ".join(f"{sql} AS k{i}" for i, sql in enumerate(key_sql))
    group = ", ".join(f"k{i}" for i in range(len(keys)))
    where = " AND ".join(f"({c})" for c in conditions) or "TRUE"
    sql = (
        f"SELECT bucket, {group}, value, rank FROM (SELECT bucket, {group}, value, row_number() OVER "
        f"(PARTITION BY bucket ORDER BY value DESC, {group}) AS rank FROM (SELECT {bucket} AS bucket, {selected}, "
        f'{measure} AS value FROM "{PIPELINE_TABLES[rule.pipeline]}" WHERE "@timestamp" >= $_start AND '
        f'"@timestamp" < $_end AND {where} GROUP BY ALL)) WHERE rank <= {limit} ORDER BY bucket, rank'
    )
    args = dict(params, _start=time_range.start, _end=time_range.end + pd.Timedelta(seconds=1))
    try:
        rows = con.execute(sql, args).fetchall()
    except Exception as exc:  # DuckDB raises many types; name the rule
        raise_interrupt(exc)
        raise AiauditError(f"{rule.id}: the Contributor Insights evaluation failed: {exc}") from exc
    frame = pd.DataFrame(rows, columns=["bucket", *keys, "value", "rank"])
    frame.insert(0, "period_start", pd.to_datetime(frame.pop("bucket"), unit="s", utc=True))
    return frame[columns_out]
