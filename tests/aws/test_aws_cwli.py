"""Classic Logs Insights QL end to end on loopback: ``aws:`` against ``aiaudit emulate`` (real boto3) gives
the same frames as ``local:`` on the same simulation — every dashboard entry, row queries split by time
when the emulator's cap is reached, results read page by page, ``SOURCE`` with pipeline names, errors
with their offset, and the standard projections read with classic queries."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from aiaudit import connect
from aiaudit.catalog import catalog
from aiaudit.core.config import Config
from aiaudit.core.errors import QuerySyntaxError
from aiaudit.simulate import simulate
from aiaudit.sources.aws.emulator import Emulator, serve, url_of
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.source import AwsSource
from aiaudit.sources.spec import parse_spec


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("cwli-sim")
    simulate(out, days=1, scale=0.05, seed=23, end="2026-11-20T00:00:00Z")
    source = connect(f"local:{out}", cache_dir=str(tmp_path_factory.mktemp("cwli-store")))
    yield source
    source.close()


@pytest.fixture
def remote(local, monkeypatch):
    servers = []

    def start(cap: int = 10_000, **options) -> tuple[AwsSource, Emulator]:
        emulator = Emulator(local, cap=cap)
        server = serve(emulator)
        servers.append(server)
        monkeypatch.setenv("AWS_ENDPOINT_URL", url_of(server))
        opts = AwsOptions(cache=False, progress=False, poll_initial_s=0.01, **options)
        return AwsSource(parse_spec("aws:@us-east-1"), Config(), options=opts), emulator

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def same_frame(remote_frame: pd.DataFrame, local_frame: pd.DataFrame) -> None:
    """Equal as AWS returns them: the same columns (a column no row has is absent on AWS, as there) and
    rows in the same order."""
    present = [c for c in local_frame.columns if local_frame[c].notna().any()]
    assert sorted(remote_frame.columns) == sorted(present)
    pd.testing.assert_frame_equal(
        remote_frame[present].reset_index(drop=True), local_frame[present].reset_index(drop=True), check_dtype=False
    )


@pytest.mark.parametrize("entry", [f"D{n:02d}" for n in range(1, 12)])
def test_dashboard_entries_agree_locally_and_through_the_emulator(local, remote, entry):
    aws, emulator = remote()
    span = local.data_span()
    expected = catalog[entry].run(local, span).frame
    got = catalog[entry].run(aws, span).frame
    assert len(expected) > 0
    same_frame(got, expected)
    assert [q.language for q in emulator.queries.values()] == ["CWLI"]


def test_row_query_is_split_when_capped_and_keeps_awss_order(local, remote):
    aws, emulator = remote(cap=40)
    query = 'filter eventSource = "bedrock.amazonaws.com" | fields eventName, requestID'
    span = local.data_span()
    expected = local.query(query, span, language="cwli", log_groups=["cloudtrail"]).frame
    assert len(expected) > 40
    result = aws.query(query, span, language="cwli", log_groups=["cloudtrail"])
    assert result.complete and any(w.startswith("split:") for w in result.warnings)
    assert len(emulator.queries) > 2
    same_frame(result.frame, expected)  # newest first across chunks, although @timestamp is not returned


def test_sorted_row_query_is_split_and_re_sorted(local, remote):
    aws, _ = remote(cap=40)
    query = 'filter eventSource = "bedrock.amazonaws.com" | fields requestID | sort requestID asc'
    span = local.data_span()
    expected = local.query(query, span, language="cwli", log_groups=["cloudtrail"]).frame
    result = aws.query(query, span, language="cwli", log_groups=["cloudtrail"])
    assert any(w.startswith("split:") for w in result.warnings)
    same_frame(result.frame, expected)


def test_aggregation_is_not_split_and_says_it_is_incomplete(local, remote):
    aws, _ = remote(cap=3)
    result = aws.query(
        "stats count(*) as n by eventName", local.data_span(), language="cwli", log_groups=["cloudtrail"]
    )
    assert not result.complete and any("stats queries are never split" in w for w in result.warnings)


def test_results_are_read_page_by_page(local, remote):
    aws, emulator = remote(page_size=7)
    query = "fields requestId, modelId"
    span = local.data_span()
    expected = local.query(query, span, language="cwli", log_groups=["invocations"]).frame
    result = aws.query(query, span, language="cwli", log_groups=["invocations"])
    assert len(expected) > 7 * 3
    assert emulator.calls.count("GetQueryResults") >= len(expected) // 7
    same_frame(result.frame, expected)


def test_source_with_a_pipeline_name(local, remote):
    aws, emulator = remote()
    query = "SOURCE logGroups(namePrefix: ['runtime_logs']) | stats count(*) as n by @log | sort @log asc"
    span = local.data_span()
    expected = local.query(query, span, language="cwli").frame
    result = aws.query(query, span, language="cwli")
    sent = next(iter(emulator.queries.values())).text
    assert sent.startswith("SOURCE logGroups(namePrefix: ['/aws/bedrock-agentcore/runtimes/'])")
    assert len(expected) >= 2  # one row per runtime group the simulation wrote
    same_frame(result.frame, expected)


def test_syntax_error_comes_back_with_its_offset(local, remote):
    aws, _ = remote()
    query = "fields eventName | stats count(*) as n by | limit 5"
    with pytest.raises(QuerySyntaxError) as info:
        aws.query(query, local.data_span(), language="cwli", log_groups=["cloudtrail"])
    assert info.value.offset == query.index("| limit")


def test_ml_command_is_refused_by_the_emulator(local, remote):
    aws, _ = remote()
    with pytest.raises(QuerySyntaxError, match="not available offline"):
        aws.query("pattern @message", local.data_span(), language="cwli", log_groups=["cloudtrail"])


@pytest.mark.parametrize("pipeline", ["cloudtrail", "invocations", "spans"])
def test_projections_read_with_classic_queries(local, remote, pipeline):
    aws, emulator = remote(projection_language="cwli")
    span = local.data_span()
    got = aws.projection(pipeline, span).sort_values("@ptr").reset_index(drop=True)
    expected = local.projection(pipeline, span).sort_values("@ptr").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected)
    assert {q.language for q in emulator.queries.values()} == {"CWLI"}


def test_local_frames_are_typed_as_aws_returns_them(local):
    frame = catalog["D11"].run(local, local.data_span()).frame
    assert str(frame["hour"].dtype).startswith("datetime64") and str(frame["hour"].dt.tz) == "UTC"
    assert str(frame["invocations"].dtype) == "Int64"


def test_emulated_frames_match_for_a_query_with_absent_values(local, remote, tmp_path: Path):
    aws, _ = remote()
    query = "fields errorCode, eventName | filter eventSource = 'bedrock.amazonaws.com' | limit 50"
    span = local.data_span()
    same_frame(
        aws.query(query, span, language="cwli", log_groups=["cloudtrail"]).frame,
        local.query(query, span, language="cwli", log_groups=["cloudtrail"]).frame,
    )
