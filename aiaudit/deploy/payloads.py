"""The API requests that create the catalogue's metric filters, alarms and Contributor Insights rules.

Shapes as the APIs take them (boto3 keyword arguments):
PutMetricFilter (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html),
PutMetricAlarm (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html),
PutInsightRule (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutInsightRule.html).
The CloudFormation template is built from these, so both deployments agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from aiaudit.catalog import catalog
from aiaudit.catalog.kinds import alarm as alarm_kind
from aiaudit.catalog.kinds import contributor_insights as ci_kind
from aiaudit.catalog.kinds import metric_filter as mf_kind
from aiaudit.core.errors import InputError
from aiaudit.deploy.targets import group_for


def _ids(kind: str) -> list[str]:
    return [i for i in catalog if catalog[i].kind == kind]


def metric_filter_requests(groups: Mapping[str, str], change_roles: Iterable[str] = ()) -> dict[str, dict[str, Any]]:
    """PutMetricFilter requests by entry id, planned-change roles compiled into the change filters."""
    roles = tuple(change_roles)
    out = {}
    for entry_id in _ids("metric_filter"):
        mf = mf_kind.spec(catalog[entry_id])
        transformation: dict[str, Any] = {
            "metricName": mf.metric_name,
            "metricNamespace": mf.namespace,
            "metricValue": mf.value,
        }
        if mf.default_value is not None:
            transformation["defaultValue"] = mf.default_value
        if mf.unit:
            transformation["unit"] = mf.unit
        out[entry_id] = {
            "logGroupName": group_for(groups, mf.pipeline),
            "filterName": mf.filter_name,
            "filterPattern": mf.effective_pattern(roles),
            "metricTransformations": [transformation],
        }
    return out


def alarm_requests(topics: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """PutMetricAlarm requests by entry id; ``topics`` maps a team (``security``, ``ops``) to the SNS topic ARN
    notified."""
    out = {}
    for entry_id in _ids("alarm"):
        alarm = alarm_kind.spec(catalog[entry_id])
        mf = mf_kind.spec(catalog[alarm.metric_filter])
        actions = [topics[alarm.team]] if topics and alarm.team in topics else []
        out[entry_id] = alarm_kind.put_metric_alarm(alarm, mf, actions)
    return out


def insight_rule_requests(groups: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """PutInsightRule requests by entry id (rules validated against Contributor Insights' limits first)."""
    out = {}
    for entry_id in _ids("contributor_insights"):
        rule = ci_kind.spec(catalog[entry_id])
        definition = rule.definition([group_for(groups, rule.pipeline)])
        problems = ci_kind.validate(definition)
        if problems:
            raise InputError("; ".join(problems), where=entry_id)
        out[entry_id] = {
            "RuleName": rule.name,
            "RuleState": "ENABLED",
            "RuleDefinition": json.dumps(definition, separators=(",", ":")),
        }
    return out
