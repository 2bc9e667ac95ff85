"""`aiaudit query "SELECT ..."`: run a query on any source and print the rows."""

from __future__ import annotations

import argparse
import sys

from aiaudit import connect
from aiaudit.cli.common import add_common, emit, parse_params, resolve_time
from aiaudit.core.errors import InputError


def register(parser: argparse.ArgumentParser) -> None:

    parser.add_argument("text", help="the query text, or @FILE to read it from a file, or - for stdin")
    parser.add_argument("--language", "-l", choices=["sql", "cwli", "ppl"], default="sql")
    parser.add_argument("--log-group", action="append", default=[], help="log groups for a classic query")
    parser.add_argument("--no-cache", action="store_true", help="AWS: bypass the on-disk result cache")
    parser.add_argument("--dry-run", action="store_true", help="AWS: print the final query text, do not run it")
    add_common(parser, source_required=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:

    text = args.text
    if text == "-":
        text = sys.stdin.read()
    elif text.startswith("@"):
        with open(text[1:], encoding="utf-8") as handle:
            text = handle.read()
    params = parse_params(args.param)
    with connect(args.source) as src:
        time_range = resolve_time(args, src)
        extra = {}
        if args.no_cache or args.dry_run:
            if src.spec.kind != "aws":
                raise InputError("--no-cache and --dry-run apply to aws: sources", where="query")
            extra = {"no_cache": args.no_cache, "dry_run": args.dry_run}
        result = src.query(
            text, time_range, language=args.language, params=params, log_groups=args.log_group or None, **extra
        )
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        emit(result.frame, args)
    return 0
