"""`aiaudit pull s3://BUCKET[/PREFIX] --since 3d --out DIR`: the S3 delivery files of a time range, then ingest."""

from __future__ import annotations

import argparse

from aiaudit.cli.common import add_time
from aiaudit.core.errors import InputError
from aiaudit.core.timerange import resolve_window
from aiaudit.sources.aws.pull import pull
from aiaudit.sources.spec import parse_spec


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="s3://BUCKET[/PREFIX]: the trail's or Bedrock's bucket (and key prefix)")
    parser.add_argument("--out", required=True, help="local folder; the bucket's key layout is kept under it")
    add_time(parser)
    parser.add_argument("--accounts", nargs="+", metavar="ACCOUNT", help="only these account ids")
    parser.add_argument("--regions", nargs="+", metavar="REGION", help="only these regions")
    parser.add_argument("--profile", help="AWS profile (default: the --source's, else the default credential chain)")
    parser.add_argument("--source", help="an aws source (aws:PROFILE@REGION or a configured name) for credentials")
    parser.add_argument("--workers", type=int, default=8, help="parallel downloads (default 8)")
    parser.add_argument("--no-ingest", action="store_true", help="download only; do not ingest into the store")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not (args.since or args.start):
        raise InputError("name the time range: --since 3d, or --start/--end", where="--since")
    # the bucket is not a source yet: there is no data span to anchor on or default from
    time_range = resolve_window(
        None, lookback="1d", since=args.since, start=args.start, end=args.end, anchor=args.anchor
    )
    profile, region = args.profile, None
    if args.source:
        spec = parse_spec(args.source)
        if spec.kind != "aws":
            raise InputError(f"--source {args.source!r} is not an AWS source", where="--source")
        profile = profile or spec.profile
        region = spec.regions[0] if spec.regions else None
    report = pull(
        args.url,
        args.out,
        time_range,
        accounts=args.accounts,
        regions=args.regions,
        profile=profile,
        region=region,
        workers=args.workers,
        progress=False if args.quiet else None,
        ingest=not args.no_ingest,
    )
    print(report)
    return 0 if report.complete else 1
