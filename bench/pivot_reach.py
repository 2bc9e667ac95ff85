"""Pivot reach on simulations: from each incident's first principal, how many incidents are fully reached.

Usage: .venv/bin/python bench/pivot_reach.py [--seeds 7 11 23] [--days 3] [--scale 0.1] [--hops N]
Simulates each seed into a temporary folder, pivots (default settings) from every incident's first
principal (truth.json ``incidents[*].principals[0]``) and prints, per seed, incidents fully reached /
incidents and request ids reached / listed (aiaudit.simulate.reach), then per incident the rows the
pivot returned and its time. Quality, not speed: the times are for orientation (the machine is shared).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import aiaudit
from aiaudit.simulate import simulate
from aiaudit.simulate.reach import pivot_reach, reach_summary
from aiaudit.simulate.score import load_truth


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11, 23])
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--hops", type=int, default=None, help="pivot hops (default: the pivot's default)")
    args = parser.parse_args()
    options = {} if args.hops is None else {"hops": args.hops}
    for seed in args.seeds:
        out = Path(tempfile.mkdtemp(prefix="aiaudit-reach-"))
        try:
            simulate(out, days=args.days, scale=args.scale, seed=seed)
            with aiaudit.connect("local:" + str(out)) as src:
                table = pivot_reach(src, load_truth(out), **options)
            s = reach_summary(table)
            print(
                f"seed {seed} (days={args.days}, scale={args.scale:g}): {s['fully_reached']}/{s['incidents']} "
                f"incidents fully reached; {s['request_ids_reached']}/{s['request_ids_listed']} request ids"
            )
            for row in table.itertuples(index=False):
                gap = f"  missing {len(row.missing)}" if row.missing else ""
                print(f"  {row.id:<32} {row.reached:>3}/{row.listed:<3} {row.rows:>6} rows {row.seconds:>5.1f} s{gap}")
        finally:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
