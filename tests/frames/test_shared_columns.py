"""Columns that normalise another column (``region`` is ``awsRegion``) are sent by the engine only where they
differ from it and rebuilt on its buffers (``aiaudit.frames.project.shared_columns``). What a caller sees
must not change: every value is its own, whether it equals its source, differs from it, or is missing
while the source is not; a column whose source was not asked for is computed whole; and where no row
differs the two columns share their text buffers (the memory the mechanism exists to save).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from store.helpers import ACCOUNT, event, write_s3

import aiaudit
from aiaudit import TimeRange
from aiaudit.frames.columns import COLUMNS as CONTRACT
from aiaudit.frames.pipelines import SPECS
from aiaudit.frames.project import project_records

from .helpers import values

EVERYTHING = TimeRange.parse(None, start="2000-01-01T00:00:00Z", end="2100-01-01T00:00:00Z")
ROLE = f"arn:aws:iam::{ACCOUNT}:role/agent"  # the session issuer of the helper's events
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"

EVENTS = [
    event(1),
    # a redacted request id (request_id missing, requestID as recorded), two addresses (source_ip the first)
    event(2, requestID="<redacted>", sourceIPAddress="10.0.0.2, 10.0.0.3"),
    # an IAM user: no session issuer, so principal differs from it
    event(3, requestID="req-3", sourceIPAddress="10.0.0.9", userIdentity={"type": "IAMUser", "arn": ALICE}),
]
RECORDS = [json.dumps(e) for e in EVENTS]
COLUMNS = [
    "requestID",
    "request_id",
    "sourceIPAddress",
    "source_ip",
    "userIdentity.sessionContext.sessionIssuer.arn",
    "principal",
    "awsRegion",
    "region",
]


def test_every_value_is_its_own_where_it_equals_differs_from_or_lacks_its_source() -> None:
    frame = project_records("cloudtrail", RECORDS, columns=COLUMNS)
    assert values(frame["requestID"]) == ["req-1", "<redacted>", "req-3"]
    assert values(frame["request_id"]) == ["req-1", None, "req-3"]
    assert values(frame["sourceIPAddress"]) == ["10.0.0.1", "10.0.0.2, 10.0.0.3", "10.0.0.9"]
    assert values(frame["source_ip"]) == ["10.0.0.1", "10.0.0.2", "10.0.0.9"]
    assert values(frame["userIdentity.sessionContext.sessionIssuer.arn"]) == [ROLE, ROLE, None]
    assert values(frame["principal"]) == [ROLE, ROLE, ALICE]
    assert values(frame["region"]) == ["us-east-1"] * 3
    assert sorted(frame.columns) == sorted(COLUMNS)  # no flag column leaks out
    assert all(str(frame[c].dtype) == "string" for c in COLUMNS)


def test_a_column_asked_without_its_source_is_computed_whole() -> None:
    frame = project_records("cloudtrail", RECORDS, columns=["request_id", "source_ip", "principal"])
    assert list(frame.columns) == ["principal", "source_ip", "request_id"]  # contract order
    assert values(frame["request_id"]) == ["req-1", None, "req-3"]
    assert values(frame["source_ip"]) == ["10.0.0.1", "10.0.0.2", "10.0.0.9"]
    assert values(frame["principal"]) == [ROLE, ROLE, ALICE]


def _buffers(frame: pd.DataFrame, column: str) -> list[int]:
    chunked = pa.chunked_array(frame[column].array.__arrow_array__())
    return [b.address for chunk in chunked.chunks for b in chunk.buffers() if b is not None]


def test_where_no_row_differs_the_two_columns_share_their_text() -> None:
    frame = project_records("cloudtrail", RECORDS, columns=COLUMNS)
    assert _buffers(frame, "region") == _buffers(frame, "awsRegion")
    # a column with a differing row is a column of its own
    assert _buffers(frame, "request_id") != _buffers(frame, "requestID")
    frame.loc[0, "region"] = "eu-west-1"  # a cell set in one column leaves the other as it was
    assert values(frame["region"]) == ["eu-west-1", "us-east-1", "us-east-1"]
    assert values(frame["awsRegion"]) == ["us-east-1"] * 3


def test_the_declared_copies_are_text_columns_of_the_contract() -> None:
    for pipeline, spec in SPECS.items():
        kinds = {c.name: c.kind for c in CONTRACT[pipeline]}
        for column, source in spec.copies:
            assert kinds.get(column) == "string" and kinds.get(source) == "string", (pipeline, column, source)
            assert source not in dict(spec.copies), (pipeline, source)  # a source is sent whole


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("shared-columns")
    write_s3(root, "shared", EVENTS)
    source = aiaudit.connect(f"local:{root}")
    yield source
    source.close()


def test_the_relation_and_the_stream_restore_shared_columns(src: Any) -> None:
    rel = src.relation("cloudtrail", EVERYTHING, columns=COLUMNS).order('"requestID"').df()
    assert values(rel["request_id"]) == [None, "req-1", "req-3"]  # '<' sorts first
    assert values(rel["principal"]) == [ROLE, ROLE, ALICE]
    assert "_differs" not in rel.columns
    chunks = list(src.stream("cloudtrail", EVERYTHING, columns=COLUMNS, chunk_rows=2, ordered=True))
    streamed = pd.concat(chunks, ignore_index=True)
    assert values(streamed["request_id"]) == ["req-1", None, "req-3"]
    assert values(streamed["source_ip"]) == ["10.0.0.1", "10.0.0.2", "10.0.0.9"]
    assert list(streamed.columns) == list(src.cloudtrail(EVERYTHING, columns=COLUMNS).columns)
