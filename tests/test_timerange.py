"""TimeRange: UTC, whole seconds, inclusive ends, relative expressions, chunks (DESIGN §4)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest

from aiaudit.core.errors import InputError
from aiaudit.core.timerange import TimeRange, add_months, default_window, parse_duration, resolve_window, to_utc

T = lambda text: datetime.fromisoformat(text.replace("Z", "+00:00"))  # noqa: E731


def test_naive_datetimes_are_refused():
    with pytest.raises(InputError, match="naive"):
        TimeRange(datetime(2026, 1, 1), datetime(2026, 1, 2, tzinfo=UTC))
    with pytest.raises(InputError, match="no timezone"):
        TimeRange("2026-01-01T00:00:00", "2026-01-02T00:00:00Z")


def test_other_offsets_become_utc_and_subseconds_are_dropped():
    plus2 = timezone(timedelta(hours=2))
    tr = TimeRange(datetime(2026, 3, 1, 2, 0, 0, 999_999, tzinfo=plus2), "2026-03-01T05:30:00+05:30")
    assert tr.start == T("2026-03-01T00:00:00Z")
    assert tr.end == T("2026-03-01T00:00:00Z")
    assert tr.start.tzinfo == UTC


def test_pandas_timestamps_and_epoch_seconds_are_accepted():
    tr = TimeRange(pd.Timestamp("2026-01-01 00:00:00", tz="UTC"), 1767225600 + 59)
    assert tr.end == T("2026-01-01T00:00:59Z")


def test_end_before_start_is_an_error():
    with pytest.raises(InputError, match="before start"):
        TimeRange("2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z")


def test_both_ends_inclusive_whole_second():
    tr = TimeRange("2026-01-01T00:00:00Z", "2026-01-01T00:00:09Z")
    assert tr.duration == timedelta(seconds=10)
    assert T("2026-01-01T00:00:09.999Z") in tr
    assert T("2026-01-01T00:00:10Z") not in tr
    assert T("2025-12-31T23:59:59.999Z") not in tr
    assert (tr.start_epoch, tr.end_epoch) == (1767225600, 1767225609)


def test_utc_arithmetic_ignores_daylight_saving():
    # 2026-03-29 is the EU DST switch; UTC days stay 86,400 s.
    tr = TimeRange("2026-03-29T00:00:00Z", "2026-03-29T23:59:59Z")
    assert tr.duration == timedelta(days=1)
    assert [c.duration for c in tr.chunks("6h")] == [timedelta(hours=6)] * 4


def test_chunks_never_overlap_and_cover_exactly():
    tr = TimeRange("2026-01-30T00:00:00Z", "2026-03-02T12:00:00Z")
    chunks = tr.chunks("1d")
    assert chunks[0].start == tr.start and chunks[-1].end == tr.end
    for left, right in itertools.pairwise(chunks):
        assert right.start == left.end + timedelta(seconds=1)
    assert sum((c.duration for c in chunks), timedelta()) == tr.duration
    # 2026 is not a leap year: Jan 30, 31, Feb 1..28, Mar 1, and half of Mar 2
    assert len(chunks) == 2 + 28 + 1 + 1
    assert chunks[-1].duration == timedelta(hours=12, seconds=1)


def test_month_chunks_follow_the_calendar_through_a_leap_february():
    tr = TimeRange("2024-01-31T00:00:00Z", "2024-04-30T23:59:59Z")
    chunks = tr.chunks("1mo")
    assert [c.start for c in chunks] == [
        T("2024-01-31T00:00:00Z"),
        T("2024-02-29T00:00:00Z"),
        T("2024-03-29T00:00:00Z"),
        T("2024-04-29T00:00:00Z"),
    ]
    assert chunks[0].end == T("2024-02-28T23:59:59Z")


def test_add_months_clamps_to_month_end():
    assert add_months(T("2026-03-31T10:00:00Z"), -1) == T("2026-02-28T10:00:00Z")
    assert add_months(T("2024-03-31T10:00:00Z"), -1) == T("2024-02-29T10:00:00Z")
    assert add_months(T("2026-01-31T00:00:00Z"), 1) == T("2026-02-28T00:00:00Z")
    assert add_months(T("2026-12-15T00:00:00Z"), 1) == T("2027-01-15T00:00:00Z")


def test_halves_split_without_overlap_down_to_one_second():
    tr = TimeRange("2026-01-01T00:00:00Z", "2026-01-01T00:00:04Z")
    left, right = tr.halves()
    assert (left.start, left.end, right.start, right.end) == (
        T("2026-01-01T00:00:00Z"),
        T("2026-01-01T00:00:01Z"),
        T("2026-01-01T00:00:02Z"),
        T("2026-01-01T00:00:04Z"),
    )
    one = TimeRange("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")
    with pytest.raises(InputError, match="cannot be split"):
        one.halves()


ANCHOR = T("2026-11-20T13:45:10Z")


@pytest.mark.parametrize(
    ("expr", "start", "end"),
    [
        ("24h", "2026-11-19T13:45:10Z", "2026-11-20T13:45:10Z"),
        ("7d", "2026-11-13T13:45:10Z", "2026-11-20T13:45:10Z"),
        ("90m", "2026-11-20T12:15:10Z", "2026-11-20T13:45:10Z"),
        ("2w", "2026-11-06T13:45:10Z", "2026-11-20T13:45:10Z"),
        ("1mo", "2026-10-20T13:45:10Z", "2026-11-20T13:45:10Z"),
        ("today", "2026-11-20T00:00:00Z", "2026-11-20T13:45:10Z"),
        ("yesterday", "2026-11-19T00:00:00Z", "2026-11-19T23:59:59Z"),
        ("2026-11-18T00:00:00Z", "2026-11-18T00:00:00Z", "2026-11-20T13:45:10Z"),
        ("2026-11-18", "2026-11-18T00:00:00Z", "2026-11-20T13:45:10Z"),
    ],
)
def test_relative_expressions_resolve_against_the_anchor(expr, start, end):
    tr = TimeRange.parse(expr, anchor=ANCHOR)
    assert (tr.start, tr.end) == (T(start), T(end))


def test_relative_month_from_a_month_end_anchor_clamps():
    tr = TimeRange.parse("1mo", anchor=T("2026-03-31T00:00:00Z"))
    assert tr.start == T("2026-02-28T00:00:00Z")


def test_start_end_forms():
    tr = TimeRange.parse(start="2026-11-01T00:00:00Z", end="2026-11-02T00:00:00Z")
    assert tr.duration == timedelta(days=1, seconds=1)
    tr = TimeRange.parse(start="3d", anchor=ANCHOR)
    assert tr == TimeRange("2026-11-17T13:45:10Z", ANCHOR)
    tr = TimeRange.parse(start="2026-11-19T00:00:00Z", anchor=ANCHOR)
    assert tr.end == ANCHOR


def test_relative_resolution_happens_once():
    # The same expression resolved with the same anchor is identical; 'now' anchors are resolved at call.
    assert TimeRange.parse("24h", anchor=ANCHOR) == TimeRange.parse("24h", anchor=ANCHOR)


@pytest.mark.parametrize(
    "bad",
    ["yesterdayish", "24", "h24", "0h", "-5d", "2026-13-01", "2026-02-30", "next tuesday", "24 parsecs", ""],
)
def test_bad_strings_give_clear_errors(bad):
    with pytest.raises(InputError) as info:
        TimeRange.parse(bad, anchor=ANCHOR)
    assert bad in str(info.value) or "duration" in str(info.value) or "time" in str(info.value)


def test_data_end_anchor_needs_a_source():
    with pytest.raises(InputError, match="data-end"):
        TimeRange.parse("24h", anchor="data-end")


def test_since_and_start_together_are_refused():
    with pytest.raises(InputError, match="either"):
        TimeRange.parse("24h", start="2026-01-01T00:00:00Z")


def test_parse_duration_units():
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration("2hrs") == timedelta(hours=2)  # Logs Insights plural units
    assert parse_duration("10 mins") == timedelta(minutes=10)
    with pytest.raises(InputError):
        parse_duration("2parsecs")
    assert parse_duration("3mo") == 3


def test_dict_round_trip_and_text():
    tr = TimeRange("2026-11-19T00:00:00Z", "2026-11-20T00:00:00Z")
    assert TimeRange.from_dict(tr.to_dict()) == tr
    assert tr.to_dict() == {"start": "2026-11-19T00:00:00Z", "end": "2026-11-20T00:00:00Z"}
    assert str(tr) == "2026-11-19T00:00:00Z .. 2026-11-20T00:00:00Z"


def test_to_utc_refuses_garbage():
    with pytest.raises(InputError):
        to_utc(object())
    with pytest.raises(InputError):
        to_utc(True)


DATA = TimeRange("2026-11-17T00:00:00Z", "2026-11-20T00:00:00Z")


def test_resolve_window_is_shared_by_cli_notebooks_and_playbooks():
    got = resolve_window(DATA, lookback="30d", since="", start="", end="", anchor="data-end", default_since="24h")
    assert got == TimeRange("2026-11-19T00:00:00Z", "2026-11-20T00:00:00Z")
    got = resolve_window(DATA, lookback="30d", since="6h", anchor="data-end")
    assert got == TimeRange("2026-11-19T18:00:00Z", "2026-11-20T00:00:00Z")
    with pytest.raises(InputError, match="holds no data"):  # notebooks used to fall back to now silently
        resolve_window(None, lookback="30d", since="24h", anchor="data-end")


def test_no_range_is_the_lookback_ending_at_the_newest_record():
    assert default_window(DATA, "30d") == TimeRange("2026-10-21T00:00:00Z", "2026-11-20T00:00:00Z")
    assert default_window(DATA, "2d") == TimeRange("2026-11-18T00:00:00Z", "2026-11-20T00:00:00Z")
    assert default_window(DATA, "1mo") == TimeRange("2026-10-20T00:00:00Z", "2026-11-20T00:00:00Z")
    empty = default_window(None, "7d", now=datetime(2026, 12, 1, 12, tzinfo=UTC))
    assert empty == TimeRange("2026-11-24T12:00:00Z", "2026-12-01T12:00:00Z")  # no data: ending now


def test_a_run_without_range_or_default_gets_the_sources_no_range_window():
    """``aiaudit query`` without --since covers what ``src.query(q)`` covers, whatever the anchor."""
    expected = TimeRange("2026-11-13T00:00:00Z", "2026-11-20T00:00:00Z")
    assert resolve_window(DATA, lookback="7d") == expected
    assert resolve_window(DATA, lookback="7d", anchor="data-end", since="", start="") == expected


def test_the_data_span_is_read_once_and_only_when_needed():
    calls = []

    def span():
        calls.append(1)
        return DATA

    resolve_window(span, lookback="30d", since="24h", anchor="2026-11-20T00:00:00Z")
    assert calls == []
    resolve_window(span, lookback="30d", since="24h", anchor="data-end")
    resolve_window(span, lookback="30d")
    assert calls == [1, 1]


def test_a_duration_reaching_before_year_one_is_an_input_error() -> None:
    """Found by fuzzing: ``--since 20000000h`` raised OverflowError (2,000,000 months: ValueError)."""
    anchor = datetime(2024, 5, 2, tzinfo=UTC)
    for expr in ("20000000h", "99999999999d", "2000000mo"):
        with pytest.raises(InputError, match="before the year 1"):
            TimeRange.relative(expr, anchor=anchor)
