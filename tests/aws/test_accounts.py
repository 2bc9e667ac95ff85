"""Many accounts, one source: STS assume-role into three accounts on a moto server on loopback (real
boto3), with traceable session names; per-account failures reported without stopping the others
(botocore Stubber for the exact STS fault). moto keeps each account's resources apart, so what is found in
an account proves the role was assumed there."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from botocore.stub import Stubber
from motohelp import aws, moto_url  # noqa: F401 - fixtures

from aiaudit import connect
from aiaudit.cli import main
from aiaudit.core.config import parse_config
from aiaudit.core.errors import InputError, SourceError
from aiaudit.sources.aws.accounts import assume_all, role_arn, session_name
from aiaudit.sources.aws.check import check

ACCOUNTS = ("111111111111", "222222222222", "333333333333")
RETENTION = {"111111111111": 30, "222222222222": 90, "333333333333": None}
ORG = {
    "sources": {
        "org": {
            "kind": "aws",
            "regions": ["us-east-1"],
            "accounts": list(ACCOUNTS),
            "role": "aiaudit-read",
            "log_groups": {"cloudtrail": "org-trail"},
        }
    }
}


def as_account(account: str) -> boto3.Session:
    found = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/setup", RoleSessionName="setup"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=found["AccessKeyId"],
        aws_secret_access_key=found["SecretAccessKey"],
        aws_session_token=found["SessionToken"],
        region_name="us-east-1",
    )


def seed(account: str) -> None:
    logs = as_account(account).client("logs")
    logs.create_log_group(logGroupName="org-trail")
    if RETENTION[account]:
        logs.put_retention_policy(logGroupName="org-trail", retentionInDays=RETENTION[account])
    logs.create_log_stream(logGroupName="org-trail", logStreamName=f"{account}_CloudTrail_us-east-1")
    event = {"eventVersion": "1.09", "eventName": "InvokeModel", "recipientAccountId": account}
    logs.put_log_events(
        logGroupName="org-trail",
        logStreamName=f"{account}_CloudTrail_us-east-1",
        logEvents=[{"timestamp": int(time.time() * 1000) - 60_000, "message": json.dumps(event)}],
    )


def test_one_source_checks_every_account_through_traceable_sessions(aws, tmp_path, monkeypatch, capsys):  # noqa: F811
    for account in ACCOUNTS:
        seed(account)
    config = parse_config(ORG)
    with connect("org", config=config) as src:
        assert list(src.targets) == [f"{a}/us-east-1" for a in ACCOUNTS]
        for account in ACCOUNTS:
            identity = src.service_client("sts", f"{account}/us-east-1").get_caller_identity()
            assert identity["Account"] == account
            assert identity["Arn"] == f"arn:aws:sts::{account}:assumed-role/aiaudit-read/{session_name()}"
        report = check(src)
    trail = report.groups[report.groups["pipeline"] == "cloudtrail"]
    assert trail["account"].tolist() == list(ACCOUNTS)
    assert trail["region"].tolist() == ["us-east-1"] * 3
    assert [None if v != v else int(v) for v in trail["retention_days"]] == [30, 90, None]
    assert trail["exists"].tolist() == [True, True, True]
    # the CLI's check, as JSON, names every account
    (tmp_path / "aiaudit.toml").write_text(
        '[sources.org]\nkind = "aws"\nregions = ["us-east-1"]\naccounts = ["111111111111", "222222222222", '
        '"333333333333"]\nrole = "aiaudit-read"\n[sources.org.log_groups]\ncloudtrail = "org-trail"\n'
    )
    monkeypatch.setenv("AIAUDIT_CONFIG", str(tmp_path / "aiaudit.toml"))
    main(["aws", "check", "--source", "org", "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    found = {(g["account"], g["log_group"]) for g in payload["groups"] if g["exists"]}
    assert found == {(a, "org-trail") for a in ACCOUNTS}


def test_a_query_fans_out_to_every_account_and_rows_carry_it(aws, tmp_path, monkeypatch):  # noqa: F811
    """STS from moto, Logs Insights from ``aiaudit emulate`` (service-specific endpoint): the emulator serves
    one dataset to whoever asks, so each account's answer is the same rows, labelled with the account the
    query was sent to — what is tested is the fan-out: one StartQuery per account, nothing lost or mixed."""
    import aiaudit
    from aiaudit.sources.aws.emulator import Emulator, serve, url_of

    data = tmp_path / "data"
    data.mkdir()
    records = [
        {
            "eventVersion": "1.09",
            "eventTime": f"2026-11-19T10:0{i}:00Z",
            "eventSource": "bedrock.amazonaws.com",
            "eventName": "InvokeModel",
            "awsRegion": "us-east-1",
            "eventID": f"e-{i}",
            "requestID": f"r-{i}",
            "recipientAccountId": "111111111111",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/a"},
        }
        for i in range(2)
    ]
    (data / "trail.json").write_text(json.dumps({"Records": records}), encoding="utf-8")
    config = parse_config({"sources": {"org": {**ORG["sources"]["org"], "log_groups": {"cloudtrail": "cloudtrail"}}}})
    with aiaudit.connect(f"local:{data}") as backend:
        emulator = Emulator(backend)
        server = serve(emulator)
        monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", url_of(server))
        try:
            with connect("org", config=config) as src:
                result = src.query(
                    "SELECT eventID FROM `cloudtrail`",
                    aiaudit.TimeRange.parse(start="2026-11-19T00:00:00Z", end="2026-11-19T23:59:59Z"),
                )
        finally:
            server.shutdown()
            server.server_close()
    assert len(emulator.queries) == 3
    assert list(result.frame.columns) == ["account", "region", "eventID"]
    assert sorted(zip(result.frame["account"], result.frame["eventID"])) == [
        (a, e) for a in ACCOUNTS for e in ("e-0", "e-1")
    ]
    assert {c.region for c in result.stats.chunks} == {f"{a}/us-east-1" for a in ACCOUNTS}
    assert result.complete


def test_an_account_that_cannot_be_assumed_is_reported_and_the_others_go_on():
    sts = boto3.client("sts", region_name="us-east-1")
    stub = Stubber(sts)
    creds = {
        "AccessKeyId": "ASIAEXAMPLEEXAMPLE01",
        "SecretAccessKey": "x" * 40,
        "SessionToken": "t" * 20,
        "Expiration": "2026-12-05T12:00:00Z",
    }
    expected = {"RoleSessionName": "aiaudit-alice", "DurationSeconds": 3600}
    stub.add_response(
        "assume_role", {"Credentials": creds}, {"RoleArn": "arn:aws:iam::111111111111:role/aiaudit-read", **expected}
    )
    stub.add_client_error(
        "assume_role",
        "AccessDenied",
        "User: arn:aws:iam::999999999999:user/alice is not authorized to perform: sts:AssumeRole on resource: "
        "arn:aws:iam::222222222222:role/aiaudit-read",
        expected_params={"RoleArn": "arn:aws:iam::222222222222:role/aiaudit-read", **expected},
    )
    stub.add_response(
        "assume_role", {"Credentials": creds}, {"RoleArn": "arn:aws:iam::333333333333:role/aiaudit-read", **expected}
    )
    with stub:
        found, errors = assume_all(sts, ACCOUNTS, "aiaudit-read", "aiaudit-alice")
    assert sorted(found) == ["111111111111", "333333333333"]
    assert list(errors) == ["222222222222"]
    assert errors["222222222222"].startswith("cannot assume arn:aws:iam::222222222222:role/aiaudit-read: ")
    assert "sts:AssumeRole" in errors["222222222222"]
    stub = Stubber(sts)
    stub.add_client_error("assume_role", "AccessDenied", "denied")
    with stub, pytest.raises(SourceError, match="no account could be assumed: 111111111111: cannot assume"):
        assume_all(sts, ACCOUNTS[:1], "aiaudit-read", "aiaudit-alice")


def test_names_and_config_checks():
    assert role_arn("aiaudit-read", "111111111111") == "arn:aws:iam::111111111111:role/aiaudit-read"
    assert role_arn("arn:aws-us-gov:iam::{account}:role/sec/aiaudit", "111111111111") == (
        "arn:aws-us-gov:iam::111111111111:role/sec/aiaudit"
    )
    assert session_name("alice") == "aiaudit-alice"
    assert session_name("DOMAIN\\bob smith") == "aiaudit-DOMAIN-bob-smith"
    assert len(session_name("x" * 100)) == 64
    bad = json.loads(json.dumps(ORG))
    bad["sources"]["org"]["accounts"] = ["12345"]
    with pytest.raises(InputError, match="'12345' is not a 12-digit AWS account id"):
        parse_config(bad)
    bad["sources"]["org"]["accounts"] = list(ACCOUNTS)
    del bad["sources"]["org"]["role"]
    with pytest.raises(InputError, match="accounts need role"):
        parse_config(bad)
