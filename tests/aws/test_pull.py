"""`aiaudit pull` against a moto server on loopback, through real boto3.

The bucket holds the layouts AWS documents (see aiaudit/sources/aws/s3keys.py for the pages): an
organization trail (``AWSLogs/<o-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/``, file names
``<account>_CloudTrail_<region>_YYYYMMDDTHHmmZ_<16 chars>.json.gz`` with the delivery time), its
Insights (``CloudTrail-Insight``) and digest folders, and Bedrock model invocation logs
(``AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/`` with offloaded bodies in
``data/``). Which keys a range selects is written out by hand below.
"""

from __future__ import annotations

import json
import re
from datetime import date

import boto3
import pytest
from motohelp import aws, moto_url, write_gz  # noqa: F401 - fixtures

from aiaudit import connect
from aiaudit.cli import main
from aiaudit.core.errors import InputError
from aiaudit.core.timerange import TimeRange
from aiaudit.sources.aws.pull import MANIFEST_NAME, pull
from aiaudit.sources.aws.s3keys import S3Url, days_in_range

BUCKET = "org-logs"
ORG = "o-abcde12345"
A1, A2, A3 = "111111111111", "222222222222", "333333333333"
TRAIL = f"trail/AWSLogs/{ORG}"
BEDROCK = f"bedrock/AWSLogs/{A3}/BedrockModelInvocationLogs/us-west-2"
RANGE = TimeRange.parse(None, start="2026-11-19T00:00:00Z", end="2026-11-19T23:59:59Z")


def _ct(name: str, event_id: str, when: str, account: str, region: str) -> dict:
    return {
        "eventVersion": "1.09",
        "userIdentity": {"type": "AssumedRole", "arn": f"arn:aws:sts::{account}:assumed-role/ops/alice"},
        "eventTime": when,
        "eventSource": "bedrock.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": "203.0.113.7",
        "requestID": f"req-{event_id}",
        "eventID": event_id,
        "eventType": "AwsApiCall",
        "recipientAccountId": account,
    }


def _trail_file(account: str, region: str, stamp: str, unique: str, events: list[dict]) -> tuple[str, str]:
    day = f"{stamp[:4]}/{stamp[4:6]}/{stamp[6:8]}"
    key = f"{TRAIL}/{account}/CloudTrail/{region}/{day}/{account}_CloudTrail_{region}_{stamp}_{unique}.json.gz"
    return key, json.dumps({"Records": events})


def _invocation(request_id: str, when: str, **extra: object) -> dict:
    return {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": when,
        "accountId": A3,
        "identity": {"arn": f"arn:aws:sts::{A3}:assumed-role/app/svc"},
        "region": "us-west-2",
        "requestId": request_id,
        "operation": "Converse",
        "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
        **extra,
    }


