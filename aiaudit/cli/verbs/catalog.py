"""`aiaudit catalog list|show ID|run ID`."""

from __future__ import annotations

import argparse

from aiaudit.cli.common import add_common
from aiaudit.cli.verbs import not_implemented, with_subverbs


def register(parser: argparse.ArgumentParser) -> None:
    subs = with_subverbs(parser, {"list": "list entries", "show": "show one entry", "run": "run one entry"})
    subs["list"].set_defaults(handler=not_implemented("the catalogue is being built"))
    subs["show"].add_argument("id")
    subs["show"].set_defaults(handler=not_implemented("the catalogue is being built"))
    subs["run"].add_argument("id")
    add_common(subs["run"])
    subs["run"].add_argument("--dry-run", action="store_true", help="print the rendered query, do not run it")
    subs["run"].set_defaults(handler=not_implemented("the catalogue is being built"))
