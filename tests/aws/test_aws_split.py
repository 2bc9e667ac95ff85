"""Capped row queries are split by time until every row arrives exactly once; what cannot be split
further is reported, never dropped."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from fakelogs import FakeLogs

from aiaudit.core.config import Config
from aiaudit.core.timerange import TimeRange
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.source import AwsSource
from aiaudit.sources.spec import parse_spec

BASE = 1767225600  # 2026-01-01T00:00:00Z
TR = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 59, 59, tzinfo=UTC))


def source(fake: FakeLogs, **options) -> AwsSource:
    opts = AwsOptions(cache=False, progress=False, sql_cap=fake.cap, cwli_limit=fake.cap, **options)
    return AwsSource(parse_spec("aws:@us-east-1"), Config(), options=opts, clients={"us-east-1": fake})


def test_capped_row_query_is_split_and_every_row_arrives_once() -> None:
    # 25 events, one every 2 minutes 17 s, plus two on the last second of the range (boundary)
    events = [((BASE + i * 137) * 1000, f'{{"n": {i}}}') for i in range(25)]
    events += [((BASE + 3599) * 1000 + 1, '{"n": 25}'), ((BASE + 3599) * 1000 + 999, '{"n": 26}')]
    fake = FakeLogs(events, cap=4)
    result = source(fake).query("SELECT `@message` FROM `cloudtrail`", TR)
    assert sorted(result.frame["@message"]) == sorted(msg for _, msg in events)
    assert len(result.frame) == 27 and result.complete
    assert result.frame["@message"].is_unique
    assert any(w.startswith("split:") for w in result.warnings)
    # every executed range lies inside TR, and final (un-split) ranges never overlap
    final = sorted(c.time_range for c in result.stats.chunks if c.status != "Split")
    for left, right in itertools.pairwise(final):
        assert left.end < right.start
    assert final[0].start == TR.start and final[-1].end == TR.end
    # billing: every StartQuery's bytes are counted, including the chunks that were split
    assert result.stats.bytes_scanned == 100 * 27 * len(fake.started)
    assert result.frame["@timestamp"].is_monotonic_increasing


def test_chunk_still_capped_at_minimum_width_is_reported_not_dropped() -> None:
    events = [((BASE + 600) * 1000 + k, f'{{"k": {k}}}') for k in range(6)]  # six events in one second
    fake = FakeLogs(events, cap=4)
    result = source(fake).query("SELECT `@message` FROM `cloudtrail`", TR)
    assert not result.complete
    assert len(result.frame) == 4  # what AWS returned for that second is kept
    capped = [w for w in result.warnings if "minimum chunk width" in w]
    assert len(capped) == 1 and "2026-01-01T00:10:00Z" in capped[0]


def test_minimum_width_option_stops_splitting_early() -> None:
    events = [((BASE + i) * 1000, f'{{"i": {i}}}') for i in range(0, 600, 10)]  # 60 events in 10 minutes
    fake = FakeLogs(events, cap=50)
    result = source(fake, min_chunk_s=3600).query("SELECT `@message` FROM `cloudtrail`", TR)
    assert len(fake.started) == 1 and not result.complete


def test_a_semicolon_inside_a_bound_value_is_data_not_a_second_statement() -> None:
    """Found by the injection tests: any ';' in the text (even inside a bound string) was refused as a
    multi-statement query, so a value holding ';' could not be searched on AWS."""
    import pytest

    from aiaudit.core.errors import QuerySyntaxError
    from aiaudit.query.sql.bind import bind_text
    from aiaudit.sources.aws.querytext import classify_sql

    text = bind_text("SELECT requestID FROM `cloudtrail` WHERE eventName = :v", {"v": "x'); DROP TABLE t; --"})
    assert classify_sql(text).splittable
    with pytest.raises(QuerySyntaxError, match="multi-statement"):
        classify_sql("SELECT 1 FROM `cloudtrail`; SELECT 2 FROM `cloudtrail`")
