"""A full disk mid-ingest: a precise error, the previous store still answers, and the next ingest (with
space again) finishes with exact counts. Needs a tmpfs (root); skipped with the reason elsewhere."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from aiaudit.core.errors import SourceError
from aiaudit.store.store import Store


def _events(first: int, count: int) -> str:
    return "".join(
        json.dumps(
            {
                "eventVersion": "1.08",
                "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/alice"},
                "eventTime": f"2024-05-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
                "eventSource": "s3.amazonaws.com",
                "eventName": "GetObject",
                "requestID": f"req-{i}",
                "eventID": f"evt-{i}",
                "requestParameters": {"padding": "p" * 400 + str(i)},
            }
        )
        + "\n"
        for i in range(first, first + count)
    )


@pytest.fixture
def tmpfs(tmp_path: Path):
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_full_disk_leaves_the_previous_store_readable_and_resumes(tmp_path: Path, tmpfs: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_text(_events(0, 2000))
    cache = tmpfs / "store"
    Store(data, cache_dir=cache).ingest()
    assert Store(data, cache_dir=cache, read_only=True).count("cloudtrail") == 2000
    for n in range(1, 31):
        (data / f"b{n:02d}.jsonl").write_text(_events(n * 10_000, 2000))
    free = shutil.disk_usage(tmpfs).free
    filler = tmpfs / "filler"
    filler.write_bytes(b"\0" * max(0, free - 6 * 1024 * 1024))  # leave 6 MB: the copy fits, the growth does not
    with pytest.raises(SourceError, match="No space left on device") as info:
        Store(data, cache_dir=cache).ingest()
    assert "published store" in str(info.value) and "unchanged" in str(info.value)
    assert Store(data, cache_dir=cache, read_only=True).count("cloudtrail") == 2000  # the old snapshot answers
    filler.unlink()
    report = Store(data, cache_dir=cache).ingest()
    assert report.resumed
    assert Store(data, cache_dir=cache, read_only=True).count("cloudtrail") == 2000 + 30 * 2000
