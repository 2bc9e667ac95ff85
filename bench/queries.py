"""SQL engine benchmark: median latency per query shape on a store of N CloudTrail events (issue 7).

    .venv/bin/python bench/queries.py [--events 1000000] [--runs 5]

Builds once (cached in bench/data/sqlbench-N/): N CloudTrail events in S3 delivery layout with
bench/gen_cloudtrail.py's generator, plus N ModelInvocationLog records whose ``requestId`` values are
the CloudTrail ``requestID`` values (so the request-id join is 1:1 over N × N), ingested through the
real :class:`aiaudit.store.Store`. Then each shape runs ``--runs`` times through ``aiaudit.query.sql.run_sql``
and, as the baseline measured in the same run, as hand-written DuckDB SQL on the same connection.

Targets (issue 7): under 0.3 s for single-group filters and group-bys, under 2 s for the 1M × 1M
request-id join. The machine is shared: load averages before and after are printed with the figures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen_cloudtrail  # noqa: E402  (the store engineer's generator, reused)

from aiaudit.core.timerange import TimeRange  # noqa: E402
from aiaudit.query.sql import run_sql  # noqa: E402
from aiaudit.store import Store  # noqa: E402

INV_PER_FILE = 50_000

# (shape, Logs Insights SQL, hand-written DuckDB baseline, target seconds or None)
SHAPES: list[tuple[str, str, str, float | None]] = [
    (
        "filter count (hot fields)",
        "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE eventName = 'AttachRolePolicy' AND errorCode = 'AccessDenied'",
        """SELECT count(*) FROM cloudtrail WHERE "eventName" = 'AttachRolePolicy' AND "errorCode" = 'AccessDenied'""",
        0.3,
    ),
    (
        "filter rows (hot fields, 10k cap)",
        "SELECT eventTime, `userIdentity.arn`, sourceIPAddress, errorCode FROM `cloudtrail` "
        "WHERE eventSource = 'bedrock.amazonaws.com' AND errorCode IN ('AccessDenied', 'UnauthorizedOperation') "
        "ORDER BY eventTime DESC LIMIT 100",
        """SELECT "eventTime", "userIdentity.arn", "sourceIPAddress", "errorCode" FROM cloudtrail
           WHERE "eventSource" = 'bedrock.amazonaws.com' AND "errorCode" IN ('AccessDenied', 'UnauthorizedOperation')
           ORDER BY "eventTime" DESC LIMIT 100""",
        0.3,
    ),
    (
        "filter on array position",
        "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE `resources.0.ARN` LIKE '%nova%'",
        """SELECT count(*) FROM cloudtrail WHERE "resources.0.ARN" LIKE '%nova%'""",
        0.3,
    ),
    (
        "group-by (guide Q1 shape)",
        "SELECT `userIdentity.arn`, eventName, errorCode, sourceIPAddress, COUNT(*) AS attempt_count FROM `cloudtrail` "
        "WHERE eventSource = 'bedrock.amazonaws.com' AND errorCode IN ('AccessDenied', 'UnauthorizedOperation') "
        "GROUP BY `userIdentity.arn`, eventName, errorCode, sourceIPAddress ORDER BY attempt_count DESC LIMIT 50",
        """SELECT "userIdentity.arn", "eventName", "errorCode", "sourceIPAddress", count(*) AS n FROM cloudtrail
           WHERE "eventSource" = 'bedrock.amazonaws.com' AND "errorCode" IN ('AccessDenied', 'UnauthorizedOperation')
           GROUP BY ALL ORDER BY n DESC LIMIT 50""",
        0.3,
    ),
    (
        "group-by whole table",
        "SELECT eventName, awsRegion, COUNT(*) AS n FROM `cloudtrail` GROUP BY eventName, awsRegion ORDER BY n DESC",
        """SELECT "eventName", "awsRegion", count(*) AS n FROM cloudtrail GROUP BY ALL ORDER BY n DESC""",
        0.3,
    ),
    (
        "filter on a JSON-only field",
        "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE `tlsDetails.clientProvidedHostHeader` = "
        "'bedrock-runtime.eu-west-1.amazonaws.com'",
        """SELECT count(*) FROM cloudtrail
           WHERE json_extract_string("@message", '$.tlsDetails.clientProvidedHostHeader')
                 = 'bedrock-runtime.eu-west-1.amazonaws.com'""",
        None,
    ),
    (
        "request-id join N x N (count)",
        "SELECT COUNT(*) AS n FROM `cloudtrail` ct INNER JOIN `bedrock-model-invocation-logging` inv "
        "ON ct.requestID = inv.requestId",
        """SELECT count(*) FROM cloudtrail ct JOIN invocations inv ON ct."requestID" = inv."requestId\"""",
        2.0,
    ),
    (
        "request-id join N x N (guide Q18 shape)",
        "SELECT ct.eventTime AS timestamp, ct.`userIdentity.arn` AS caller, ct.sourceIPAddress, "
        "inv.modelId, inv.`input.inputTokenCount` AS inputTokens FROM `cloudtrail` ct "
        "LEFT OUTER JOIN `bedrock-model-invocation-logging` inv ON ct.requestID = inv.requestId "
        "WHERE ct.eventSource = 'bedrock.amazonaws.com' AND ct.eventName IN ('InvokeModel', 'Converse') "
        "ORDER BY ct.eventTime DESC LIMIT 20",
        """SELECT ct."eventTime", ct."userIdentity.arn", ct."sourceIPAddress", inv."modelId",
                  inv."input.inputTokenCount"
           FROM cloudtrail ct LEFT JOIN invocations inv ON ct."requestID" = inv."requestId"
           WHERE ct."eventSource" = 'bedrock.amazonaws.com' AND ct."eventName" IN ('InvokeModel', 'Converse')
           ORDER BY ct."eventTime" DESC LIMIT 20""",
        2.0,
    ),
]


