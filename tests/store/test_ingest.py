"""The store's rows: system and hot columns, both ingest paths, time ranges, records, inventory."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from aiaudit.core.errors import InputError
from aiaudit.core.timerange import TimeRange
from aiaudit.store import Store

from .helpers import ACCOUNT, event, s3_path, write_s3

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"


def _gateway_401() -> dict:
    return event(
        1,
        eventSource="bedrock-agentcore.amazonaws.com",
        eventName="InvokeGateway",
        errorCode="AccessDenied",
        responseElements={"statusCode": 401, "body": {"error": {"message": "no token"}}},
        resources=[{"ARN": "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-1", "type": "Gateway"}],
        additionalEventData={"jwt": {"claims": {"sub": "u-7", "iss": "https://idp.example"}}},
        readOnly=False,
    )


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    write_s3(root, "A", [event(0), _gateway_401(), event(2, eventTime="2026-11-20T10:00:59Z")])
    return root


def test_hot_columns_hold_json_scalar_text(data: Path) -> None:
    with Store(data) as store:
        report = store.ingest()
        assert report.files_fast == 1 and report.records_kept == 3
        row = store.select_raw("cloudtrail", None, where='"eventName" = ?', args=["InvokeGateway"]).iloc[0]
    # golden values, written by hand from the event above
    assert row["responseElements.statusCode"] == "401"
    assert row["readOnly"] == "false"
    assert row["resources.0.ARN"] == "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-1"
    assert row["additionalEventData.jwt.claims.sub"] == "u-7"
    assert row["userIdentity.sessionContext.sessionIssuer.arn"] == f"arn:aws:iam::{ACCOUNT}:role/agent"
    assert pd.isna(row["userIdentity.accessKeyId"])  # absent -> NULL
    assert row["@timestamp"] == pd.Timestamp("2026-11-20T10:00:01Z")
    assert row["@log"] == "cloudtrail"
    assert row["@logStream"] == f"{ACCOUNT}_CloudTrail_us-east-1"
    assert row["_line"] == 2
    assert pd.isna(row["_time_flag"])
    assert json.loads(row["@message"]) == _gateway_401()


def test_objects_are_json_text_and_null_is_null(data: Path) -> None:
    with Store(data) as store:
        store.ingest()
        frame = store.select_raw("cloudtrail", None)
        con = store.connection()
        status = con.execute('SELECT "responseElements.statusCode" FROM cloudtrail WHERE "eventID" = ?', ["ev-000000"])
        assert status.fetchone()[0] is None  # "responseElements": null
    assert frame["@timestamp"].dt.tz is not None and str(frame["@timestamp"].dt.tz) == "UTC"


def test_time_range_is_inclusive_whole_seconds(data: Path) -> None:
    with Store(data) as store:
        store.ingest()
        t = lambda s: datetime.fromisoformat(f"2026-11-20T10:00:{s:02d}+00:00")  # noqa: E731
        assert list(store.select_raw("cloudtrail", TimeRange(t(0), t(1)))["eventID"]) == ["ev-000000", "ev-000001"]
        assert list(store.select_raw("cloudtrail", TimeRange(t(1), t(58)))["eventID"]) == ["ev-000001"]
        assert list(store.select_raw("cloudtrail", TimeRange(t(59), t(59)))["eventID"]) == ["ev-000002"]
        assert store.count("cloudtrail") == 3
        assert store.data_span() == TimeRange(t(0), t(59))


def test_record_by_ptr(data: Path) -> None:
    with Store(data) as store:
        store.ingest()
        ptrs = list(store.select_raw("cloudtrail", None)["@ptr"])
        assert len(set(ptrs)) == 3
        assert store.record(ptrs[1]) == _gateway_401()
        with pytest.raises(InputError, match="no record with @ptr"):
            store.record("nope-1")


def test_ptr_stable_across_rebuild(data: Path, tmp_path: Path) -> None:
    with Store(data) as one:
        one.ingest()
        first = list(one.select_raw("cloudtrail", None)["@ptr"])
    with Store(data, cache_dir=tmp_path / "elsewhere") as two:
        two.ingest()
        assert list(two.select_raw("cloudtrail", None)["@ptr"]) == first


def _rows(store: Store, pipeline: str) -> pd.DataFrame:
    frame = store.select_raw(pipeline, None).drop(columns=["@ingestionTime", "_file_id"])
    return frame.sort_values("@ptr").reset_index(drop=True)


def test_bulk_and_reader_paths_store_identical_rows(tmp_path: Path) -> None:
    """The same S3 files through DuckDB's bulk path and through the Python readers."""
    root = tmp_path / "data"
    tricky = event(
        5,
        requestParameters={
            "modelId": "m",
            "text": 'caf\u00e9 \u2603 "q" \\ / \n',
            "big": 123456789012345678901234567890,
        },
        responseElements={"ratio": 1.5, "zero": 0.0, "list": [1, "two", None, True]},
        errorMessage="emoji \U0001f600",
    )
    write_s3(root, "A", [event(i) for i in range(4)] + [tricky])
    write_s3(root, "B", [event(10), _gateway_401()], region="eu-west-1")
    with Store(root, cache_dir=tmp_path / "bulk") as bulk, Store(root, cache_dir=tmp_path / "py", bulk=False) as py:
        assert bulk.ingest().files_fast == 2
        report = py.ingest()
        assert report.files_fast == 0 and report.files_python == 2
        a, b = _rows(bulk, "cloudtrail"), _rows(py, "cloudtrail")
    assert len(a) == 7
    pd.testing.assert_frame_equal(a, b)


