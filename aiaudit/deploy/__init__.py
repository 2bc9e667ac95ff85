"""Deployable artefacts generated from the catalogue: metric filters and their alarms (with SNS topics),
Contributor Insights rules, the ``AI-Workload-Security-Dashboard`` and CloudTrail event selectors.

Why generated: the reference guide's artefacts are meant to be pasted into the console by hand, one at a time,
with placeholders to replace; generated from the same catalogue entries the back-tests and detections use,
what is deployed is what was tested. Each artefact exists in two shapes: the API requests (``payloads``:
what ``put-metric-filter``, ``put-metric-alarm``, ``put-insight-rule``, ``put-dashboard`` and
``put-event-selectors`` take) and one CloudFormation template (``cloudformation``) built from them.
``aiaudit setup selectors|filters|rules|dashboard|cloudformation`` prints them. See ``docs/deploy.md``.
"""

from aiaudit.deploy.cloudformation import template, to_yaml
from aiaudit.deploy.dashboard import DASHBOARD_NAME, dashboard_body
from aiaudit.deploy.payloads import alarm_requests, insight_rule_requests, metric_filter_requests
from aiaudit.deploy.targets import log_groups

__all__ = [
    "DASHBOARD_NAME",
    "alarm_requests",
    "dashboard_body",
    "insight_rule_requests",
    "log_groups",
    "metric_filter_requests",
    "template",
    "to_yaml",
]