def _objects() -> dict[str, str]:
    """Every object of the test bucket, key -> text (gzipped on upload unless it is the readme)."""
    objects: dict[str, str] = {}
    for account, region, stamp, unique, base in [
        (A1, "us-east-1", "20261117T2355Z", "AAAAAAAAAAAAAAAA", "2026-11-17T23:4"),
        (A1, "us-east-1", "20261118T2355Z", "BBBBBBBBBBBBBBBB", "2026-11-18T23:4"),
        (A1, "us-east-1", "20261119T1205Z", "CCCCCCCCCCCCCCCC", "2026-11-19T11:5"),
        (A1, "us-east-1", "20261120T0005Z", "DDDDDDDDDDDDDDDD", "2026-11-19T23:5"),
        (A1, "us-east-1", "20261121T0005Z", "EEEEEEEEEEEEEEEE", "2026-11-20T23:5"),
        (A2, "eu-west-1", "20261119T0810Z", "FFFFFFFFFFFFFFFF", "2026-11-19T08:0"),
    ]:
        events = [
            _ct("InvokeModel", f"{unique[:4]}-1", base + "1:00Z", account, region),
            _ct("ListFoundationModels", f"{unique[:4]}-2", base + "5:30Z", account, region),
        ]
        key, text = _trail_file(account, region, stamp, unique, events)
        objects[key] = text
    insight = {
        "eventVersion": "1.08",
        "eventTime": "2026-11-19T12:50:00Z",
        "awsRegion": "us-east-1",
        "eventID": "insight-1",
        "eventType": "AwsCloudTrailInsight",
        "recipientAccountId": A1,
        "sharedEventID": "shared-1",
        "insightDetails": {"state": "Start", "eventSource": "bedrock.amazonaws.com", "eventName": "InvokeModel"},
        "eventCategory": "Insight",
    }
    objects[
        f"{TRAIL}/{A1}/CloudTrail-Insight/us-east-1/2026/11/19/"
        f"{A1}_CloudTrail-Insight_us-east-1_20261119T1300Z_GGGGGGGGGGGGGGGG.json.gz"
    ] = json.dumps({"Records": [insight]})
    objects[
        f"{TRAIL}/{A1}/CloudTrail-Digest/us-east-1/2026/11/19/"
        f"{A1}_CloudTrail-Digest_us-east-1_org-trail_us-east-1_20261119T130000Z.json.gz"
    ] = json.dumps({"digestStartTime": "2026-11-19T12:00:00Z", "digestEndTime": "2026-11-19T13:00:00Z", "logFiles": []})
    objects[f"{TRAIL}/{A1}/Config/us-east-1/2026/11/19/{A1}_Config_us-east-1_ConfigHistory.json.gz"] = "{}"
    big_path = f"s3://{BUCKET}/{BEDROCK}/2026/11/19/07/data/req-big_input.json.gz"
    objects[f"{BEDROCK}/2026/11/19/07/20261119T071502123Z_0123456789abcdef.json.gz"] = "\n".join(
        [
            json.dumps(_invocation("req-small", "2026-11-19T07:05:00Z", input={"inputBodyJson": {"prompt": "hi"}})),
            json.dumps(_invocation("req-big", "2026-11-19T07:10:00Z", input={"inputBodyS3Path": big_path})),
        ]
    )
    objects[f"{BEDROCK}/2026/11/19/07/data/req-big_input.json.gz"] = json.dumps(
        {"messages": [{"role": "user", "content": [{"text": "a long prompt"}]}]}
    )
    objects[f"{BEDROCK}/2026/11/22/01/20261122T011502123Z_fedcba9876543210.json.gz"] = json.dumps(
        _invocation("req-late", "2026-11-22T01:05:00Z")
    )
    objects["notes/readme.txt"] = "not a log"
    return objects


#: What RANGE selects, by hand: day folders 2026-11-18 .. 2026-11-20 of CloudTrail, CloudTrail-Insight
#: and BedrockModelInvocationLogs (data/ included); never the 17th or 21st/22nd, the digest, Config, or
#: anything outside AWSLogs.
EXPECTED = {
    f"{TRAIL}/{A1}/CloudTrail/us-east-1/2026/11/18/{A1}_CloudTrail_us-east-1_20261118T2355Z_BBBBBBBBBBBBBBBB.json.gz",
    f"{TRAIL}/{A1}/CloudTrail/us-east-1/2026/11/19/{A1}_CloudTrail_us-east-1_20261119T1205Z_CCCCCCCCCCCCCCCC.json.gz",
    f"{TRAIL}/{A1}/CloudTrail/us-east-1/2026/11/20/{A1}_CloudTrail_us-east-1_20261120T0005Z_DDDDDDDDDDDDDDDD.json.gz",
    f"{TRAIL}/{A2}/CloudTrail/eu-west-1/2026/11/19/{A2}_CloudTrail_eu-west-1_20261119T0810Z_FFFFFFFFFFFFFFFF.json.gz",
    f"{TRAIL}/{A1}/CloudTrail-Insight/us-east-1/2026/11/19/"
    f"{A1}_CloudTrail-Insight_us-east-1_20261119T1300Z_GGGGGGGGGGGGGGGG.json.gz",
    f"{BEDROCK}/2026/11/19/07/20261119T071502123Z_0123456789abcdef.json.gz",
    f"{BEDROCK}/2026/11/19/07/data/req-big_input.json.gz",
}


