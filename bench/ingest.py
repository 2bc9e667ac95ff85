"""Ingest benchmark: aiaudit's store against doing the same work by hand (issue 4).

    .venv/bin/python bench/ingest.py [--events 1000000] [--skip-pandas] [--cpus 0,1]

Builds (once, cached in bench/data/) N CloudTrail events in S3 delivery layout, 2,000 per gzip file,
then runs each variant in its own process pinned to two cores (``taskset -c 0,1``), so peak RSS is the
variant's own (``ru_maxrss`` of that process):

1. aiaudit: first ingest into a fresh store + a group-by query;
2. aiaudit: re-open the store read-only + the same query;
3. pandas: ``json.load`` + ``pandas.json_normalize`` per file, concat, group-by;
4. DuckDB by hand: ``CREATE TABLE ... AS SELECT unnest(Records) FROM read_json(files)`` + group-by.

Figures: seconds, events/s, peak RSS, and ratios against the aiaudit ingest measured in the same run.
The machine may be shared: the load average before and after the run is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

from phases import report, run_phase

HERE = Path(__file__).resolve().parent
QUERY_AIAUDIT = 'SELECT "eventName", count(*) AS n FROM cloudtrail GROUP BY 1 ORDER BY n DESC, 1'


def _files(root: Path) -> list[str]:
    return sorted(str(p) for p in (root / "AWSLogs").rglob("*.json.gz"))


def _cpu_s() -> float:
    """CPU seconds of this process, all threads: the work done, whatever else runs on the machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def variant_aiaudit(root: Path) -> dict:
    from aiaudit.store import Store

    shutil.rmtree(root / ".aiaudit", ignore_errors=True)
    started = time.perf_counter()
    store = Store(root)
    report = store.ingest()
    ingested = time.perf_counter()
    rows = store.connection().execute(QUERY_AIAUDIT).fetchall()
    done = time.perf_counter()
    store.close()
    return {
        "seconds": done - started,
        "ingest_s": ingested - started,
        "query_s": done - ingested,
        "events": report.records_kept,
        "top": rows[:3],
        "fast_files": report.files_fast,
        "store_mb": (root / ".aiaudit" / "store.duckdb").stat().st_size / 1e6,
    }


def variant_reopen(root: Path) -> dict:
    from aiaudit.store import Store

    started = time.perf_counter()
    store = Store(root, read_only=True)
    rows = store.connection().execute(QUERY_AIAUDIT).fetchall()
    events = store.count("cloudtrail")
    done = time.perf_counter()
    return {"seconds": done - started, "events": events, "top": rows[:3]}


def variant_pandas(root: Path) -> dict:
    import gzip

    import pandas as pd

    started = time.perf_counter()
    frames = []
    for name in _files(root):
        with gzip.open(name) as handle:
            frames.append(pd.json_normalize(json.load(handle)["Records"]))
    frame = pd.concat(frames, ignore_index=True)
    counts = frame.groupby("eventName").size().sort_values(ascending=False)
    done = time.perf_counter()
    return {"seconds": done - started, "events": len(frame), "top": list(counts.head(3).items())}


def variant_duckdb(root: Path) -> dict:
    import duckdb

    db = root.parent / f"{root.name}-byhand.duckdb"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute(
        "CREATE TABLE events AS SELECT unnest(Records, max_depth := 2) FROM read_json(?, format = 'auto')",
        [_files(root)],
    )
    rows = con.execute('SELECT "eventName", count(*) AS n FROM events GROUP BY 1 ORDER BY n DESC, 1').fetchall()
    events = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    done = time.perf_counter()
    db.unlink(missing_ok=True)
    return {"seconds": done - started, "events": events, "top": rows[:3]}


