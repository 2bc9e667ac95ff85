"""The emulator reports bytesScanned as AWS does: the UTF-8 size of the events the query read (every
event of the groups in the time range, not only the matches), so cost figures are exercised offline."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aiaudit.core.config import Config
from aiaudit.core.timerange import TimeRange
from aiaudit.sources.aws.emulator import Emulator, serve, url_of
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.source import AwsSource
from aiaudit.sources.connect import connect
from aiaudit.sources.spec import parse_spec


def test_bytes_scanned_is_the_size_of_the_events_read(tmp_path, monkeypatch) -> None:
    events = []
    for i, name in enumerate(["GetObject", "InvokeModel", "Converse", "DeleteTrail"]):
        events.append(
            {
                "eventVersion": "1.08",
                "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/ünïcode"},
                "eventTime": f"2024-05-01T00:00:0{i}Z",
                "eventSource": "s3.amazonaws.com",
                "eventName": name,
                "requestID": f"r{i}",
                "eventID": f"e{i}",
            }
        )
    events[3]["eventTime"] = "2024-06-01T00:00:00Z"  # outside the range queried: not read
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    # @message is the compact JSON text with non-ASCII kept (docs/readers.md); its UTF-8 size per event:
    read = [json.dumps(e, separators=(",", ":"), ensure_ascii=False).encode() for e in events[:3]]
    local = connect(f"local:{tmp_path / 'data'}", cache_dir=str(tmp_path / "store"))
    server = serve(Emulator(local))
    monkeypatch.setenv("AWS_ENDPOINT_URL", url_of(server))
    try:
        opts = AwsOptions(cache=False, progress=False, poll_initial_s=0.01, retry_base_s=0.01, sdk_attempts=1)
        aws = AwsSource(parse_spec("aws:@us-east-1"), Config(), options=opts)
        tr = TimeRange(datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 5, 2, tzinfo=UTC))
        result = aws.query("SELECT requestID FROM `cloudtrail` WHERE eventName = 'Converse'", tr)
    finally:
        server.shutdown()
        server.server_close()
    assert result.frame["requestID"].tolist() == ["r2"]
    assert result.stats.records_scanned == 3
    assert result.stats.bytes_scanned == sum(len(m) for m in read)
    assert sum(len(m) for m in read) > sum(len(m.decode()) for m in read)  # bytes, not characters
