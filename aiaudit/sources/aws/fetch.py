"""Fetch once: each pipeline's raw events for a range, from Logs Insights into a run-local folder.

Why: a playbook's notebooks each ask the same pipelines for the same range, and Logs Insights bills every
query by the bytes it scans. Fetching each pipeline's projection once (the query behind
:meth:`AwsSource.projection`, split by time until every row arrived, cut ``@message`` values fetched
whole) and letting every notebook read a local store of it costs one scan per pipeline and chunk, and
every notebook then sees the same rows. The folder holds one ``<pipeline>.jsonl`` per pipeline in the
shape ``aws logs filter-log-events`` prints (``{"eventId", "logStreamName", "timestamp", "message"}`` per
line), which the readers load with the CloudWatch event time and stream kept.

What a run sent is recorded per pipeline: each query (id, region, chunk, status, records and bytes
scanned, rows) and the totals with their list-price cost — the ``fetched`` block of a report's manifest.
A pipeline whose log group is missing or denied is reported and the others are still fetched. Messages
that are not JSON (AgentCore runtime stdout) have no local reader in this shape: they are counted, not
kept, and said so.

One mechanism for every reader: :class:`RunLocal` is the fetched copy (fetch, ingest once, cite AWS
pointers, delete), used by the playbook runner (its notebooks open the copy read-only in their own
processes) and, through :class:`FetchedSource`, by an ``Investigation`` on an ``aws:`` source (frames, raw
reads and catalogue runs in its range read the copy; a read reaching outside it goes to AWS and is said).
A fetch reaches :data:`FETCH_BEFORE` before the range and :data:`FETCH_MARGIN` on both sides of it
(:func:`fetch_range`), so the frames notebooks read around the range come from the copy too.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from aiaudit.core.config import PIPELINES
from aiaudit.core.errors import AiauditError, InputError
from aiaudit.core.findings import Finding
from aiaudit.core.result import Result
from aiaudit.core.timerange import TimeRange
from aiaudit.sources.aws.costguard import Estimate
from aiaudit.sources.base import Source
from aiaudit.sources.connect import connect
from aiaudit.store.schema import FILES_TABLE

if TYPE_CHECKING:
    from aiaudit.sources.aws.source import AwsSource

#: How far before the range a fetch reaches: the shipped notebooks read CloudTrail a day back
#: (``before="24h"``: a change made the day before can explain an effect inside the range).
FETCH_BEFORE = timedelta(hours=24)
#: How far beyond both ends of the range a fetch reaches: joins read their other side a little wider
#: (``margin="5m"``: CloudTrail, invocation logs and spans are stamped by different clocks).
FETCH_MARGIN = timedelta(minutes=5)


def fetch_range(
    time_range: TimeRange, *, before: timedelta = FETCH_BEFORE, margin: timedelta = FETCH_MARGIN
) -> TimeRange:
    """What a fetch for ``time_range`` covers: ``before`` + ``margin`` earlier, ``margin`` later."""
    return TimeRange(time_range.start - before - margin, time_range.end + margin)


@dataclass
class Fetched:
    """What :func:`fetch` wrote and what it cost."""

    folder: Path
    time_range: TimeRange
    pipelines: dict[str, dict[str, Any]] = field(default_factory=dict)
    price_per_gb: float = 0.0
    #: the cost guard's estimate before fetching (None: no ``max_scan_gb``)
    estimate: Estimate | None = None
    max_scan_gb: float = 0.0

    @property
    def queries(self) -> int:
        return sum(len(p.get("queries", [])) for p in self.pipelines.values())

    @property
    def bytes_scanned(self) -> float:
        return sum(float(p.get("bytes_scanned", 0.0)) for p in self.pipelines.values())

    def notes(self) -> list[str]:
        """Sentences for the report: failed pipelines, incomplete fetches, messages not kept."""
        out = []
        for name, info in self.pipelines.items():
            if info.get("error"):
                out.append(f"{name}: not fetched ({info['error']})")
            elif not info.get("complete", True):
                out.append(f"{name}: the fetch is incomplete ({'; '.join(info.get('warnings', [])[:2])})")
            if info.get("not_json"):
                out.append(f"{name}: {info['not_json']} message(s) that are not JSON (runtime stdout) were not kept")
        return out

    def manifest(self) -> dict[str, Any]:
        return {
            "time_range": self.time_range.to_dict(),
            "pipelines": self.pipelines,
            "total": {
                "queries": self.queries,
                "bytes_scanned": self.bytes_scanned,
                "estimated_cost_usd": self.bytes_scanned / 1e9 * self.price_per_gb,
            },
            "cost_guard": {
                "max_scan_gb": self.max_scan_gb,
                "estimate": self.estimate.to_dict() if self.estimate is not None else None,
            },
        }


def fetch(
    src: AwsSource, time_range: TimeRange, folder: Path, *, what: str = "playbook run (each pipeline fetched once)"
) -> Fetched:
    """Fetch every pipeline of ``src`` for ``time_range`` into ``folder`` (created); ``what`` names the run
    in the cost guard's refusal."""
    out = Fetched(folder, time_range, price_per_gb=src.options.price_per_gb, max_scan_gb=src.options.max_scan_gb)
    groups: dict[str, list[str]] = {}
    for region in src.regions:
        for pipeline in PIPELINES:
            with contextlib.suppress(AiauditError):  # a missing group is reported when it is fetched
                groups.setdefault(region, []).extend(src.groups_for(pipeline, region))
    out.estimate = src.guard(groups, time_range, what=what)
    folder.mkdir(parents=True, exist_ok=True)
    for pipeline in PIPELINES:
        try:
            result = src.raw_projection(pipeline, time_range)
        except AiauditError as exc:  # one missing or denied pipeline never stops the others
            out.pipelines[pipeline] = {"error": str(exc), "rows": 0, "queries": [], "bytes_scanned": 0.0}
            continue
        rows, not_json = _write(result.frame, folder / f"{pipeline}.jsonl")
        stats = result.stats
        out.pipelines[pipeline] = {
            "query": result.query,
            "rows": rows,
            "not_json": not_json,
            "complete": result.complete,
            "warnings": list(result.warnings),
            "queries": [
                {
                    "query_id": c.query_id,
                    "region": c.region,
                    "time_range": c.time_range.to_dict() if c.time_range else None,
                    "status": c.status,
                    "records_scanned": c.records_scanned,
                    "bytes_scanned": c.bytes_scanned,
                    "rows": c.rows,
                }
                for c in stats.chunks
            ],
            "bytes_scanned": stats.bytes_scanned,
            "estimated_cost_usd": stats.estimated_cost_usd,
        }
    return out


