"""`aiaudit detect`."""

from __future__ import annotations

import argparse

from aiaudit.cli.common import add_common
from aiaudit.cli.verbs import not_implemented


def register(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("--report", action="store_true", help="per entry: true and false positives vs truth.json")
    parser.add_argument("--fail-on", choices=["info", "low", "medium", "high", "critical"])
    parser.set_defaults(handler=not_implemented("detections are being built"))
