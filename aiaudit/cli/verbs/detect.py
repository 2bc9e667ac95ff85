"""`aiaudit detect`: every detection's findings over a range (``aiaudit.catalog.run.run``).

Prints the findings at or above ``--min-severity`` (default ``low``) — one per rule × subject × window,
related rules merged — on stdout; then, on stderr: one line per rule with the findings below that
severity, the entries that could not run because a pipeline is missing and what collecting it takes,
notes (a query stopped at its row limit, the baseline used, a time range that misses the data), and the
entries that raised (id, exception, where). Exit status: 0; 3 when a finding reaches ``--fail-on``; 1
when an entry raised — even when findings reach ``--fail-on`` too, because an incomplete run must never
look complete (the findings are still printed). ``--report`` scores the findings against the source
folder's ``truth.json`` (a simulation) and exits 1 when the acceptance rule is broken.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from aiaudit import connect
from aiaudit.catalog import catalog
from aiaudit.catalog.run import Run, run
from aiaudit.cli.common import add_common, emit, parse_params, resolve_time
from aiaudit.core.config import Environment, load_config
from aiaudit.core.errors import InputError
from aiaudit.core.findings import SEVERITIES, Finding, findings_frame, severity_rank
from aiaudit.core.suppress import apply, load_suppressions
from aiaudit.simulate.score import figures, format_report, load_truth, problems, score
from aiaudit.sources.base import Source

COLUMNS = ["severity", "rules", "time_start", "subject", "title", "finding_id"]
EXIT_OK, EXIT_INCOMPLETE, EXIT_FINDINGS = 0, 1, 3


def register(parser: argparse.ArgumentParser) -> None:
    add_common(parser, source_required=True)
    parser.add_argument(
        "--report", action="store_true", help="score against truth.json (a simulation); exit 1 on acceptance problems"
    )
    parser.add_argument(
        "--fail-on",
        choices=list(SEVERITIES),
        help="exit 3 when a finding is at or above this severity (1 instead when an entry failed)",
    )
    parser.add_argument(
        "--min-severity", choices=list(SEVERITIES), default="low", help="findings to list (default: low)"
    )
    parser.add_argument("--only", help="comma-separated entry ids (default: every detection)")
    parser.add_argument("--lookback", help="history before the range (default: [environment] default_lookback)")
    parser.add_argument("--all-columns", action="store_true", help="print every finding column")
    parser.add_argument(
        "--suppressions",
        help="suppressions file (default: the config's 'suppressions'); suppressed findings are not counted",
    )
    parser.set_defaults(handler=main)


def folder_environment(src: Source) -> Environment:
    """The source's ``[environment]`` baseline, saying which file it came from."""
    print(f"using [environment] from {src.environment_origin}", file=sys.stderr)
    return src.environment


def _entry_params(items: list[str]) -> dict[str, dict[str, object]]:
    """``--param X13.factor=5`` → ``{"X13": {"factor": 5}}`` (a run of many entries takes entry-scoped values)."""
    out: dict[str, dict[str, object]] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        entry_id, dot, param = name.partition(".")
        if not sep or not dot or not param:
            raise InputError(f"--param {item!r}: write ENTRY.NAME=VALUE (e.g. Q21.limit=1000)", where="--param")
        typed = parse_params([f"{param}={value}"])
        out.setdefault(entry_id.strip(), {}).update(typed)
    return out


def main(args: argparse.Namespace) -> int:
    ids = [i.strip() for i in args.only.split(",") if i.strip()] if args.only else None
    with connect(args.source) as src:
        time_range = resolve_time(args, src)
        truth = None
        if args.report:
            root = getattr(src.spec, "path", None)
            if root is None:
                raise InputError("--report needs a local simulated source (with truth.json)", where="--report")
            truth = load_truth(root)
        result = run(
            src,
            time_range,
            lookback=args.lookback,
            ids=ids,
            environment=folder_environment(src),
            params=_entry_params(args.param),
        )
    shown, suppressed = _suppress(result.findings(args.min_severity), args.suppressions)
    if truth is not None:
        table = score(result.found, truth, catalog)
        totals = figures(result.findings("low"), truth)
        sys.stdout.write(format_report(table, totals))
        _summary(result, args.min_severity)
        return EXIT_INCOMPLETE if problems(table, totals) or result.errors else EXIT_OK
    listed = shown if args.all_columns or args.format != "table" else [f for f in shown if f.suppressed is None]
    frame = findings_frame(listed)
    frame["rules"] = frame["rule_ids"].map(lambda ids: ",".join(ids))
    frame["time_start"] = pd.to_datetime(frame["time_start"], utc=True).dt.strftime("%Y-%m-%d %H:%M:%S")
    if args.format == "table" and not args.all_columns:
        frame["subject"] = frame["subject"].map(_short)
        frame["title"] = frame["title"].map(lambda t: t if len(t) <= 110 else t[:109] + "…")
    emit(frame if args.all_columns or args.format != "table" else frame[COLUMNS], args)
    _summary(result, args.min_severity)
    if suppressed:
        where = "listed with their 'suppressed' mark" if len(listed) == len(shown) else "--all-columns lists them"
        print(f"{suppressed} finding(s) suppressed, not counted ({where})", file=sys.stderr)
    if result.errors:
        return EXIT_INCOMPLETE
    if args.fail_on and any(f.severity_rank >= severity_rank(args.fail_on) for f in shown if f.suppressed is None):
        return EXIT_FINDINGS  # DESIGN §8: findings at or above --fail-on
    return EXIT_OK


def _suppress(found: list[Finding], path: str | None) -> tuple[list[Finding], int]:
    """Mark the suppressed findings (``--suppressions``, else the config's file); warn about expired entries."""
    path = path or load_config().suppressions
    if not path:
        return found, 0
    applied = apply(found, load_suppressions(path))
    for line in applied.warnings:
        print(f"warning: {line}", file=sys.stderr)
    return applied.findings, applied.suppressed


def _short(subject: str) -> str:
    """``principal:arn:aws:iam::111122223333:role/app`` → ``role/app@111122223333`` (the full value is in
    ``--format json`` and ``--all-columns``)."""
    kind, _, value = subject.partition(":")
    parts = value.split(":")
    if value.startswith("arn:") and len(parts) >= 6:
        return f"{parts[5]}@{parts[4]}" if parts[4] else parts[5]
    return value or kind


def _summary(result: Run, min_severity: str) -> None:
    """Everything that is not a finding, after the findings, on stderr."""
    err = sys.stderr
    listed = result.findings(min_severity)
    below = result.below(min_severity)
    if below:
        counts = ", ".join(f"{rule} {n}" for rule, n in below.items())
        print(f"below {min_severity} (not listed; --min-severity info lists them): {counts}", file=err)
    if result.available is not None and result.available.empty:
        print("nothing to judge: no telemetry in this time range (see the note above)", file=err)
    elif result.available is not None:
        for line in result.skipped_lines():
            print(line, file=err)
        needed = sorted({need for needs in result.skipped.values() for need in needs})
        for line in result.available.messages(needed):
            print(f"missing: {line}", file=err)
    for note in result.notes:
        print(f"note: {note}", file=err)
    for error in result.errors:
        print(f"error: {error.line()}", file=err)
    status = "" if result.complete else f"; {len(result.errors)} entr{'y' if len(result.errors) == 1 else 'ies'} failed"
    print(
        f"{len(listed)} finding(s) at {min_severity} or above over {result.time_range}{status}",
        file=err,
    )