def _write(frame: pd.DataFrame, path: Path) -> tuple[int, int]:
    """One ``filter-log-events`` event per line; returns (written, not JSON)."""
    written = skipped = 0
    if not len(frame):
        return 0, 0
    times = pd.to_datetime(frame["@timestamp"], utc=True)
    # whatever the frame's time resolution (ns, us, ms), epoch milliseconds as CloudWatch writes them
    millis = ((times - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(milliseconds=1)).tolist()
    messages = frame["@message"].tolist()
    streams = frame["@logStream"].tolist() if "@logStream" in frame.columns else [None] * len(frame)
    ptrs = frame["@ptr"].tolist() if "@ptr" in frame.columns else [None] * len(frame)
    with path.open("w", encoding="utf-8") as handle:
        for ms, message, stream, ptr in zip(millis, messages, streams, ptrs, strict=True):
            if not isinstance(message, str) or not message.lstrip().startswith("{") or ms != ms:
                skipped += 1
                continue
            event = {"eventId": ptr, "logStreamName": stream if isinstance(stream, str) else None}
            event.update(timestamp=int(ms), message=message)
            handle.write(json.dumps(event, ensure_ascii=False) + "\n")
            written += 1
    return written, skipped


def aws_pointers(local: Any, folder: Path, ptrs: set[str]) -> dict[str, str]:
    """The AWS ``@ptr`` behind each of ``ptrs`` (pointers of the run-local store ``local`` over ``folder``):
    findings cite evidence an analyst can open later with ``GetLogRecord``, not rows of a store that is
    deleted when the run ends. Found through the store's bookkeeping (file and line of each row) and the
    ``eventId`` :func:`fetch` wrote on that line; a pointer not found is left as it is."""
    if not ptrs:
        return {}
    wanted = sorted(ptrs)
    located: dict[str, tuple[str, int]] = {}
    for pipeline in PIPELINES:
        rows = (
            local.store.connection()
            .execute(
                f'SELECT t."@ptr", f.path, t._line FROM "{pipeline}" t '
                f'JOIN "{FILES_TABLE}" f ON t._file_id = f.file_id WHERE t."@ptr" IN (SELECT unnest(?::VARCHAR[]))',
                [wanted],
            )
            .fetchall()
        )
        located.update({ptr: (path, int(line)) for ptr, path, line in rows})
    lines: dict[str, list[str]] = {}
    out = {}
    for ptr, (path, line) in located.items():
        if path not in lines:
            lines[path] = (folder / path).read_text(encoding="utf-8").split("\n")
        try:
            event_id = json.loads(lines[path][line - 1]).get("eventId")
        except (IndexError, ValueError, AttributeError):
            continue
        if isinstance(event_id, str) and event_id:
            out[ptr] = event_id
    return out


@dataclass
class RunLocal:
    """A run-local copy of an ``aws:`` source: each pipeline fetched once (:func:`fetch`) into a temporary
    folder, ingested once into that folder's store, read by every reader of the run, deleted after it."""

    fetched: Fetched
    root: Path

    @classmethod
    def make(
        cls,
        src: AwsSource,
        time_range: TimeRange,
        *,
        before: timedelta = FETCH_BEFORE,
        margin: timedelta = FETCH_MARGIN,
        what: str = "playbook run (each pipeline fetched once)",
    ) -> RunLocal:
        """Fetch :func:`fetch_range` of ``time_range`` and ingest it (under the writer lock, once: readers
        then open the store read-only, several processes at a time). Nothing is left behind on failure."""
        root = Path(tempfile.mkdtemp(prefix="aiaudit-fetch-"))
        try:
            fetched = fetch(src, fetch_range(time_range, before=before, margin=margin), root / "data", what=what)
            connect(f"local:{fetched.folder}", config=src.config).close()
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return cls(fetched, root)

    @property
    def spec(self) -> str:
        """The ``local:`` spec readers open the copy with."""
        return f"local:{self.fetched.folder}"

    @property
    def time_range(self) -> TimeRange:
        """What the copy holds: the fetched range."""
        return self.fetched.time_range

    def covers(self, time_range: TimeRange) -> bool:
        return self.time_range.start <= time_range.start and time_range.end <= self.time_range.end

    def cite(self, local: Source, findings: list[Finding]) -> list[Finding]:
        """``findings`` of readers of the copy (opened as ``local``) citing the AWS ``@ptr`` of their evidence
        (:func:`aws_pointers`); pointers that are not the copy's (already AWS pointers) stay as they are."""
        pointers = aws_pointers(local, self.fetched.folder, {e for f in findings for e in f.evidence})
        return [replace(f, evidence=[pointers.get(e, e) for e in f.evidence]) for f in findings]

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class FetchedSource(Source):
    """An ``aws:`` source read through its :class:`RunLocal` copy: projections and SQL (over pipeline names)
    whose range the copy covers read the copy, without a query to AWS; a read reaching outside it (a wider
    ``before=``, a catalogue lookback longer than :data:`FETCH_BEFORE`), a classic query or one naming log
    groups, or one reading ``@ingestionTime`` (not fetched) goes to AWS as before and is listed in
    :attr:`live_reads`. Records come from the copy, else AWS.

    Why a Source: an Investigation hands its source to frames, raw reads, availability counts and catalogue
    runs alike; wrapping it sends all of them to the copy at once, with no second code path."""

    def __init__(self, live: AwsSource, copy: RunLocal) -> None:
        self.live, self.copy = live, copy
        self.spec, self.config = live.spec, live.config
        self.local = connect(copy.spec, config=live.config, read_only=True)
        #: reads that went to AWS because the copy does not hold them (one line each)
        self.live_reads: list[str] = []

    def _reader(self, time_range: TimeRange, what: str) -> Source:
        if self.copy.covers(time_range):
            return self.local
        self.live_reads.append(
            f"{what} over {time_range}: outside the fetched copy ({self.copy.time_range}), read from AWS"
        )
        return self.live

    def query(
        self,
        q: str,
        time_range: TimeRange | None = None,
        *,
        language: str = "sql",
        params: Mapping[str, Any] | None = None,
        log_groups: Sequence[str] | None = None,
    ) -> Result:
        tr = self.window(time_range)
        reader = self._reader(tr, "query") if language == "sql" and log_groups is None else self.live
        if reader is self.local and "@ingestionTime" in q:
            # the copy's files carry no CloudWatch ingestion time (its rows' is when the copy was ingested)
            self.live_reads.append(
                f"query over {tr}: reads @ingestionTime, which the fetched copy lacks; read from AWS"
            )
            reader = self.live
        return reader.query(q, tr, language=language, params=params, log_groups=log_groups)

    def projection(self, pipeline: str, time_range: TimeRange | None = None, **focus: Any) -> pd.DataFrame:
        tr = self.window(time_range)
        return self._reader(tr, f"{pipeline} projection").projection(pipeline, tr, **focus)

    def record(self, ptr: str) -> dict[str, Any]:
        try:
            return self.local.record(ptr)
        except InputError:  # an AWS pointer (a read outside the copy)
            return self.live.record(ptr)

    def sources(self) -> Any:
        return self.live.sources()

    def data_span(self) -> TimeRange | None:
        return self.live.data_span()

    def cite(self, findings: list[Finding]) -> list[Finding]:
        """Findings citing AWS pointers (:meth:`RunLocal.cite`)."""
        return self.copy.cite(self.local, findings)

    def close(self) -> None:
        """Close the copy's store and delete the copy (the AWS source stays usable)."""
        self.local.close()
        self.copy.remove()