def test_delivery_files_laid_out_as_text_differently_store_the_same_rows(tmp_path: Path) -> None:
    """The bulk path reads a delivery file's line as the document: a Windows line end or a blank line
    before it changes nothing; a pretty-printed document (several lines) goes to the readers whole."""
    root = tmp_path / "data"
    layouts = {
        "crlf": lambda doc: json.dumps(doc, separators=(",", ":")) + "\r\n",
        "blank-first": lambda doc: "\n" + json.dumps(doc, separators=(",", ":")) + "\n",
        "pretty": lambda doc: json.dumps(doc, indent=2),
    }
    for n, (name, layout) in enumerate(layouts.items()):
        path = s3_path(root, name)
        path.write_bytes(gzip.compress(layout({"Records": [event(10 * n + 1), event(10 * n + 2)]}).encode()))
    with Store(root, cache_dir=tmp_path / "bulk") as bulk, Store(root, cache_dir=tmp_path / "py", bulk=False) as py:
        report = bulk.ingest()
        assert (report.files_fast, report.files_python) == (2, 1)  # the pretty one through the readers
        assert py.ingest().files_python == 3
        a, b = _rows(bulk, "cloudtrail"), _rows(py, "cloudtrail")
        assert bulk.inventory().skipped.empty
    assert sorted(a["eventID"]) == ["ev-000001", "ev-000002", "ev-000011", "ev-000012", "ev-000021", "ev-000022"]
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("files", [1, 3])
def test_windows_line_ends_stay_on_the_bulk_path(tmp_path: Path, files: int) -> None:
    """A part's first try reads with a Unix line end named, which refuses a Windows one; the retry, file
    by file with the line end detected, keeps the files on the bulk path (a lone file as well)."""
    root = tmp_path / "data"
    for n in range(files):
        write_s3(root, f"crlf{n}", [event(10 * n + 1), event(10 * n + 2)], line_end="\r\n")
    with Store(root, cache_dir=tmp_path / "bulk") as bulk, Store(root, cache_dir=tmp_path / "py", bulk=False) as py:
        report = bulk.ingest()
        assert (report.files_fast, report.files_python) == (files, 0)
        py.ingest()
        a, b = _rows(bulk, "cloudtrail"), _rows(py, "cloudtrail")
        assert bulk.inventory().skipped.empty
    assert len(a) == 2 * files
    pd.testing.assert_frame_equal(a, b)


