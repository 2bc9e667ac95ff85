"""Hand-written CloudTrail events in S3 delivery layout, for the store tests."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

ACCOUNT = "111122223333"


def event(n: int, **extra: Any) -> dict[str, Any]:
    """A small but real-shaped CloudTrail event; ``n`` makes eventID and time unique."""
    ev: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/agent/s{n}",
            "accountId": ACCOUNT,
            "sessionContext": {"sessionIssuer": {"arn": f"arn:aws:iam::{ACCOUNT}:role/agent", "userName": "agent"}},
        },
        "eventTime": f"2026-11-20T10:{n // 60 % 60:02d}:{n % 60:02d}Z",
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "InvokeModel",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "10.0.0.1",
        "requestParameters": {"modelId": "anthropic.claude-3-haiku-20240307-v1:0"},
        "responseElements": None,
        "requestID": f"req-{n}",
        "eventID": f"ev-{n:06d}",
        "readOnly": True,
        "eventType": "AwsApiCall",
        "recipientAccountId": ACCOUNT,
    }
    ev.update(extra)
    return ev


def s3_path(root: Path, name: str, region: str = "us-east-1", stamp: str = "20261120T1000Z") -> Path:
    """Where CloudTrail delivers a file (``stamp``: the delivery time in the key)."""
    folder = root / "AWSLogs" / ACCOUNT / "CloudTrail" / region / stamp[:4] / stamp[4:6] / stamp[6:8]
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{ACCOUNT}_CloudTrail_{region}_{stamp}_{name}.json.gz"


def write_s3(
    root: Path,
    name: str,
    events: list[dict[str, Any]],
    region: str = "us-east-1",
    stamp: str = "20261120T1000Z",
    line_end: str = "",
) -> Path:
    """A delivery file as CloudTrail writes it (one compact document, no line end unless given)."""
    path = s3_path(root, name, region, stamp)
    body = (json.dumps({"Records": events}, separators=(",", ":")) + line_end).encode()
    path.write_bytes(gzip.compress(body, mtime=0))
    return path


def bump_mtime(path: Path, seconds: int = 10) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))
