"""`aiaudit push local:DIR --to SOURCE`: replay a local dataset into the source's CloudWatch log groups."""

from __future__ import annotations

import argparse
import os

from aiaudit.core.config import PIPELINES
from aiaudit.core.errors import InputError
from aiaudit.sources.aws.push import push


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", nargs="?", help="the local dataset: local:PATH or a configured local source")
    parser.add_argument("--source", dest="source_opt", help=argparse.SUPPRESS)
    parser.add_argument("--to", required=True, help="the AWS source whose log groups receive it (name or aws:...)")
    parser.add_argument("--region", help="one of the target's regions (required when it has several)")
    parser.add_argument("--profile", help="AWS profile (default: the target source's)")
    parser.add_argument(
        "--shift-to-now",
        action="store_true",
        help="move every time (inside the records too) so the newest record lands at now; order and gaps kept",
    )
    parser.add_argument("--pipelines", nargs="+", choices=PIPELINES, help="only these pipelines")
    parser.add_argument("--restart", action="store_true", help="forget earlier runs to this target and send everything")
    parser.add_argument("--workers", type=int, default=4, help="streams sent in parallel (default 4)")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="summary format")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    spec = args.spec or args.source_opt or os.environ.get("AIAUDIT_SOURCE")
    if not spec:
        raise InputError("name the dataset: aiaudit push local:PATH --to SOURCE", where="push")
    report = push(
        spec,
        args.to,
        region=args.region,
        profile=args.profile,
        shift_to_now=args.shift_to_now,
        pipelines=args.pipelines,
        restart=args.restart,
        workers=args.workers,
        progress=False if args.quiet else None,
    )
    if args.format == "json":
        print(report.frame().to_json(orient="records"))
    else:
        print(report)
    return 0 if report.complete else 1