def test_fast_path_hands_odd_files_to_the_readers(tmp_path: Path) -> None:
    root = tmp_path / "data"
    write_s3(root, "good", [event(1)])
    write_s3(root, "oddtime", [event(2), event(3, eventTime="2026-11-20 10:00:03")])  # space, not T
    write_s3(root, "scalar", [event(4), 42])
    broken = write_s3(root, "broken", [event(5)])
    broken.write_bytes(broken.read_bytes()[:-12])  # truncated gzip
    with Store(root) as store:
        report = store.ingest()
        assert report.files_fast == 1 and report.files_python == 3
        frame = store.select_raw("cloudtrail", None)
        skipped = store.inventory().skipped
    assert sorted(frame["eventID"]) == ["ev-000001", "ev-000002", "ev-000003", "ev-000004"]
    # the reader parses the space-separated time (no flag) and reports the scalar and the cut gzip
    assert frame.set_index("eventID").loc["ev-000003", "@timestamp"] == pd.Timestamp("2026-11-20T10:00:03Z")
    reasons = " | ".join(skipped["reason"])
    assert "not a JSON object" in reasons
    assert len(skipped) >= 2 and set(skipped["file"].str.contains("broken|scalar")) == {True}


def test_time_flag_uses_delivery_time(tmp_path: Path) -> None:
    root = tmp_path / "data"
    write_s3(root, "A", [event(1, eventTime="redacted")])
    with Store(root) as store:
        store.ingest()
        row = store.select_raw("cloudtrail", None).iloc[0]
    assert row["_time_flag"] == "unparseable eventTime: 'redacted'"
    assert row["@timestamp"] == pd.Timestamp("2026-11-20T10:00:00Z")  # the S3 key time 20261120T1000Z


def test_ndjson_and_other_pipelines_via_readers(tmp_path: Path) -> None:
    root = tmp_path / "data"
    root.mkdir()
    (root / "ct.log").write_text(json.dumps(event(1)) + "\n\n" + json.dumps(event(2)) + "\nnot json\n")
    span = {
        "traceId": "t1",
        "spanId": "s1",
        "name": "chat",
        "startTimeUnixNano": "1763632800000000000",
        "durationNano": 5,
        "attributes": {"session.id": "sess-9", "gen_ai.request.model": "m-1"},
        "resource": {"attributes": {"service.name": "agent-a"}},
    }
    (root / "spans.json").write_text(json.dumps(span))
    with Store(root) as store:
        report = store.ingest()
        ct = store.select_raw("cloudtrail", None)
        sp = store.select_raw("spans", None).iloc[0]
        inv = store.inventory()
    assert report.skipped == 1
    assert list(ct["_line"]) == [1, 3]
    assert sp["attributes.session.id"] == "sess-9"  # literal dotted key
    assert sp["attributes.gen_ai.request.model"] == "m-1"
    assert sp["resource.attributes.service.name"] == "agent-a"
    assert sp["startTimeUnixNano"] == 1763632800000000000
    assert sp["@timestamp"] == pd.Timestamp("2025-11-20T10:00:00Z")
    assert list(inv.skipped.columns) == ["file", "line", "reason", "excerpt"]
    assert inv.skipped.iloc[0]["file"] == "ct.log" and inv.skipped.iloc[0]["line"] == 4
    assert set(inv.groups["pipeline"]) == {"cloudtrail", "spans"}
    assert "cloudtrail" in str(inv) and "<table" in inv._repr_html_()


@pytest.mark.skipif(not SAMPLES.exists(), reason="shared samples not present")
def test_samples_load_into_a_cache_dir(tmp_path: Path) -> None:
    with Store(SAMPLES, cache_dir=tmp_path / "cache") as store:
        report = store.ingest()
        inv = store.inventory()
        assert report.records_kept == sum(inv.groups["records"])
        assert store.count("cloudtrail") > 0 and store.count("invocations") > 0 and store.count("spans") > 0
        files = inv.files.set_index("path")
        assert files.loc["cloudtrail/test-cloudtrail-digest-json.log", "records_read"] == 0
        assert not store.needs_ingest()


def test_gzip_helper_is_real_gzip(data: Path) -> None:
    path = next(data.rglob("*.json.gz"))
    assert json.loads(gzip.decompress(path.read_bytes()))["Records"][0]["eventID"] == "ev-000000"


def test_unknown_pipeline_is_an_input_error(data: Path) -> None:
    with Store(data) as store:
        store.ingest()
        with pytest.raises(InputError, match="unknown pipeline"):
            store.count("nope")
        assert store.select_raw("invocations", None).empty
        assert datetime.now(UTC) > store.select_raw("cloudtrail", None)["@ingestionTime"].max().to_pydatetime()
