"""The result cache (complete answers only, keyed on the rendered query) and the multi-region fan-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fakelogs import FakeLogs

from aiaudit.core.config import Config
from aiaudit.core.timerange import TimeRange, utc_now
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.source import AwsSource
from aiaudit.sources.spec import parse_spec

BASE = 1767225600
TR = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 59, 59, tzinfo=UTC))
QUERY = "SELECT `@message` FROM `cloudtrail`"


def source(clients: dict, tmp_path, spec: str = "aws:@us-east-1") -> AwsSource:
    opts = AwsOptions(cache=True, cache_dir=tmp_path / "results", progress=False, sql_cap=100)
    return AwsSource(parse_spec(spec), Config(), options=opts, clients=clients)


def test_second_run_is_served_from_cache_and_no_cache_bypasses(tmp_path) -> None:
    fake = FakeLogs([((BASE + 5) * 1000, '{"a": 1}')], cap=100)
    src = source({"us-east-1": fake}, tmp_path)
    first = src.query(QUERY, TR)
    second = src.query(QUERY, TR)
    assert len(fake.started) == 1
    assert second.frame.equals(first.frame)
    assert second.stats.bytes_scanned == 0 and second.stats.chunks[0].status == "Cached"
    assert "result cache" in second.warnings[0]
    src.query(QUERY, TR, no_cache=True)
    assert len(fake.started) == 2
    src.query(QUERY + " WHERE `a` = 1", TR)  # another rendered query: another key
    assert len(fake.started) == 3


def test_incomplete_and_recent_results_are_not_cached(tmp_path) -> None:
    fake = FakeLogs([((BASE + 5) * 1000 + k, "{}") for k in range(3)], cap=2)  # capped in one second
    src = source({"us-east-1": fake}, tmp_path)
    src.options.sql_cap = 2
    assert not src.query(QUERY, TR).complete
    before = len(fake.started)
    src.query(QUERY, TR)
    assert len(fake.started) > before
    now = utc_now()
    recent = TimeRange(now - timedelta(hours=1), now)
    fresh = FakeLogs([], cap=2)
    src2 = source({"us-east-1": fresh}, tmp_path)
    src2.query(QUERY, recent)
    src2.query(QUERY, recent)
    assert len(fresh.started) == 2


def test_regions_are_fanned_out_and_merged_with_a_region_column(tmp_path) -> None:
    east = FakeLogs([((BASE + 1) * 1000, '{"r": "e"}')], cap=100)
    west = FakeLogs([((BASE + 2) * 1000, '{"r": "w1"}'), ((BASE + 3) * 1000, '{"r": "w2"}')], cap=100)
    src = source({"us-east-1": east, "eu-west-1": west}, tmp_path, spec="aws:@us-east-1,eu-west-1")
    result = src.query(QUERY, TR, no_cache=True)
    assert result.frame["region"].tolist() == ["us-east-1", "eu-west-1", "eu-west-1"]
    assert result.frame["@message"].tolist() == ['{"r": "e"}', '{"r": "w1"}', '{"r": "w2"}']
    assert {c.region for c in result.stats.chunks} == {"us-east-1", "eu-west-1"}
