"""An organisation served by ``aiaudit emulate``: three member accounts, each its own simulated folder,
behind one loopback endpoint that answers STS AssumeRole and routes every Logs call to the account whose
credentials signed it. One ``[sources.org]`` (``accounts`` + ``role``) → one detection run and one report
whose findings name each account; the same-shaped incident in two accounts is two findings.

Folders 111… and 222… are simulated with the same seed and only their account ids differ, so their
planted incidents have the same shape (people, roles, times); 333… has another seed. What each account's
planted audit tamperer is comes from that folder's ``truth.json`` (the simulator's own account of what it
planted), never from the code under test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

import aiaudit
from aiaudit.simulate import simulate
from aiaudit.sources.aws.emulator import Emulator, serve, url_of

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = ("111111111111", "222222222222", "333333333333")
SEEDS = {"111111111111": 3, "222222222222": 3, "333333333333": 5}
GROUPS = (
    'cloudtrail = "cloudtrail"\ninvocations = "bedrock-model-invocation-logging"\nspans = "aws/spans"\n'
    'runtime_logs = "/aws/bedrock-agentcore/runtimes/"\n'
)


def member_ids(account: str) -> dict[str, str]:
    """The folder is the member account ``account`` (its prod); its other simulated accounts get ids of
    their own, so no two folders share an account."""
    stem = account[:11]
    return {"prod": account, "management": stem + "7", "dev": stem + "8", "data": stem + "9"}


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    """Three simulated member accounts, ingested once (a store per folder)."""
    base = tmp_path_factory.mktemp("org")
    for account in ACCOUNTS:
        simulate(base / account, days=1, seed=SEEDS[account], scale=0.05, account_ids=member_ids(account))
    return base


@pytest.fixture
def emulated(org, tmp_path, monkeypatch):
    """The emulator over the three folders, and an ``aiaudit.toml`` naming them as one source."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(org / "cache"))  # the folders' stores, shared by the module
    backends = {account: aiaudit.connect(f"local:{org / account}") for account in ACCOUNTS}
    emulator = Emulator(accounts=backends)
    server = serve(emulator)
    environment = (org / ACCOUNTS[0] / "aiaudit.toml").read_text(encoding="utf-8").split("\n[environment]\n", 1)[1]
    config = tmp_path / "aiaudit.toml"
    config.write_text(
        '[sources.org]\nkind = "aws"\nregions = ["us-east-1"]\naccounts = ["111111111111", "222222222222", '
        '"333333333333"]\nrole = "aiaudit-read"\n[sources.org.log_groups]\n'
        + GROUPS
        + "\n[environment]\n"
        + environment,
        encoding="utf-8",
    )
    for name, value in {
        "AIAUDIT_CONFIG": str(config),
        "AWS_ENDPOINT_URL": url_of(server),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AIAUDIT_NO_CACHE": "1",
    }.items():
        monkeypatch.setenv(name, value)
    try:
        yield emulator
    finally:
        server.shutdown()
        server.server_close()
        for backend in backends.values():
            backend.close()


def tamperer(account: str, org: Path) -> str:
    """The audit-tampering incident's principal in ``account``'s folder, as the finding subject names it
    (the role without its path: ``arn:aws:iam::ACCOUNT:role/NAME``)."""
    truth = json.loads((org / account / "truth.json").read_text(encoding="utf-8"))
    (incident,) = [i for i in truth["incidents"] if i["scenario"] == "audit-tampering"]
    assert incident["accounts"] == [account]
    (principal,) = incident["principals"]
    return f"arn:aws:iam::{account}:role/{principal.rsplit('/', 1)[1]}"


def accounts_named(finding: dict) -> set[str]:
    text = " ".join([finding["subject"], *finding["principals"], *finding["resources"]])
    return set(re.findall(r"\b\d{12}\b", text)) & set(ACCOUNTS)


def test_sts_assume_role_issues_keys_that_route_to_each_account(org, emulated):
    sts = boto3.client("sts", region_name="us-east-1")
    assert sts.get_caller_identity()["Account"] == "111111111111"  # long-term keys: the first account's
    seen = {}
    for account in ACCOUNTS:
        found = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/aiaudit-read", RoleSessionName="aiaudit-alice")
        creds = found["Credentials"]
        assert found["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{account}:assumed-role/aiaudit-read/aiaudit-alice"
        session = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name="us-east-1",
        )
        identity = session.client("sts").get_caller_identity()
        assert identity["Account"] == account
        assert identity["Arn"] == f"arn:aws:sts::{account}:assumed-role/aiaudit-read/aiaudit-alice"
        groups = session.client("logs").describe_log_groups(logGroupNamePrefix="cloudtrail")["logGroups"]
        seen[account] = [g["logGroupArn"] for g in groups]
    assert seen == {a: [f"arn:aws:logs:us-east-1:{a}:log-group:cloudtrail"] for a in ACCOUNTS}
    with pytest.raises(ClientError) as denied:
        sts.assume_role(RoleArn="arn:aws:iam::444444444444:role/aiaudit-read", RoleSessionName="aiaudit-alice")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert "sts:AssumeRole on resource: arn:aws:iam::444444444444:role/aiaudit-read" in str(denied.value)


