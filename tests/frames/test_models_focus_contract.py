"""Model ids, runtime ARNs, focus filters (SQL superset on DuckDB + exact), the frame contract, offload."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from aiaudit.derive.expr import install
from aiaudit.frames import (
    COLUMNS,
    ProjectionWarning,
    apply_focus,
    empty_frame,
    normalise_model_id,
    normalise_runtime_arn,
    prefilter,
    project,
)
from aiaudit.store.memory import load_messages

from .helpers import SAMPLES, check_row, ndjson, raw_frame, values

DOCS = Path(__file__).resolve().parents[2] / "docs" / "frames.md"


@pytest.mark.parametrize(
    ("raw", "base"),
    [
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", "anthropic.claude-3-7-sonnet-20250219-v1:0"),
        ("eu.amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0"),
        ("apac.anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-haiku-20240307-v1:0"),
        ("global.anthropic.claude-sonnet-4-20250514-v1:0", "anthropic.claude-sonnet-4-20250514-v1:0"),
        ("us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ("jp.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("au.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
        (
            "arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.meta.llama3-2-11b-instruct-v1:0",
            "meta.llama3-2-11b-instruct-v1:0",
        ),
        ("arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1", "amazon.titan-text-express-v1"),
        (  # opaque ids: the base model is only known to the Bedrock API, keep the ARN
            "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6",
            "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6",
        ),
        (
            "arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abcdef123456",
            "arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abcdef123456",
        ),
        ("dummy-model-v1", "dummy-model-v1"),
        ("<redacted>", None),
        (None, None),
    ],
)
def test_normalise_model_id(raw: str | None, base: str | None) -> None:
    assert normalise_model_id(raw) == base


@pytest.mark.parametrize(
    ("value", "runtime"),
    [
        (
            "arn:aws:bedrock-agentcore:us-east-1:467801433859:runtime/acr_cmk_demo-nerCnuBMNU/runtime-endpoint/DEFAULT:DEFAULT",
            "arn:aws:bedrock-agentcore:us-east-1:467801433859:runtime/acr_cmk_demo-nerCnuBMNU",
        ),
        (
            "arn:aws:bedrock-agentcore:us-east-1:467801433859:runtime/acr_cmk_demo-nerCnuBMNU",
            "arn:aws:bedrock-agentcore:us-east-1:467801433859:runtime/acr_cmk_demo-nerCnuBMNU",
        ),
        ("arn:aws:bedrock-agentcore:us-west-2:434444145045:gateway/launchpad-gw-em0yuqmmdp", None),
        ("arn:aws:lambda:us-east-1:1:function:f", None),
        ("", None),
    ],
)
def test_normalise_runtime_arn(value: str, runtime: str | None) -> None:
    assert normalise_runtime_arn(value) == runtime


# -- focus: the SQL fragment runs on a DuckDB table shaped like the store's, and is a superset ------------


def _focused(pipeline: str, records: list[dict], focus: dict[str, list[str]]) -> tuple[set[str], list[str]]:
    """The rows the superset keeps (run on a table of the store's layout) and the rows the focused
    projection returns; the pushed-down exact focus must agree with ``apply_focus`` on the whole frame."""
    raw = raw_frame(records)
    raw["@ptr"] = [f"p{i}" for i in range(len(records))]
    con = duckdb.connect()
    install(con)
    load_messages(con, pipeline, raw)
    where, args = prefilter(pipeline, focus)
    sql = f'SELECT "@ptr" FROM "{pipeline}"' + (f" WHERE {where}" if where else "")
    pre = {r[0] for r in con.execute(sql, args).fetchall()}
    exact = project(pipeline, raw, focus=focus)
    whole = apply_focus(project(pipeline, raw), focus, pipeline)
    assert sorted(exact["@ptr"].tolist()) == sorted(whole["@ptr"].tolist())
    return pre, sorted(exact["@ptr"].tolist())


def _invocation_records() -> list[dict]:
    recs = ndjson(SAMPLES / "invocations" / "elastic-test-aws-bedrock-1-16.log")
    recs.append(json.loads((SAMPLES / "invocations" / "sample_invocation_log_cohere_invokemodel.json").read_text()))
    recs.append(
        {
            "timestamp": "2025-01-01T00:00:00Z",
            "modelId": "us.anthropic.claude_x-v1:0",
            "requestId": "rq_1",
            "identity": {"arn": "arn:aws:sts::123456789012:assumed-role/my_role/sess"},
        }
    )
    return recs


def test_focus_principal_session_arn_matches_its_role() -> None:
    pre, exact = _focused(
        "invocations",
        _invocation_records(),
        {"principal": ["arn:aws:sts::795142007471:assumed-role/BEDROCKPLAYGROUNDACCESS/someone-else"]},
    )
    assert exact == ["p11", "p12"]
    assert set(exact) <= pre


def test_focus_underscore_is_literal_and_model_profile_matches_base() -> None:
    recs = _invocation_records()
    pre, exact = _focused("invocations", recs, {"principal": ["arn:aws:iam::123456789012:role/my_role"]})
    assert exact == ["p17"] and "p16" not in pre  # "my_role" must not LIKE-match "my-bedrock-role"
    pre, exact = _focused("invocations", recs, {"model_id": ["anthropic.claude_x-v1:0"]})
    assert exact == ["p17"]
    pre, exact = _focused("invocations", recs, {"model_id": ["anthropic.claude-3-sonnet-20240229-v1:0"]})
    assert exact == ["p13", "p14", "p15", "p5", "p6", "p7", "p9"] and set(exact) <= pre


def test_focus_redacted_matches_nothing_and_keys_and() -> None:
    recs = _invocation_records()
    pre, exact = _focused("invocations", recs, {"principal": ["<redacted>"]})
    assert pre == set() and exact == []
    pre, exact = _focused(
        "invocations",
        recs,
        {
            "principal": ["arn:aws:iam::891377031307:user/shashank"],
            "request_id": ["6d97c170-4ec6-4798-8035-6a38a1bc751f"],
        },
    )
    assert exact == ["p3"]


def test_focus_cloudtrail_ip_account_event() -> None:
    recs = ndjson(SAMPLES / "cloudtrail" / "test-tls-details-json.log")
    recs += [json.loads(p.read_text()) for p in sorted((SAMPLES / "agentcore").glob("*.json"))]
    _pre, exact = _focused("cloudtrail", recs, {"source_ip": ["192.168.10.10"]})
    assert exact == ["p1"]  # the second address of a comma-joined list
    _pre, exact = _focused("cloudtrail", recs, {"principal": ["ip:34.XXX.XXX.206"]})
    assert exact == ["p6"]  # p3..p7 are the agentcore files in sorted order; p6 is the 401
    pre, exact = _focused("cloudtrail", recs, {"event_name": ["InvokeGateway"], "account": ["XXXXXXXXXX"]})
    assert exact == ["p6", "p7"] and set(exact) <= pre


def test_focus_spans_request_id_keeps_the_trace() -> None:
    spans = [
        {"traceId": "t1", "spanId": "p", "name": "chat m"},
        {"traceId": "t1", "spanId": "c", "parentSpanId": "p", "attributes": {"aws.request_id": "req-9"}},
        {"traceId": "t2", "spanId": "x", "attributes": {"aws.request_id": "req-8"}},
    ]
    pre, exact = _focused("spans", spans, {"request_id": ["req-9"]})
    assert pre == {"p0", "p1"} and exact == ["p0", "p1"]
    _pre, exact = _focused("spans", spans, {"trace_id": ["T1"]})
    assert exact == ["p0", "p1"]


def test_focus_not_applicable_is_ignored_with_a_note() -> None:
    frame = project("cloudtrail", raw_frame(ndjson(SAMPLES / "cloudtrail" / "test-tls-details-json.log")))
    out = apply_focus(frame, {"session_id": ["s"]}, "cloudtrail")
    assert len(out) == 3 and any("session_id" in w for w in out.attrs["warnings"])
    assert prefilter("cloudtrail", {"session_id": ["s"]}) == (None, [])


# -- frame contract -------------------------------------------------------------------------------


@pytest.mark.parametrize("pipeline", sorted(COLUMNS))
def test_empty_input_gives_every_column_typed(pipeline: str) -> None:
    frame = project(pipeline, raw_frame([]))
    assert list(frame.columns) == [c.name for c in COLUMNS[pipeline]]
    assert frame.dtypes.to_dict() == empty_frame(pipeline).dtypes.to_dict()
    assert str(frame["time"].dtype) == "datetime64[ns, UTC]"


@pytest.mark.parametrize("pipeline", sorted(COLUMNS))
def test_full_frames_keep_the_declared_dtypes(pipeline: str) -> None:
    records = {
        "cloudtrail": [json.loads(p.read_text()) for p in (SAMPLES / "agentcore").glob("*.json")],
        "invocations": ndjson(SAMPLES / "invocations" / "elastic-test-aws-bedrock-1-16.log"),
        "spans": [json.loads(p.read_text()) for p in (SAMPLES / "spans").glob("*.json")],
        "runtime_logs": ndjson(SAMPLES / "spans" / "otel-rt-logs-1-3.jsonl"),
    }[pipeline]
    frame = project(pipeline, raw_frame(records))
    assert frame.dtypes.to_dict() == empty_frame(pipeline).dtypes.to_dict()


def test_bad_json_keeps_the_row_and_warns() -> None:
    good = ndjson(SAMPLES / "cloudtrail" / "test-converse-json.log")[0]
    raw = raw_frame([good, '{"eventName": "Trunc', "[1, 2]"])
    with pytest.warns(ProjectionWarning, match=r"2 record\(s\).*ptr-1, ptr-2"):
        frame = project("cloudtrail", raw)
    assert len(frame) == 3
    assert values(frame["eventName"]) == ["Converse", None, None]
    assert values(frame["@ptr"]) == ["ptr-0", "ptr-1", "ptr-2"]
    assert frame["time"].tolist()[1] == pd.Timestamp("2025-01-01T00:00:00Z")  # @timestamp fallback
    assert "not a JSON object" in frame.attrs["warnings"][0]


def test_docs_list_every_column() -> None:
    text = DOCS.read_text()
    for pipeline, cols in COLUMNS.items():
        section = text.split(f"## `{pipeline}`", 1)[1].split("\n## ", 1)[0]
        documented = set(re.findall(r"^\| `([^`]+)` \|", section, flags=re.M))
        assert documented == {c.name for c in cols}, pipeline


# -- offloaded bodies ------------------------------------------------------------------------------


def test_offloaded_bodies_read_from_data_folder(tmp_path: Path) -> None:
    key = "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2025/03/01/10/data/abc_input.json.gz"
    local = tmp_path / "export" / key
    local.parent.mkdir(parents=True)
    local.write_bytes(
        gzip.compress(json.dumps({"messages": [{"role": "user", "content": [{"text": "big prompt"}]}]}).encode())
    )
    rec = {
        "timestamp": "2025-03-01T10:00:00Z",
        "requestId": "r",
        "modelId": "amazon.nova-pro-v1:0",
        "input": {"inputBodyS3Path": "s3://my-bucket/" + key, "inputTokenCount": 5},
        "output": {"outputBodyS3Path": "s3://my-bucket/AWSLogs/x/data/missing_output.json.gz"},
    }
    row = project("invocations", raw_frame([rec]), data_root=tmp_path).iloc[0]
    check_row(
        row,
        {
            "prompt": "big prompt",
            "input_body_s3_path": "s3://my-bucket/" + key,
            "output_body_s3_path": "s3://my-bucket/AWSLogs/x/data/missing_output.json.gz",
            "response": None,
            "body_source": "s3-missing",
            "input_body_bytes": 69,  # the file's decompressed size (json.dumps with ", " and ": ")
        },
        "offload",
    )
    row = project("invocations", raw_frame([rec]), data_root=None).iloc[0]
    check_row(row, {"prompt": None, "body_source": "s3-missing", "input_tokens": 5}, "no data root")


def test_apply_focus_knows_the_pipeline_of_a_projected_frame() -> None:
    frame = project("runtime_logs", raw_frame(ndjson(SAMPLES / "spans" / "otel-rt-logs-1-3.jsonl")))
    out = apply_focus(frame, {"session_id": ["6be9ce38-8726-4045-b006-0b06dd627ed4"]})  # no pipeline given
    assert values(out["span_id"]) == ["a9c374049aedc61c"]
