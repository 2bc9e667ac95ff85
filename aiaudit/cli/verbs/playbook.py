"""`aiaudit playbook list|show|run NAME`: named investigations rendered into a shareable report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aiaudit.cli.common import add_params, add_source, add_time, parse_params
from aiaudit.cli.verbs import with_subverbs
from aiaudit.core.findings import Finding
from aiaudit.reports.playbook import get_playbook, list_playbooks
from aiaudit.reports.runner import run_playbook


def register(parser: argparse.ArgumentParser) -> None:
    subs = with_subverbs(parser, {"list": "list playbooks", "show": "show one playbook", "run": "run one"})
    subs["list"].set_defaults(handler=run_list)
    subs["show"].add_argument("name")
    subs["show"].set_defaults(handler=run_show)
    run = subs["run"]
    run.add_argument("name")
    add_source(run, required=True)
    add_time(run)
    add_params(run)
    run.add_argument("--out", required=True, help="report folder (created)")
    run.add_argument(
        "--fail-on",
        choices=["info", "low", "medium", "high", "critical"],
        help="exit 3 when a finding is at or above this severity",
    )
    run.add_argument("--no-redact", action="store_true", help="keep secrets and personal data unmasked")
    run.add_argument("--workers", type=int, default=2, help="notebooks run in parallel (default 2)")
    run.add_argument("--timeout", type=int, default=900, help="seconds per notebook cell (default 900)")
    run.add_argument(
        "--suppressions",
        help="suppressions file (rule, subject, reason, owner, expires; default: the config's 'suppressions')",
    )
    run.add_argument(
        "--live",
        action="store_true",
        help="aws sources: every notebook queries AWS itself (default: each pipeline is fetched once for the run)",
    )
    run.add_argument(
        "--previous",
        metavar="DIR",
        help="the last report's folder: mark findings new / open / gone; exit status counts only new ones",
    )
    run.set_defaults(handler=run_run)


def run_list(args: argparse.Namespace) -> int:

    for name, book in list_playbooks().items():
        print(f"{name:24} {len(book.steps):2} notebooks  {book.description}")
    return 0


def run_show(args: argparse.Namespace) -> int:

    book = get_playbook(args.name)
    print(f"{book.name}: {book.description}")
    print(f"default range: {book.since}; fail on: {book.fail_on or '-'}; min severity: {book.min_severity}")
    for step in book.steps:
        extra = f"  {step.parameters}" if step.parameters else ""
        print(f"  - {step.notebook}{extra}")
    return 0


def run_run(args: argparse.Namespace) -> int:

    book = get_playbook(args.name)
    outcome = run_playbook(
        book,
        source=args.source,
        out=Path(args.out),
        since=args.since,
        start=args.start,
        end=args.end,
        anchor=args.anchor,
        params=parse_params(args.param),
        fail_on=args.fail_on,
        redact=not args.no_redact,
        workers=args.workers,
        timeout=args.timeout,
        suppressions=args.suppressions,
        previous=args.previous,
        fetch_once=not args.live,
    )
    failed = [r.notebook for r in outcome.runs if r.status != "ok"]
    print(
        f"{book.name}: {len(outcome.runs) - len(failed)}/{len(outcome.runs)} notebooks ok, "
        f"{len(outcome.findings)} findings{_history(outcome.findings)}, {outcome.time_range}",
        file=sys.stderr,
    )
    print(outcome.index.resolve())
    return outcome.exit_code


def _history(findings: list[Finding]) -> str:
    """`` (2 new, 5 open, 1 suppressed)`` when the run compared or suppressed anything."""
    parts = [f"{sum(f.status == s for f in findings)} {s}" for s in ("new", "open") if any(f.status for f in findings)]
    suppressed = sum(f.suppressed is not None for f in findings)
    if suppressed:
        parts.append(f"{suppressed} suppressed")
    return f" ({', '.join(parts)})" if parts else ""
