"""Processes for the concurrency tests (run as scripts: ``python proc_worker.py ROLE ROOT OUT ...``)."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from helpers import event, write_s3

from aiaudit.store import Store, writer

PER_FILE = 50


def reader(root: Path, out: Path, seconds: float) -> None:
    """Check, over and over, that what a reader sees is whole files only."""
    store = Store(root, read_only=True)
    checks, errors, counts = 0, [], set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        con = store.connection()
        rows, kept, files = con.execute(
            "SELECT (SELECT count(*) FROM cloudtrail), (SELECT coalesce(sum(records_kept), 0) FROM _files),"
            " (SELECT count(*) FROM _files)"
        ).fetchone()
        checks += 1
        counts.add(rows)
        if rows != kept or rows != files * PER_FILE:
            errors.append([rows, kept, files])
    out.write_text(json.dumps({"checks": checks, "errors": errors, "counts": sorted(counts)}))


def writer_rounds(root: Path, out: Path, rounds: int) -> None:
    """Add two files, ingest; repeat."""
    store = Store(root)
    reports = []
    for r in range(rounds):
        for k in range(2):
            n = 1000 + r * 10 + k
            write_s3(root, f"W{n}", [event(n * PER_FILE + i) for i in range(PER_FILE)])
        rep = store.ingest()
        reports.append([rep.files_new, rep.records_kept])
        time.sleep(0.05)
    out.write_text(json.dumps(reports))


def slow_writer(root: Path) -> None:
    """One file per transaction, each followed by a pause, so an interrupt sent after the first commit
    ("committed" on stdout) lands mid-ingest however fast the machine (the test waited a fixed time
    before, and a faster ingest finished first and skipped it).

    Ctrl-C is what a terminal sends: Python's handler is installed whatever this process inherited. A
    process started in the background by a shell (as CI runs the tests) inherits SIGINT ignored, and
    Python then installs no handler, so the signal did nothing and the ingest ran to its end."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    writer.FAST_BATCH_FILES = 1
    commit = writer.Ingest._fast_transaction

    def paced(self: writer.Ingest, *args: Any) -> tuple[list, list]:
        done = commit(self, *args)
        print("committed", flush=True)
        time.sleep(0.1)
        return done

    writer.Ingest._fast_transaction = paced  # type: ignore[method-assign]
    print("started", flush=True)
    Store(root).ingest()


def hold_lock(root: Path, seconds: float) -> None:
    from aiaudit.store.lock import WriterLock

    store = Store(root)
    with WriterLock(store.location.lock):
        print("locked", flush=True)
        time.sleep(seconds)


if __name__ == "__main__":
    role, root_arg = sys.argv[1], Path(sys.argv[2])
    if role == "reader":
        reader(root_arg, Path(sys.argv[3]), float(sys.argv[4]))
    elif role == "writer":
        writer_rounds(root_arg, Path(sys.argv[3]), int(sys.argv[4]))
    elif role == "slow_writer":
        slow_writer(root_arg)
    elif role == "hold_lock":
        hold_lock(root_arg, float(sys.argv[3]))
