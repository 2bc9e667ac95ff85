"""What the engine-built projections promise a caller, on the real samples: ``columns=`` computes and returns
only the columns asked for (the same values as the full frame), focus filters run inside the query (the
store's rows are narrowed before any column is derived), and a projection can be streamed in chunks or
aggregated as a DuckDB relation without building the whole frame, with the same rows and dtypes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import aiaudit
from aiaudit import TimeRange
from aiaudit.core.errors import InputError
from aiaudit.frames import COLUMNS, empty_frame
from aiaudit.frames.focus import focus_query

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
EVERYTHING = TimeRange.parse(None, start="2000-01-01T00:00:00Z", end="2100-01-01T00:00:00Z")
#: A role in the samples whose two events come from its assumed-role sessions (normalised to the role).
ROLE = "arn:aws:iam::111111111111:role/JohnRole1"


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    source = aiaudit.connect(f"local:{SAMPLES}", cache_dir=str(tmp_path_factory.mktemp("engine-api")))
    yield source
    source.close()


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_exact=True)


@pytest.mark.parametrize("pipeline", sorted(COLUMNS))
def test_columns_returns_only_those_with_the_full_frames_values(src: Any, pipeline: str) -> None:
    full = src.projection(pipeline, EVERYTHING)
    assert len(full) > 0, pipeline
    asked = ["principal" if pipeline != "runtime_logs" else "body", "@ptr", "time"]
    asked = [c for c in asked if c in full.columns]
    part = src.projection(pipeline, EVERYTHING, columns=asked)
    contract = [c.name for c in COLUMNS[pipeline]]
    assert list(part.columns) == [c for c in contract if c in asked]  # contract order, nothing else
    same(part, full[list(part.columns)])
    assert part.dtypes.to_dict() == empty_frame(pipeline)[list(part.columns)].dtypes.to_dict()


def test_an_unknown_column_is_an_error_naming_it(src: Any) -> None:
    with pytest.raises(InputError, match="no column 'eventname'"):
        src.cloudtrail(EVERYTHING, columns=["eventName", "eventname"])


def test_focus_narrows_the_rows_inside_the_query(src: Any) -> None:
    fq = focus_query("cloudtrail", {"principal": [ROLE]}, "cloudtrail", None)
    # the principal the store computed at ingest, compared as one column (pushed into the scan) of the
    # records whose message is JSON (a frame's column is NULL for the others): that is the whole match
    assert fq.prefilter == (
        "(_json AND (coalesce(\"_ingest_principal\" IN ('arn:aws:iam::111111111111:role/JohnRole1'), false)))"
    )
    assert fq.pushed_down  # the focused rows are then read once per use, not materialised with every column
    assert fq.exact is None and fq.columns == []  # nothing is tested again after the scan
    # a focus that searches raw fields (an address inside a comma-joined sourceIPAddress) is not pushed
    # down, and its exact test on the frame's columns follows
    mixed = focus_query("cloudtrail", {"principal": [ROLE], "source_ip": ["81.2.69.144"]}, "cloudtrail")
    assert not mixed.pushed_down
    assert mixed.exact is not None and '"principal" IN' in mixed.exact and '"source_ips"' in mixed.exact
    assert mixed.columns == ["principal", "source_ips"]
    focused = src.cloudtrail(EVERYTHING, principal=ROLE)
    full = src.cloudtrail(EVERYTHING)
    expected = full[full["principal"] == ROLE]
    assert 0 < len(focused) < len(full)
    same(focused, expected)
    assert focused.attrs["aiaudit"]["stats"]["records_matched"] == len(expected)


@pytest.mark.parametrize("pipeline", ["cloudtrail", "invocations"])
def test_focus_on_every_principal_of_the_samples_keeps_exactly_its_rows(src: Any, pipeline: str) -> None:
    """The prefilter compares the principal the store computed at ingest; on every principal the real
    samples hold (roles, users, services, roots, federated and anonymous callers), the
    focused frame must be exactly the full frame's rows of that principal."""
    full = src.projection(pipeline, EVERYTHING)
    principals = sorted(full["principal"].dropna().unique())
    # counted by hand in the samples: CloudTrail has 14 named roles and users, a service, a source IP, a
    # gateway JWT and a SAML user; the invocation logs 7 roles and users
    assert len(principals) == (18 if pipeline == "cloudtrail" else 7), principals
    for principal in principals:
        focused = src.projection(pipeline, EVERYTHING, principal=principal)
        expected = full[full["principal"] == principal]
        assert len(focused) == len(expected) > 0, principal
        same(focused, expected)


@pytest.mark.parametrize("pipeline", sorted(COLUMNS))
def test_stream_yields_the_projection_in_bounded_chunks(src: Any, pipeline: str) -> None:
    full = src.projection(pipeline, EVERYTHING)
    chunks = list(src.stream(pipeline, EVERYTHING, chunk_rows=7, ordered=True))
    assert all(0 < len(c) <= 7 for c in chunks)
    assert len(chunks) == -(-len(full) // 7)
    for chunk in chunks:
        assert chunk.dtypes.to_dict() == full.dtypes.to_dict()
    same(pd.concat(chunks, ignore_index=True), full)


def test_stream_in_storage_order_has_the_same_rows(src: Any) -> None:
    full = src.cloudtrail(EVERYTHING).sort_values("@ptr", kind="stable")
    streamed = pd.concat(src.stream("cloudtrail", EVERYTHING, chunk_rows=5), ignore_index=True)
    same(streamed.sort_values("@ptr", kind="stable"), full)


def test_relation_aggregates_inside_the_engine(src: Any) -> None:
    rel = src.relation("cloudtrail", EVERYTHING, columns=["principal", "eventName"])
    counted = rel.aggregate("principal, count(*) AS n").df()
    by_engine = {(None if pd.isna(p) else p): int(n) for p, n in zip(counted["principal"], counted["n"])}
    full = src.cloudtrail(EVERYTHING)
    by_frame = full["principal"].astype(object).where(full["principal"].notna(), None).value_counts(dropna=False)
    assert by_engine == {(None if pd.isna(p) else p): int(n) for p, n in by_frame.items()}
    assert sum(by_engine.values()) == len(full)
