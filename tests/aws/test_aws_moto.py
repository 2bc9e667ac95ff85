"""Log-group discovery and the set-up checks against a moto server on loopback, through real boto3
(AWS_ENDPOINT_URL) and dummy credentials. moto's Logs Insights engine is a stub, so no query semantics
are tested here."""

from __future__ import annotations

import json
import time

import boto3
import pytest

from aiaudit import connect
from aiaudit.cli import main
from aiaudit.core.config import parse_config
from aiaudit.sources.aws.check import check


@pytest.fixture(scope="module")
def moto_url():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(moto_url, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    import requests

    requests.post(f"{moto_url}/moto-api/reset", timeout=5)
    return moto_url


def put(logs, group: str, *, ago_s: int = 60, stream: str = "s1") -> None:
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": now - ago_s * 1000, "message": "{}"}]
    )


CONFIG = parse_config(
    {
        "sources": {
            "prod": {
                "kind": "aws",
                "regions": ["us-east-1"],
                "log_groups": {"cloudtrail": "org-trail", "invocations": "br-invocations"},
            }
        }
    }
)


def test_check_reports_groups_retention_class_enabled_and_logging(aws) -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    put(logs, "org-trail")
    logs.put_retention_policy(logGroupName="org-trail", retentionInDays=90)
    put(logs, "br-invocations", ago_s=3 * 86400)  # stale: delivery stopped three days ago
    put(logs, "/aws/bedrock-agentcore/runtimes/agent-a-DEFAULT")
    put(logs, "/aws/bedrock-agentcore/runtimes/agent-b-DEFAULT")
    boto3.client("bedrock", region_name="us-east-1").put_model_invocation_logging_configuration(
        loggingConfig={
            "cloudWatchConfig": {"logGroupName": "other-group", "roleArn": "arn:aws:iam::123456789012:role/r"},
            "textDataDeliveryEnabled": True,
        }
    )
    with connect("prod", config=CONFIG) as src:
        report = check(src)
    groups = report.groups.set_index("log_group")
    assert list(report.groups["log_group"]) == [
        "org-trail",
        "br-invocations",
        "aws/spans",
        "/aws/bedrock-agentcore/runtimes/agent-a-DEFAULT",
        "/aws/bedrock-agentcore/runtimes/agent-b-DEFAULT",
    ]
    assert groups.loc["org-trail", "retention_days"] == 90
    assert groups.loc["org-trail", "log_class"] == "STANDARD"
    assert bool(groups.loc["org-trail", "enabled"]) is True
    assert bool(groups.loc["br-invocations", "enabled"]) is False
    assert bool(groups.loc["aws/spans", "exists"]) is False
    assert report.invocation_logging["log_group"].tolist() == ["other-group"]
    assert len(report.problems) == 3
    assert any("'aws/spans' for spans does not exist" in p for p in report.problems)
    assert any("br-invocations (invocations) has no event" in p for p in report.problems)
    assert any("logs invocations to 'other-group'" in p for p in report.problems)


def test_prefix_groups_are_discovered_for_queries(aws) -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    put(logs, "/aws/bedrock-agentcore/runtimes/agent-a-DEFAULT")
    put(logs, "/aws/bedrock-agentcore/runtimes/agent-b-DEFAULT")
    put(logs, "/aws/lambda/unrelated")
    with connect("aws:@us-east-1") as src:
        assert src.groups_for("runtime_logs", "us-east-1") == [
            "/aws/bedrock-agentcore/runtimes/agent-a-DEFAULT",
            "/aws/bedrock-agentcore/runtimes/agent-b-DEFAULT",
        ]
        inventory = src.sources()
        assert set(inventory.groups["log_group"]) >= {"/aws/bedrock-agentcore/runtimes/agent-a-DEFAULT"}
        assert inventory.span() is not None


def test_cli_check_exit_status_and_json(aws, capsys) -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    for group in ("cloudtrail", "bedrock-model-invocation-logging", "aws/spans", "/aws/bedrock-agentcore/runtimes/x"):
        put(logs, group)
    boto3.client("bedrock", region_name="us-east-1").put_model_invocation_logging_configuration(
        loggingConfig={
            "cloudWatchConfig": {
                "logGroupName": "bedrock-model-invocation-logging",
                "roleArn": "arn:aws:iam::123456789012:role/r",
            }
        }
    )
    assert main(["aws", "check", "--source", "aws:@us-east-1", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["problems"] == [] and len(payload["groups"]) == 4
    logs.delete_log_group(logGroupName="aws/spans")
    assert main(["aws", "check", "--source", "aws:@us-east-1"]) == 1
    assert "'aws/spans' for spans does not exist" in capsys.readouterr().out
