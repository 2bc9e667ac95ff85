"""`aiaudit emulate`: a loopback Logs Insights endpoint over a local source."""

from __future__ import annotations

import argparse

from aiaudit.cli.common import add_source
from aiaudit.cli.verbs import not_implemented


def register(parser: argparse.ArgumentParser) -> None:
    add_source(parser)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cap", type=int, default=10000, help="rows per query before the result is capped")
    parser.set_defaults(handler=not_implemented("the emulator is being built"))
