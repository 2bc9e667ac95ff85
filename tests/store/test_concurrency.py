"""One writer under a lock, many read-only readers, interrupted ingests: in separate processes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aiaudit.core.errors import SourceError
from aiaudit.store import Store

from .helpers import event, write_s3

WORKER = str(Path(__file__).with_name("proc_worker.py"))
PER_FILE = 50  # proc_worker.PER_FILE


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, WORKER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _seed(root: Path, files: int, start: int = 0) -> None:
    for f in range(start, start + files):
        write_s3(root, f"S{f:03d}", [event(f * PER_FILE + i) for i in range(PER_FILE)])


def test_two_readers_and_a_writer(tmp_path: Path) -> None:
    root = tmp_path / "data"
    _seed(root, 2)
    Store(root).ingest()
    readers = [_spawn("reader", str(root), str(tmp_path / f"r{i}.json"), "4") for i in range(2)]
    time.sleep(0.5)
    writer = _spawn("writer", str(root), str(tmp_path / "w.json"), "3")
    assert writer.wait(120) == 0, writer.stderr.read() if writer.stderr else ""
    for proc in readers:
        assert proc.wait(120) == 0, proc.stderr.read() if proc.stderr else ""
    reports = json.loads((tmp_path / "w.json").read_text())
    assert [r[0] for r in reports] == [2, 2, 2]
    for i in range(2):
        seen = json.loads((tmp_path / f"r{i}.json").read_text())
        assert seen["errors"] == []  # never half a file
        assert seen["checks"] > 10
        assert seen["counts"][0] >= 2 * PER_FILE and seen["counts"][-1] <= 8 * PER_FILE
    with Store(root, read_only=True) as store:
        assert store.count("cloudtrail") == 8 * PER_FILE


def test_second_writer_fails_clearly_then_waits(tmp_path: Path) -> None:
    root = tmp_path / "data"
    _seed(root, 1)
    holder = _spawn("hold_lock", str(root), "2")
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    with pytest.raises(SourceError, match=r"another ingest holds the store lock .*pid \d+"):
        Store(root, lock_timeout=0.3).ingest()
    report = Store(root, lock_timeout=30).ingest()  # waits for the holder, then ingests
    assert report.files_new == 1
    assert holder.wait(30) == 0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_interrupted_ingest_keeps_the_store_and_resumes(tmp_path: Path, sig: signal.Signals) -> None:
    root = tmp_path / "data"
    _seed(root, 1)
    store = Store(root)
    store.ingest()
    _seed(root, 24, start=1)
    proc = _spawn("slow_writer", str(root))
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    assert proc.stdout.readline().strip() == "committed"  # one file of 24 is in the working copy
    work = store.location.work
    proc.send_signal(sig)
    proc.wait(30)
    assert proc.returncode != 0, "the ingest ran to its end despite the signal"
    # the published store is untouched and consistent
    with Store(root, read_only=True) as reader:
        assert reader.count("cloudtrail") == PER_FILE
    assert work.exists()
    assert store.needs_ingest()
    report = store.ingest()
    assert report.resumed
    assert report.files_new <= 24
    assert store.count("cloudtrail") == 25 * PER_FILE
    assert not work.exists()
    assert not store.needs_ingest()
