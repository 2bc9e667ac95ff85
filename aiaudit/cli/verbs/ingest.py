"""`aiaudit ingest SOURCE`: parse new or changed files into the store, with a progress bar."""

from __future__ import annotations

import argparse
import os

from aiaudit import connect
from aiaudit.core.errors import InputError


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", nargs="?", help="local source spec (default: --source / $AIAUDIT_SOURCE)")
    parser.add_argument("--source", dest="source_opt", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help="keep the store here instead of beside the data")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:

    spec = args.spec or args.source_opt or os.environ.get("AIAUDIT_SOURCE")
    if not spec:
        raise InputError("name a source: aiaudit ingest local:PATH", where="ingest")
    with connect(spec, ingest=False, cache_dir=args.cache_dir) as src:
        if not hasattr(src, "ingest"):
            raise InputError("ingest applies to local sources only", where="ingest")
        report = src.ingest(progress=not args.quiet)
        print(report)
    return 0
