"""`aiaudit emulate`: a loopback Logs Insights endpoint over a local source, or over several accounts'
local data (``--account ID=SOURCE``, repeatable; STS AssumeRole answered, requests routed by the key
that signed them: :mod:`aiaudit.sources.aws.emulator`)."""

from __future__ import annotations

import argparse
import os
import sys
import time

from aiaudit import connect
from aiaudit.cli.common import DEFAULT_SOURCE_ENV, add_source
from aiaudit.core.errors import InputError
from aiaudit.sources.aws.emulator import Emulator, Faults, serve, url_of


def register(parser: argparse.ArgumentParser) -> None:
    add_source(parser)
    parser.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="ID=SOURCE",
        help="serve an account's data (repeatable; the first is the caller's own, the monitoring account): "
        "e.g. --account 111111111111=local:./a --account 222222222222=./b",
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    parser.add_argument("--cap", type=int, default=10000, help="rows per query before the result is capped")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds a query stays Running")
    parser.add_argument("--region", default="us-east-1", help="region named in ARNs (default us-east-1)")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="F",
        help="fault to inject (repeatable): throttle=N, limit_exceeded=N, results_error=N, expire_after=N,"
        " delete_after=N, cut=N (GetQueryResults cuts values to N characters) or status=Failed|Timeout|...",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:

    if args.cap < 1:
        raise InputError("--cap must be at least 1", where="--cap")
    faults = Faults.parse(args.fault)
    specs = accounts_of(args.account)
    if specs and args.source and args.source != os.environ.get(DEFAULT_SOURCE_ENV):
        raise InputError("give --source (one account) or --account ID=SOURCE (several), not both", where="--source")
    if not specs and not args.source:
        raise InputError("name the data to serve: --source SOURCE or --account ID=SOURCE ...", where="--source")
    backends = {account: connect(spec) for account, spec in specs.items()}
    options = {"cap": args.cap, "latency_s": args.latency, "faults": faults, "region": args.region}
    if backends:
        emulator = Emulator(accounts=backends, **options)  # type: ignore[arg-type]
        what = ", ".join(f"{a} ({s})" for a, s in specs.items())
    else:
        backends = {"": connect(args.source)}
        emulator = Emulator(backends[""], **options)  # type: ignore[arg-type]
        what = args.source
    server = serve(emulator, args.port)
    url = url_of(server)
    print(f"aiaudit emulate: Logs Insights and STS over {what} at {url} (Ctrl-C to stop)", file=sys.stderr)
    print(f"export AWS_ENDPOINT_URL={url}")
    print("export AWS_ACCESS_KEY_ID=emulator AWS_SECRET_ACCESS_KEY=emulator")
    print(f'# then: aiaudit query --source aws:@{args.region} "SELECT ... FROM \\`cloudtrail\\`"')
    print(
        f"#   or: aiaudit query --source aws:@{args.region} --language cwli --log-group cloudtrail 'stats count(*)'",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        for backend in backends.values():
            backend.close()
    return 0


def accounts_of(items: list[str]) -> dict[str, str]:
    """``["111111111111=local:./a", ...]`` → account → source spec (a bare path means ``local:PATH``)."""
    out: dict[str, str] = {}
    for item in items:
        account, sep, spec = item.partition("=")
        if not sep or not spec or not (len(account) == 12 and account.isdigit()):
            raise InputError(f"{item!r}: write ACCOUNT=SOURCE with a 12-digit account id", where="--account")
        if account in out:
            raise InputError(f"account {account} is named twice", where="--account")
        out[account] = spec if ":" in spec.split("/")[0] else f"local:{spec}"
    return out
