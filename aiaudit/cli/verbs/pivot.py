"""`aiaudit pivot VALUE`."""

from __future__ import annotations

import argparse

from aiaudit.cli.common import add_common
from aiaudit.cli.verbs import not_implemented


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("value", help="principal, access key id, IP, session, trace, request id, model or ARN")
    parser.add_argument("--around", default="1h", help="window either side of the value's first/last sighting")
    add_common(parser)
    parser.set_defaults(handler=not_implemented("pivots are being built"))
