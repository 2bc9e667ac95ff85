"""The store under load (``make reliability``; not ``make test``): figures for docs/reliability.md.

    python bench/reliability/store_load.py big --events 10000000
    python bench/reliability/store_load.py kill --events 400000 --kills 20
    python bench/reliability/store_load.py readers --events 200000
    python bench/reliability/store_load.py disk-full

Each prints one JSON object. Data is bench/gen_cloudtrail.py's CloudTrail S3 delivery layout (2,000
events per gzip file, unique ``eventID``s), generated once under bench/data/. Every ingest runs in a
child process so its peak RSS is its own. The machine is shared with other jobs: times are indicative,
counts are exact.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from gen_cloudtrail import generate  # noqa: E402  (bench scripts are run as files)

_INGEST = """
import json, resource, sys, time
from aiaudit.store.store import Store
t = time.perf_counter()
report = Store(sys.argv[1], cache_dir=sys.argv[2]).ingest()
print(json.dumps({"kept": report.records_kept, "resumed": report.resumed, "seconds": time.perf_counter() - t,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _data(events: int) -> Path:
    return generate(events, HERE.parent / "data")


def _count(data: Path, cache: Path) -> int | None:
    from aiaudit.store.store import Store

    if not (cache / "store.duckdb").exists():
        return None
    store = Store(data, cache_dir=cache, read_only=True)
    try:
        return store.count("cloudtrail")
    finally:
        store.close()


def _ingest(data: Path, cache: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", _INGEST, str(data), str(cache)], capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def big(events: int, data: Path | None = None) -> dict:
    """Ingest ``events`` events (generated, or an existing folder ``data`` holding exactly that many)."""
    data = data or _data(events)
    cache = Path(tempfile.mkdtemp(prefix="aiaudit-big-"))
    try:
        result = _ingest(data, cache)
        result.update(events=events, stored=_count(data, cache))
        return result
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def kill(events: int, kills: int, seed: int) -> dict:
    """SIGKILL the ingest at random points ``kills`` times, resuming each time; then let it finish."""
    rng = random.Random(seed)
    data = _data(events)
    cache = Path(tempfile.mkdtemp(prefix="aiaudit-kill-"))
    reference = Path(tempfile.mkdtemp(prefix="aiaudit-kill-ref-"))
    full = _ingest(data, reference)  # how long one uninterrupted run takes
    shutil.rmtree(reference, ignore_errors=True)
    window = max(1.0, float(full.get("seconds", 10.0)))
    log = []
    try:
        for _ in range(kills):
            proc = subprocess.Popen(
                [sys.executable, "-c", _INGEST, str(data), str(cache)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            delay = rng.uniform(0.5, window)
            try:
                proc.wait(timeout=delay)
                finished = True
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                finished = False
            published = _count(data, cache)
            log.append({"after_s": round(delay, 2), "finished": finished, "published": published})
            if published not in (None, events):
                break  # a partial store was published: the failure the run exists to catch
        final = _ingest(data, cache)
        stored = _count(data, cache)
        return {
            "events": events,
            "kills": sum(not e["finished"] for e in log),
            "runs": log,
            "final": final,
            "stored": stored,
            "exact": stored == events,
            "partial_published": any(e["published"] not in (None, events) for e in log),
        }
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def readers(events: int) -> dict:
    """Query the store from a thread while a second ingest adds half the files: every count seen is
    either the old total or the new one (never a half-ingested file)."""
    from aiaudit.store.store import Store

    source = _data(events)
    work = Path(tempfile.mkdtemp(prefix="aiaudit-readers-"))
    data, cache = work / "data", work / "store"
    files = sorted(source.rglob("*.json.gz"))
    half = len(files) // 2
    for f in files[:half]:
        target = data / f.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, target)
    first = _ingest(data, cache)
    for f in files[half:]:
        target = data / f.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, target)
    seen: list[int] = []
    stop = threading.Event()
    store = Store(data, cache_dir=cache, read_only=True)

    def poll() -> None:
        while not stop.is_set():
            seen.append(store.count("cloudtrail"))
            time.sleep(0.05)

    thread = threading.Thread(target=poll)
    thread.start()
    second = _ingest(data, cache)
    time.sleep(0.3)
    stop.set()
    thread.join()
    store.close()
    shutil.rmtree(work, ignore_errors=True)
    old, new = first.get("kept"), events
    return {
        "events": events,
        "queries": len(seen),
        "distinct_counts": sorted(set(seen)),
        "old": old,
        "new": new,
        "only_whole_snapshots": set(seen) <= {old, new},
        "second": second,
    }


def disk_full(size_mb: int = 100) -> dict:
    """The store on a small tmpfs: a first ingest fits; a bigger second one runs out of space. The
    previous store must stay readable with its old count, and the error must say what happened."""
    mount = Path(tempfile.mkdtemp(prefix="aiaudit-full-"))
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mount)]).returncode != 0:
        return {"skipped": "cannot mount a tmpfs here"}
    try:
        small, large = _data(20_000), _data(400_000)
        work = Path(tempfile.mkdtemp(prefix="aiaudit-full-data-"))
        shutil.copytree(small, work / "data")
        cache = mount / "store"
        first = _ingest(work / "data", cache)
        before = _count(work / "data", cache)
        shutil.copytree(large / "AWSLogs", work / "data" / "AWSLogs", dirs_exist_ok=True)
        second = _ingest(work / "data", cache)
        after = _count(work / "data", cache)
        shutil.rmtree(work, ignore_errors=True)
        return {
            "tmpfs_mb": size_mb,
            "first": first,
            "count_before": before,
            "second": second,
            "count_after_failure": after,
            "previous_store_readable": after == before,
        }
    finally:
        subprocess.run(["umount", str(mount)])
        shutil.rmtree(mount, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["big", "kill", "readers", "disk-full"])
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--data", type=Path, default=None, help="big: an existing folder of --events events")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    if args.what == "big":
        result = big(args.events or 10_000_000, args.data)
    elif args.what == "kill":
        result = kill(args.events or 400_000, args.kills, args.seed)
    elif args.what == "readers":
        result = readers(args.events or 200_000)
    else:
        result = disk_full()
    result["loadavg_before"] = load
    result["peak_mb_parent"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
