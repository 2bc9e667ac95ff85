"""A large time-ordered projection is computed in time slices, each sorted on its own and appended in order
(``aiaudit.frames.slices``): the frame must be the one a single sorted query gives, value for value
and row for row, including rows that share a timestamp, on every pipeline of the real samples.

The slice size is a module setting; these tests make it tiny so the samples are cut into many slices (the
code under test is not replaced, only told to slice small tables)."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import aiaudit
from aiaudit import TimeRange
from aiaudit.frames import COLUMNS
from aiaudit.frames import slices as S

P = importlib.import_module("aiaudit.frames.project")  # the package exports a function of the same name

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
EVERYTHING = TimeRange.parse(None, start="2000-01-01T00:00:00Z", end="2100-01-01T00:00:00Z")


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    source = aiaudit.connect(f"local:{SAMPLES}", cache_dir=str(tmp_path_factory.mktemp("slices")))
    yield source
    source.close()


def whole_and_sliced(
    src: Any, pipeline: str, monkeypatch: pytest.MonkeyPatch, rows: int = 3
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    con, qy = src.projection_query(pipeline, EVERYTHING)
    whole = P.run(con, qy, rows_hint=None)  # the samples hold fewer rows than SLICE_ROWS: one query
    monkeypatch.setattr(S, "SLICE_ROWS", rows)
    monkeypatch.setattr(S, "ROW_GROUP", 1)  # every row its own "row group": the store counts as in time order
    P._prepare(con, qy)
    slices = len(S.time_slices(con, qy))
    sliced = P.run(con, qy, rows_hint=None)
    return whole, sliced, slices


@pytest.mark.parametrize("pipeline", sorted(COLUMNS))
def test_sliced_frame_equals_one_sorted_query(src: Any, pipeline: str, monkeypatch: pytest.MonkeyPatch) -> None:
    whole, sliced, slices = whole_and_sliced(src, pipeline, monkeypatch, rows=1)
    assert len(whole) >= 3, pipeline
    # spans are never sliced: a span's request id can come from another span of its trace (the bridge)
    assert slices == 1 if pipeline == "spans" else slices >= 3, (pipeline, slices)
    pd.testing.assert_frame_equal(sliced, whole, check_exact=True)


def test_rows_of_one_instant_stay_in_one_slice_in_their_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # nine events at one second and three others: a slice boundary must not cut the nine apart, and their
    # order (by the record's text hash) must be the single query's
    folder = tmp_path / "ct"
    folder.mkdir()
    records = []
    for i in range(12):
        second = 5 if i < 9 else i - 8  # 9 events at :05, then :01, :02, :03
        records.append(
            {
                "eventVersion": "1.08",
                "eventID": f"id-{i:02d}",
                "eventTime": f"2026-11-19T10:00:0{second}Z",
                "eventSource": "bedrock.amazonaws.com",
                "eventName": "InvokeModel",
                "awsRegion": "us-east-1",
                "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::111122223333:user/u{i}"},
                "recipientAccountId": "111122223333",
            }
        )
    (folder / "events.json").write_text(json.dumps({"Records": records}))
    src = aiaudit.connect(f"local:{folder}", cache_dir=str(tmp_path / "cache"))
    try:
        whole, sliced, slices = whole_and_sliced(src, "cloudtrail", monkeypatch)
    finally:
        src.close()
    # four slices asked for (12 rows / 3): the quartiles of :01 :02 :03 :05x9 are :03, :05 and :05, so the
    # bounds are :03 and :05 and the slices [.., :03), [:03, :05), [:05, ..) — the nine rows in the last one
    assert slices == 3
    assert (sliced["time"].dt.second.tolist()) == [1, 2, 3] + [5] * 9
    pd.testing.assert_frame_equal(sliced, whole, check_exact=True)


def test_rows_stored_out_of_time_order_are_cut_into_few_slices(src: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    con, qy = src.projection_query("cloudtrail", EVERYTHING)
    P._prepare(con, qy)
    monkeypatch.setattr(S, "SLICE_ROWS", 2)
    monkeypatch.setattr(S, "SPREAD_SLICES", 3)
    # the samples' few rows are one row group, whose time range meets every slice: each slice would read it
    assert len(S.time_slices(con, qy)) == 3
    monkeypatch.setattr(S, "ROW_GROUP", 1)
    assert len(S.time_slices(con, qy)) > 3


def test_an_ordered_stream_follows_the_slices(src: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = src.projection("cloudtrail", EVERYTHING)
    monkeypatch.setattr(S, "SLICE_ROWS", 4)
    monkeypatch.setattr(S, "ROW_GROUP", 1)
    chunks = list(src.stream("cloudtrail", EVERYTHING, chunk_rows=5, ordered=True))
    assert len(chunks) > -(-len(whole) // 5)  # slices end chunks early: more chunks than rows / 5
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole, check_exact=True)


def test_a_focused_or_unordered_query_is_not_sliced(src: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(S, "SLICE_ROWS", 1)
    monkeypatch.setattr(S, "ROW_GROUP", 1)
    for kwargs in ({"principal": "arn:aws:iam::111111111111:role/JohnRole1"}, {"order": None}):
        con, qy = src.projection_query("cloudtrail", EVERYTHING, **kwargs)
        P._prepare(con, qy)
        assert qy.sliceable is None and len(S.time_slices(con, qy)) == 1