@pytest.fixture
def bucket(aws, tmp_path):  # noqa: F811 - the moto fixture
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    for key, text in _objects().items():
        body = text.encode() if key.endswith(".txt") else write_gz(tmp_path / "upload.gz", text)
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    return s3


def _listing_client():
    """A real S3 client that records the parameters of every ListObjectsV2 it sends."""
    client = boto3.client("s3", region_name="us-east-1")
    calls: list[dict] = []

    def capture(params, **_):
        calls.append(dict(params))

    client.meta.events.register("provide-client-params.s3.ListObjectsV2", capture)
    return client, calls


def _pulled(folder) -> set[str]:
    return {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


def test_days_in_range_adds_a_day_each_side() -> None:
    assert days_in_range(RANGE) == [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)]
    late = TimeRange.parse(None, start="2026-11-19T23:30:00Z", end="2026-11-20T00:10:00Z")
    assert days_in_range(late) == [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20), date(2026, 11, 21)]


def test_s3_urls() -> None:
    assert S3Url.parse("s3://b") == S3Url("b", "")
    assert S3Url.parse("s3://b/trail//AWSLogs") == S3Url("b", "trail/AWSLogs/")
    for bad in ("b/trail", "s3://", "s3://b/../x"):
        with pytest.raises(InputError):
            S3Url.parse(bad)


def test_pull_selects_exactly_the_keys_in_range_with_per_day_listings(bucket, tmp_path) -> None:
    client, calls = _listing_client()
    report = pull(f"s3://{BUCKET}", tmp_path / "out", RANGE, client=client, progress=False, ingest=False)
    assert _pulled(tmp_path / "out") == EXPECTED
    assert report.objects == 7 and report.downloaded == 7 and report.already_present == 0 and report.complete
    # folders only (Delimiter) down to the region folders; objects only under day folders: never the bucket
    for params in calls:
        if "Delimiter" not in params:
            assert re.search(r"/\d{4}/\d{2}/\d{2}/$", params["Prefix"]), params
    day_listings = sorted(p["Prefix"] for p in calls if "Delimiter" not in p)
    assert len(day_listings) == 4 * 3  # 4 region folders (CloudTrail A1 and A2, Insight, Bedrock) x 3 days
    assert f"{TRAIL}/{A1}/CloudTrail/us-east-1/2026/11/17/" not in day_listings


def test_accounts_and_regions_narrow_the_walk(bucket, tmp_path) -> None:
    only_a2 = pull(
        f"s3://{BUCKET}/trail/",
        tmp_path / "a2",
        RANGE,
        accounts=[A2],
        client=boto3.client("s3"),
        progress=False,
        ingest=False,
    )
    assert _pulled(tmp_path / "a2") == {k for k in EXPECTED if f"/{A2}/" in k}
    assert {f.account for f in only_a2.folders} == {A2}
    client, calls = _listing_client()
    pull(f"s3://{BUCKET}", tmp_path / "usw2", RANGE, regions=["us-west-2"], client=client, progress=False, ingest=False)
    assert _pulled(tmp_path / "usw2") == {k for k in EXPECTED if k.startswith("bedrock/")}
    assert not any(p["Prefix"].endswith("/CloudTrail/") for p in calls)  # named regions are not listed
    with pytest.raises(InputError, match="12 digits"):
        pull(f"s3://{BUCKET}", tmp_path / "x", RANGE, accounts=["1234"], client=client, ingest=False)


def test_a_url_below_awslogs_starts_the_walk_there(bucket, tmp_path) -> None:
    pull(
        f"s3://{BUCKET}/{TRAIL}/{A1}/CloudTrail-Insight/",
        tmp_path / "ins",
        RANGE,
        client=boto3.client("s3"),
        progress=False,
        ingest=False,
    )
    assert _pulled(tmp_path / "ins") == {k for k in EXPECTED if "CloudTrail-Insight" in k}


