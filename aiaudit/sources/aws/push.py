"""``aiaudit push``: replay a local dataset into the CloudWatch Logs groups an AWS source is configured with.

Why it is built this way:

- **Records come from the local store** (the readers parsed them once; duplicates of CloudTrail
  deliveries are already folded): each pipeline table gives ``@timestamp``, ``@message`` (the record
  exactly as CloudWatch would hold it), ``@log`` and ``@logStream``, streamed in time order.
- **Groups as the AWS backend resolves them**: a pipeline goes to the source's configured group
  (``[sources.NAME.log_groups]``, defaults from DESIGN §3); a configured prefix (``runtime_logs =
  "/aws/bedrock-agentcore/runtimes/"``) keeps each record's own group under it, so every agent runtime
  gets its group again. CloudWatch refuses to create a group whose name begins with ``aws/`` (reserved
  by AWS, CreateLogGroup), which is the default for spans: such a pipeline is refused with that reason,
  and the user names a group outside ``aws/``.
- **Streams keep their names** where they carry meaning: AgentCore runtime logs' ``otel-rt-logs`` (OTel
  log records) and ``YYYY/MM/DD/[runtime-logs]<id>`` (stdout), CloudTrail's ``<account>_CloudTrail_<region>``,
  Bedrock's ``aws/bedrock/modelinvocations``. A record without one gets its pipeline's usual stream.
- **PutLogEvents rules** (:mod:`aiaudit.sources.aws.putrules`): events out of the accepted window, or too
  large, are reported per group and reason, never truncated or dropped silently; ``shift_to_now`` moves
  every pipeline by one whole-second offset, inside the records too (:mod:`aiaudit.sources.aws.retime`).
- **Safe to interrupt and re-run**: each batch's digest is appended to a journal beside the store once
  AWS has accepted it; a re-run skips journaled batches (PutLogEvents is not idempotent) and, with
  ``shift_to_now``, reuses the journal's offset so resent data lines up with what already arrived. At
  most the batches in flight at an interrupt can be sent twice.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import heapq
import json
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from aiaudit.core.config import PIPELINES, Config, load_config
from aiaudit.core.errors import InputError, SourceError
from aiaudit.core.timerange import utc_now
from aiaudit.sources.aws.client import Cancelled, call, error_code, make_client, make_session, translate
from aiaudit.sources.aws.options import AwsOptions
from aiaudit.sources.aws.putrules import (
    REASONS,
    REFUSED,
    RESERVED,
    Event,
    batches,
    rejected_by_aws,
    rejection,
)
from aiaudit.sources.aws.retime import shift_message
from aiaudit.sources.connect import connect
from aiaudit.sources.local.source import LocalSource
from aiaudit.sources.spec import parse_spec
from aiaudit.store.schema import PIPELINE_TABLES
from aiaudit.store.tables import q

#: CreateLogGroup: "Log group names can't start with the string aws/".
RESERVED_PREFIX = "aws/"
#: A runtime-logs record whose file named no runtime goes here, under the configured prefix.
UNATTRIBUTED = "unattributed"
#: The stream a record without one goes to: SQL over the store's columns (hot columns where needed).
DEFAULT_STREAM_SQL = {
    "cloudtrail": """coalesce("recipientAccountId", 'unknown') || '_CloudTrail_' || coalesce("awsRegion", 'unknown')""",
    "invocations": "'aws/bedrock/modelinvocations'",
    "spans": "'default'",
    "runtime_logs": """CASE WHEN starts_with("@message", '{') THEN 'otel-rt-logs' ELSE 'runtime-logs' END""",
}
_FETCH = 2_000
_WINDOW_MS = 24 * 3600 * 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Route:
    """One destination stream and the local (group, stream) pairs that feed it."""

    pipeline: str
    group: str
    stream: str
    sources: tuple[tuple[str, str, int, int], ...]  # (local @log, local stream, first ms, last ms)
    events: int

    @property
    def reserved(self) -> bool:
        return self.group.startswith(RESERVED_PREFIX)


@dataclass
class GroupSummary:
    pipeline: str
    group: str
    streams: int = 0
    events: int = 0
    sent: int = 0
    already_sent: int = 0
    rejected: Counter[str] = field(default_factory=Counter)


@dataclass
class PushReport:
    """Sent and rejected events per log group, with the reason for every rejection."""

    source: str
    target: str
    region: str
    shift_ms: int = 0
    groups: dict[str, GroupSummary] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def rejected(self) -> int:
        return sum(sum(g.rejected.values()) for g in self.groups.values())

    @property
    def complete(self) -> bool:
        """Every event is in CloudWatch now (sent by this run or an earlier one)."""
        return self.rejected == 0

    def frame(self) -> pd.DataFrame:
        rows = []
        for g in self.groups.values():
            row: dict[str, Any] = {
                "pipeline": g.pipeline,
                "log_group": g.group,
                "streams": g.streams,
                "events": g.events,
                "sent": g.sent,
                "already_sent": g.already_sent,
            }
            for reason in REASONS:
                row[reason] = g.rejected.get(reason, 0)
            rows.append(row)
        columns = ["pipeline", "log_group", "streams", "events", "sent", "already_sent", *REASONS]
        return pd.DataFrame(rows, columns=columns)

    def __str__(self) -> str:
        frame = self.frame()
        shown = frame.loc[:, (frame != 0).any(axis=0) | frame.columns.isin(["sent", "already_sent"])]
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            table = shown.to_string(index=False) if len(frame) else "(nothing to push)"
        shift = f"; times shifted by {self.shift_ms / 1000:+,.0f} s" if self.shift_ms else ""
        lines = [f"pushed {self.source} -> {self.target} ({self.region}){shift}", table]
        lines.extend(f"note: {n}" for n in self.notes)
        if self.rejected:
            lines.append(
                f"{self.rejected:,} event(s) not sent (reasons above)"
                + ("; --shift-to-now re-times out-of-window events" if not self.shift_ms else "")
            )
        return "\n".join(lines)


def push(
    source: str,
    to: str,
    *,
    region: str | None = None,
    profile: str | None = None,
    shift_to_now: bool = False,
    pipelines: Iterable[str] | None = None,
    restart: bool = False,
    workers: int = 4,
    progress: bool | None = None,
    now_ms: int | None = None,
    config: Config | None = None,
    options: AwsOptions | None = None,
    client: Any = None,
    on_batch: Callable[[str, str, int], None] | None = None,
) -> PushReport:
    """Send every record of the local dataset ``source`` to the log groups of the AWS source ``to``.

    ``region`` picks one of the source's regions (required when it has several); ``profile`` overrides
    the source's. ``shift_to_now`` moves all times so the newest record lands at now. ``restart``
    forgets the journal of earlier runs to this target. ``now_ms`` pins "now" (tests).
    ``on_batch(group, stream, events)`` is called after each batch AWS accepted (from a worker thread;
    an exception it raises stops the push as an interrupt would).
    """
    started = time.monotonic()
    cfg = config if config is not None else load_config()
    spec = parse_spec(to, cfg)
    if spec.kind != "aws":
        raise InputError(f"--to {to!r} is not an AWS source (aws:PROFILE@REGION or a kind = 'aws' name)", where="--to")
    chosen = _region(spec.regions, region, to)
    wanted = _pipelines(pipelines)
    targets = cfg.log_groups(spec.name)
    targets.update(spec.log_groups)
    opts = options or AwsOptions.from_env()
    if client is None:
        client = make_client(make_session(profile or spec.profile), "logs", chosen, pool=workers)
    now = int(utc_now().timestamp() * 1000) if now_ms is None else int(now_ms)
    local = connect(source, config=cfg)
    if not isinstance(local, LocalSource):
        local.close()
        raise InputError(f"{source!r} is not a local dataset (push reads local:PATH)", where="source")
    report = PushReport(source=str(source), target=str(to), region=chosen)
    try:
        routes, newest = _plan(local, targets, wanted, report)
        journal = Journal(_journal_path(local, spec.text, chosen, client, shift_to_now), restart=restart)
        delta = 0
        if shift_to_now and newest is not None:
            delta = journal.delta_ms if journal.delta_ms is not None else ((now - newest) // 1000) * 1000
            if journal.delta_ms is not None:
                report.notes.append("resumed an earlier push: its time shift is reused so the data stays aligned")
            journal.set_delta(delta)
        report.shift_ms = delta
        sender = _Sender(client, opts, local, journal, now, delta, cancel=threading.Event(), on_batch=on_batch)
        retention, refused = _prepare_groups(sender, routes, report)
        _send(sender, [r for r in routes if r not in refused], retention, report, workers, progress)
    finally:
        local.close()
    report.elapsed_s = time.monotonic() - started
    return report


def target_group(configured: str, local_group: str, local_configured: str) -> str:
    """The group a record goes to: ``configured`` as is, or — when ``configured`` is a prefix (ends in
    ``/`` or ``*``) — the record's own group moved under it (its part after the local prefix, else its
    last path step; :data:`UNATTRIBUTED` when the record's group is the bare prefix)."""
    if not configured.endswith(("/", "*")):
        return configured
    prefix = configured.rstrip("*")
    if not prefix.endswith("/"):
        prefix += "/"
    local_prefix = local_configured.rstrip("*")
    bare = local_group.rstrip("/")
    if local_prefix.endswith("/") and local_group.startswith(local_prefix) and len(local_group) > len(local_prefix):
        suffix = local_group[len(local_prefix) :]
    elif bare and bare != local_prefix.rstrip("/"):
        suffix = bare.rsplit("/", 1)[-1]
    else:
        suffix = UNATTRIBUTED
    return prefix + suffix


