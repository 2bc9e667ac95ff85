"""`aiaudit sources SOURCE`: what a source holds and what was skipped while loading it."""

from __future__ import annotations

import argparse
import os

from aiaudit import connect
from aiaudit.cli.common import add_format, emit
from aiaudit.core.errors import InputError


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", nargs="?", help="source spec (default: --source / $AIAUDIT_SOURCE)")
    parser.add_argument("--source", dest="source_opt", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help="keep the store here instead of beside the data")
    parser.add_argument("--files", action="store_true", help="one row per file instead of per log group")
    parser.add_argument("--skipped", action="store_true", help="list every skipped item with file and line")
    add_format(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:

    spec = args.spec or args.source_opt or os.environ.get("AIAUDIT_SOURCE")
    if not spec:
        raise InputError("name a source: aiaudit sources local:PATH", where="sources")
    with connect(spec, cache_dir=args.cache_dir) as src:
        inventory = src.sources()
        if args.format == "table" and not (args.files or args.skipped):
            print(inventory)
            return 0
        frame = inventory.skipped if args.skipped else (inventory.files if args.files else inventory.groups)
        emit(frame, args)
    return 0
