"""Run a classic query on a test store and print its rows as GetQueryResults prints values, so expected
rows are written by hand the way AWS shows them: text, ``"5"``, ``"85.5"``,
``"2026-01-01 00:05:00.000"``, booleans as ``"1"``/``"0"``, absent as None."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from aiaudit.core.result import Result
from aiaudit.query.cwli import has_source, run_cwli
from aiaudit.sources.aws.rows import format_value


def run(store: Any, query: str, groups: Sequence[str] | None = ("cloudtrail",), **params: Any) -> Result:
    """Run on ``groups`` (the ``cloudtrail`` group by default) unless the query names them with SOURCE."""
    if groups == ("cloudtrail",) and has_source(query):
        groups = None
    return run_cwli(store, query, None, log_groups=list(groups) if groups else None, params=params or None)


def printed(result: Result, *, keep_ptr: bool = False) -> tuple[list[str], list[tuple[Any, ...]]]:
    frame = result.frame
    columns = [c for c in frame.columns if keep_ptr or c != "@ptr"]
    rows = [tuple(format_value(v) for v in row) for row in frame[columns].itertuples(index=False, name=None)]
    return columns, rows


def same(actual: list[tuple[Any, ...]], expected: list[tuple[Any, ...]]) -> None:
    """Rows equal in order; an expected float is compared within 1e-9 (its printed form may differ in the
    last digit)."""
    assert len(actual) == len(expected), f"{actual} != {expected}"
    for got, want in zip(actual, expected):
        assert len(got) == len(want), f"{got} != {want}"
        for a, w in zip(got, want):
            if isinstance(w, float):
                assert a is not None and float(a) == pytest.approx(w, rel=1e-9), f"{got} != {want}"
            else:
                assert a == w, f"{got} != {want}"
