"""`aiaudit emulate`: a loopback Logs Insights endpoint over a local source."""

from __future__ import annotations

import argparse
import sys
import time

from aiaudit import connect
from aiaudit.cli.common import add_source
from aiaudit.core.errors import InputError
from aiaudit.sources.aws.emulator import Emulator, Faults, serve, url_of


def register(parser: argparse.ArgumentParser) -> None:
    add_source(parser, required=True)
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
    backend = connect(args.source)
    emulator = Emulator(backend, cap=args.cap, latency_s=args.latency, faults=faults, region=args.region)
    server = serve(emulator, args.port)
    url = url_of(server)
    print(f"aiaudit emulate: Logs Insights over {args.source} at {url} (Ctrl-C to stop)", file=sys.stderr)
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
        backend.close()
    return 0