def test_a_query_reads_each_accounts_own_data(org, emulated):
    """Each account answers with its own records: every row's recipientAccountId is that account's (the
    ``account`` column the fan-out adds and the data agree), and each account's row count is its folder's."""
    with aiaudit.connect("org") as src:
        window = json.loads((org / ACCOUNTS[0] / "truth.json").read_text())["window"]
        tr = aiaudit.TimeRange.parse(start=window["start"], end=window["end"])
        result = src.query(
            "SELECT recipientAccountId AS receiver, COUNT(*) AS n FROM `cloudtrail` GROUP BY recipientAccountId", tr
        )
    frame = result.frame
    assert set(frame["account"]) == set(ACCOUNTS)
    for account in ACCOUNTS:
        mine = frame[frame["account"] == account]
        # a member account's trail receives calls for that account (and the simulated org's others in its folder)
        assert set(mine["receiver"]) <= set(member_ids(account).values())
        assert account in set(mine["receiver"])
    assert {q.account for q in emulated.queries.values()} == set(ACCOUNTS)


@pytest.mark.slow
def test_one_source_one_detection_run_findings_per_account(org, emulated, capsys):
    from aiaudit.cli import main

    window = json.loads((org / ACCOUNTS[0] / "truth.json").read_text())["window"]
    code = main(["detect", "--source", "org", "--start", window["start"], "--end", window["end"], "--format", "json"])
    assert code in (0, 3)
    findings = json.loads(capsys.readouterr().out)
    # every account was queried, with its own credentials
    assert {q.account for q in emulated.queries.values()} == set(ACCOUNTS)
    by_subject = {f["subject"]: f for f in findings if f["subject"]}
    for account in ACCOUNTS:
        subject = "principal:" + tamperer(account, org)
        found = [f for f in findings if f["subject"] == subject]
        assert found, f"no finding about {account}'s audit tamperer"
        for finding in found:
            assert accounts_named(finding) == {account}
    # 111… and 222… are the same incident shape in two accounts: two findings per rule, never one merged
    one, two = ("principal:" + tamperer(a, org) for a in ACCOUNTS[:2])
    assert one.replace("111111111111", "222222222222") == two
    rules_one = sorted(f["rule_id"] for f in findings if f["subject"] == one)
    rules_two = sorted(f["rule_id"] for f in findings if f["subject"] == two)
    assert rules_one == rules_two
    assert by_subject[one]["finding_id"] != by_subject[two]["finding_id"]


@pytest.mark.slow
def test_daily_playbook_on_one_org_source_reports_each_account(org, emulated, tmp_path):
    from aiaudit.reports.playbook import get_playbook
    from aiaudit.reports.runner import run_playbook

    window = json.loads((org / ACCOUNTS[0] / "truth.json").read_text())["window"]
    book = get_playbook("daily-ai-audit", ROOT / "playbooks")
    run = run_playbook(
        book,
        source="org",
        out=tmp_path / "report",
        start=window["start"],
        end=window["end"],
        anchor="now",
        progress=False,
        redact=False,
        notebooks=ROOT / "notebooks",
    )
    assert [r.status for r in run.runs] == ["ok"] * len(book.steps)
    manifest = json.loads((tmp_path / "report" / "manifest.json").read_text())
    # fetched once per pipeline and account: the emulator saw each account's credentials
    regions = {q["region"] for p in manifest["fetched"]["pipelines"].values() for q in p["queries"]}
    assert regions == {f"{a}/us-east-1" for a in ACCOUNTS}
    assert {q.account for q in emulated.queries.values()} == set(ACCOUNTS)
    stored = json.loads((tmp_path / "report" / "findings.json").read_text())
    assert [f.finding_id for f in run.findings] == [f["finding_id"] for f in stored]
    for account in ACCOUNTS:
        subject = "principal:" + tamperer(account, org)
        about = [f for f in run.findings if f.subject == subject]
        assert about, f"the report has no finding about {account}'s audit tamperer"
        assert all(accounts_named(f.to_dict()) == {account} for f in about)


# -- a CloudWatch cross-account observability monitoring account --------------------------------------
MONITORING = {
    "kind": "aws",
    "regions": ["us-east-1"],
    "monitoring": True,
    "accounts": list(ACCOUNTS),
    "log_groups": {
        "cloudtrail": "cloudtrail",
        "invocations": "bedrock-model-invocation-logging",
        "spans": "aws/spans",
        "runtime_logs": "/aws/bedrock-agentcore/runtimes/",
    },
}


