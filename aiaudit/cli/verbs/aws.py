"""`aiaudit aws check`: log groups, retention, log class, pipelines enabled, invocation logging, IAM."""

from __future__ import annotations

import argparse
import json
import sys

from aiaudit import connect
from aiaudit.cli.common import add_source
from aiaudit.cli.verbs import with_subverbs
from aiaudit.core.errors import InputError
from aiaudit.sources.aws.check import check
from aiaudit.sources.aws.source import AwsSource


def register(parser: argparse.ArgumentParser) -> None:
    subs = with_subverbs(parser, {"check": "log groups, retention, pipelines enabled, invocation logging"})
    check = subs["check"]
    add_source(check, required=True)
    check.add_argument("--format", choices=["table", "json"], default="table")
    check.set_defaults(handler=run_check)


def run_check(args: argparse.Namespace) -> int:
    """Exit 0 when nothing is wrong, 1 when a problem was found (each one is printed)."""

    with connect(args.source) as src:
        if not isinstance(src, AwsSource):
            raise InputError(f"{args.source!r} is not an AWS source (use aws:PROFILE@REGION)", where="--source")
        report = check(src)
    if args.format == "json":
        payload = {
            "groups": json.loads(report.groups.to_json(orient="records", date_format="iso")),
            "invocation_logging": json.loads(report.invocation_logging.to_json(orient="records")),
            "problems": report.problems,
            "missing_permissions": sorted(set(report.missing_permissions)),
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        sys.stdout.write(str(report) + "\n")
    return 0 if report.ok else 1
