"""Guards for the fast path: a projection of many records equals the projections of each record alone.

The projection is one query over all rows (joins, aggregations and unnested lists inside it); none of
that may make a row depend on its neighbours. Records are the real samples plus
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
    records = _records(pipeline) * 3  # repeats: equal records must project equally wherever they sit
    raw = raw_frame(records)
    together = _project(pipeline, raw)
    alone = pd.concat([_project(pipeline, raw.iloc[i : i + 1]) for i in range(len(raw))])
    if pipeline == "spans":  # a span's bridged request id depends on the other spans of its trace
        together = together.drop(columns=["request_id", "request_id_source"])
        alone = alone.drop(columns=["request_id", "request_id_source"])
    assert len(together) == len(records)
    pd.testing.assert_frame_equal(together, alone, check_exact=True)
    assert list(together.dtypes) == list(alone.dtypes)


def test_list_cells_read_as_lists_per_row() -> None:
    record = {"sourceIPAddress": "10.0.0.1, 10.0.0.2", "userIdentity": {"type": "IAMUser"}}
    other = {"sourceIPAddress": "10.0.0.3", "userIdentity": {"type": "IAMUser"}}
    frame = project("cloudtrail", raw_frame([record, other, record]))
    assert frame["source_ips"].iloc[0] == ["10.0.0.1", "10.0.0.2"]
    assert frame["source_ips"].tolist() == [["10.0.0.1", "10.0.0.2"], ["10.0.0.3"], ["10.0.0.1", "10.0.0.2"]]


def test_bad_json_is_counted_once_per_record() -> None:
    with pytest.warns(UserWarning, match="2 record"):
        frame = project("cloudtrail", raw_frame(["{bad", '{"eventName": "X"}', " [] "]))
    assert frame["eventName"].tolist()[1] == "X"
    assert frame["eventName"].isna().tolist() == [True, False, True]


def test_messages_with_surrounding_whitespace_parse() -> None:
    frame = project("cloudtrail", raw_frame(['  {"eventName": "A"}\n', '{"eventName": "B"}']))
    assert frame["eventName"].tolist() == ["A", "B"]
    assert frame.attrs["warnings"] == []
