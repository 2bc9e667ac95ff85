"""The runner against exact API answers (botocore Stubber): every status, throttling, deadline, interrupt,
caps, paging, credential and permission faults. Expected values are written by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pandas as pd
import pytest
from botocore.stub import ANY, Stubber

from aiaudit.core.config import Config
from aiaudit.core.errors import InputError, QueryFailed, QuerySyntaxError, SourceError
from aiaudit.core.timerange import TimeRange
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.source import AwsSource
from aiaudit.sources.spec import parse_spec

TR = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 59, 59, tzinfo=UTC))
START, END = 1767225600, 1767229199  # hand-computed epoch seconds of TR


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make(options: dict | None = None) -> tuple[AwsSource, Stubber, FakeClock]:
    client = boto3.client("logs", region_name="us-east-1")
    stub = Stubber(client)
    clock = FakeClock()
    opts = AwsOptions(cache=False, progress=False, sleep=clock.sleep, clock=clock, **(options or {}))
    src = AwsSource(parse_spec("aws:@us-east-1"), Config(), options=opts, clients={"us-east-1": client})
    stub.activate()
    return src, stub, clock


def row(**fields: str) -> list[dict[str, str]]:
    return [{"field": k, "value": v} for k, v in fields.items()]


STATS = {"recordsMatched": 2.0, "recordsScanned": 10.0, "bytesScanned": 2_000_000_000.0}
SQL = "SELECT `eventName`, `@timestamp` FROM `cloudtrail` WHERE eventName = 'InvokeModel'"
SQL_SENT = "SELECT `@ptr`, `eventName`, `@timestamp` FROM `cloudtrail` WHERE eventName = 'InvokeModel'"


def expect_start(stub: Stubber, query: str, *, language: str = "SQL", qid: str = "q-1", **extra: object) -> None:
    params = {"queryString": query, "startTime": START, "endTime": END, "queryLanguage": language, **extra}
    stub.add_response("start_query", {"queryId": qid}, params)


def test_complete_after_running_returns_typed_rows_and_stats() -> None:
    src, stub, clock = make()
    expect_start(stub, SQL_SENT)
    stub.add_response("get_query_results", {"status": "Scheduled", "results": []}, {"queryId": "q-1"})
    stub.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q-1"})
    results = [
        row(**{"@ptr": "p1", "eventName": "InvokeModel", "@timestamp": "2026-01-01 00:10:00.250"}),
        row(**{"@ptr": "p2", "eventName": "InvokeModel", "@timestamp": "2026-01-01 00:20:00.000"}),
    ]
    stub.add_response(
        "get_query_results", {"status": "Complete", "results": results, "statistics": STATS}, {"queryId": "q-1"}
    )
    result = src.query(SQL, TR)
    stub.assert_no_pending_responses()
    assert list(result.frame.columns) == ["eventName", "@timestamp"]  # @ptr was added for splitting, then dropped
    assert result.frame["@timestamp"].tolist() == [
        pd.Timestamp("2026-01-01 00:10:00.250", tz="UTC"),
        pd.Timestamp("2026-01-01 00:20:00", tz="UTC"),
    ]
    assert result.complete and result.warnings == []
    assert result.query_ids == ["q-1"]
    assert result.stats.bytes_scanned == 2e9
    assert result.stats.estimated_cost_usd == pytest.approx(0.01)  # 2 GB x $0.005
    assert clock.sleeps == [0.5, 0.75]  # backoff grows between polls


@pytest.mark.parametrize("status", ["Failed", "Cancelled", "Timeout", "Unknown"])
def test_every_terminal_failure_raises_with_id_status_and_text(status: str) -> None:
    src, stub, _ = make()
    expect_start(stub, SQL_SENT, qid="q-9")
    stub.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q-9"})
    stub.add_response("get_query_results", {"status": status, "results": [row(**{"@ptr": "x"})]}, {"queryId": "q-9"})
    with pytest.raises(QueryFailed) as info:
        src.query(SQL, TR)
    assert info.value.query_id == "q-9"
    assert info.value.status == status
    assert info.value.query == SQL_SENT
    stub.assert_no_pending_responses()


def test_throttling_then_success() -> None:
    src, stub, clock = make()
    stub.add_client_error("start_query", service_error_code="ThrottlingException", http_status_code=400)
    stub.add_client_error("start_query", service_error_code="LimitExceededException", http_status_code=400)
    expect_start(stub, SQL_SENT)
    stub.add_client_error("get_query_results", service_error_code="ThrottlingException", http_status_code=400)
    stub.add_response(
        "get_query_results", {"status": "Complete", "results": [], "statistics": STATS}, {"queryId": "q-1"}
    )
    result = src.query(SQL, TR)
    assert result.complete and len(result) == 0
    assert len(clock.sleeps) == 3  # three jittered backoffs
    assert clock.sleeps[0] <= 0.5 and clock.sleeps[1] <= 1.0 and clock.sleeps[2] <= 0.5
    stub.assert_no_pending_responses()


def test_throttling_that_never_ends_is_a_source_error() -> None:
    src, stub, _ = make({"retries": 2})
    for _ in range(3):
        stub.add_client_error("start_query", service_error_code="ThrottlingException", http_status_code=400)
    with pytest.raises(SourceError, match="throttling"):
        src.query(SQL, TR)


def test_deadline_stops_the_query_and_returns_nothing_partial() -> None:
    src, stub, clock = make({"timeout_s": 1.0})
    expect_start(stub, SQL_SENT, qid="q-slow")
    stub.add_response("get_query_results", {"status": "Running", "results": [row(a="1")]}, {"queryId": "q-slow"})
    stub.add_response("get_query_results", {"status": "Running", "results": [row(a="1")]}, {"queryId": "q-slow"})
    stub.add_response("stop_query", {"success": True}, {"queryId": "q-slow"})
    with pytest.raises(QueryFailed) as info:
        src.query(SQL, TR)
    assert info.value.status == "Running" and info.value.query_id == "q-slow"
    assert "deadline" in str(info.value)
    assert clock.now >= 1001.0
    stub.assert_no_pending_responses()


def test_interrupt_stops_the_query() -> None:
    src, stub, _ = make()

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    src.options.sleep = interrupt
    expect_start(stub, SQL_SENT, qid="q-int")
    stub.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q-int"})
    stub.add_response("stop_query", {"success": True}, {"queryId": "q-int"})
    with pytest.raises(KeyboardInterrupt):
        src.query(SQL, TR)
    stub.assert_no_pending_responses()


def test_aggregation_at_cap_warns_and_is_not_split() -> None:
    src, stub, _ = make({"sql_cap": 3})
    query = "SELECT `userIdentity.arn`, COUNT(*) AS n FROM `cloudtrail` GROUP BY `userIdentity.arn`"
    expect_start(stub, query)
    rows = [row(**{"userIdentity.arn": f"arn:aws:iam::111122223333:user/u{i}", "n": str(i + 1)}) for i in range(3)]
    stub.add_response(
        "get_query_results", {"status": "Complete", "results": rows, "statistics": STATS}, {"queryId": "q-1"}
    )
    result = src.query(query, TR)
    stub.assert_no_pending_responses()  # exactly one StartQuery: no split
    assert not result.complete
    assert len(result.warnings) == 1 and "GROUP BY queries are never split" in result.warnings[0]
    assert result.frame["n"].tolist() == [1, 2, 3]
    assert str(result.frame["n"].dtype) == "Int64"
    assert result.frame["userIdentity.arn"].iloc[0] == "arn:aws:iam::111122223333:user/u0"


def test_expired_credentials_are_a_source_error() -> None:
    src, stub, _ = make()
    stub.add_client_error(
        "start_query", service_error_code="ExpiredTokenException", service_message="The security token expired"
    )
    with pytest.raises(SourceError, match="credentials rejected"):
        src.query(SQL, TR)


def test_access_denied_names_the_permission() -> None:
    src, stub, _ = make()
    stub.add_client_error("start_query", service_error_code="AccessDeniedException", service_message="no")
    with pytest.raises(SourceError) as info:
        src.query(SQL, TR)
    assert info.value.permission == "logs:StartQuery"


def test_malformed_query_keeps_the_offset() -> None:
    src, stub, _ = make()
    stub.add_client_error(
        "start_query",
        service_error_code="MalformedQueryException",
        service_message="bad",
        modeled_fields={
            "queryCompileError": {
                "location": {"startCharOffset": 7, "endCharOffset": 9},
                "message": "unexpected symbol",
            }
        },
    )
    with pytest.raises(QuerySyntaxError) as info:
        src.query(SQL, TR)
    assert info.value.offset == 7
    assert "unexpected symbol" in str(info.value)


def test_cwli_pages_with_next_token_and_resolves_pipeline_groups() -> None:
    src, stub, _ = make()
    query = "fields @timestamp, eventName | filter eventName = 'X'"
    expect_start(
        stub,
        query,
        language="CWLI",
        logGroupIdentifiers=["bedrock-model-invocation-logging"],
        limit=100_000,
    )
    first = [row(**{"@ptr": "a", "eventName": "X"})]
    second = [row(**{"@ptr": "b", "eventName": "X"})]
    stub.add_response(
        "get_query_results",
        {"status": "Complete", "results": first, "statistics": STATS, "nextToken": "t1"},
        {"queryId": "q-1", "maxItems": 10_000},
    )
    stub.add_response(
        "get_query_results",
        {"status": "Complete", "results": second},
        {"queryId": "q-1", "nextToken": "t1", "maxItems": 10_000},
    )
    result = src.query(query, TR, language="cwli", log_groups=["invocations"])
    assert result.frame["@ptr"].tolist() == ["a", "b"]
    assert result.complete
    stub.assert_no_pending_responses()


def test_cwli_without_groups_is_refused_before_any_call() -> None:
    src, stub, _ = make()
    with pytest.raises(InputError, match="log_groups"):
        src.query("fields @message", TR, language="cwli")
    stub.assert_no_pending_responses()


def test_dry_run_shows_final_text_and_calls_nothing() -> None:
    src, stub, _ = make()
    result = src.query("SELECT `@message` FROM `runtime_logs`", TR, dry_run=True)
    assert result.frame["query"].tolist() == ["SELECT `@ptr`, `@message` FROM `/aws/bedrock-agentcore/runtimes/*`"]
    assert result.frame["region"].tolist() == ["us-east-1"]
    assert result.stats.bytes_scanned == 0
    stub.assert_no_pending_responses()


def test_sql_parameters_are_bound_through_quoting() -> None:
    src, _, _ = make()
    result = src.query(
        "SELECT `eventName` FROM `cloudtrail` WHERE `userIdentity.arn` = :who", TR, params={"who": "a'b"}, dry_run=True
    )
    assert result.frame["query"].iloc[0] == (
        "SELECT `@ptr`, `eventName` FROM `cloudtrail` WHERE `userIdentity.arn` = 'a\\'b'"
    )
    with pytest.raises(InputError, match="typo|not use|no value"):
        src.query("SELECT `eventName` FROM `cloudtrail`", TR, params={"who": "x"}, dry_run=True)


def test_start_query_sends_epoch_seconds_inclusive() -> None:
    src, stub, _ = make()
    stub.add_response(
        "start_query",
        {"queryId": "q"},
        {"queryString": ANY, "startTime": START, "endTime": END, "queryLanguage": "SQL"},
    )
    stub.add_response("get_query_results", {"status": "Complete", "results": []}, {"queryId": "q"})
    src.query("SELECT `eventName` FROM `cloudtrail`", TR)
    stub.assert_no_pending_responses()
