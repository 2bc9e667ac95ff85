"""One CloudFormation template with the catalogue's deployable artefacts: an SNS topic per team (with optional
e-mail subscriptions), the metric filters, their alarms, the Contributor Insights rules and the dashboard.

Built from the API requests of :mod:`aiaudit.deploy.payloads` (resource properties are the same values,
PascalCase), so the template and a boto3 deployment agree. Resource types:
AWS::Logs::MetricFilter, AWS::CloudWatch::Alarm, AWS::CloudWatch::InsightRule, AWS::CloudWatch::Dashboard,
AWS::SNS::Topic, AWS::SNS::Subscription (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/).
The dashboard body is an ``Fn::Sub`` string so alarm ARNs and the Region resolve at deployment; any other
``${`` in it is written ``${!`` as ``Fn::Sub`` requires.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml

from aiaudit.catalog import catalog
from aiaudit.catalog.kinds import alarm as alarm_kind
from aiaudit.core.errors import InputError
from aiaudit.deploy.dashboard import DASHBOARD_NAME, dashboard_body
from aiaudit.deploy.payloads import alarm_requests, insight_rule_requests, metric_filter_requests

PARTS = ("filters", "alarms", "rules", "dashboard")
TEAMS = {"security": "SecurityAlarmsTopic", "ops": "OpsAlarmsTopic"}
_REGION = "@@AIAUDIT-REGION@@"


def parse_emails(items: Iterable[str]) -> dict[str, list[str]]:
    """``--alarm-email ADDRESS`` (both teams) or ``--alarm-email TEAM=ADDRESS``."""
    out: dict[str, list[str]] = {team: [] for team in TEAMS}
    for item in items:
        team, sep, address = item.partition("=")
        teams = [team] if sep else list(TEAMS)
        address = address if sep else item
        if sep and team not in TEAMS:
            raise InputError(f"{team!r} is not a team ({', '.join(TEAMS)})", where="--alarm-email")
        if "@" not in address:
            raise InputError(f"{address!r} is not an e-mail address", where="--alarm-email")
        for name in teams:
            out[name].append(address.strip())
    return out


def _logical(entry_id: str, prefix: str) -> str:
    return prefix + "".join(ch for ch in entry_id if ch.isalnum())


def template(
    groups: Mapping[str, str],
    *,
    change_roles: Iterable[str] = (),
    emails: Mapping[str, Sequence[str]] | None = None,
    parts: Iterable[str] = PARTS,
) -> dict[str, Any]:
    """The template as a dict (``to_yaml`` writes it)."""
    wanted = set(parts)
    unknown = wanted - set(PARTS)
    if unknown:
        raise InputError(f"unknown part {sorted(unknown)[0]!r} ({', '.join(PARTS)})", where="parts")
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    filter_ids = {}
    if "filters" in wanted:
        for entry_id, request in metric_filter_requests(groups, change_roles).items():
            logical = _logical(entry_id, "MetricFilter")
            filter_ids[entry_id] = logical
            transformations = [
                {
                    {
                        "metricName": "MetricName",
                        "metricNamespace": "MetricNamespace",
                        "metricValue": "MetricValue",
                        "defaultValue": "DefaultValue",
                        "unit": "Unit",
                    }[k]: v
                    for k, v in t.items()
                }
                for t in request["metricTransformations"]
            ]
            resources[logical] = {
                "Type": "AWS::Logs::MetricFilter",
                "Properties": {
                    "FilterName": request["filterName"],
                    "LogGroupName": request["logGroupName"],
                    "FilterPattern": request["filterPattern"],
                    "MetricTransformations": transformations,
                },
            }
    alarm_logicals: dict[str, str] = {}
    if "alarms" in wanted:
        for team, logical in TEAMS.items():
            resources[logical] = {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": f"aiaudit {team} alarms"}}
            outputs[logical + "Arn"] = {
                "Description": f"SNS topic for the {team} team's alarms",
                "Value": {"Ref": logical},
            }
            for index, address in enumerate((emails or {}).get(team, [])):
                resources[f"{logical}Email{index}"] = {
                    "Type": "AWS::SNS::Subscription",
                    "Properties": {"TopicArn": {"Ref": logical}, "Protocol": "email", "Endpoint": address},
                }
        for entry_id, request in alarm_requests().items():
            alarm = alarm_kind.spec(catalog[entry_id])
            logical = _logical(entry_id, "Alarm")
            alarm_logicals[request["AlarmName"]] = logical
            resource: dict[str, Any] = {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {**request, "AlarmActions": [{"Ref": TEAMS[alarm.team]}]},
            }
            if alarm.metric_filter in filter_ids:
                resource["DependsOn"] = filter_ids[alarm.metric_filter]
            resources[logical] = resource
    if "rules" in wanted:
        for entry_id, request in insight_rule_requests(groups).items():
            resources[_logical(entry_id, "InsightRule")] = {
                "Type": "AWS::CloudWatch::InsightRule",
                "Properties": {
                    "RuleName": request["RuleName"],
                    "RuleState": request["RuleState"],
                    "RuleBody": request["RuleDefinition"],
                },
            }
    if "dashboard" in wanted:
        if not alarm_logicals:
            raise InputError("the dashboard's alarm grid needs the alarms in the same template", where="parts")
        body = dashboard_body(groups, _REGION, lambda name: f"@@AIAUDIT-ARN:{alarm_logicals[name]}@@")
        text = json.dumps(body, separators=(",", ":")).replace("${", "${!").replace(_REGION, "${AWS::Region}")
        for logical in alarm_logicals.values():
            text = text.replace(f"@@AIAUDIT-ARN:{logical}@@", "${" + logical + ".Arn}")
        resources["Dashboard"] = {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {"DashboardName": DASHBOARD_NAME, "DashboardBody": {"Fn::Sub": text}},
        }
        outputs["DashboardName"] = {"Description": "CloudWatch dashboard", "Value": {"Ref": "Dashboard"}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "aiaudit: metric filters, alarms, Contributor Insights rules and the AI workload security "
        "dashboard of the reference guide, generated from the aiaudit catalogue",
        "Resources": resources,
        **({"Outputs": outputs} if outputs else {}),
    }


def to_yaml(document: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(document), sort_keys=False, width=100000, allow_unicode=True)