def test_a_monitoring_account_reads_linked_accounts_by_arn(org, emulated):
    """The long-term keys are the monitoring account's (the first served, itself linked): one StartQuery per
    pipeline names every linked account's group by ARN; ``@log`` is ``ACCOUNT:GROUP`` and rows carry it."""
    from aiaudit.core.config import parse_config
    from aiaudit.sources.aws.check import check

    config = parse_config({"sources": {"mon": MONITORING}})
    window = json.loads((org / ACCOUNTS[0] / "truth.json").read_text())["window"]
    tr = aiaudit.TimeRange.parse(start=window["start"], end=window["end"])
    with aiaudit.connect("mon", config=config) as src:
        assert src.groups_for("cloudtrail", "us-east-1") == [
            f"arn:aws:logs:us-east-1:{a}:log-group:cloudtrail" for a in ACCOUNTS
        ]
        result = src.query(
            "fields @log, recipientAccountId | filter eventName = 'StopLogging'",
            tr,
            language="cwli",
            log_groups=["cloudtrail"],
        )
        frame = src.projection("cloudtrail", tr)
        report = check(src)
    (sent,) = [q for q in emulated.queries.values() if "StopLogging" in q.text]
    assert sent.groups == [f"arn:aws:logs:us-east-1:{a}:log-group:cloudtrail" for a in ACCOUNTS]
    assert sent.account == ACCOUNTS[0]  # asked by the monitoring account, no role assumed
    rows = result.frame
    assert list(rows.columns[:2]) == ["account", "@log"]
    assert set(rows["account"]) == set(ACCOUNTS)
    assert all(log == f"{acct}:cloudtrail" for acct, log in zip(rows["account"], rows["@log"], strict=True))
    # each planted audit-tampering incident stopped its own account's trail (truth.json names the account)
    for account in ACCOUNTS:
        mine = rows[rows["account"] == account]
        assert len(mine) >= 1 and set(mine["recipientAccountId"]) <= set(member_ids(account).values())
    # the projection's rows: @log names the linked account, and the record's own receiving account agrees
    assert set(frame["@log"]) == {f"{a}:cloudtrail" for a in ACCOUNTS}
    for account in ACCOUNTS:
        receivers = set(frame.loc[frame["@log"] == f"{account}:cloudtrail", "recipient_account"].dropna())
        assert account in receivers and receivers <= set(member_ids(account).values())
    # the set-up check: every pipeline's group in every linked account, one row each
    trail = report.groups[report.groups["pipeline"] == "cloudtrail"]
    assert trail["account"].tolist() == list(ACCOUNTS)
    assert trail["exists"].tolist() == [True, True, True]
    runtime = report.groups[report.groups["pipeline"] == "runtime_logs"]
    assert set(runtime["account"]) == set(ACCOUNTS)  # the prefix listed in every linked account


def test_monitoring_config_is_checked():
    from aiaudit.core.config import parse_config
    from aiaudit.core.errors import InputError

    def parse(**changes):
        table = {**MONITORING, **changes}
        return parse_config({"sources": {"mon": {k: v for k, v in table.items() if v is not None}}})

    arn = "arn:aws:logs:us-east-1:111111111111:log-group:org-trail"
    found = parse(monitoring=None, accounts=None, log_groups={"cloudtrail": arn + ":*"}).sources["mon"]
    assert found.monitoring and found.log_groups["cloudtrail"] == arn  # ':*' dropped, as StartQuery wants
    with pytest.raises(InputError, match=r"sources.mon.log_groups.cloudtrail: 'arn:aws:logs:us-east-1:1111:log-grou"):
        parse(log_groups={"cloudtrail": "arn:aws:logs:us-east-1:1111:log-group:x"})
    with pytest.raises(InputError, match="the ARN's region eu-west-1 is not one of regions"):
        parse(log_groups={"cloudtrail": "arn:aws:logs:eu-west-1:111111111111:log-group:x"})
    with pytest.raises(InputError, match="sources.mon: role assumes into each account, while monitoring = true"):
        parse(role="aiaudit-read")
    with pytest.raises(InputError, match=r"log_groups.cloudtrail \(an ARN\) reads linked accounts"):
        parse(monitoring=None, role="aiaudit-read", log_groups={"cloudtrail": arn})
    with pytest.raises(InputError, match="monitoring = true needs accounts"):
        parse(accounts=None, log_groups={"cloudtrail": "org-trail"})
    with pytest.raises(InputError, match="51 linked accounts; StartQuery reads at most 50"):
        parse(accounts=[f"{n:012d}" for n in range(100000000000, 100000000051)])
