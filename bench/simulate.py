"""Simulator throughput: CloudTrail events per second at a given scale, one worker vs two.

Usage: .venv/bin/python bench/simulate.py [--scale 40] [--days 3] [--workers 1 2]
Prints wall time, CPU time of this process and its workers, and events/s. The machine is shared, so
compare figures from the same run; CPU seconds show the work independent of contention.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from aiaudit.simulate import simulate


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=40.0)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    args = parser.parse_args()
    for workers in args.workers:
        out = Path(tempfile.mkdtemp(prefix="aiaudit-sim-bench-"))
        try:
            cpu0, t0 = cpu_seconds(), time.monotonic()
            summary = simulate(out, days=args.days, scale=args.scale, workers=workers)
            wall, cpu = time.monotonic() - t0, cpu_seconds() - cpu0
            ct = summary.records["cloudtrail"]
            print(
                f"workers={workers} scale={args.scale:g} days={args.days}: {ct:,} CloudTrail events, "
                f"{summary.records['invocations']:,} invocation records, {summary.records['spans']:,} spans, "
                f"{summary.records['runtime_logs']:,} runtime log records, {summary.bytes_written / 1e6:,.0f} MB"
            )
            print(
                f"  wall {wall:.1f} s -> {ct / wall:,.0f} CloudTrail events/s; "
                f"CPU {cpu:.1f} s -> {ct / cpu:,.0f} events per CPU-second"
            )
        finally:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
