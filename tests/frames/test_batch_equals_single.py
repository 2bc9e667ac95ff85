"""Guards for the fast path: a projection of many records equals the projections of each record alone.

The projector memoises normalisers across rows, reads raw columns with generated code and builds each
column once; none of that may make a row depend on its neighbours. Records are the real samples plus
hand-made awkward shapes (literal dotted keys, nested OTel attributes, lists where objects belong,
numbers as text, redactions, bad JSON), each repeated so memoised values are served to later rows.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pandas as pd
import pytest

from aiaudit.frames import project
from aiaudit.frames.compiled import attributes_reader, reader

from .helpers import SAMPLES, ndjson, raw_frame

ODD_CLOUDTRAIL = [
    {"eventVersion": "1.08", "userIdentity.type": "IAMUser", "userIdentity": None, "eventTime": "bad time"},
    {
        "userIdentity": {"type": "AssumedRole", "arn": "<REDACTED>", "principalId": "AROA:sess", "accountId": 123},
        "recipientAccountId": "111122223333",
        "sourceIPAddress": " 10.0.0.1 , 10.0.0.2",
        "resources": {"0": {"ARN": "x"}},
    },
    {
        "userIdentity": {"type": "AWSAccount", "accountId": "anonymous"},
        "sourceIPAddress": "198.51.100.7",
        "responseElements": {"statusCode": "403"},
        "errorCode": "AccessDenied",
        "readOnly": "true",
    },
    {
        "userIdentity": ["not", "an", "object"],
        "resources": [{"ARN": 5}, "x", {"ARN": "arn:aws:bedrock-agentcore:us-east-1:1:runtime/r-1"}],
        "requestParameters": {"modelId": "us.anthropic.claude-3-haiku-20240307-v1:0", "guardrailIdentifier": {"x": 1}},
    },
    "not json at all",
    "[1, 2, 3]",
]
ODD_INVOCATIONS = [
    {
        "identity": {"arn": "arn:aws:sts::111122223333:assumed-role/R/s"},
        "accountId": "999999999999",
        "input": {"inputBodyJson": {"prompt": "héllo \u2028 wörld", "temperature": "0.5"}, "inputTokenCount": "7"},
        "output": {"outputBodyJson": ["[DONE]", '{"completion": "hi"}', {"generation": "!"}]},
        "modelId": 42,
    },
    {"identity": "arn:aws:iam::1:user/u", "input": [], "output": {"outputBodyJson": "plain text"}},
]
ODD_SPANS = [
    {
        "traceId": "1-5759E988-BD862E3FE1BE46A994272793",
        "spanId": "AB",
        "attributes": {"gen_ai": {"request": {"model": "m"}}},
        "resource": {
            "attributes": {"cloud.resource_id": "arn:aws:bedrock-agentcore:us-west-2:2:runtime/a/runtime-endpoint/D:D"}
        },
    },
    {
        "traceId": "t",
        "spanId": "c",
        "parentSpanId": "ab",
        "attributes": {"aws.request_id": "req-1", "session.id": 7},
        "status": {"code": "error"},
        "startTimeUnixNano": "1700000000000000000",
        "durationNano": 5e6,
    },
    {"attributes": None, "resource": [1], "name": "execute_tool lookup"},
]
ODD_LOGS = [
    {"body": {"k": ["v", 1]}, "severityNumber": 17, "attributes": {"otelTraceID": "ABC"}, "resource": None},
    "plain stdout line",
    {"no": "otel keys"},
]


def _records(pipeline: str) -> list[Any]:
    if pipeline == "cloudtrail":
        out: list[Any] = [json.loads(p.read_text()) for p in sorted((SAMPLES / "agentcore").glob("*.json"))]
        out += ndjson(SAMPLES / "cloudtrail" / "test-tls-details-json.log")
        return out + ODD_CLOUDTRAIL
    if pipeline == "invocations":
        return ndjson(SAMPLES / "invocations" / "elastic-test-aws-bedrock-1-16.log") + ODD_INVOCATIONS
    if pipeline == "spans":
        return [json.loads(p.read_text()) for p in sorted((SAMPLES / "spans").glob("*.json"))] + ODD_SPANS
    return ndjson(SAMPLES / "spans" / "otel-rt-logs-1-3.jsonl") + ODD_LOGS


def _project(pipeline: str, raw: pd.DataFrame) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return project(pipeline, raw)


@pytest.mark.parametrize("pipeline", ["cloudtrail", "invocations", "spans", "runtime_logs"])
def test_many_records_project_like_each_alone(pipeline: str) -> None:
    records = _records(pipeline) * 3  # repeats: later rows are served from the memos
    raw = raw_frame(records)
    together = _project(pipeline, raw)
    alone = pd.concat([_project(pipeline, raw.iloc[i : i + 1]) for i in range(len(raw))])
    if pipeline == "spans":  # a span's bridged request id depends on the other spans of its trace
        together = together.drop(columns=["request_id", "request_id_source"])
        alone = alone.drop(columns=["request_id", "request_id_source"])
    assert len(together) == len(records)
    pd.testing.assert_frame_equal(together, alone, check_exact=True)
    assert list(together.dtypes) == list(alone.dtypes)


def test_list_cells_are_not_shared_between_rows() -> None:
    record = {"sourceIPAddress": "10.0.0.1, 10.0.0.2", "userIdentity": {"type": "IAMUser"}}
    frame = project("cloudtrail", raw_frame([record, record]))
    frame["source_ips"].iloc[0].append("changed")
    assert frame["source_ips"].iloc[1] == ["10.0.0.1", "10.0.0.2"]


def test_bad_json_is_counted_once_per_record() -> None:
    with pytest.warns(UserWarning, match="2 record"):
        frame = project("cloudtrail", raw_frame(["{bad", '{"eventName": "X"}', " [] "]))
    assert frame["eventName"].tolist()[1] == "X"
    assert frame["eventName"].isna().tolist() == [True, False, True]


def test_messages_with_surrounding_whitespace_parse() -> None:
    frame = project("cloudtrail", raw_frame(['  {"eventName": "A"}\n', '{"eventName": "B"}']))
    assert frame["eventName"].tolist() == ["A", "B"]
    assert frame.attrs["warnings"] == []


def test_compiled_reader_reads_dotted_names_like_logs_insights() -> None:
    read = reader(
        (
            ("a.b.c", "string"),
            ("a.x", "int"),
            ("attributes.aws.request.id", "string"),
            ("resources.0.ARN", "string"),
            ("flag", "bool"),
            ("missing.deeper.path", "string"),
        )
    )
    record = {
        "a": {"b": {"c": 12}, "x": "34"},
        "attributes": {"aws.request.id": "req-9"},
        "resources": [{"ARN": "arn:1"}, {"ARN": "arn:2"}],
        "flag": "TRUE",
    }
    assert read(record) == ("12", 34, "req-9", "arn:1", True, None)
    assert read({"a.b": {"c": "lit"}, "x": 1}) == ("lit", None, None, None, None, None)
    # where the head is a real object, it is walked; a literal "a.b" beside it is not consulted (as dig does)
    assert read({"a.b": {"c": "lit"}, "a": {"x": 1.9}}) == (None, 1, None, None, None, None)
    assert read({"a": [1], "resources": {"0": {"ARN": "obj"}}, "flag": 1}) == (None, None, None, "obj", None, None)
    assert read(None) == (None,) * 6
    assert read(["not", "a", "record"]) == (None,) * 6


def test_attributes_reader_prefers_literal_dotted_keys() -> None:
    read = attributes_reader((("session.id", "any"), ("gen_ai.usage.input_tokens", "int"), ("plain", "string")))
    assert read({"session.id": "s1", "gen_ai.usage.input_tokens": "5", "plain": True}) == ("s1", 5, "true")
    assert read({"session": {"id": "nested"}, "gen_ai": {"usage": {"input_tokens": 3}}}) == ("nested", 3, None)
    assert read({"session.id": None, "session": {"id": "fallback"}}) == ("fallback", None, None)
    assert read(None) == (None, None, None)
