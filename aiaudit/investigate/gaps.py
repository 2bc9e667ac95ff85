"""Telemetry gaps as findings: a silent log is evidence.

Checks (rule ids in the ``gap:`` namespace, beside the catalogue's):

* ``gap:invocation-log-missing`` — successful CloudTrail model calls (Bedrock Converse/InvokeModel...)
  with no invocation log record of the same request id, one finding per account, region and hour.
  ``high`` when the hour has no invocation log at all for that account and region (logging looks off),
  else ``medium``.
* ``gap:cloudtrail-missing`` — invocation log records, and spans of model calls that carry their own
  request id, with no CloudTrail event of that id (per pipeline, account/region, hour; ``medium``).
* ``gap:silence`` — a run of empty buckets in a pipeline that, over the lookback window, averaged
  enough records that the run should have held at least ``min_expected`` (``high``).
* ``gap:volume-drop`` — buckets holding fewer than ``drop_ratio`` × the lookback mean (``medium``).
* ``gap:ingestion-delay`` — records stored more than ``max_delay`` after their own time (``low``;
  ``medium`` beyond 4 × ``max_delay``). The local store's ``@ingestionTime`` is when aiaudit stored
  the file, not CloudWatch's, so by default this runs on AWS sources and raw frames only.

The other side of each request-id comparison is read with a ``margin`` (clocks differ by seconds).
Lookback is a window *before* the investigation range (default: ``[environment] default_lookback``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pandas as pd

from aiaudit.core.config import PIPELINES
from aiaudit.core.findings import Finding, dedupe
from aiaudit.core.grouping import Group, finding, findings, mask
from aiaudit.core.timerange import ONE_SECOND, TimeRange, add_months, iso, parse_duration
from aiaudit.investigate.access import Telemetry
from aiaudit.investigate.correlate import DEFAULT_MARGIN, as_timedelta, widen
from aiaudit.investigate.vocab import MODEL_CALLS, is_model_call


def lookback_range(time_range: TimeRange, lookback: timedelta | str) -> TimeRange:
    """The window just before ``time_range``: ``[start − lookback, start − 1 s]``."""
    width = parse_duration(lookback) if isinstance(lookback, str) else lookback
    if isinstance(width, int):
        return TimeRange(add_months(time_range.start, -width), time_range.start - ONE_SECOND)
    return TimeRange(time_range.start - width, time_range.start - ONE_SECOND)


def _account(frame: pd.DataFrame) -> pd.Series:
    """The account a record belongs to (CloudTrail's recipient, else the caller's; invocation logs' own)."""
    for column in ("recipient_account", "accountId"):
        if column in frame:
            return frame[column].fillna(frame["account"]).fillna("?").astype(str)
    return frame["account"].fillna("?").astype(str)


def model_calls(cloudtrail: pd.DataFrame) -> pd.DataFrame:
    """Successful CloudTrail model calls with a request id: the calls that should each leave an invocation
    log record."""
    ok = ~mask(cloudtrail, cloudtrail["is_error"])
    return cloudtrail[is_model_call(cloudtrail) & ok & cloudtrail["request_id"].notna()]


def unlogged_model_calls(cloudtrail: pd.DataFrame, invocations: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`model_calls` whose request id no invocation log record carries (read the
    invocations a margin wider than the calls: the two clocks differ by seconds)."""
    calls = model_calls(cloudtrail)
    logged = set(invocations["request_id"].dropna().str.lower())
    return calls[~mask(calls, calls["request_id"].str.lower().isin(logged))]


def unrecorded_requests(
    cloudtrail: pd.DataFrame, invocations: pd.DataFrame, spans: pd.DataFrame, *, span_calls: str = "model"
) -> dict[str, pd.DataFrame]:
    """Invocation log records, and spans that carry their own request id, whose request id no CloudTrail
    event has (read CloudTrail a margin wider). ``span_calls="model"`` keeps model-call spans only (the
    calls CloudTrail always records); ``"all"`` keeps every AWS call span (data events included: what a
    trail change can hide)."""
    recorded = set(cloudtrail["request_id"].dropna().str.lower())
    inv = invocations[invocations["request_id"].notna()]
    sp = spans[mask(spans, spans["request_id_source"] == "own")]
    if span_calls == "model":
        sp = sp[mask(sp, sp["remote_operation"].isin(MODEL_CALLS)) | sp["gen_ai_operation"].notna()]
    elif span_calls != "all":
        raise ValueError("span_calls must be 'model' or 'all'")
    return {
        "invocations": inv[~mask(inv, inv["request_id"].str.lower().isin(recorded))],
        "spans": sp[~mask(sp, sp["request_id"].str.lower().isin(recorded))],
    }


def missing_invocation_logs(
    data: Any,
    time_range: TimeRange | None,
    *,
    margin: timedelta | str = DEFAULT_MARGIN,
    rule_id: str = "gap:invocation-log-missing",
) -> list[Finding]:
    """CloudTrail model calls that succeeded but left no invocation log record: one finding per account and
    region and activity window. ``high`` when some hour of it has no invocation log at all there (logging
    looks off), else ``medium``."""
    tel = Telemetry.of(data)
    pad = as_timedelta(margin, DEFAULT_MARGIN) or DEFAULT_MARGIN
    ct = tel.projection("cloudtrail", time_range)
    inv = tel.projection("invocations", widen(time_range, pad))
    missing = unlogged_model_calls(ct, inv).copy()
    if missing.empty:
        return []
    inv_hours = set(zip(_account(inv), inv["region"].astype(str), inv["time"].dt.floor("1h"), strict=True))
    missing["_acct"] = _account(missing)
    missing["_where"] = missing["_acct"] + " " + missing["region"].astype(str)
    missing["_silent"] = [
        (acct, str(region), hour) not in inv_hours
        for acct, region, hour in zip(missing["_acct"], missing["region"], missing["time"].dt.floor("1h"), strict=True)
    ]

    def silent(g: Group) -> bool:
        return bool(g.rows["_silent"].any())

    return findings(
        missing,
        rule_id=rule_id,
        severity=lambda g: "high" if silent(g) else "medium",
        title=lambda g: f"{g.count} model call(s) with no invocation log ({g.subject}, {_when(g)})",
        summary=lambda g: (
            f"{g.count} successful Bedrock model calls in CloudTrail for account and region {g.subject} "
            "have no invocation log record with the same request id"
            + (" — some hours hold no invocation log at all there: logging looks disabled." if silent(g) else ".")
        ),
        subject="_where",
        subject_kind="resource",
        window="1h",
        resources=lambda g: [f"account:{a}" for a in g.values("_acct")] + [f"region:{r}" for r in g.values("region")],
    )


def missing_cloudtrail(
    data: Any, time_range: TimeRange | None, *, margin: timedelta | str = DEFAULT_MARGIN
) -> list[Finding]:
    """Invocation log records and model-call spans whose request id CloudTrail never recorded."""
    tel = Telemetry.of(data)
    pad = as_timedelta(margin, DEFAULT_MARGIN) or DEFAULT_MARGIN
    ct = tel.projection("cloudtrail", widen(time_range, pad))
    unrecorded = unrecorded_requests(ct, tel.projection("invocations", time_range), tel.projection("spans", time_range))
    out: list[Finding] = []
    for pipeline, frame in unrecorded.items():
        lost = frame.copy()
        if lost.empty:
            continue
        lost["_acct"] = _account(lost)
        lost["_where"] = f"{pipeline} " + lost["_acct"] + " " + lost["region"].fillna("?").astype(str)
        out += findings(
            lost,
            rule_id="gap:cloudtrail-missing",
            severity="medium",
            title=_lost_title(pipeline),
            summary=_lost_summary(pipeline),
            subject="_where",
            subject_kind="resource",
            window="1h",
            resources=_lost_resources(pipeline),
        )
    return out


def _what(pipeline: str) -> str:
    return "invocation log record(s)" if pipeline == "invocations" else "model-call span(s)"


def _lost_title(pipeline: str) -> Callable[[Group], str]:
    return lambda g: f"{g.count} {_what(pipeline)} with no CloudTrail event ({g.subject}, {_when(g)})"


def _lost_summary(pipeline: str) -> Callable[[Group], str]:
    return lambda g: (
        f"{g.count} {_what(pipeline)} in {pipeline} ({g.subject}) carry a request id that no CloudTrail event has: "
        "the trail missed them, was stopped, or does not cover this account/region."
    )


def _lost_resources(pipeline: str) -> Callable[[Group], list[str]]:
    return lambda g: [
        f"pipeline:{pipeline}",
        *(f"account:{a}" for a in g.values("_acct")),
        *(f"region:{r}" for r in g.values("region")),
    ]


def _when(g: Group) -> str:
    if g.start is None or g.end is None:
        return "time unknown"
    return iso(g.start.to_pydatetime()) + ("" if g.end == g.start else f" .. {iso(g.end.to_pydatetime())}")


def _period(rule_id: str, severity: str, title: str, summary: str, start: Any, end: Any, resource: str) -> Finding:
    """A finding about a stretch of time with no rows to cite (a silence, a drop)."""
    group = Group(subject=resource, rows=pd.DataFrame(), start=pd.Timestamp(start), end=pd.Timestamp(end))
    return finding(group, rule_id=rule_id, severity=severity, title=title, summary=summary, subject_kind="resource")


def bucket_counts(times: pd.Series, time_range: TimeRange, freq: str) -> pd.Series:
    """Records per full bucket of ``freq`` inside ``time_range`` (empty buckets are 0)."""
    step = pd.Timedelta(freq)
    first = pd.Timestamp(time_range.start).ceil(freq)
    last_end = pd.Timestamp(time_range.end + ONE_SECOND)
    starts = pd.date_range(first, last_end - step, freq=freq) if first + step <= last_end else pd.DatetimeIndex([])
    if len(starts) == 0:
        return pd.Series(dtype="int64")
    counts = times.dropna().dt.floor(freq).value_counts()
    return pd.Series([int(counts.get(s, 0)) for s in starts], index=starts, dtype="int64")


def _runs(flags: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp, int]]:
    """Consecutive True stretches: (first bucket, last bucket, length)."""
    out: list[tuple[pd.Timestamp, pd.Timestamp, int]] = []
    start = None
    prev = None
    n = 0
    for stamp, flag in flags.items():
        if flag:
            if start is None:
                start, n = stamp, 0
            prev, n = stamp, n + 1
        elif start is not None:
            out.append((start, prev, n))  # type: ignore[arg-type]
            start = None
    if start is not None:
        out.append((start, prev, n))  # type: ignore[arg-type]
    return out


def volume_gaps(
    data: Any,
    time_range: TimeRange,
    *,
    lookback: timedelta | str | None = None,
    freq: str = "1h",
    drop_ratio: float = 0.2,
    min_expected: float = 10.0,
    pipelines: tuple[str, ...] = PIPELINES,
) -> tuple[list[Finding], pd.DataFrame]:
    """Silences and volume drops per pipeline against the lookback mean; also returns the bucket table
    (``pipeline, bucket, count, expected``) so a notebook can plot it."""
    tel = Telemetry.of(data)
    before = lookback_range(time_range, lookback or tel.environment.default_lookback)
    step = pd.Timedelta(freq)
    found: list[Finding] = []
    tables = []
    for pipeline in pipelines:
        base = bucket_counts(tel.times(pipeline, before)["@timestamp"], before, freq)
        now = bucket_counts(tel.times(pipeline, time_range)["@timestamp"], time_range, freq)
        if now.empty:
            continue
        expected = float(base.mean()) if len(base) else 0.0
        tables.append(
            pd.DataFrame({"pipeline": pipeline, "bucket": now.index, "count": now.values, "expected": expected})
        )
        if expected <= 0:
            continue
        for first, last, n in _runs(now == 0):
            if expected * n < min_expected:
                continue
            found.append(
                _period(
                    "gap:silence",
                    "high",
                    f"{pipeline} silent for {n} × {freq} from {iso(first.to_pydatetime())}",
                    f"No {pipeline} records from {iso(first.to_pydatetime())} to "
                    f"{iso((last + step).to_pydatetime() - ONE_SECOND)}; the lookback "
                    f"{before} averaged {expected:.1f} per {freq} (≈{expected * n:.0f} expected).",
                    first,
                    (last + step) - pd.Timedelta(ONE_SECOND),
                    f"pipeline:{pipeline}",
                )
            )
        if expected < min_expected:
            continue
        low = (now > 0) & (now < drop_ratio * expected)
        for first, last, n in _runs(low):
            seen = int(now[first:last].sum())
            found.append(
                _period(
                    "gap:volume-drop",
                    "medium",
                    f"{pipeline} volume dropped below {drop_ratio:.0%} of normal ({n} × {freq})",
                    f"{seen} {pipeline} records from {iso(first.to_pydatetime())} over {n} × {freq}; the "
                    f"lookback {before} averaged {expected:.1f} per {freq}.",
                    first,
                    (last + step) - pd.Timedelta(ONE_SECOND),
                    f"pipeline:{pipeline}",
                )
            )
    table = (
        pd.concat(tables, ignore_index=True)
        if tables
        else pd.DataFrame(columns=["pipeline", "bucket", "count", "expected"])
    )
    return found, table


def ingestion_delays(
    data: Any,
    time_range: TimeRange | None,
    *,
    max_delay: timedelta | str = "15m",
    pipelines: tuple[str, ...] = PIPELINES,
) -> list[Finding]:
    """Records whose ``@ingestionTime`` is more than ``max_delay`` after their ``@timestamp``."""
    tel = Telemetry.of(data)
    limit = as_timedelta(max_delay, timedelta(minutes=15)) or timedelta(minutes=15)
    out: list[Finding] = []
    for pipeline in pipelines:
        times = tel.times(pipeline, time_range)
        if times.empty or times["@ingestionTime"].isna().all():
            continue
        delay = times["@ingestionTime"] - times["@timestamp"]
        late = times[mask(times, delay > limit)].assign(time=lambda f: f["@timestamp"], _pipeline=pipeline)
        if late.empty:
            continue
        worst = delay.max()
        out += findings(
            late,
            rule_id="gap:ingestion-delay",
            severity="medium" if worst > 4 * limit else "low",
            title=f"{{count}} {pipeline} record(s) arrived more than {limit} late",
            summary=f"{{count}} of {len(times)} {pipeline} records were ingested more than {limit} after their own "
            f"time (worst {worst}, median delay {delay.median()}). Queries run before they arrived missed them; "
            "alarms on this pipeline fire late.",
            subject="_pipeline",
            subject_kind="resource",
            window=None,
            resources=lambda g: [f"pipeline:{p}" for p in g.values("_pipeline")],
        )
    return out


def gaps(
    data: Any,
    time_range: TimeRange,
    *,
    lookback: timedelta | str | None = None,
    freq: str = "1h",
    margin: timedelta | str = DEFAULT_MARGIN,
    max_delay: timedelta | str = "15m",
    ingestion: bool | None = None,
    drop_ratio: float = 0.2,
    min_expected: float = 10.0,
) -> list[Finding]:
    """Every telemetry-gap check over ``time_range``, de-duplicated, severity first.

    ``ingestion=None`` checks delivery delay unless the source is the local store (whose
    ``@ingestionTime`` is the time aiaudit stored the file)."""
    tel = Telemetry.of(data)
    out = missing_invocation_logs(tel, time_range, margin=margin)
    out += missing_cloudtrail(tel, time_range, margin=margin)
    volume, _ = volume_gaps(
        tel, time_range, lookback=lookback, freq=freq, drop_ratio=drop_ratio, min_expected=min_expected
    )
    out += volume
    if ingestion is None:
        ingestion = tel.source is None or tel.source.spec.kind != "local"
    if ingestion:
        out += ingestion_delays(tel, time_range, max_delay=max_delay)
    return dedupe(out)