def test_pulled_folder_loads_like_an_s3_copy(bucket, tmp_path) -> None:
    out = tmp_path / "out"
    report = pull(f"s3://{BUCKET}", out, RANGE, client=boto3.client("s3"), progress=False)
    assert report.ingest is not None
    with connect(f"local:{out}", read_only=True) as src:
        assert src.store.count("cloudtrail") == 9  # 4 files x 2 events + 1 Insights event
        assert src.store.count("invocations") == 2
        raw = src.store.select_raw("cloudtrail", None)
        streams = sorted(set(raw["@logStream"]))
        assert streams == [
            f"{A1}_CloudTrail-Insight_us-east-1",
            f"{A1}_CloudTrail_us-east-1",
            f"{A2}_CloudTrail_eu-west-1",
        ]
        invocations = src.invocations(RANGE).set_index("request_id")
        assert invocations.loc["req-big", "body_source"] == "s3-local"  # the data/ body came along
        assert invocations.loc["req-big", "prompt"] == "a long prompt"


def test_resumes_after_an_interrupted_run(bucket, tmp_path) -> None:
    out = tmp_path / "out"
    landed: list[str] = []

    def stop_after_two(key: str) -> None:
        landed.append(key)
        if len(landed) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pull(f"s3://{BUCKET}", out, RANGE, client=boto3.client("s3"), workers=1, progress=False, on_file=stop_after_two)
    manifest = (out / MANIFEST_NAME).read_text().splitlines()
    assert sorted(json.loads(line)["key"] for line in manifest) == sorted(landed)
    assert not [p for p in out.rglob(".*.part")]  # no partial file left behind
    assert _pulled(out) <= EXPECTED
    # re-run: what landed is not fetched again; a file damaged since then is
    damaged = out / landed[0]
    damaged.write_bytes(damaged.read_bytes()[:-5])
    again = pull(f"s3://{BUCKET}", out, RANGE, client=boto3.client("s3"), workers=1, progress=False, ingest=False)
    assert again.already_present + again.downloaded == 7
    assert 1 <= again.already_present <= 2  # landed[1], and the file in flight at the interrupt if it completed
    assert _pulled(out) == EXPECTED
    third = pull(f"s3://{BUCKET}", out, RANGE, client=boto3.client("s3"), progress=False, ingest=False)
    assert (third.downloaded, third.already_present) == (0, 7)


def test_an_object_changed_in_s3_is_fetched_again(bucket, tmp_path) -> None:
    out = tmp_path / "out"
    pull(f"s3://{BUCKET}", out, RANGE, client=boto3.client("s3"), progress=False, ingest=False)
    key = sorted(k for k in EXPECTED if "/CloudTrail/eu-west-1/" in k)[0]
    old = bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    new = old[:-8] + bytes([old[-8] ^ 1]) + old[-7:]  # one bit of the gzip trailer: same size, new ETag
    assert len(new) == len(old) and new != old
    bucket.put_object(Bucket=BUCKET, Key=key, Body=new)
    report = pull(f"s3://{BUCKET}", out, RANGE, client=boto3.client("s3"), progress=False, ingest=False)
    assert (report.downloaded, report.already_present) == (1, 6)
    assert (out / key).read_bytes() == new


def test_cli_pull(bucket, tmp_path, capsys) -> None:
    out = tmp_path / "cli"
    code = main(
        [
            "pull",
            f"s3://{BUCKET}/trail",
            "--start",
            "2026-11-19T00:00:00Z",
            "--end",
            "2026-11-19T23:59:59Z",
            "--out",
            str(out),
            "--accounts",
            A2,
            "--quiet",
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert "downloaded 1 " in text and "cloudtrail" in text
    assert _pulled(out) == {k for k in EXPECTED if f"/{A2}/" in k}
    assert main(["pull", "s3://no-such-bucket", "--since", "1d", "--out", str(tmp_path / "n"), "--quiet"]) == 1
    assert "NoSuchBucket" in capsys.readouterr().err
