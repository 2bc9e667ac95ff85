"""The deployables: one CloudFormation template that cfn-lint accepts, and the same artefacts created with
boto3 in a moto server on loopback and read back (metric filters, alarms with SNS topics, Contributor Insights
rules, the dashboard, event selectors)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import boto3
import pytest
import yaml

from aiaudit.deploy import dashboard_body, template, to_yaml
from aiaudit.deploy.cloudformation import parse_emails
from aiaudit.deploy.dashboard import log_widget_query
from aiaudit.deploy.payloads import alarm_requests, insight_rule_requests, metric_filter_requests
from aiaudit.deploy.selectors import plan
from aiaudit.query.cwli import parse as parse_cwli
from aiaudit.query.sql import check

GROUPS = {"cloudtrail": "org-trail", "invocations": "bedrock-model-invocation-logging", "spans": "aws/spans"}
ROLE = "arn:aws:iam::111122223333:role/deploy"
REGION = "us-east-1"


def test_template_passes_cfn_lint_with_no_errors() -> None:
    import cfnlint.api  # the linter is a dev dependency, imported where it is used

    text = to_yaml(
        template(GROUPS, change_roles=[ROLE], emails=parse_emails(["soc@example.com", "ops=ai-ops@example.com"]))
    )
    matches = cfnlint.api.lint(text, regions=[REGION])
    errors = [f"{m.rule.id} {m.message} ({m.path})" for m in matches if m.rule.id.startswith("E")]
    assert errors == []


def test_template_holds_every_artefact() -> None:
    doc = yaml.safe_load(
        to_yaml(template(GROUPS, change_roles=[ROLE], emails={"security": ["soc@example.com"], "ops": []}))
    )
    resources = doc["Resources"]
    by_type: dict[str, list[str]] = {}
    for name, resource in resources.items():
        by_type.setdefault(resource["Type"], []).append(name)
    assert len(by_type["AWS::Logs::MetricFilter"]) == 25
    assert len(by_type["AWS::CloudWatch::Alarm"]) == 25
    assert len(by_type["AWS::CloudWatch::InsightRule"]) == 23
    assert by_type["AWS::CloudWatch::Dashboard"] == ["Dashboard"]
    assert sorted(by_type["AWS::SNS::Topic"]) == ["OpsAlarmsTopic", "SecurityAlarmsTopic"]
    assert by_type["AWS::SNS::Subscription"] == ["SecurityAlarmsTopicEmail0"]
    assert resources["AlarmAL04"]["Properties"]["AlarmActions"] == [{"Ref": "SecurityAlarmsTopic"}]
    assert resources["AlarmAL06"]["Properties"]["AlarmActions"] == [{"Ref": "OpsAlarmsTopic"}]
    assert resources["AlarmAL04"]["DependsOn"] == "MetricFilterMF04"
    assert "assumed-role/deploy/*" in resources["MetricFilterMF04"]["Properties"]["FilterPattern"]
    assert "assumed-role/deploy/*" not in resources["MetricFilterMF06"]["Properties"]["FilterPattern"]
    assert resources["MetricFilterMF04"]["Properties"]["LogGroupName"] == "org-trail"
    body = resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert "${AlarmAL01.Arn}" in body and "${AWS::Region}" in body
    rule = json.loads(resources["InsightRuleCI05"]["Properties"]["RuleBody"])
    assert rule["LogGroupNames"] == ["org-trail"] and rule["Schema"] == {"Name": "CloudWatchLogRule", "Version": 1}


def test_dashboard_has_the_guides_rows_and_valid_sql() -> None:
    body = dashboard_body(GROUPS, REGION, lambda name: f"arn:aws:cloudwatch:{REGION}:111122223333:alarm:{name}")
    widgets = body["widgets"]
    titles = [w["properties"]["markdown"] for w in widgets if w["type"] == "text"]
    assert [t.split(" · ")[0] for t in titles] == [
        "## 1",
        "## 2",
        "## 3",
        "## 4",
        "## 4.5",
        "## 4.6",
        "## 5",
        "## 6",
        "## 7",
        "## 8",
        "## 9",
    ]
    alarms = next(w for w in widgets if w["type"] == "alarm")["properties"]["alarms"]
    assert len(alarms) == 25 and alarms[0].startswith("arn:aws:cloudwatch:us-east-1:111122223333:alarm:")
    rules = [w["properties"]["insightRule"]["ruleName"] for w in widgets if "insightRule" in w["properties"]]
    assert len(rules) == 20 and "AI-TopBedrockModelCallers" in rules  # rows 2-4.6: 2 + 4 + 3 + 6 + 5
    logs = [w["properties"] for w in widgets if w["type"] == "log"]
    assert len(logs) == 17
    for props in logs:
        # the guide's dashboard queries (rows 5-7 and the spend counter) are classic Logs Insights QL
        classic = re.match(r"D\d\d · ", props["title"]) is not None or "spend" in props["title"]
        assert props["queryLanguage"] == ("Logs" if classic else "SQL")
        parts = props["query"].split(" | ")
        sources = [p for p in parts if p.startswith("SOURCE '")]
        assert sources == parts[: len(sources)] and sources
        query = " | ".join(parts[len(sources) :])
        # what AWS accepts (each language's own parser and checks), with real groups in FROM / SOURCE
        parse_cwli(query) if classic else check(query)
    q18 = next(p for p in logs if p["title"].startswith("Q18"))
    assert q18["query"].startswith("SOURCE 'org-trail' | SOURCE 'bedrock-model-invocation-logging' | SELECT")
    assert "`org-trail`" in q18["query"] and "`cloudtrail`" not in q18["query"]


def test_classic_query_widgets_say_logs() -> None:
    """A catalogue entry in classic Logs Insights QL becomes a widget with queryLanguage Logs (the CDK's name),
    reading its pipelines' groups through SOURCE; a SQL entry names its groups in FROM."""
    query, language = log_widget_query("D08", GROUPS)
    assert language == "Logs"
    assert query.startswith("SOURCE 'bedrock-model-invocation-logging' | ")
    assert log_widget_query("Q18", GROUPS)[1] == "SQL"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer  # the server is a dev dependency, started only here

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    import requests

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    requests.post(f"{moto_url}/moto-api/reset", timeout=5)
    return moto_url


def test_created_with_boto3_and_read_back(aws: str) -> None:
    logs = boto3.client("logs", region_name=REGION)
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    logs.create_log_group(logGroupName="org-trail")
    topics = {team: sns.create_topic(Name=f"aiaudit-{team}")["TopicArn"] for team in ("security", "ops")}

    filters = metric_filter_requests(GROUPS, [ROLE])
    for request in filters.values():
        logs.put_metric_filter(**request)
    stored = {f["filterName"]: f for f in logs.describe_metric_filters(logGroupName="org-trail")["metricFilters"]}
    assert len(stored) == 25
    for request in filters.values():
        back = stored[request["filterName"]]
        assert back["filterPattern"] == request["filterPattern"]
        assert back["metricTransformations"][0]["metricName"] == request["metricTransformations"][0]["metricName"]

    alarms = alarm_requests(topics)
    for request in alarms.values():
        cloudwatch.put_metric_alarm(**request)
    back_alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms(MaxRecords=100)["MetricAlarms"]}
    assert len(back_alarms) == 25
    al01 = back_alarms["Bedrock Unauthorized Access"]
    assert (al01["Threshold"], al01["Period"], al01["EvaluationPeriods"], al01["DatapointsToAlarm"]) == (5.0, 300, 1, 1)
    assert (al01["ComparisonOperator"], al01["TreatMissingData"], al01["Statistic"]) == (
        "GreaterThanThreshold",
        "notBreaching",
        "Sum",
    )
    assert al01["AlarmActions"] == [topics["security"]]
    assert back_alarms["Bedrock Model Invocation Spike"]["AlarmActions"] == [topics["ops"]]

    rules = insight_rule_requests(GROUPS)
    for request in rules.values():
        cloudwatch.put_insight_rule(**request)
    back_rules = {r["Name"]: r for r in cloudwatch.describe_insight_rules()["InsightRules"]}
    assert len(back_rules) == 23
    for request in rules.values():
        assert json.loads(back_rules[request["RuleName"]]["Definition"]) == json.loads(request["RuleDefinition"])

    body = dashboard_body(GROUPS, REGION, lambda name: f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:{name}")
    cloudwatch.put_dashboard(DashboardName="AI-Workload-Security-Dashboard", DashboardBody=json.dumps(body))
    assert json.loads(cloudwatch.get_dashboard(DashboardName="AI-Workload-Security-Dashboard")["DashboardBody"]) == body


def test_event_selectors_put_and_read_back(aws: str) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    trail = boto3.client("cloudtrail", region_name=REGION)
    s3.create_bucket(Bucket="org-trail-bucket")
    arn = trail.create_trail(Name="org-trail", S3BucketName="org-trail-bucket")["TrailARN"]
    trail.put_event_selectors(
        TrailName="org-trail",
        AdvancedEventSelectors=[
            {"Name": "mgmt", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
            {
                "Name": "gateway",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::BedrockAgentCore::Gateway"]},
                ],
            },
        ],
    )
    current = trail.get_event_selectors(TrailName="org-trail")
    result = plan("123456789012", REGION, {"AI_BUCKET_PREFIX": ["ai-"], "LAMBDA_PREFIX": ["prod-"]}, current=current)
    assert result.trail_arn == arn and result.home_region == REGION
    names = [s["Name"] for s in result.selectors]
    assert names[:2] == ["mgmt", "gateway"] and "AgentCore-Gateway-DataEvents" not in names
    assert len(result.selectors) == 2 + 38 - 2  # the two kept cover management and the Gateway
    trail.put_event_selectors(TrailName="org-trail", AdvancedEventSelectors=result.selectors)
    back = trail.get_event_selectors(TrailName="org-trail")
    again = plan("123456789012", REGION, {"AI_BUCKET_PREFIX": ["ai-"], "LAMBDA_PREFIX": ["prod-"]}, current=back)
    assert all(row["status"] == "recorded" for row in again.coverage)
    assert len(again.selectors) == len(result.selectors)
