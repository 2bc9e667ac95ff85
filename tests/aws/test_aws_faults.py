"""AWS faults end to end: real boto3 → ``aiaudit emulate`` (fault injection) → the local engine.

Every fault either completes with every row or fails with a precise ``AiauditError``; a result that
misses rows or holds cut values is never returned as complete. Also: ``@message`` values cut by
GetQueryResults are fetched whole with GetLogRecord via ``@ptr``, rate-bounded, counted and warned.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from aiaudit.core.config import Config
from aiaudit.core.errors import AiauditError, QueryFailed, SourceError
from aiaudit.core.timerange import TimeRange
from aiaudit.sources.aws.emulator import Emulator, Faults, serve, url_of
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.source import AwsSource
from aiaudit.sources.aws.whole import looks_cut
from aiaudit.sources.connect import connect
from aiaudit.sources.spec import parse_spec

TR = TimeRange(datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 5, 1, 23, 59, 59, tzinfo=UTC))
LONG_PROMPT = "Summarise the attached contract. " * 80  # 2,640 characters: longer than the cut


def _invocation(i: int, prompt: str) -> dict[str, Any]:
    return {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": f"2024-05-01T00:{i // 60:02d}:{i % 60:02d}Z",
        "accountId": "123456789012",
        "identity": {"arn": "arn:aws:iam::123456789012:user/alice"},
        "region": "us-east-1",
        "requestId": f"inv-{i}",
        "operation": "Converse",
        "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
        "input": {"inputBodyJson": {"messages": [{"role": "user", "content": [{"text": prompt}]}]}},
    }


def _event(i: int) -> dict[str, Any]:
    return {
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"},
        "eventTime": f"2024-05-01T01:{i // 60:02d}:{i % 60:02d}Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject",
        "requestID": f"req-{i}",
        "eventID": f"evt-{i}",
    }


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("faults") / "data"
    root.mkdir()
    invocations = [_invocation(i, LONG_PROMPT + str(i) if i % 2 else f"short prompt {i}") for i in range(6)]
    (root / "invocations.jsonl").write_text("".join(json.dumps(r) + "\n" for r in invocations))
    (root / "cloudtrail.jsonl").write_text("".join(json.dumps(_event(i)) + "\n" for i in range(40)))
    return connect(f"local:{root}", cache_dir=str(tmp_path_factory.mktemp("faults-store")))


@pytest.fixture
def emulate(local: Any):
    servers = []
    patch = pytest.MonkeyPatch()

    def start(**kwargs: Any) -> Emulator:
        emulator = Emulator(local, **kwargs)
        server = serve(emulator)
        servers.append(server)
        patch.setenv("AWS_ENDPOINT_URL", url_of(server))
        return emulator

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
    patch.undo()


def aws(**options: Any) -> AwsSource:
    base = {"cache": False, "progress": False, "poll_initial_s": 0.01, "retry_base_s": 0.01, "sdk_attempts": 1}
    opts = AwsOptions(**{**base, "projection_language": "sql", **options})
    return AwsSource(parse_spec("aws:@us-east-1"), Config(), options=opts)


ALL_EVENTS = "SELECT requestID FROM `cloudtrail` ORDER BY requestID"
EXPECTED = sorted(f"req-{i}" for i in range(40))


# -- shortened values ------------------------------------------------------------------------------
def test_looks_cut() -> None:
    whole = json.dumps(_invocation(1, LONG_PROMPT))
    assert not looks_cut(whole)
    assert looks_cut(whole[:1000])
    assert looks_cut(whole[:-1] + ",}")  # ends with the closer, still not JSON
    assert not looks_cut("plain stdout text " * 100)
    assert looks_cut("plain stdout text " * 100, cut_at=1800)  # a length at the cut


def test_cut_messages_are_fetched_whole_and_counted(emulate) -> None:
    emulator = emulate(faults=Faults(cut=1000))
    source = aws()
    frame = source.invocations(TR)
    assert sorted(frame["prompt"].tolist()) == sorted(
        [LONG_PROMPT + str(i) for i in (1, 3, 5)] + [f"short prompt {i}" for i in (0, 2, 4)]
    )
    assert emulator.calls.count("GetLogRecord") == 3
    summary = frame.attrs["aiaudit"]
    assert summary["stats"]["messages_refetched"] == 3
    assert any("3 @message value(s) were cut by GetQueryResults and fetched whole" in w for w in summary["warnings"])
    assert summary["complete"] is True


def test_without_the_refetch_the_cut_would_have_been_parsed_as_whole(emulate) -> None:
    """The control: the same cut with fetching disabled leaves the result marked incomplete, with a warning."""
    emulate(faults=Faults(cut=1000))
    result = aws(record_fetch_max=0).query("SELECT `@message`, `@ptr` FROM `invocations`", TR)
    assert not result.complete
    assert any("3 @message value(s) are cut and could not be fetched whole" in w for w in result.warnings)
    assert result.stats.messages_refetched == 0


def test_refetching_is_rate_bounded(emulate) -> None:
    emulate(faults=Faults(cut=1000))
    slept: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    result = aws(record_fetch_rate=2.0, sleep=sleep, clock=lambda: now[0]).query(
        "SELECT `@message`, `@ptr` FROM `invocations`", TR
    )
    assert result.stats.messages_refetched == 3
    gaps = [s for s in slept if s > 0.1]  # the poll sleeps of the runner are 0.01 s
    assert len(gaps) == 2 and all(g == pytest.approx(0.5) for g in gaps)


def test_a_cut_message_without_ptr_is_named_not_parsed(emulate) -> None:
    emulate(faults=Faults(cut=1000))
    result = aws().query("SELECT `@message` FROM `invocations` ORDER BY `@timestamp` LIMIT 6", TR)
    if "@ptr" in result.frame.columns:  # the backend added @ptr itself: then it fetched them whole
        assert result.stats.messages_refetched == 3
    else:
        assert not result.complete
        assert any("no @ptr was selected" in w for w in result.warnings)


# -- faults -------------------------------------------------------------------------------------------
def test_throttling_storm_and_concurrency_limit_complete(emulate) -> None:
    emulator = emulate(faults=Faults(throttle=4, limit_exceeded=2))
    result = aws().query(ALL_EVENTS, TR)
    assert result.complete and sorted(result.frame["requestID"]) == EXPECTED
    assert emulator.calls.count("StartQuery") == 7


def test_service_errors_mid_run_are_retried(emulate) -> None:
    # The latency keeps the first poll on Running even on a loaded machine (0.2 s did not: CI polled later
    # and saw Complete, so the faults never fired); the next polls fail.
    emulator = emulate(faults=Faults(results_error=3), latency_s=3.0)
    result = aws().query(ALL_EVENTS, TR)
    assert result.complete and sorted(result.frame["requestID"]) == EXPECTED
    assert emulator.calls.count("GetQueryResults") >= 5  # one Running, three failures, then the answer


def test_persistent_service_errors_fail_precisely(emulate) -> None:
    emulate(faults=Faults(results_error=1000), latency_s=3.0)  # see above: the first poll must see Running
    with pytest.raises(AiauditError, match="ServiceUnavailable|unavailable"):
        aws(retries=2).query(ALL_EVENTS, TR)


def test_credentials_expiring_mid_run_fail_precisely(emulate) -> None:
    emulate(faults=Faults(expire_after=2), cap=5)  # StartQuery + one poll, then the token is expired
    with pytest.raises(SourceError, match="ExpiredToken"):
        aws().query(ALL_EVENTS, TR)


def test_log_group_deleted_mid_run_is_not_a_partial_result(emulate) -> None:
    """The cap forces splitting; the group vanishes after the first StartQuery: an error, never 5 of 40 rows."""
    emulator = emulate(faults=Faults(delete_after=1), cap=5)
    with pytest.raises(SourceError, match="does not exist|not found|ResourceNotFound"):
        aws().query(ALL_EVENTS, TR)
    assert emulator.calls.count("StartQuery") >= 2


@pytest.mark.parametrize("status", ["Timeout", "Failed", "Cancelled"])
def test_query_ending_badly_raises(emulate, status: str) -> None:
    emulate(faults=Faults(status=status))
    with pytest.raises(QueryFailed):
        aws().query(ALL_EVENTS, TR)


def test_fault_option_parsing() -> None:
    faults = Faults.parse(["cut=1000", "expire_after=3", "delete_after=2", "results_error=1", "throttle=9"])
    assert (faults.cut, faults.expire_after, faults.delete_after, faults.results_error, faults.throttle) == (
        1000,
        3,
        2,
        1,
        9,
    )
    with pytest.raises(AiauditError, match="unknown fault"):
        Faults.parse(["explode=1"])
