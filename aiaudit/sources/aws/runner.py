"""One Logs Insights query, start to finish: StartQuery, poll, page, stop.

Why not a one-liner around boto3: peers poll only until Complete/Failed/Cancelled (a Timeout or Unknown
query polls forever), never stop a query they abandon (it keeps scanning and billing), and return
partial rows as complete. Here every terminal status ends the loop (anything but Complete raises
:class:`QueryFailed` with id, status and text), an overall deadline or an interrupt calls StopQuery,
and rows are read only once the query is Complete — paged with ``nextToken`` where the installed
botocore and the language allow it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiaudit.core.errors import QueryFailed, SourceError
from aiaudit.core.result import ChunkStats
from aiaudit.core.timerange import TimeRange
from aiaudit.sources.aws.client import Cancelled, Capabilities, call
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.rows import rows_to_records

RUNNING = ("Scheduled", "Running")
TERMINAL_FAILURES = ("Failed", "Cancelled", "Timeout", "Unknown")
LANGUAGE_ENUM = {"cwli": "CWLI", "sql": "SQL", "ppl": "PPL"}


@dataclass
class Job:
    """One StartQuery: a region, a chunk of time, the final text."""

    region: str
    time_range: TimeRange
    query: str
    language: str
    groups: list[str] | None = None  # None: the groups are in the text (SQL FROM, CWLI SOURCE)
    depth: int = 0

    def describe(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "start": self.time_range.start,
            "end": self.time_range.end,
            "language": self.language,
            "log_groups": ", ".join(self.groups or []),
            "query": self.query,
        }


@dataclass
class Outcome:
    job: Job
    records: list[dict[str, Any]]
    stats: ChunkStats
    capped: bool
    cap: int = 0


@dataclass
class Runner:
    """Runs jobs against per-region clients, each under its region's concurrency budget."""

    clients: dict[str, Any]
    options: AwsOptions
    cancel: threading.Event = field(default_factory=threading.Event)
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._budgets: dict[tuple[str, str], threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()
        self._caps: dict[str, Capabilities] = {}

    # -- budgets ----------------------------------------------------------------------------------
    def budget(self, region: str, language: str) -> threading.BoundedSemaphore:
        family = "cwli" if language == "cwli" else "sql"
        with self._lock:
            key = (region, family)
            if key not in self._budgets:
                size = self.options.cwli_concurrency if family == "cwli" else self.options.sql_concurrency
                self._budgets[key] = threading.BoundedSemaphore(size)
            return self._budgets[key]

    def capabilities(self, region: str) -> Capabilities:
        with self._lock:
            if region not in self._caps:
                self._caps[region] = Capabilities.of(self.clients[region])
            return self._caps[region]

    def effective_limit(self, region: str, language: str) -> tuple[int | None, int]:
        """(StartQuery ``limit`` to send, rows at which a result counts as capped)."""
        if language != "cwli":
            return None, self.options.sql_cap
        caps = self.capabilities(region)
        limit = self.options.cwli_limit
        if caps.paging and caps.max_limit >= 100_000 and limit == 10_000:
            limit = 100_000  # paging reads the whole 100k; without it GetQueryResults returns 10k at most
        limit = min(limit, caps.max_limit)
        return limit, limit

    # -- one query --------------------------------------------------------------------------------
    def run(self, job: Job, deadline: float) -> Outcome:
        with self.budget(job.region, job.language):
            if self.cancel.is_set():
                raise Cancelled()
            return self._run(job, deadline)

    def _call(self, fn: Callable[..., Any], query: str | None = None, **kwargs: Any) -> Any:
        opts = self.options
        return call(
            fn,
            retries=opts.retries,
            base=opts.retry_base_s,
            ceiling=opts.retry_max_s,
            sleep=opts.sleep or time.sleep,
            cancel=self.cancel,
            query=query,
            **kwargs,
        )

    def _run(self, job: Job, deadline: float) -> Outcome:
        client = self.clients[job.region]
        caps = self.capabilities(job.region)
        limit, cap = self.effective_limit(job.region, job.language)
        request: dict[str, Any] = {
            "queryString": job.query,
            "startTime": job.time_range.start_epoch,
            "endTime": job.time_range.end_epoch,
        }
        if caps.query_language:
            request["queryLanguage"] = LANGUAGE_ENUM[job.language]
        elif job.language != "cwli":
            raise SourceError(f"the installed botocore cannot send queryLanguage; upgrade boto3 to run {job.language}")
        if job.groups:
            request["logGroupIdentifiers"] = list(job.groups)
        if limit is not None:
            request["limit"] = limit
        started = self.clock()
        query_id = self._call(client.start_query, query=job.query, **request)["queryId"]
        try:
            response = self._wait(client, job, query_id, deadline, caps)
        except (KeyboardInterrupt, Cancelled):
            self._stop(client, query_id)
            raise
        status = response.get("status", "Unknown")
        records = rows_to_records(response.get("results", []))
        if caps.paging and job.language == "cwli":
            records.extend(self._pages(client, job, query_id, response.get("nextToken")))
        statistics = response.get("statistics") or {}
        result_count = statistics.get("resultCount")
        capped = len(records) >= cap or (result_count is not None and float(result_count) > len(records))
        stats = ChunkStats(
            time_range=job.time_range,
            region=job.region,
            query_id=query_id,
            status=status,
            records_scanned=float(statistics.get("recordsScanned", 0.0)),
            records_matched=float(statistics.get("recordsMatched", 0.0)),
            bytes_scanned=float(statistics.get("bytesScanned", 0.0)),
            rows=len(records),
            elapsed_s=self.clock() - started,
            capped=capped,
        )
        return Outcome(job=job, records=records, stats=stats, capped=capped, cap=cap)

    def _wait(self, client: Any, job: Job, query_id: str, deadline: float, caps: Capabilities) -> dict[str, Any]:
        """Poll with growing intervals until a terminal status; raise on anything but Complete."""
        delay = self.options.poll_initial_s
        sleep = self.options.sleep or time.sleep
        page = {"maxItems": self.options.page_size} if caps.paging and job.language == "cwli" else {}
        status = "Scheduled"
        while True:
            if self.cancel.is_set():
                raise Cancelled()
            if self.clock() >= deadline:
                self._stop(client, query_id)
                raise QueryFailed(
                    f"deadline of {self.options.timeout_s:.0f} s passed while the query was {status}; stopped it",
                    query_id=query_id,
                    status=status,
                    query=job.query,
                )
            response = self._call(client.get_query_results, query=job.query, queryId=query_id, **page)
            status = response.get("status", "Unknown")
            if status == "Complete":
                return dict(response)
            if status in TERMINAL_FAILURES or status not in RUNNING:
                raise QueryFailed(
                    f"query ended {status} in {job.region} for {job.time_range}",
                    query_id=query_id,
                    status=status,
                    query=job.query,
                )
            sleep(delay)
            delay = min(self.options.poll_max_s, max(delay * 1.5, 0.05))

    def _pages(self, client: Any, job: Job, query_id: str, token: str | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        while token and token not in seen:
            seen.add(token)
            response = self._call(
                client.get_query_results,
                query=job.query,
                queryId=query_id,
                nextToken=token,
                maxItems=self.options.page_size,
            )
            rows = rows_to_records(response.get("results", []))
            if not rows:
                break
            out.extend(rows)
            token = response.get("nextToken")
        return out

    def _stop(self, client: Any, query_id: str) -> None:
        """StopQuery so an abandoned query stops scanning (and billing); an already-ended one errors."""
        with contextlib.suppress(Exception):  # best effort: the query may have ended meanwhile
            client.stop_query(queryId=query_id)
