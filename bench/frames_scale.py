"""Frames at scale: standard projections from the engine against DuckDB by hand, in one run (issue 17).

    .venv/bin/python bench/frames_scale.py [--events 1000000] [--invocations 100000] [--cpus 0,1]

Data (built once, cached in bench/data/): N CloudTrail events in S3 delivery layout, 2,000 per gzip file
(bench/gen_cloudtrail.py), and 100k Bedrock invocation logs with mixed provider bodies
(bench/gen_invocations.py). Every phase runs in its own process pinned to the cores given
(``taskset -c 0,1``), so its wall time and peak RSS (``ru_maxrss``) are its own:

* baselines, plain DuckDB SQL from bench/by_hand.sql (``SET threads = 2``, results fetched with ``.df()``),
  reading the 17 CloudTrail fields the issue names: **R** ``read_json`` over the gzip files → unnest
  ``Records`` → the fields; **T** the same fields from a DuckDB table already loaded with them;
* aiaudit: first ingest + the full CloudTrail frame; re-open + the full frame; re-open + ``columns=``
  those 17 fields (``access_key_id`` stands for ``userIdentity.accessKeyId``, which the frame carries
  normalised); re-open + focus on one principal (a role holding about 2 % of the events); re-open + the
  full invocations frame of the 100k logs (their store is built in an untimed phase first); and with
  ``--stream``, the whole CloudTrail projection streamed in chunks, counted per principal.

The machine may be shared: the load average before and after the run is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from phases import report, run_phase

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
FIELDS17 = [
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestID",
    "eventID",
    "readOnly",
    "recipientAccountId",
    "userIdentity.type",
    "userIdentity.arn",
    "userIdentity.accountId",
    "access_key_id",  # userIdentity.accessKeyId, as the frame carries it (a redacted key is missing)
    "userIdentity.sessionContext.sessionIssuer.arn",
]
FOCUS_ROLE = "arn:aws:iam::123456789012:role/agent-role-7"  # one of 44 roles: ~2.3 % of the events


def _files(root: Path) -> list[str]:
    return sorted(str(p) for p in (root / "AWSLogs").rglob("*.json.gz"))


def _statements() -> dict[str, str]:
    out: dict[str, str] = {}
    name = None
    for line in (HERE / "by_hand.sql").read_text().splitlines():
        if line.startswith("-- name:"):
            name = line.split(":", 1)[1].strip()
            out[name] = ""
        elif name is not None:
            out[name] += line + "\n"
    return out


def _everything():
    from aiaudit import TimeRange

    return TimeRange.parse(None, start="2000-01-01T00:00:00Z", end="2100-01-01T00:00:00Z")


# -- phases (each runs in a child process) ------------------------------------------------------------


def phase_R(ct: Path, _inv: Path) -> dict:
    import duckdb

    sql = _statements()
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(sql["settings"])
    con.execute("SET VARIABLE files = ?", [_files(ct)])
    frame = con.sql(sql["R"]).df()
    return {"seconds": time.perf_counter() - started, "rows": len(frame), "columns": frame.shape[1]}


def _t_db(ct: Path) -> Path:
    return ct.parent / f"{ct.name}-events17.duckdb"


def phase_T_setup(ct: Path, _inv: Path) -> dict:
    import duckdb

    db = _t_db(ct)
    if db.exists():
        return {"seconds": 0.0, "rows": 0}
    sql = _statements()
    started = time.perf_counter()
    con = duckdb.connect(str(db) + ".tmp")
    con.execute(sql["settings"])
    con.execute("SET VARIABLE files = ?", [_files(ct)])
    con.execute(sql["T-setup"])
    con.close()
    os.replace(str(db) + ".tmp", db)
    return {"seconds": time.perf_counter() - started, "rows": 0}


def phase_T(ct: Path, _inv: Path) -> dict:
    import duckdb

    sql = _statements()
    started = time.perf_counter()
    con = duckdb.connect(str(_t_db(ct)), read_only=True)
    con.execute(sql["settings"])
    frame = con.sql(sql["T"]).df()
    return {"seconds": time.perf_counter() - started, "rows": len(frame), "columns": frame.shape[1]}


def phase_ingest_frame(ct: Path, _inv: Path) -> dict:
    import aiaudit

    shutil.rmtree(ct / ".aiaudit", ignore_errors=True)
    started = time.perf_counter()
    src = aiaudit.connect(f"local:{ct}")
    ingested = time.perf_counter()
    frame = src.cloudtrail(_everything())
    done = time.perf_counter()
    return {
        "seconds": done - started,
        "ingest_s": ingested - started,
        "frame_s": done - ingested,
        "rows": len(frame),
        "columns": frame.shape[1],
    }


def _reopen(root: Path):
    import aiaudit

    return aiaudit.connect(f"local:{root}", read_only=True)


def phase_reopen_frame(ct: Path, _inv: Path) -> dict:
    started = time.perf_counter()
    frame = _reopen(ct).cloudtrail(_everything())
    return {"seconds": time.perf_counter() - started, "rows": len(frame), "columns": frame.shape[1]}


def phase_reopen_columns(ct: Path, _inv: Path) -> dict:
    started = time.perf_counter()
    frame = _reopen(ct).cloudtrail(_everything(), columns=FIELDS17)
    return {"seconds": time.perf_counter() - started, "rows": len(frame), "columns": frame.shape[1]}


def phase_focus(ct: Path, _inv: Path) -> dict:
    started = time.perf_counter()
    frame = _reopen(ct).cloudtrail(_everything(), principal=FOCUS_ROLE)
    return {"seconds": time.perf_counter() - started, "rows": len(frame), "columns": frame.shape[1]}


def phase_stream(ct: Path, _inv: Path) -> dict:
    started = time.perf_counter()
    counts: dict[str, int] = {}
    rows = 0
    for chunk in _reopen(ct).stream("cloudtrail", _everything(), chunk_rows=250_000):
        rows += len(chunk)
        for principal, n in chunk["principal"].value_counts().items():
            counts[principal] = counts.get(principal, 0) + int(n)
    return {"seconds": time.perf_counter() - started, "rows": rows, "principals": len(counts)}


def phase_inv_setup(_ct: Path, inv: Path) -> dict:
    import aiaudit

    started = time.perf_counter()
    src = aiaudit.connect(f"local:{inv}")
    return {"seconds": time.perf_counter() - started, "rows": src.store.count("invocations")}


def phase_inv_frame(_ct: Path, inv: Path) -> dict:
    started = time.perf_counter()
    frame = _reopen(inv).invocations(_everything())
    return {
        "seconds": time.perf_counter() - started,
        "rows": len(frame),
        "columns": frame.shape[1],
        "prompts": int(frame["prompt"].notna().sum()),
        "responses": int(frame["response"].notna().sum()),
    }


PHASES = {
    "R": phase_R,
    "T-setup": phase_T_setup,
    "T": phase_T,
    "ingest+frame": phase_ingest_frame,
    "reopen+frame": phase_reopen_frame,
    "reopen+columns17": phase_reopen_columns,
    "focus": phase_focus,
    "stream": phase_stream,
    "inv-setup": phase_inv_setup,
    "inv-frame": phase_inv_frame,
}
LABELS = {
    "R": "R: DuckDB read_json → 17 fields → .df()",
    "T": "T: DuckDB table → 17 fields → .df()",
    "ingest+frame": "first ingest + full CloudTrail frame",
    "reopen+frame": "re-open + full CloudTrail frame",
    "reopen+columns17": "re-open + columns= the 17 fields",
    "focus": "re-open + focus on one principal",
    "stream": "re-open + streamed full projection",
    "inv-frame": "re-open + full invocations frame",
}


def _child(name: str, ct: Path, inv: Path) -> None:
    if name not in ("R", "T", "T-setup"):
        import aiaudit  # noqa: F401 - imported before the clock starts, as the baselines import duckdb first
    report(PHASES[name](ct, inv))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--invocations", type=int, default=100_000)
    parser.add_argument("--cpus", default="0,1", help="cores to pin each phase to (taskset -c); '' = no pinning")
    parser.add_argument("--stream", action="store_true", help="also stream the whole projection (for 10M)")
    parser.add_argument("--phases", help="comma-separated subset of phases to run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--ct", help=argparse.SUPPRESS)
    parser.add_argument("--inv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, Path(args.ct), Path(args.inv))
        return
    sys.path.insert(0, str(HERE))
    from gen_cloudtrail import generate as generate_ct
    from gen_invocations import generate as generate_inv

    ct = generate_ct(args.events, DATA)
    inv = generate_inv(args.invocations, DATA)
    size = sum(os.path.getsize(f) for f in _files(ct))
    print(f"data: {args.events:,} CloudTrail events in {len(_files(ct))} files ({size / 1e6:,.0f} MB gzip) at {ct}")
    print(f"      {args.invocations:,} invocation logs at {inv}; each phase pinned to cpus {args.cpus or 'all'}")
    names = ["T-setup", "R", "T", "ingest+frame", "reopen+frame", "reopen+columns17", "focus", "inv-setup", "inv-frame"]
    if args.stream:
        names.append("stream")
    if args.phases:
        wanted = args.phases.split(",")
        names = [n for n in names if n in wanted or (n == "T-setup" and "T" in wanted)]  # T needs its table
    load_before = os.getloadavg()
    results: dict[str, dict] = {}
    for name in names:
        results[name] = run_phase(__file__, name, ["--ct", str(ct), "--inv", str(inv)], args.cpus)
        print(f"  ran {name}: {results[name]['seconds']:.2f} s, peak {results[name]['peak_mb']:,.0f} MB", flush=True)
    load_after = os.getloadavg()
    r = results.get("R", {}).get("seconds")
    t = results.get("T", {}).get("seconds")
    targets = {
        "ingest+frame": ("R", 1.5, r),
        "reopen+frame": ("R", 0.3, r),
        "reopen+columns17": ("T", 1.5, t),
        "focus": (None, None, 1.0 if args.events <= 1_000_000 else 2.0),
        "inv-frame": (None, None, 2.0),
    }
    print()
    print(f"{'phase':<42} {'seconds':>8} {'peak RSS':>9} {'vs baseline':>12} {'target':>14} {'met':>4}")
    for name in names:
        if name not in LABELS:
            continue
        res = results[name]
        base, factor, bound = targets.get(name, (None, None, None))
        vs = f"{res['seconds'] / bound:.2f}x {base}" if base and bound else ""
        limit = (factor * bound) if (factor and bound) else bound
        target = (f"≤ {factor}x {base}" if base else f"≤ {bound:.1f} s") if limit else ""
        met = ("yes" if res["seconds"] <= limit else "NO") if limit else ""
        print(f"{LABELS[name]:<42} {res['seconds']:>8.2f} {res['peak_mb']:>7,.0f}MB {vs:>12} {target:>14} {met:>4}")
    if "ingest+frame" in results:
        a = results["ingest+frame"]
        print(
            f"\nfirst ingest {a['ingest_s']:.2f} s + frame {a['frame_s']:.2f} s;"
            f" {a['rows']:,} rows x {a['columns']} columns"
        )
    if "reopen+frame" in results:
        print(f"re-open peak RSS {results['reopen+frame']['peak_mb']:,.0f} MB (target ≤ 2,500 MB)")
    if "focus" in results:
        print(f"focus rows: {results['focus']['rows']:,} ({results['focus']['rows'] / args.events:.1%} of the events)")
    if "stream" in results:
        print(
            f"streamed {results['stream']['rows']:,} rows,"
            f" peak RSS {results['stream']['peak_mb']:,.0f} MB (target ≤ 4,000 MB)"
        )
    if "inv-setup" in results:
        print(f"invocations store built in {results['inv-setup']['seconds']:.1f} s (untimed setup)")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (other work on the machine)")


if __name__ == "__main__":
    main()
