"""A moto server on loopback for the pull and push tests (real boto3 through AWS_ENDPOINT_URL), and ways
to read back what arrived. The same start-up as tests/aws/test_aws_moto.py."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import boto3
import pytest


@pytest.fixture(scope="module")
def moto_url():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws(moto_url, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    import requests

    requests.post(f"{moto_url}/moto-api/reset", timeout=5)
    return moto_url


def events_in(group: str, region: str = "us-east-1") -> list[dict]:
    """Every event of ``group`` as moto holds it (FilterLogEvents, all pages)."""
    logs = boto3.client("logs", region_name=region)
    out: list[dict] = []
    for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group):
        out.extend(page["events"])
    return out


def groups_in(region: str = "us-east-1") -> dict[str, int | None]:
    """Log group name -> retention days, as moto holds them."""
    logs = boto3.client("logs", region_name=region)
    out: dict[str, int | None] = {}
    for page in logs.get_paginator("describe_log_groups").paginate():
        for g in page["logGroups"]:
            out[g["logGroupName"]] = g.get("retentionInDays")
    return out


def write_gz(path: Path, text: str) -> bytes:
    data = gzip.compress(text.encode("utf-8"), mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def ndjson(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
