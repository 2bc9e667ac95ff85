"""`aiaudit setup selectors|filters|rules|dashboard|cloudformation` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from aiaudit.cli import main


@pytest.fixture(autouse=True)
def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "aiaudit.toml"
    path.write_text(
        '[sources.prod]\nkind = "aws"\nregions = ["us-east-1"]\n[sources.prod.log_groups]\ncloudtrail = "org-trail"\n'
        '[environment]\nchange_roles = ["arn:aws:iam::111122223333:role/deploy"]\n'
    )
    monkeypatch.setenv("AIAUDIT_CONFIG", str(path))
    return path


def test_cloudformation_from_a_configured_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["setup", "cloudformation", "--source", "prod", "--alarm-email", "soc@example.com"]) == 0
    out, err = capsys.readouterr()
    doc = yaml.safe_load(out)
    assert doc["Resources"]["MetricFilterMF04"]["Properties"]["LogGroupName"] == "org-trail"
    assert "assumed-role/deploy/*" in doc["Resources"]["MetricFilterMF04"]["Properties"]["FilterPattern"]
    assert doc["Resources"]["SecurityAlarmsTopicEmail0"]["Properties"]["Endpoint"] == "soc@example.com"
    assert "1 change role(s)" in err


def test_filters_and_rules_alone_and_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["setup", "filters", "--log-group", "cloudtrail=my-trail"]) == 0
    types = {r["Type"] for r in yaml.safe_load(capsys.readouterr().out)["Resources"].values()}
    assert types == {"AWS::Logs::MetricFilter", "AWS::CloudWatch::Alarm", "AWS::SNS::Topic"}
    assert main(["setup", "filters", "--log-group", "cloudtrail=my-trail", "--format", "json"]) == 0
    requests = json.loads(capsys.readouterr().out)
    assert len(requests["metric_filters"]) == 25 and len(requests["alarms"]) == 25
    assert requests["metric_filters"][0]["logGroupName"] == "my-trail"
    assert main(["setup", "rules", "--source", "prod"]) == 0
    assert {r["Type"] for r in yaml.safe_load(capsys.readouterr().out)["Resources"].values()} == {
        "AWS::CloudWatch::InsightRule"
    }


def test_no_cloudtrail_group_is_an_error_that_says_what_to_give(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["setup", "filters"]) == 1
    assert "--log-group cloudtrail=GROUP" in capsys.readouterr().err
    assert main(["setup", "filters", "--log-group", "trail=x"]) == 1
    assert "not a pipeline" in capsys.readouterr().err


def test_dashboard_body_for_put_dashboard(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["setup", "dashboard", "--source", "prod", "--region", "eu-west-1", "--account", "111122223333"]) == 0
    out, err = capsys.readouterr()
    body = json.loads(out)
    alarms = next(w for w in body["widgets"] if w["type"] == "alarm")["properties"]["alarms"]
    assert alarms[0] == "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:Bedrock Unauthorized Access"
    assert "put-dashboard --dashboard-name AI-Workload-Security-Dashboard" in err


def test_selectors_merged_with_the_current_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    current = tmp_path / "current.json"
    current.write_text(
        json.dumps(
            {
                "TrailARN": "arn:aws:cloudtrail:eu-central-1:111122223333:trail/org",
                "AdvancedEventSelectors": [
                    {
                        "Name": "keep-me",
                        "FieldSelectors": [
                            {"Field": "eventCategory", "Equals": ["Data"]},
                            {"Field": "resources.type", "Equals": ["AWS::DynamoDB::Table"]},
                        ],
                    }
                ],
            }
        )
    )
    args = ["setup", "selectors", "--account", "111122223333", "--region", "us-east-1", "--resource", "GATEWAY_ID=gw-1"]
    assert main([*args, "--current", str(current)]) == 0
    out, err = capsys.readouterr()
    selectors = json.loads(out)
    names = [s["Name"] for s in selectors]
    assert names[0] == "keep-me" and names[1] == "Management events" and "AgentCore-Gateway-DataEvents" in names
    assert "--region eu-central-1 --trail-name org" in err
    assert main([*args, "--current", str(current), "--group", "agentcore"]) == 0
    out, err = capsys.readouterr()
    assert [s["Name"] for s in json.loads(out)][:2] == ["Management events", "keep-me"]
    assert "added a management-events selector" in err
    assert main([*args, "--current", str(current), "--coverage"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("not recorded  AgentCore-Gateway-DataEvents" in line for line in lines)
    assert main([*args, "--current", str(tmp_path / "missing.json")]) == 1
    assert "cannot read the current selectors" in capsys.readouterr().err
