"""`aiaudit push` (reserved, DESIGN §8)."""

from __future__ import annotations

import argparse

from aiaudit.cli.common import add_common
from aiaudit.cli.verbs import not_implemented


def register(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.set_defaults(handler=not_implemented("'aiaudit push' arrives with a later release"))
