"""Golden: the exact text StartQuery receives for parameters of every kind, in both languages, through
``aiaudit emulate`` on loopback with real boto3 — and the dry run shows that same text.

One binder per language renders values (aiaudit/query/sql/bind.py, aiaudit/query/cwli/bind.py); the
expected texts below are written by hand from each dialect's escaping rules: Spark SQL escapes ``\\`` and
``'`` with a backslash and writes every character outside printable ASCII as ``\\uXXXX``; classic QL
escapes ``"`` and ``\\`` and writes a line break as ``\\n``, other characters as they are. The emulator
runs the received text on the local engine, so each query must also find exactly the planted event.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from aiaudit import connect
from aiaudit.core.config import Config
from aiaudit.core.timerange import TimeRange
from aiaudit.sources.aws.emulator import Emulator, serve, url_of
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.source import AwsSource
from aiaudit.sources.spec import parse_spec

NAME = 'it\'s "quoted" \\back\\ `tick` ’curly’ line\nbreak ☃'
PARAMS = {
    "name": NAME,
    "regions": ["eu-west-1", "us-east-1"],
    "ips": ["10.0.0.1"],
    "after": datetime(2026, 1, 1, 1, 0, tzinfo=UTC).astimezone(),  # any zone: rendered in UTC
    "code": 200,
    "ratio": 10.5,
    "ro": True,
}
TR = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 23, 59, 59, tzinfo=UTC))

SQL = (
    "SELECT requestID FROM `cloudtrail` WHERE eventName = :name AND awsRegion IN (:regions) "
    "AND sourceIPAddress IN :ips AND `@timestamp` >= :after AND `responseElements.statusCode` = :code "
    "AND `additionalEventData.inputTokens` < :ratio AND readOnly = :ro"
)
SQL_SENT = (
    "SELECT `@ptr`, requestID FROM `cloudtrail` WHERE eventName = "
    "'it\\'s \"quoted\" \\\\back\\\\ `tick` \\u2019curly\\u2019 line\\u000abreak \\u2603' "
    "AND awsRegion IN ('eu-west-1', 'us-east-1') AND sourceIPAddress IN ('10.0.0.1') "
    "AND `@timestamp` >= '2026-01-01T01:00:00Z' AND `responseElements.statusCode` = 200 "
    "AND `additionalEventData.inputTokens` < 10.5 AND readOnly = TRUE"
)
CWLI = (
    "filter eventName = {{name}} and awsRegion in {{regions}} and sourceIPAddress in {{ ips }} "
    "and eventTime >= {{after}} and responseElements.statusCode = {{code}} "
    "and additionalEventData.inputTokens < {{ratio}} and readOnly = {{ro}} | fields requestID"
)
CWLI_SENT = (
    'filter eventName = "it\'s \\"quoted\\" \\\\back\\\\ `tick` ’curly’ line\\nbreak ☃" '
    'and awsRegion in ["eu-west-1", "us-east-1"] and sourceIPAddress in ["10.0.0.1"] '
    'and eventTime >= "2026-01-01T01:00:00Z" and responseElements.statusCode = 200 '
    "and additionalEventData.inputTokens < 10.5 and readOnly = true | fields requestID"
)


def _event(request_id: str, name: str, time: str) -> dict:
    return {
        "eventVersion": "1.09",
        "eventTime": f"2026-01-01T{time}Z",
        "eventSource": "bedrock.amazonaws.com",
        "eventName": name,
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "10.0.0.1",
        "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/app/s"},
        "requestID": request_id,
        "eventID": f"id-{request_id}",
        "readOnly": True,
        "responseElements": {"statusCode": 200},
        "additionalEventData": {"inputTokens": 10},
    }


@pytest.fixture
def emulated(tmp_path, monkeypatch):
    folder = tmp_path / "data" / "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/01/01"
    folder.mkdir(parents=True)
    # only "planted" matches: "decoy" differs by one quote character, "early" is before the time parameter
    records = [
        _event("planted", NAME, "01:05:00"),
        _event("decoy", NAME.replace("’", "'"), "01:06:00"),
        _event("early", NAME, "00:59:59"),
    ]
    (folder / "111122223333_CloudTrail_eu-west-1_20260101T0100Z_x.json").write_text(json.dumps({"Records": records}))
    local = connect(f"local:{tmp_path / 'data'}", cache_dir=str(tmp_path / "store"))
    emulator = Emulator(local)
    server = serve(emulator)
    monkeypatch.setenv("AWS_ENDPOINT_URL", url_of(server))
    options = AwsOptions(cache=False, progress=False, poll_initial_s=0.01)
    aws = AwsSource(parse_spec("aws:@us-east-1"), Config(), options=options)
    yield local, aws, emulator
    server.shutdown()
    server.server_close()
    local.close()


def _sent(emulator: Emulator) -> list[str]:
    return [query.text for query in emulator.queries.values()]


def test_sql_text_sent_to_start_query(emulated):
    local, aws, emulator = emulated
    result = aws.query(SQL, TR, params=PARAMS)
    assert _sent(emulator) == [SQL_SENT]
    assert list(result.frame["requestID"]) == ["planted"]
    assert aws.query(SQL, TR, params=PARAMS, dry_run=True).frame["query"].tolist() == [SQL_SENT]
    assert list(local.query(SQL, TR, params=PARAMS).frame["requestID"]) == ["planted"]


def test_classic_text_sent_to_start_query(emulated):
    local, aws, emulator = emulated
    result = aws.query(CWLI, TR, language="cwli", params=PARAMS, log_groups=["cloudtrail"])
    assert _sent(emulator) == [CWLI_SENT]
    assert list(result.frame["requestID"]) == ["planted"]
    dry = aws.query(CWLI, TR, language="cwli", params=PARAMS, log_groups=["cloudtrail"], dry_run=True)
    assert dry.frame["query"].tolist() == [CWLI_SENT]
    local_rows = local.query(CWLI, TR, language="cwli", params=PARAMS, log_groups=["cloudtrail"]).frame
    assert list(local_rows["requestID"]) == ["planted"]


def test_list_parameter_renders_once_in_both_forms(emulated):
    """The issue's defect: ``IN (:r)`` rendered ``IN (('eu', 'us'))`` on the AWS path."""
    _, aws, emulator = emulated
    for query in (
        "SELECT requestID FROM `cloudtrail` WHERE awsRegion IN (:r)",
        "SELECT requestID FROM `cloudtrail` WHERE awsRegion IN :r",
    ):
        aws.query(query, TR, params={"r": ["eu-west-1", "us-east-1"]})
    assert (
        _sent(emulator)
        == ["SELECT `@ptr`, requestID FROM `cloudtrail` WHERE awsRegion IN ('eu-west-1', 'us-east-1')"] * 2
    )
