"""The ``aiaudit`` command. Each verb mirrors a library call and lives in ``aiaudit/cli/verbs/<verb>.py``.

Exit status: 0 ok; 1 an aiaudit error (bad input, failed query, source problem); 2 usage errors and
verbs not implemented yet (never a silent no-op); 3 findings at or above ``--fail-on``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from aiaudit import __version__
from aiaudit.core.errors import AiauditError, InputError, NotImplementedYet
from aiaudit.core.interrupts import is_interrupt

#: verb -> one-line help. Order is the order ``--help`` lists them (DESIGN §8).
VERBS: dict[str, str] = {
    "sources": "inventory of a source: log groups, files, counts, time span, skipped input",
    "ingest": "parse new or changed files into the local store",
    "simulate": "write a realistic multi-pipeline dataset with planted incidents",
    "query": "run a SQL or Logs Insights query and print the rows",
    "catalog": "list, show or run the query catalogue",
    "detect": "run detections and print findings",
    "pivot": "everything in every pipeline that mentions a value",
    "setup": "render selectors, metric filters, rules, dashboard or CloudFormation",
    "playbook": "list, show or run a playbook (notebooks -> HTML report)",
    "aws": "AWS set-up checks",
    "push": "replay a local dataset into the CloudWatch Logs groups of an AWS source",
    "pull": "copy S3 deliveries (CloudTrail, Insights, Bedrock invocation logs) of a time range, then ingest",
    "export": "export findings or frames to other tools",
    "emulate": "a loopback Logs Insights endpoint backed by the local engine",
}

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_FINDINGS = 0, 1, 2, 3


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; a verb's module (and the library behind it) is imported only for the verb in ``argv``
    (every verb when ``argv`` is None), so ``aiaudit --help`` answers without loading the engine."""
    wanted = None if argv is None else next((a for a in argv if not a.startswith("-")), "")
    parser = argparse.ArgumentParser(
        prog="aiaudit",
        description="Investigate AI workloads on AWS: CloudTrail, Bedrock invocation logs and agent spans.",
    )
    parser.add_argument("--version", action="version", version=f"aiaudit {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for verb, help_text in VERBS.items():
        verb_parser = sub.add_parser(verb, help=help_text, description=help_text)
        if wanted is None or verb == wanted:
            importlib.import_module(f"aiaudit.cli.verbs.{verb}").register(verb_parser)
    return parser


SCAN_LIMIT_ENV = "AIAUDIT_AWS_MAX_SCAN_GB"


def apply_scan_limit(args: argparse.Namespace) -> None:
    """``--max-scan-gb`` reaches every AWS source the command opens — notebook kernels of a playbook too —
    through ``AIAUDIT_AWS_MAX_SCAN_GB`` (:class:`aiaudit.sources.aws.options.AwsOptions`)."""
    limit = getattr(args, "max_scan_gb", None)
    if limit is not None:
        if limit < 0:
            raise InputError("--max-scan-gb must be 0 (no limit) or more", where="--max-scan-gb")
        os.environ[SCAN_LIMIT_ENV] = repr(float(limit))


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(argv) if argv is not None else sys.argv[1:]
    parser = build_parser(arguments)
    args = parser.parse_args(arguments)
    if not args.verb:
        parser.print_help()
        return EXIT_USAGE
    handler = getattr(args, "handler", None)
    if handler is None:  # a verb with sub-verbs called without one
        args.verb_parser.print_help()
        return EXIT_USAGE
    before = os.environ.get(SCAN_LIMIT_ENV)
    try:
        apply_scan_limit(args)
        return int(handler(args) or 0)
    except NotImplementedYet as exc:
        print(f"aiaudit {args.verb}: not implemented yet: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AiauditError as exc:
        print(f"aiaudit {args.verb}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # output piped into head, less, ...: stop quietly
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print(f"aiaudit {args.verb}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if not is_interrupt(exc):  # a Ctrl-C inside a query: DuckDB reports it as a RuntimeError
            raise
        print(f"aiaudit {args.verb}: interrupted", file=sys.stderr)
        return 130
    finally:  # main() is called in-process by tests and scripts: leave the environment as it was
        if before is None:
            os.environ.pop(SCAN_LIMIT_ENV, None)
        else:
            os.environ[SCAN_LIMIT_ENV] = before