VARIANTS = {
    "aiaudit": variant_aiaudit,
    "reopen": variant_reopen,
    "pandas": variant_pandas,
    "duckdb": variant_duckdb,
}
LABELS = {
    "aiaudit": "aiaudit first ingest + group-by",
    "reopen": "aiaudit re-open + group-by",
    "pandas": "pandas json.load + json_normalize",
    "duckdb": "DuckDB read_json by hand",
}


def _child(name: str, root: Path) -> None:
    cpu0 = _cpu_s()
    result = VARIANTS[name](root)
    result["cpu_s"] = _cpu_s() - cpu0
    report(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--skip-pandas", action="store_true", help="leave out the (slow, memory-hungry) pandas run")
    parser.add_argument("--skip-duckdb", action="store_true", help="leave out the DuckDB-by-hand run")
    parser.add_argument("--cpus", default="0,1", help="cores to pin each variant to (taskset -c); '' = no pinning")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, Path(args.root))
        return
    sys.path.insert(0, str(HERE))
    from gen_cloudtrail import generate

    t0 = time.perf_counter()
    root = generate(args.events, HERE / "data")
    gen_s = time.perf_counter() - t0
    files = _files(root)
    size = sum(os.path.getsize(f) for f in files)
    load_before = os.getloadavg()
    print(f"data: {args.events:,} events in {len(files)} files ({size / 1e6:,.0f} MB gzip) at {root}")
    print(f"      (generated or found in {gen_s:.1f} s); each variant pinned to cpus {args.cpus or 'all'}")
    names = ["aiaudit", "reopen"] + ([] if args.skip_pandas else ["pandas"]) + ([] if args.skip_duckdb else ["duckdb"])
    results = {}
    for name in names:
        results[name] = run_phase(__file__, name, ["--root", str(root)], args.cpus)
        r = results[name]
        print(f"  ran {name}: {r['seconds']:.2f} s", flush=True)
    load_after = os.getloadavg()
    base = results["aiaudit"]["seconds"]
    print()
    base_cpu = results["aiaudit"]["cpu_s"]
    print(
        f"{'variant':<36} {'seconds':>9} {'events/s':>12} {'peak RSS':>10} {'vs aiaudit':>11}"
        f" {'CPU s':>8} {'CPU vs aiaudit':>15}"
    )
    for name in names:
        r = results[name]
        rate = r["events"] / r["seconds"] if r["seconds"] else 0
        ratio = r["seconds"] / base
        print(
            f"{LABELS[name]:<36} {r['seconds']:>9.2f} {rate:>12,.0f} {r['peak_mb']:>8,.0f}MB {ratio:>10.2f}x"
            f" {r['cpu_s']:>8.2f} {r['cpu_s'] / base_cpu:>14.2f}x"
        )
    a = results["aiaudit"]
    print()
    print(
        f"aiaudit: ingest {a['ingest_s']:.2f} s + query {a['query_s']:.3f} s; {a['fast_files']} of {len(files)} files "
        f"on the bulk path; store {a['store_mb']:,.0f} MB"
    )
    if "duckdb" in results:
        d = results["duckdb"]
        print(
            f"aiaudit / DuckDB-by-hand: {base / d['seconds']:.2f} (target <= 1.5); "
            f"in CPU seconds {base_cpu / d['cpu_s']:.2f}"
        )
    if "pandas" in results:
        p = results["pandas"]
        print(
            f"pandas / aiaudit: {p['seconds'] / base:.1f}x (target >= 10); in CPU seconds {p['cpu_s'] / base_cpu:.1f}x"
        )
    print(f"re-open + query: {results['reopen']['seconds']:.3f} s (target < 0.5)")
    print(f"peak RSS aiaudit ingest: {a['peak_mb']:,.0f} MB (target < 1500 at 1M events)")
    tops = {name: [tuple(t) for t in results[name]["top"]] for name in names}
    agree = all(t == tops["aiaudit"] for t in tops.values())
    print(f"group-by top rows agree across variants: {agree} {tops['aiaudit']}")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (other work on the machine)")


if __name__ == "__main__":
    main()
