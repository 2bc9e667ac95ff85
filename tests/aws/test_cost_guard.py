"""The cost guard against exact DescribeLogGroups and query answers (botocore Stubber): the estimate is
stored bytes × the share of the held period the range covers; above ``max_scan_gb`` nothing is sent and
the refusal says the estimate and how to raise the limit; below it the query runs and the real bytes are
reported beside the estimate, and counted against what follows. Expected figures are computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber

from aiaudit.cli import EXIT_ERROR, main
from aiaudit.core.config import Config, parse_config
from aiaudit.core.errors import InputError
from aiaudit.core.timerange import TimeRange
from aiaudit.sources.aws.costguard import ScanLimitExceeded, share_of_held
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.source import AwsSource
from aiaudit.sources.spec import parse_spec

SQL = "SELECT `eventName` FROM `cloudtrail` WHERE eventName = 'InvokeModel'"
DAY = timedelta(days=1)


def source(limit: float, config: Config | None = None, spec: str = "aws:@us-east-1") -> tuple[AwsSource, Stubber]:
    client = boto3.client("logs", region_name="us-east-1")
    stub = Stubber(client)
    opts = AwsOptions(cache=False, progress=False, max_scan_gb=limit, sleep=lambda s: None)
    src = AwsSource(
        parse_spec(spec, config or Config()), config or Config(), options=opts, clients={"us-east-1": client}
    )
    stub.activate()
    return src, stub


def describe(stub: Stubber, *, stored: float, retention: int | None, created: datetime) -> None:
    group = {"logGroupName": "cloudtrail", "storedBytes": int(stored), "creationTime": int(created.timestamp() * 1000)}
    if retention is not None:
        group["retentionInDays"] = retention
    stub.add_response("describe_log_groups", {"logGroups": [group]}, {"logGroupNamePrefix": "cloudtrail"})


def run_query(stub: Stubber, qid: str, scanned: float) -> None:
    stub.add_response(
        "start_query", {"queryId": qid}, {"queryString": ANY, "startTime": ANY, "endTime": ANY, "queryLanguage": "SQL"}
    )
    stats = {"recordsMatched": 0.0, "recordsScanned": 5.0, "bytesScanned": scanned}
    stub.add_response("get_query_results", {"status": "Complete", "results": [], "statistics": stats}, {"queryId": qid})


def last_days(days: int) -> TimeRange:
    now = datetime.now(UTC).replace(microsecond=0)
    return TimeRange(now - days * DAY, now - timedelta(seconds=1))


def test_share_of_the_held_period_by_hand():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    held_from = now - 30 * DAY
    three_days = TimeRange(now - 3 * DAY, now - timedelta(seconds=1))
    assert share_of_held(three_days, held_from, now) == pytest.approx(0.1)
    # a range reaching back before what is held covers only the held part; one after now adds nothing
    assert share_of_held(TimeRange(now - 90 * DAY, now + 5 * DAY), held_from, now) == pytest.approx(1.0)
    assert share_of_held(TimeRange(now - 60 * DAY, now - 45 * DAY), held_from, now) == 0.0
    assert share_of_held(TimeRange(now - 40 * DAY, now - 15 * DAY - timedelta(seconds=1)), held_from, now) == (
        pytest.approx(0.5)
    )


def test_refuses_above_the_limit_with_the_estimate_and_how_to_raise_it():
    src, stub = source(limit=5)
    # 100 GB held over 30 days; 3 of them asked: about 10 GB
    describe(stub, stored=100e9, retention=30, created=datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(ScanLimitExceeded) as err:
        src.query(SQL, last_days(3))
    stub.assert_no_pending_responses()  # and no StartQuery was sent: the Stubber would have refused it
    message = str(err.value)
    assert "would scan about 10.000 GB" in message and "max_scan_gb = 5" in message
    assert "us-east-1 cloudtrail: 100.000 GB stored (30 days retention); the range covers 10%" in message
    assert "--max-scan-gb 12" in message and "[sources.NAME] max_scan_gb" in message


def test_passes_below_the_limit_reports_the_real_figure_and_counts_it():
    src, stub = source(limit=12)
    describe(stub, stored=100e9, retention=30, created=datetime(2020, 1, 1, tzinfo=UTC))
    run_query(stub, "q-1", 3e9)
    result = src.query(SQL, last_days(3))
    assert any(
        w.startswith("cost guard: estimated 10.000 GB, scanned 3.000 GB (max_scan_gb 12") for w in result.warnings
    )
    assert src.scanned_bytes == 3e9
    # the next 10 GB query would bring this source to 13 GB: refused
    describe(stub, stored=100e9, retention=30, created=datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(ScanLimitExceeded, match=r"about 10\.000 GB on top of 3\.000 GB already scanned"):
        src.query(SQL, last_days(3))
    stub.assert_no_pending_responses()


def test_a_group_that_never_expires_is_held_since_its_creation():
    src, stub = source(limit=1)
    created = datetime.now(UTC) - 10 * DAY  # 2 GB over 10 days; 1 day asked: about 0.2 GB
    describe(stub, stored=2e9, retention=None, created=created)
    run_query(stub, "q-1", 1e8)
    result = src.query(SQL, last_days(1))
    assert any("cost guard: estimated 0.200 GB, scanned 0.100 GB" in w for w in result.warnings)
    stub.assert_no_pending_responses()


def test_no_limit_asks_nothing_more():
    src, stub = source(limit=0)
    run_query(stub, "q-1", 3e9)  # no DescribeLogGroups expected
    result = src.query(SQL, last_days(3))
    assert not any(w.startswith("cost guard") for w in result.warnings)
    stub.assert_no_pending_responses()


def test_the_limit_comes_from_the_source_config_and_is_checked():
    config = parse_config({"sources": {"prod": {"kind": "aws", "regions": ["us-east-1"], "max_scan_gb": 5}}})
    assert config.sources["prod"].max_scan_gb == 5.0
    client = boto3.client("logs", region_name="us-east-1")
    src = AwsSource(parse_spec("prod", config), config, options=AwsOptions(cache=False), clients={"us-east-1": client})
    assert src.options.max_scan_gb == 5.0
    with pytest.raises(InputError, match=r"sources\.prod\.max_scan_gb must be a number"):
        parse_config({"sources": {"prod": {"kind": "aws", "regions": ["us-east-1"], "max_scan_gb": "5GB"}}})
    with pytest.raises(InputError, match="max_scan_gb must be 0"):
        AwsOptions(max_scan_gb=-1)


RECORD = (
    '{"eventVersion":"1.09","eventTime":"%s","eventSource":"bedrock.amazonaws.com","eventName":"InvokeModel",'
    '"awsRegion":"us-east-1","eventID":"e-1","requestID":"r-1","recipientAccountId":"111122223333",'
    '"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/a"}}'
)


def test_cli_max_scan_gb_refuses_and_passes_against_the_emulator(tmp_path, capsys, monkeypatch):
    import aiaudit
    from aiaudit.sources.aws.emulator import Emulator, serve, url_of

    data = tmp_path / "data"
    data.mkdir()
    now = datetime.now(UTC).replace(microsecond=0)
    when = (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    (data / "trail.json").write_text('{"Records": [' + RECORD % when + "]}", encoding="utf-8")
    # 30 GB held over 30 days: one day asked is about 1 GB
    facts = {"cloudtrail": {"storedBytes": 30_000_000_000, "retentionInDays": 30}}
    start, end = (now - DAY).strftime("%Y-%m-%dT%H:%M:%SZ"), (now - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with aiaudit.connect(f"local:{data}") as backend:
        server = serve(Emulator(backend, group_facts=facts))
        monkeypatch.setenv("AWS_ENDPOINT_URL", url_of(server))
        try:
            argv = ["query", "--source", "aws:@us-east-1", "--start", start, "--end", end, SQL]
            assert main([*argv, "--max-scan-gb", "0.5"]) == EXIT_ERROR
            err = capsys.readouterr().err
            assert "would scan about 1.000 GB" in err and "--max-scan-gb 1.2" in err
            assert main([*argv, "--max-scan-gb", "2", "--no-cache"]) == 0
            err = capsys.readouterr().err
            assert "warning: cost guard: estimated 1.000 GB, scanned 0.000 GB (max_scan_gb 2;" in err
        finally:
            server.shutdown()
            server.server_close()
    assert "AIAUDIT_AWS_MAX_SCAN_GB" not in __import__("os").environ  # main left the environment as it was
