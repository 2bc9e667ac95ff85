"""Malformed files for loader tests (``--with-defects``; never in the default output).

Why they sit inside the normal delivery trees: loaders meet bad files among good ones (a truncated
upload, a half-written export line), and the load report must name each one with its line and reason
while everything else still loads. Each defect is listed in ``truth.json`` with what a loader should do.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from aiaudit.simulate.world import World


def write_defects(out: Path, world: World) -> list[dict[str, Any]]:
    acct = world.accounts["prod"].id
    day = "2000/01/01"  # outside the simulated window, so defects never overlap real records in time
    ct_dir = out / "cloudtrail" / "AWSLogs" / world.org_id / acct / "CloudTrail" / "us-east-1" / day
    mil_dir = out / "invocations" / "AWSLogs" / acct / "BedrockModelInvocationLogs" / "us-east-1" / day / "00"
    defects: list[dict[str, Any]] = []

    def put(path: Path, data: bytes, kind: str, expected: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        defects.append({"path": path.relative_to(out).as_posix(), "kind": kind, "expected": expected})

    event = {
        "eventVersion": "1.10",
        "eventTime": "2000-01-01T00:00:00Z",
        "eventSource": "sts.amazonaws.com",
        "eventName": "GetCallerIdentity",
        "awsRegion": "us-east-1",
        "requestID": "defect-0001",
        "eventID": "defect-0001",
        "recipientAccountId": acct,
        "eventCategory": "Management",
    }
    whole = gzip.compress(json.dumps({"Records": [event] * 40}).encode(), mtime=0)
    put(
        ct_dir / f"{acct}_CloudTrail_us-east-1_20000101T0005Z_DEFECTtruncated0.json.gz",
        whole[: len(whole) // 2],
        "truncated-gzip",
        "file reported as unreadable (truncated gzip); nothing else affected",
    )
    put(
        ct_dir / f"{acct}_CloudTrail_us-east-1_20000101T0010Z_DEFECTemptyfile00.json.gz",
        b"",
        "empty-file",
        "file reported as empty; no records",
    )
    mixed = {"Records": [event, "not an event", {**event, "eventTime": "yesterday", "requestID": "defect-0002"}]}
    put(
        ct_dir / f"{acct}_CloudTrail_us-east-1_20000101T0015Z_DEFECTbadrecords.json.gz",
        gzip.compress(json.dumps(mixed).encode(), mtime=0),
        "bad-records",
        "record 2 skipped (not an object); record 3 loaded with a time flag (unparseable eventTime)",
    )
    record = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": "2000-01-01T00:00:00Z",
        "accountId": acct,
        "identity": {"arn": "<redacted>"},
        "region": "us-east-1",
        "requestId": "defect-0003",
        "operation": "InvokeModel",
        "modelId": "amazon.nova-lite-v1:0",
    }
    lines = [json.dumps(record), '{"schemaType": "ModelInvocationLog", "timestamp": ', json.dumps(record)[:-1] + ","]
    put(
        mil_dir / "20000101T000500000Z_defectdefect0001.json.gz",
        gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0),
        "bad-json-lines",
        "line 1 loaded; lines 2 and 3 skipped (invalid JSON)",
    )
    put(
        out / "spans" / "aws-spans-defects.jsonl",
        b'{"traceId": "00000000", "spanId": "01"\nnot json at all\n',
        "bad-json-lines",
        "skipped as invalid JSON with its line number; nothing else in the tree affected",
    )
    digest_dir = out / "cloudtrail" / "AWSLogs" / world.org_id / acct / "CloudTrail-Digest" / "us-east-1" / day
    digest: dict[str, Any] = {
        "awsAccountId": acct,
        "digestStartTime": "2000-01-01T00:00:00Z",
        "digestEndTime": "2000-01-01T01:00:00Z",
        "digestS3Bucket": world.trail_bucket,
        "newestEventTime": None,
        "oldestEventTime": None,
        "previousDigestSignature": None,
        "logFiles": [],
    }
    put(
        digest_dir / f"{acct}_CloudTrail-Digest_us-east-1_org-trail_us-east-1_20000101T010000Z.json.gz",
        gzip.compress(json.dumps(digest).encode(), mtime=0),
        "digest",
        "recognised as a CloudTrail digest and ignored (not events, not an error)",
    )
    return defects