def stream_name(name: str) -> str:
    """A legal log stream name: ``:`` and ``*`` are not allowed (CreateLogStream), at most 512 characters."""
    cleaned = name.replace(":", "_").replace("*", "_")
    return cleaned[:512] or "default"


class Journal:
    """Batches AWS already accepted for one target, and the time shift used: one JSON line each."""

    def __init__(self, path: Path, *, restart: bool = False) -> None:
        self.path = path
        self.delta_ms: int | None = None
        self.batches: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._handle: Any = None
        if restart:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        if path.exists():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                try:
                    item = json.loads(line)
                except ValueError:
                    continue  # a line torn by an interrupt: that batch is sent again
                if isinstance(item, dict) and "delta_ms" in item:
                    self.delta_ms = int(item["delta_ms"])
                elif isinstance(item, dict) and "batch" in item:
                    self.batches[str(item["batch"])] = item

    def get(self, batch: str) -> dict[str, Any] | None:
        return self.batches.get(batch)

    def set_delta(self, delta_ms: int) -> None:
        if self.delta_ms != delta_ms:
            self.delta_ms = delta_ms
            self._write({"delta_ms": delta_ms})

    def record(self, batch: str, sent: int, rejected: dict[str, int]) -> None:
        item = {"batch": batch, "sent": sent, "rejected": rejected}
        self.batches[batch] = item
        self._write(item)

    def _write(self, item: dict[str, Any]) -> None:
        with self._lock:
            if self._handle is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the run
            self._handle.write(json.dumps(item) + "\n")
            self._handle.flush()

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


