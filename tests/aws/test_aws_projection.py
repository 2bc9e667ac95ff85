"""Projections on AWS fetch ``@message`` and compute columns with the frames code: same columns and
types as the local engine's contract (``frames.empty_frame``), focus pushed down as a superset."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import boto3
from botocore.stub import ANY, Stubber

from aiaudit.core.config import Config
from aiaudit.core.timerange import TimeRange
from aiaudit.frames import empty_frame
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.source import AwsSource
from aiaudit.sources.spec import parse_spec

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "cloudtrail" / "test-converse-json.log"
TR = TimeRange(datetime(2024, 10, 29, tzinfo=UTC), datetime(2024, 10, 29, 23, 59, 59, tzinfo=UTC))
ROLE = "arn:aws:iam::00000000000:role/private-ec2-instance-role"


def test_cloudtrail_projection_is_typed_like_local_and_pushes_focus_down() -> None:
    message = SAMPLE.read_text(encoding="utf-8").strip()
    client = boto3.client("logs", region_name="us-east-1")
    stub = Stubber(client)
    expected_query = (
        "fields @timestamp, @message, @log, @logStream, @ptr"
        ' | filter (@message like "00000000000" and @message like "/private-ec2-instance-role")'
        " | sort @timestamp asc"
    )
    stub.add_response(
        "start_query",
        {"queryId": "q"},
        {
            "queryString": expected_query,
            "startTime": 1730160000,
            "endTime": 1730246399,
            "queryLanguage": "CWLI",
            "logGroupIdentifiers": ["org-trail"],
            "limit": 100_000,
        },
    )
    row = [
        {"field": "@timestamp", "value": "2024-10-29 15:51:44.000"},
        {"field": "@message", "value": message},
        {"field": "@log", "value": "123456789012:org-trail"},
        {"field": "@logStream", "value": "123456789012_CloudTrail_us-east-1"},
        {"field": "@ptr", "value": "CmAKJwoj"},
    ]
    stub.add_response("get_query_results", {"status": "Complete", "results": [row]}, {"queryId": "q", "maxItems": ANY})
    stub.activate()
    spec = parse_spec("aws:@us-east-1")
    spec = spec.__class__(**{**spec.__dict__, "log_groups": {"cloudtrail": "org-trail"}})
    opts = AwsOptions(cache=False, progress=False)
    src = AwsSource(spec, Config(), options=opts, clients={"us-east-1": client})
    frame = src.cloudtrail(TR, principal=ROLE)
    stub.assert_no_pending_responses()
    contract = empty_frame("cloudtrail")
    assert list(frame.columns) == list(contract.columns)
    assert {c: str(t) for c, t in frame.dtypes.items()} == {c: str(t) for c, t in contract.dtypes.items()}
    assert frame["principal"].tolist() == [ROLE]
    assert frame["eventName"].tolist() == ["Converse"]
    assert frame["requestID"].tolist() == ["aff6f361-1ef0-4460-97af-26528a80b511"]
    assert frame.attrs["aiaudit"]["complete"] is True
    assert frame.attrs["aiaudit"]["query_ids"] == ["q"]
