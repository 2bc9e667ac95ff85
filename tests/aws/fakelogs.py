"""A tiny in-memory stand-in for the Logs Insights query API, for splitting tests where Stubber's fixed
call order cannot follow concurrent halves. It ignores the query text (every query returns the events'
``@timestamp``, ``@message`` and ``@ptr``), honours the inclusive epoch-second range, and caps rows like
AWS: the first ``cap`` rows, with ``resultCount`` telling the truth."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime

import boto3


def stamp(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


class FakeLogs:
    def __init__(self, events: list[tuple[int, str]], cap: int) -> None:
        self.meta = boto3.client("logs", region_name="us-east-1").meta  # the real service model
        self.events = [(ts, msg, f"ptr-{i}") for i, (ts, msg) in enumerate(events)]
        self.cap = cap
        self.queries: dict[str, tuple[int, int]] = {}
        self.started: list[tuple[int, int]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def start_query(self, **kwargs):
        with self._lock:
            qid = f"q{next(self._ids)}"
            self.queries[qid] = (kwargs["startTime"], kwargs["endTime"])
            self.started.append((kwargs["startTime"], kwargs["endTime"]))
        return {"queryId": qid}

    def get_query_results(self, queryId, **kwargs):
        start, end = self.queries[queryId]
        hits = [e for e in self.events if start <= e[0] // 1000 <= end]
        rows = [
            [
                {"field": "@timestamp", "value": stamp(ts)},
                {"field": "@message", "value": msg},
                {"field": "@ptr", "value": ptr},
            ]
            for ts, msg, ptr in hits[: self.cap]
        ]
        stats = {
            "recordsMatched": float(len(hits)),
            "recordsScanned": float(len(self.events)),
            "bytesScanned": float(100 * len(self.events)),
            "resultCount": float(len(hits)),
        }
        return {"status": "Complete", "results": rows, "statistics": stats}

    def stop_query(self, queryId):
        return {"success": True}
