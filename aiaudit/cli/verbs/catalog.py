"""`aiaudit catalog list|show ID|run ID [--dry-run]` (``aiaudit.catalog``)."""

from __future__ import annotations

import argparse
import sys

from aiaudit import connect
from aiaudit.catalog import catalog
from aiaudit.catalog.cases import TESTED_KINDS, cases_file, entry_cases, run_case
from aiaudit.catalog.kinds import DEPLOYABLE
from aiaudit.catalog.peers import markdown, peer_table
from aiaudit.cli.common import add_common, emit, parse_params, resolve_time
from aiaudit.cli.verbs import with_subverbs
from aiaudit.cli.verbs.detect import folder_environment
from aiaudit.core.errors import InputError
from aiaudit.core.findings import findings_frame


def register(parser: argparse.ArgumentParser) -> None:
    subs = with_subverbs(
        parser,
        {
            "list": "list entries",
            "show": "show one entry",
            "run": "run one entry",
            "test": "run entries' inline tests (<ID>.tests.yaml)",
        },
    )
    subs["list"].add_argument("--kind", choices=["view", "detection", *DEPLOYABLE], help="only entries of this kind")
    subs["list"].add_argument(
        "--peer", action="store_true", help="the peer map instead: what other tools alert on (P01..) -> entries"
    )
    subs["list"].add_argument("--format", choices=["table", "csv", "json", "markdown"], default="table")
    subs["list"].set_defaults(handler=run_list, output=None)
    subs["show"].add_argument("id")
    subs["show"].set_defaults(handler=run_show)
    subs["run"].add_argument("id")
    add_common(subs["run"])
    subs["run"].add_argument("--dry-run", action="store_true", help="print the rendered query, do not run it")
    subs["run"].add_argument("--findings", action="store_true", help="print the entry's findings instead of its rows")
    subs["run"].add_argument("--lookback", help="history before the range for detections (default: [environment])")
    subs["run"].set_defaults(handler=run_entry)
    subs["test"].add_argument(
        "ids", nargs="*", metavar="ID", help="entries to test (default: every view and detection)"
    )
    subs["test"].set_defaults(handler=run_tests)


def run_list(args: argparse.Namespace) -> int:
    if args.peer:
        if args.format == "markdown":
            sys.stdout.write(markdown(catalog))
        else:
            emit(peer_table(catalog), args)
        return 0
    if args.format == "markdown":
        raise InputError("--format markdown is for --peer", where="--format")
    frame = catalog.frame()
    if args.kind:
        frame = frame[frame["kind"] == args.kind]
    emit(frame, args)
    return 0


def _entry(entry_id: str):  # type: ignore[no-untyped-def]

    if entry_id not in catalog:
        raise InputError(f"no catalogue entry {entry_id!r} (see aiaudit catalog list)", where="ID")
    return catalog[entry_id]


def run_show(args: argparse.Namespace) -> int:
    print(_entry(args.id).describe())
    return 0


def run_tests(args: argparse.Namespace) -> int:
    """Each case on its own line (ok / FAIL and why); exit 1 when one fails or an entry has no tests."""
    ids = [_entry(i).id for i in args.ids] or [i for i in catalog if catalog[i].kind in TESTED_KINDS]
    failed = 0
    for entry_id in ids:
        cases = entry_cases(catalog[entry_id])
        if not cases:
            path = catalog[entry_id].path
            print(f"FAIL {entry_id}: no inline tests ({cases_file(path).name if path else entry_id + '.tests.yaml'})")
            failed += 1
        for case in cases:
            outcome = run_case(case)
            print(outcome.line())
            failed += not outcome.passed
    print(f"{failed} failed" if failed else "all passed", file=sys.stderr)
    return 1 if failed else 0


def run_entry(args: argparse.Namespace) -> int:

    entry = _entry(args.id)
    params = parse_params(args.param)
    if args.dry_run:
        print(entry.dry_run(**params))
        return 0
    if not args.source:
        raise InputError("catalog run needs --source (or $AIAUDIT_SOURCE)", where="--source")
    with connect(args.source) as src:
        time_range = resolve_time(args, src, default_since="24h")
        env = folder_environment(src)
        if entry.kind in ("metric_filter", "alarm"):  # planned changes as the simulation or config declares them
            params.setdefault("change_roles", (env or src.config.environment).change_roles)
        if entry.language == "python" or args.findings:
            params.pop("change_roles", None)
            found = entry.detect(src, time_range, lookback=args.lookback, environment=env, **params)
            emit(findings_frame(found), args)
            return 0
        result = entry.run(src, time_range, **params)
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        emit(result.frame, args)
    return 0
