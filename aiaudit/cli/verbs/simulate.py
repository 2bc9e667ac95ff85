"""`aiaudit simulate`: write a realistic multi-pipeline dataset with planted incidents (docs/simulate.md)."""

from __future__ import annotations

import argparse

from aiaudit.simulate import simulate
from aiaudit.simulate.core import ALL_PIPELINES, PIPELINE_CHOICES
from aiaudit.simulate.scenarios import SCENARIOS


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="output folder (new, empty, or an earlier simulation's)")
    parser.add_argument("--days", type=int, default=3, help="days of data ending at --end (default 3)")
    parser.add_argument("--end", default="2026-11-20T00:00:00Z", help="end of the data, ISO 8601 UTC")
    parser.add_argument("--seed", type=int, default=7, help="same seed, same bytes (default 7)")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="baseline volume multiplier (1 ≈ 9k CloudTrail events/day)"
    )
    parser.add_argument(
        "--scenario",
        nargs="+",
        default=["all"],
        metavar="NAME",
        help="all (default), none, or any of: " + ", ".join(SCENARIOS),
    )
    parser.add_argument(
        "--pipelines",
        default=",".join(ALL_PIPELINES),
        metavar="LIST",
        help="comma-separated pipelines the accounts deliver (default: all four); any of "
        + ", ".join(PIPELINE_CHOICES)
        + " (cloudtrail-management: CloudTrail without data events)",
    )
    parser.add_argument("--with-defects", action="store_true", help="also write malformed files (listed in truth.json)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: up to 2)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:

    summary = simulate(
        args.out,
        days=args.days,
        end=args.end,
        seed=args.seed,
        scale=args.scale,
        scenarios=tuple(args.scenario),
        with_defects=args.with_defects,
        workers=args.workers,
        pipelines=tuple(args.pipelines.split(",")),
    )
    print(summary.text())
    return 0
