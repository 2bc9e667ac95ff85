"""`aiaudit detect [--report] [--fail-on SEV]`: every catalogue entry's findings (``aiaudit.catalog.run.run_all``).

``--report`` scores the findings per entry against the source folder's ``truth.json`` (a simulation):
true and false positives, incidents covered, expected and missed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aiaudit import connect
from aiaudit.catalog import catalog
from aiaudit.catalog.run import run_each
from aiaudit.cli.common import add_common, emit, resolve_time
from aiaudit.core.config import Environment, load_config
from aiaudit.core.errors import InputError
from aiaudit.core.findings import SEVERITIES, dedupe, findings_frame, severity_rank
from aiaudit.simulate.score import format_report, load_truth, score

COLUMNS = ["severity", "rule_id", "time_start", "title", "principals", "finding_id"]


def register(parser: argparse.ArgumentParser) -> None:
    add_common(parser, source_required=True)
    parser.add_argument("--report", action="store_true", help="per entry: true and false positives vs truth.json")
    parser.add_argument("--fail-on", choices=list(SEVERITIES), help="exit 1 when a finding is at or above this")
    parser.add_argument("--min-severity", choices=list(SEVERITIES), default="info", help="findings to print")
    parser.add_argument("--only", help="comma-separated entry ids (default: every entry)")
    parser.add_argument("--lookback", help="history before the range (default: [environment] default_lookback)")
    parser.add_argument("--all-columns", action="store_true", help="print every finding column")
    parser.set_defaults(handler=run)


def folder_environment(src: object) -> Environment | None:
    """A simulation keeps its ``[environment]`` in ``DIR/aiaudit.toml``; use it when the active config
    (current directory, ``~/.config``) declares none, and say so."""

    if src.config.environment != Environment():  # type: ignore[attr-defined]
        return None
    root = getattr(getattr(src, "spec", None), "path", None)
    if root is None or not (Path(root) / "aiaudit.toml").is_file():
        return None
    print(f"using [environment] from {Path(root) / 'aiaudit.toml'}", file=sys.stderr)
    return load_config(Path(root) / "aiaudit.toml").environment


def run(args: argparse.Namespace) -> int:

    ids = [i.strip() for i in args.only.split(",") if i.strip()] if args.only else None
    with connect(args.source) as src:
        time_range = resolve_time(args, src)
        truth = None
        if args.report:
            root = getattr(getattr(src, "spec", None), "path", None)
            if root is None:
                raise InputError("--report needs a local simulated source (with truth.json)", where="--report")
            truth = load_truth(root)
        found = run_each(src, time_range, lookback=args.lookback, ids=ids, environment=folder_environment(src))
    floor = severity_rank(args.min_severity)
    findings = dedupe(f for items in found.values() for f in items if f.severity_rank >= floor)
    print(f"{len(findings)} finding(s) over {time_range}", file=sys.stderr)
    if truth is not None:
        sys.stdout.write(format_report(score(found, truth, catalog)))
    else:
        frame = findings_frame(findings)
        emit(frame if args.all_columns else frame[COLUMNS], args)
    if args.fail_on and any(f.severity_rank >= severity_rank(args.fail_on) for f in findings):
        return 3  # DESIGN §8: findings at or above --fail-on
    return 0