def _write_invocations(args: tuple[Path, int, list[tuple[str, str, str]]]) -> None:
    folder, index, rows = args
    lines = []
    for request_id, when, model in rows:
        lines.append(
            json.dumps(
                {
                    "schemaType": "ModelInvocationLog",
                    "schemaVersion": "1.0",
                    "timestamp": when,
                    "accountId": gen_cloudtrail.ACCOUNT,
                    "region": "us-east-1",
                    "requestId": request_id,
                    "operation": "InvokeModel",
                    "modelId": model,
                    "identity": {"arn": f"arn:aws:sts::{gen_cloudtrail.ACCOUNT}:assumed-role/agent-role-1/s"},
                    "input": {"inputContentType": "application/json", "inputTokenCount": len(request_id) * 7},
                    "output": {"outputContentType": "application/json", "outputTokenCount": 42},
                },
                separators=(",", ":"),
            )
        )
    (folder / f"invocations-{index:05d}.jsonl.gz").write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), 5))


def build(events: int) -> Path:
    """The data folder (CloudTrail + invocations), generated once."""
    import duckdb

    root = HERE / "data" / f"sqlbench-{events}"
    done = root / ".complete"
    if done.exists():
        return root
    trail = root / "trail"
    files = [
        (trail, i, min(gen_cloudtrail.PER_FILE, events - i * gen_cloudtrail.PER_FILE))
        for i in range((events + gen_cloudtrail.PER_FILE - 1) // gen_cloudtrail.PER_FILE)
    ]
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(gen_cloudtrail._write_file, files, chunksize=8))
    print(f"generated {events} CloudTrail events in {time.monotonic() - started:.0f} s", flush=True)
    pattern = str(trail / "AWSLogs" / "**" / "*.json.gz")
    ids = (
        duckdb.connect()
        .execute(
            "SELECT r.requestID, strftime(r.eventTime::TIMESTAMPTZ + INTERVAL 1 SECOND, '%Y-%m-%dT%H:%M:%SZ'), "
            "r.requestParameters.modelId FROM (SELECT unnest(Records) AS r FROM read_json($p, "
            "columns = {'Records': 'STRUCT(requestID VARCHAR, eventTime VARCHAR, "
            "requestParameters STRUCT(modelId VARCHAR))[]'}, format = 'auto'))",
            {"p": pattern},
        )
        .fetchall()
    )
    inv = root / "invocations"
    inv.mkdir(parents=True, exist_ok=True)
    chunks = [(inv, i, ids[i : i + INV_PER_FILE]) for i in range(0, len(ids), INV_PER_FILE)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(_write_invocations, chunks))
    print(f"wrote {len(ids)} invocation records", flush=True)
    done.write_text(str(events))
    return root


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    load_before = os.getloadavg()
    data = build(args.events)
    store = Store(data, cache_dir=data.parent / f"sqlbench-{args.events}-store")
    if store.needs_ingest():
        started = time.monotonic()
        report = store.ingest()
        print(f"ingested in {time.monotonic() - started:.0f} s\n{report}", flush=True)
    counts = {p: store.count(p) for p in ("cloudtrail", "invocations")}
    print(f"store: {counts}; {os.cpu_count()} CPUs; load average before {load_before}")
    con = store.connection()
    day = TimeRange(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 1, 23, 59, 59, tzinfo=UTC))
    shapes = [*SHAPES]
    shapes.append(
        (
            "filter count, 1-day time range",
            "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE eventName = 'InvokeModel'",
            """SELECT count(*) FROM cloudtrail WHERE "eventName" = 'InvokeModel'
               AND "@timestamp" >= TIMESTAMPTZ '2026-11-01 00:00:00+00'
               AND "@timestamp" < TIMESTAMPTZ '2026-11-02 00:00:00+00'""",
            0.3,
        )
    )
    print(f"\n{'shape':42} {'engine s':>9} {'baseline s':>10} {'ratio':>6} {'target':>7}  rows")
    for name, query, baseline, target in shapes:
        window = day if "time range" in name else None
        result = run_sql(store, query, window)  # warm-up, and the row count
        engine = _median(lambda q=query, w=window: run_sql(store, q, w), args.runs)
        base = _median(lambda b=baseline: con.execute(b).fetchall(), args.runs)
        verdict = "" if target is None else ("ok" if engine < target else "MISSED")
        shown = "-" if target is None else f"<{target}"
        print(f"{name:42} {engine:9.3f} {base:10.3f} {engine / base:6.2f} {shown:>7}  {len(result.frame)} {verdict}")
    print(f"\nload average after {os.getloadavg()} (2 shared cores: figures vary with other work)")


if __name__ == "__main__":
    main()
