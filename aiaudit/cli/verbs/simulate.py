"""`aiaudit simulate` (issue: simulator)."""

from __future__ import annotations

import argparse

from aiaudit.cli.verbs import not_implemented


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--end", default="2026-11-20T00:00:00Z")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--scenario", nargs="+", default=["all"])
    parser.add_argument("--with-defects", action="store_true")
    parser.set_defaults(handler=not_implemented("'aiaudit simulate' is being built"))
