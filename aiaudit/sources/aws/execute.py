"""Many jobs at once: concurrency, recursive splitting of capped row queries, progress, merging.

Why here and not in the runner: completeness is a property of the whole answer. A capped chunk of a
splittable row query is replaced by its two non-overlapping halves (``TimeRange.halves``) until it is
no longer capped or reaches the minimum width — then it is *reported* (warning, ``complete=False``),
never dropped. Queries that must not be split (aggregations, JOINs, ``ORDER BY … LIMIT``, dedup) run
whole and carry a warning when capped. The bytes of a chunk that was split are still counted: AWS
billed them.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import pandas as pd
from tqdm import tqdm

from aiaudit.core.result import ChunkStats
from aiaudit.query.cwli.values import natural_sort_key
from aiaudit.sources.aws.client import Cancelled
from aiaudit.sources.aws.querytext import Shape
from aiaudit.sources.aws.rows import to_frame
from aiaudit.sources.aws.runner import Job, Outcome, Runner


@dataclass
class Execution:
    """What :func:`execute` hands back: final outcomes in time order, every chunk's stats, warnings."""

    outcomes: list[Outcome] = field(default_factory=list)
    chunks: list[ChunkStats] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    complete: bool = True
    splits: int = 0


def execute(runner: Runner, jobs: list[Job], shape: Shape, *, progress: bool | None = None) -> Execution:
    """Run ``jobs`` (one per region and initial chunk) to completion or raise the first error."""
    opts = runner.options
    deadline = runner.clock() + opts.timeout_s
    out = Execution()
    workers = max(1, min(32, len({j.region for j in jobs}) * (opts.cwli_concurrency + opts.sql_concurrency)))
    bar = _bar(len(jobs), progress if progress is not None else opts.progress)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aiaudit-aws")
    pending: set[Future[Outcome]] = {pool.submit(runner.run, job, deadline) for job in jobs}
    try:
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                outcome = future.result()  # raises the chunk's error
                out.chunks.append(outcome.stats)
                if bar is not None:
                    bar.update(1)
                children = _follow_up(outcome, shape, opts.min_chunk_s, out)
                for child in children:
                    pending.add(pool.submit(runner.run, child, deadline))
                if children and bar is not None:
                    bar.total += len(children)
                    bar.refresh()
    except BaseException:
        runner.cancel.set()  # running workers stop their queries (StopQuery) and return
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        if bar is not None:
            bar.close()
        raise
    pool.shutdown(wait=True)
    if bar is not None:
        bar.close()
    out.outcomes.sort(key=lambda o: (o.job.region, o.job.time_range.start))
    return out


def _follow_up(outcome: Outcome, shape: Shape, min_chunk_s: int, out: Execution) -> list[Job]:
    """Accept the outcome, or replace it by its halves; record warnings for what stays capped."""
    job = outcome.job
    if not outcome.capped:
        out.outcomes.append(outcome)
        return []
    where = f"{job.region} {job.time_range}"
    if not shape.splittable:
        out.outcomes.append(outcome)
        out.complete = False
        out.warnings.append(
            f"capped: {outcome.stats.rows} rows in {where} reached the {outcome.cap}-row cap; "
            f"{shape.reason} queries are never split, so rows are missing — narrow the time range or filter more"
        )
        return []
    width = int(job.time_range.duration.total_seconds())
    if width <= max(1, min_chunk_s) or width < 2 * max(1, min_chunk_s):
        out.outcomes.append(outcome)
        out.complete = False
        out.warnings.append(
            f"capped at the minimum chunk width: {outcome.stats.rows} rows in {where} ({width} s) still reached "
            f"the {outcome.cap}-row cap; rows are missing from that chunk"
        )
        return []
    outcome.stats.status = "Split"
    out.splits += 1
    first, second = job.time_range.halves()
    return [
        Job(job.region, first, job.query, job.language, job.groups, job.depth + 1),
        Job(job.region, second, job.query, job.language, job.groups, job.depth + 1),
    ]


def merge(execution: Execution, shape: Shape, *, dedupe: bool = True) -> dict[str, pd.DataFrame]:
    """Records of the final outcomes as one typed frame per region (de-duplicated by ``@ptr``)."""

    by_region: dict[str, list[dict[str, object]]] = {}
    # chunks in time order; newest first when the query's order is AWS's default (@timestamp desc), so
    # concatenated chunks keep that order even when @timestamp is not a returned column
    ordered = sorted(execution.outcomes, key=lambda o: o.job.time_range.start, reverse=shape.newest_first)
    for outcome in ordered:
        by_region.setdefault(outcome.job.region, []).extend(outcome.records)
    frames: dict[str, pd.DataFrame] = {}
    for region, records in by_region.items():
        frame = to_frame(records)
        if dedupe and shape.splittable and "@ptr" in frame.columns and len(frame):
            frame = frame.drop_duplicates(subset="@ptr", keep="first").reset_index(drop=True)
        frames[region] = frame
    return frames


def sort_frame(frame: pd.DataFrame, shape: Shape) -> pd.DataFrame:
    """Re-establish the query's order across merged chunks (only for the sort keys present). Classic
    queries sort in AWS's natural order (:func:`aiaudit.query.cwli.values.natural_sort_key`), missing
    values last; SQL in the column's own order."""
    keys = [(name, asc) for name, asc in shape.sort if name in frame.columns]
    if not keys or not len(frame):
        return frame
    columns = [k for k, _ in keys]
    if not shape.natural:
        return frame.sort_values(columns, ascending=[a for _, a in keys], kind="stable").reset_index(drop=True)
    ranks = pd.DataFrame({f"_k{i}": _natural_rank(frame[name]) for i, name in enumerate(columns)}, index=frame.index)
    order = ranks.sort_values(list(ranks.columns), ascending=[a for _, a in keys], kind="stable", na_position="last")
    return frame.loc[order.index].reset_index(drop=True)


def _natural_rank(values: pd.Series) -> pd.Series:
    """Each value's position in AWS's natural order (times and numbers in their own order)."""
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.rank(method="dense")
    present = values.dropna().astype(str)
    position = {value: index for index, value in enumerate(sorted(set(present), key=natural_sort_key))}
    return pd.Series(
        [position.get(str(v)) if not pd.isna(v) else None for v in values], index=values.index, dtype="Float64"
    )


def _bar(total: int, wanted: bool | None):  # type: ignore[no-untyped-def]
    show = sys.stderr.isatty() if wanted is None else wanted
    if not show:
        return None

    return tqdm(total=total, desc="logs insights", unit="chunk", leave=False)


def elapsed_since(start: float) -> float:
    return time.monotonic() - start


__all__ = ["Cancelled", "Execution", "execute", "merge", "sort_frame"]
