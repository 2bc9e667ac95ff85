"""`aiaudit pivot VALUE`: everything every pipeline holds about one value (``aiaudit.investigate.pivot``).

Prints what the value was taken for, the search range and window, rows per pipeline (direct sightings
and linked rows), then the combined, time-ordered events (``--format`` applies to those rows).
"""

from __future__ import annotations

import argparse
import sys

from aiaudit import connect
from aiaudit.cli.common import add_common, emit, resolve_time, terminal_safe
from aiaudit.investigate import pivot
from aiaudit.investigate.gather import DEFAULT_FOLLOW
from aiaudit.investigate.pivot import DEFAULT_HOPS

EVENT_COLUMNS = ["time", "pipeline", "via", "hop", "summary", "principal", "source_ip", "request_id", "session_id"]


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("value", help="principal, access key id, IP, session, trace, request id, model or ARN")
    parser.add_argument("--around", default="1h", help="window either side of the value's first/last sighting")
    parser.add_argument(
        "--kind",
        help="what the value is, when the guess is wrong (principal, access_key_id, ip, trace_id, uuid, "
        "runtime_arn, resource_arn, model_id, text)",
    )
    parser.add_argument(
        "--follow",
        default=",".join(DEFAULT_FOLLOW),
        help="keys and resource links followed from the sightings, comma-separated (default %(default)s): "
        "request, trace and session ids; session_runtime (an agent turn → its runtime's CloudTrail events "
        "while it ran), guardrail_change (a guardrail change → the invocations under it until the next "
        "change), blinded_window (a logging change → what went unlogged until it was restored), "
        "gateway_runtime (a Gateway caller → credentials of the runtime behind its target), gateway_call "
        "(an agent's call to a Gateway), unauthenticated_ip (calls without identity from the same address). "
        "Add principal, source_ip, guardrail_id or runtime_arn to fan out",
    )
    parser.add_argument(
        "--hops", type=int, default=DEFAULT_HOPS, help=f"how many times to follow keys (default {DEFAULT_HOPS})"
    )
    parser.add_argument("--all-columns", action="store_true", help="print every event column")
    add_common(parser, source_required=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:

    follow = tuple(k.strip() for k in args.follow.split(",") if k.strip())
    with connect(args.source) as src:
        time_range = resolve_time(args, src)
        result = pivot(
            src, args.value, around=args.around, time_range=time_range, kind=args.kind, follow=follow, hops=args.hops
        )
        err = sys.stderr
        print(f"{terminal_safe(str(result.value))}: {result.kind} (searched as {', '.join(result.facets)})", file=err)
        print(f"searched {result.search_range}; linked records within {result.window}", file=err)
        for note in result.notes:
            print(f"note: {terminal_safe(note)}", file=err)
        for row in result.counts.itertuples(index=False):
            print(f"  {row.pipeline:<13} {row.total:>6} rows ({row.direct} direct, {row.linked} linked)", file=err)
        events = result.events if args.all_columns else result.events[EVENT_COLUMNS]
        emit(events, args)
    return 0