# --- planning ------------------------------------------------------------------------------------------
def _region(regions: tuple[str, ...], region: str | None, to: str) -> str:
    if region:
        if regions and region not in regions:
            raise InputError(
                f"{to!r} has regions {', '.join(regions)}; {region!r} is not one of them", where="--region"
            )
        return region
    if len(regions) != 1:
        raise InputError(f"{to!r} has regions {', '.join(regions)}: choose one with --region", where="--region")
    return regions[0]


def _pipelines(names: Iterable[str] | None) -> list[str]:
    chosen = list(names or PIPELINES)
    for name in chosen:
        if name not in PIPELINES:
            raise InputError(f"unknown pipeline {name!r} (one of {', '.join(PIPELINES)})", where="--pipelines")
    return chosen


def _stream_sql(pipeline: str) -> str:
    return f'coalesce("@logStream", {DEFAULT_STREAM_SQL[pipeline]})'


def _plan(
    local: LocalSource, targets: dict[str, str], pipelines: list[str], report: PushReport
) -> tuple[list[Route], int | None]:
    """Routes (destination streams) per pipeline, and the newest record's epoch ms over *all* pipelines
    (pushing pipelines one at a time still shifts them alike)."""
    con = local.store.connection()
    routes: dict[tuple[str, str, str], list[tuple[str, str, int, int, int]]] = {}
    lasts = [
        con.execute(f'SELECT max(epoch_ms("@timestamp")) FROM {q(PIPELINE_TABLES[p])}').fetchone()[0]  # type: ignore[index]
        for p in PIPELINES
    ]
    newest = max((int(v) for v in lasts if v is not None), default=None)
    for pipeline in pipelines:
        rows = con.execute(
            f'SELECT "@log", {_stream_sql(pipeline)} AS stream, count(*), min(epoch_ms("@timestamp")), '
            f'max(epoch_ms("@timestamp")) '
            f"FROM {q(PIPELINE_TABLES[pipeline])} GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
        unattributed = 0
        for log, stream, count, first, last in rows:
            group = target_group(targets[pipeline], str(log or ""), local.log_group_names[pipeline])
            if group.endswith("/" + UNATTRIBUTED) and targets[pipeline].endswith(("/", "*")):
                unattributed += int(count)
            routes.setdefault((pipeline, group, stream_name(str(stream))), []).append(
                (str(log or ""), str(stream), int(count), int(first), int(last))
            )
        if unattributed:
            report.notes.append(
                f"{unattributed:,} {pipeline} record(s) name no log group of their own (e.g. runtime stdout from a "
                f"CloudWatch export): sent under {targets[pipeline].rstrip('*')}{UNATTRIBUTED}"
            )
    out = [
        Route(p, g, s, tuple((log, stream, a, b) for log, stream, _, a, b in parts), sum(part[2] for part in parts))
        for (p, g, s), parts in sorted(routes.items())
    ]
    for route in out:
        summary = report.groups.setdefault(route.group, GroupSummary(route.pipeline, route.group))
        summary.streams += 1
        summary.events += route.events
        if route.reserved:
            summary.rejected[RESERVED] += route.events
    for group in sorted({r.group for r in out if r.reserved}):
        pipeline = next(r.pipeline for r in out if r.group == group)
        report.notes.append(
            f"{pipeline}: log group names beginning with 'aws/' are reserved by AWS and cannot be created "
            f"(CreateLogGroup), so {group!r} was not used; configure [sources.NAME.log_groups] {pipeline} = "
            f"'...' with a group outside aws/"
        )
    return out, newest


def _journal_path(local: LocalSource, target: str, region: str, client: Any, shift: bool) -> Path:
    endpoint = str(getattr(getattr(client, "meta", None), "endpoint_url", ""))
    key = json.dumps([target, region, endpoint, shift])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return local.store.location.folder / "push" / f"{digest}.jsonl"


# --- sending -------------------------------------------------------------------------------------------
@dataclass
class _RouteResult:
    sent: int = 0
    already_sent: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


class _Sender:
    def __init__(
        self,
        client: Any,
        opts: AwsOptions,
        local: LocalSource,
        journal: Journal,
        now_ms: int,
        delta_ms: int,
        *,
        cancel: threading.Event,
        on_batch: Callable[[str, str, int], None] | None = None,
    ) -> None:
        self.client, self.opts, self.local, self.journal = client, opts, local, journal
        self.now_ms, self.delta_ms, self.cancel = now_ms, delta_ms, cancel
        self.on_batch = on_batch
        self.bar: Any = None

    def call(self, fn: Any, **kwargs: Any) -> Any:
        return call(
            fn,
            retries=self.opts.retries,
            base=self.opts.retry_base_s,
            ceiling=self.opts.retry_max_s,
            sleep=self.opts.sleep or time.sleep,
            cancel=self.cancel,
            **kwargs,
        )

    def events(self, route: Route) -> Iterator[tuple[int, str]]:
        """The route's records in time order: (epoch ms, message), merged over its local sources."""
        parts = [self._fetch(route.pipeline, *source) for source in route.sources]
        yield from heapq.merge(*parts, key=lambda item: item[0])

    def _fetch(self, pipeline: str, log: str, stream: str, first: int, last: int) -> Iterator[tuple[int, str]]:
        """One local stream in time order, a day at a time: DuckDB materialises a sorted result, so a
        window bounds the memory to one day of one stream whatever the dataset's size."""
        sql = (
            f'SELECT epoch_ms("@timestamp"), "@message" FROM {q(PIPELINE_TABLES[pipeline])} '
            f"WHERE coalesce(\"@log\", '') = ? AND {_stream_sql(pipeline)} = ? "
            f'AND "@timestamp" >= ? AND "@timestamp" < ? ORDER BY "@timestamp", "@ptr"'
        )
        for start in range(first, last + 1, _WINDOW_MS):
            cursor = self.local.store.connection()
            cursor.execute(sql, [log, stream, _moment(start), _moment(start + _WINDOW_MS)])
            while rows := cursor.fetchmany(_FETCH):
                for ts, message in rows:
                    yield int(ts), str(message)
            cursor.close()

    def send(self, route: Route, retention_days: int | None) -> _RouteResult:
        result = _RouteResult()
        if self.cancel.is_set():
            raise Cancelled()

        def screened() -> Iterator[Event]:
            for ts, message in self.events(route):
                if self.delta_ms:
                    ts += self.delta_ms
                    message = shift_message(route.pipeline, message, self.delta_ms)
                event = Event.of(ts, message)
                reason = rejection(event, self.now_ms, retention_days)
                if reason is None:
                    yield event
                else:
                    result.rejected[reason] += 1
                    if self.bar is not None:
                        self.bar.update(1)

        for batch in batches(screened()):
            if self.cancel.is_set():
                raise Cancelled()
            key = _batch_key(route, batch)
            prior = self.journal.get(key)
            if prior is not None:
                result.already_sent += int(prior.get("sent", 0))
                result.rejected.update({k: int(v) for k, v in (prior.get("rejected") or {}).items()})
            else:
                self._put(route, batch, key, result)
            if self.bar is not None:
                self.bar.update(len(batch))
        return result

    def _put(self, route: Route, batch: list[Event], key: str, result: _RouteResult) -> None:
        try:
            response = self.call(
                self.client.put_log_events,
                logGroupName=route.group,
                logStreamName=route.stream,
                logEvents=[{"timestamp": e.timestamp, "message": e.message} for e in batch],
            )
        except InputError as exc:  # AWS refused this batch's content: report it, keep going
            result.rejected[REFUSED] += len(batch)
            result.notes.append(f"{route.group} / {route.stream}: a batch of {len(batch)} event(s) refused: {exc}")
            return
        dropped = rejected_by_aws(response.get("rejectedLogEventsInfo"), len(batch))
        sent = len(batch) - sum(dropped.values())
        result.sent += sent
        result.rejected.update(dropped)
        self.journal.record(key, sent, dropped)
        if self.on_batch is not None:
            self.on_batch(route.group, route.stream, len(batch))


def _moment(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=ms)  # exact, unlike a float of seconds


def _batch_key(route: Route, batch: list[Event]) -> str:
    digest = hashlib.sha256(f"{route.group}\0{route.stream}\0".encode())
    for event in batch:
        digest.update(f"{event.timestamp}\0".encode())
        digest.update(event.message.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def _create_unless_exists(fn: Any, **kwargs: Any) -> None:
    try:
        fn(**kwargs)
    except Exception as exc:
        if error_code(exc) != "ResourceAlreadyExistsException":
            raise


def _prepare_groups(
    sender: _Sender, routes: list[Route], report: PushReport
) -> tuple[dict[str, int | None], set[Route]]:
    """Create missing groups and streams; each usable group's retention (events before it are refused).
    A group AWS will not create (an illegal name) is left out, its events reported; the rest go on."""
    retention: dict[str, int | None] = {}
    refused: set[Route] = set()
    client = sender.client
    for group in sorted({r.group for r in routes if not r.reserved}):
        try:
            retention[group] = _ensure_group(sender, group)
        except InputError as exc:
            report.notes.append(f"{group!r}: cannot create the log group: {exc}")
            report.groups[group].rejected[REFUSED] += sum(r.events for r in routes if r.group == group)
    for route in routes:
        if route.group not in retention:
            continue
        try:
            sender.call(
                functools.partial(_create_unless_exists, client.create_log_stream),
                logGroupName=route.group,
                logStreamName=route.stream,
            )
        except InputError as exc:
            report.notes.append(f"{route.group!r} / {route.stream!r}: cannot create the log stream: {exc}")
            report.groups[route.group].rejected[REFUSED] += route.events
            refused.add(route)
    return retention, refused


def _ensure_group(sender: _Sender, group: str) -> int | None:
    client = sender.client
    pages = client.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=group)
    try:
        for page in pages:
            for item in page.get("logGroups", []):
                if item.get("logGroupName") == group:
                    days = item.get("retentionInDays")
                    return int(days) if days else None
    except Exception as exc:
        raise translate(exc, operation="DescribeLogGroups") from exc  # an illegal name: InputError
    sender.call(functools.partial(_create_unless_exists, client.create_log_group), logGroupName=group)
    return None


def _send(
    sender: _Sender,
    routes: list[Route],
    retention: dict[str, int | None],
    report: PushReport,
    workers: int,
    progress: bool | None,
) -> None:
    live = [r for r in routes if r.group in retention]
    show = sys.stderr.isatty() if progress is None else progress
    sender.bar = tqdm(total=sum(r.events for r in live), unit="event", desc="push") if show and live else None
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    pending: dict[Future[_RouteResult], Route] = {}
    try:
        for route in live:
            pending[pool.submit(sender.send, route, retention[route.group])] = route
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                route = pending.pop(future)
                try:
                    result = future.result()
                except Cancelled:
                    continue
                except SourceError:
                    sender.cancel.set()
                    raise
                summary = report.groups[route.group]
                summary.sent += result.sent
                summary.already_sent += result.already_sent
                summary.rejected.update(result.rejected)
                report.notes.extend(result.notes)
    except BaseException:
        sender.cancel.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        sender.journal.close()
        if sender.bar is not None:
            sender.bar.close()
