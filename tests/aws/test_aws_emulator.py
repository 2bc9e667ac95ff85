"""The emulator over HTTP with real boto3 clients (AWS_ENDPOINT_URL), and the AWS backend against it.

The backend here is a small ``Source`` that answers every SQL query with its fixed events inside the
requested range (it answers SQL only; classic queries through the emulator run on the real local engine in
tests/query/cwli/test_cwli_emulator.py). It stands in for the local engine, which has its own tests; what is
under test is the protocol and the client."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pandas as pd
import pytest

from aiaudit.core.config import Config
from aiaudit.core.errors import InputError, NotImplementedYet, QueryFailed, QuerySyntaxError
from aiaudit.core.result import ChunkStats, QueryStats, Result
from aiaudit.core.timerange import TimeRange
from aiaudit.sources.aws.emulator import Emulator, Faults, serve, url_of
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.source import AwsSource
from aiaudit.sources.base import Source
from aiaudit.sources.spec import parse_spec

BASE = pd.Timestamp("2026-01-01T00:00:00Z")
TR = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 59, 59, tzinfo=UTC))


class EventsSource(Source):
    def __init__(self, count: int) -> None:
        self.spec = parse_spec("local:/nonexistent")
        self.config = Config()
        self.log_group_names = {"cloudtrail": "cloudtrail", "runtime_logs": "/aws/bedrock-agentcore/runtimes/"}
        self.frame = pd.DataFrame(
            {
                "@timestamp": [BASE + pd.Timedelta(seconds=97 * i) for i in range(count)],
                "@message": [f'{{"n": {i}, "eventName": "InvokeModel"}}' for i in range(count)],
                "@ptr": [f"ptr{i}" for i in range(count)],
            }
        )
        self.queries: list[str] = []

    def query(self, q, time_range=None, *, language="sql", params=None, log_groups=None):
        if language == "cwli":
            raise NotImplementedYet("Logs Insights QL on the local engine arrives with the classic-QL issue")
        if "nosuchfunc" in q:
            raise QuerySyntaxError("unknown function nosuchfunc", offset=q.index("nosuchfunc"), query=q)
        self.queries.append(q)
        ts = self.frame["@timestamp"]
        hit = self.frame[(ts >= time_range.start) & (ts < time_range.end + pd.Timedelta(seconds=1))]
        stats = QueryStats.from_chunks([ChunkStats(bytes_scanned=100.0 * len(self.frame))], elapsed_s=0.0)
        return Result(frame=hit.reset_index(drop=True), stats=stats)

    def projection(self, pipeline, time_range=None, **focus):
        raise NotImplementedError

    def record(self, ptr):
        row = self.frame[self.frame["@ptr"] == ptr]
        if not len(row):
            raise InputError(f"no record {ptr}")
        return json.loads(row["@message"].iloc[0])  # the Source contract: the parsed raw event

    def sources(self):
        raise InputError("no inventory here")

    def data_span(self):
        return TR


@pytest.fixture
def emulate(monkeypatch):
    servers = []

    def start(backend: Source, **kwargs):
        emulator = Emulator(backend, **kwargs)
        server = serve(emulator)
        servers.append(server)
        monkeypatch.setenv("AWS_ENDPOINT_URL", url_of(server))
        return emulator

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def aws(**options) -> AwsSource:
    opts = AwsOptions(cache=False, progress=False, poll_initial_s=0.01, retry_base_s=0.01, sdk_attempts=1, **options)
    return AwsSource(parse_spec("aws:@us-east-1"), Config(), options=opts)


def test_cap_forces_splitting_and_every_row_arrives_exactly_once(emulate) -> None:
    backend = EventsSource(30)
    emulator = emulate(backend, cap=7)
    result = aws(sql_cap=10_000).query("SELECT `@message` FROM `cloudtrail`", TR)
    assert result.complete
    assert sorted(result.frame["@message"]) == sorted(backend.frame["@message"])
    assert result.frame["@message"].is_unique
    assert "@ptr" not in result.frame.columns  # added for de-duplication, dropped again
    assert any(w.startswith("split:") for w in result.warnings)
    assert emulator.calls.count("StartQuery") == len(result.stats.chunks) > 1
    assert backend.queries[0] == "SELECT `@ptr`, `@message` FROM `cloudtrail`"


def test_engine_syntax_error_becomes_malformed_query_with_offset(emulate) -> None:
    emulate(EventsSource(3))
    with pytest.raises(QuerySyntaxError, match="unknown function") as info:
        aws().query("SELECT nosuchfunc(`@message`) FROM `cloudtrail`", TR)
    assert info.value.query[info.value.offset :].startswith("nosuchfunc")  # offset into the text sent


def test_injected_throttling_is_retried(emulate) -> None:
    emulator = emulate(EventsSource(3), faults=Faults(throttle=2, limit_exceeded=1))
    result = aws().query("SELECT `@message` FROM `cloudtrail`", TR)
    assert len(result) == 3
    assert emulator.calls.count("StartQuery") == 4


@pytest.mark.parametrize("status", ["Failed", "Timeout"])
def test_injected_terminal_status_raises(emulate, status) -> None:
    emulate(EventsSource(3), faults=Faults(status=status))
    with pytest.raises(QueryFailed) as info:
        aws().query("SELECT `@message` FROM `cloudtrail`", TR)
    assert info.value.status == status


def test_latency_keeps_the_query_running_and_deadline_stops_it(emulate) -> None:
    emulator = emulate(EventsSource(3), latency_s=5.0)
    with pytest.raises(QueryFailed, match="deadline"):
        aws(timeout_s=0.3).query("SELECT `@message` FROM `cloudtrail`", TR)
    assert "StopQuery" in emulator.calls
    assert [q.status for q in emulator.queries.values()] == ["Cancelled"]


def test_describe_groups_record_and_fields(emulate) -> None:
    emulate(EventsSource(3))
    logs = boto3.client("logs", region_name="us-east-1")
    groups = logs.describe_log_groups(logGroupNamePrefix="cloud")["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["cloudtrail"]
    assert aws().record("ptr1") == {"n": 1, "eventName": "InvokeModel"}  # same dict as the local store
    raw = logs.get_log_record(logRecordPointer="ptr1")["logRecord"]  # as AWS: @message + flattened fields
    assert json.loads(raw["@message"]) == {"n": 1, "eventName": "InvokeModel"} and raw["eventName"] == "InvokeModel"
    fields = logs.get_log_group_fields(logGroupName="cloudtrail")["logGroupFields"]
    assert {"name": "eventName", "percent": 100} in fields


def test_faults_parse_refuses_unknown() -> None:
    assert Faults.parse(["throttle=2", "status=Timeout"]) == Faults(throttle=2, status="Timeout")
    with pytest.raises(InputError, match="unknown fault"):
        Faults.parse(["explode=1"])
