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

from datetime import timedelta
from typing import Any

import pandas as pd

from aiaudit.core.config import PIPELINES
from aiaudit.core.findings import Finding, dedupe
from aiaudit.core.timerange import ONE_SECOND, TimeRange, add_months, iso, parse_duration
from aiaudit.investigate.access import Telemetry
from aiaudit.investigate.correlate import DEFAULT_MARGIN, as_timedelta, widen
from aiaudit.investigate.vocab import MODEL_CALLS, is_model_call

MAX_EVIDENCE = 200


def lookback_range(time_range: TimeRange, lookback: timedelta | str) -> TimeRange:
    """The window just before ``time_range``: ``[start − lookback, start − 1 s]``."""
    width = parse_duration(lookback) if isinstance(lookback, str) else lookback
    if isinstance(width, int):
        return TimeRange(add_months(time_range.start, -width), time_range.start - ONE_SECOND)
    return TimeRange(time_range.start - width, time_range.start - ONE_SECOND)


def _values(frame: pd.DataFrame, col: str) -> list[str]:
    return sorted({str(v) for v in frame[col].dropna()}) if col in frame else []


def _window(times: pd.Series) -> tuple[Any, Any]:
    return times.min().to_pydatetime(), times.max().to_pydatetime()


def model_calls(cloudtrail: pd.DataFrame) -> pd.DataFrame:
    """Successful CloudTrail model calls with a request id: the calls that should each leave an invocation
    log record."""
    ok = ~cloudtrail["is_error"].fillna(False).astype(bool)
    return cloudtrail[is_model_call(cloudtrail) & ok & cloudtrail["request_id"].notna()]


def unlogged_model_calls(cloudtrail: pd.DataFrame, invocations: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`model_calls` whose request id no invocation log record carries (read the
    invocations a margin wider than the calls: the two clocks differ by seconds)."""
    calls = model_calls(cloudtrail)
    logged = set(invocations["request_id"].dropna().str.lower())
    return calls[~calls["request_id"].str.lower().isin(logged)]


def unrecorded_requests(
    cloudtrail: pd.DataFrame, invocations: pd.DataFrame, spans: pd.DataFrame, *, span_calls: str = "model"
) -> dict[str, pd.DataFrame]:
    """Invocation log records, and spans that carry their own request id, whose request id no CloudTrail
    event has (read CloudTrail a margin wider). ``span_calls="model"`` keeps model-call spans only (the
    calls CloudTrail always records); ``"all"`` keeps every AWS call span (data events included: what a
    trail change can hide)."""
    recorded = set(cloudtrail["request_id"].dropna().str.lower())
    inv = invocations[invocations["request_id"].notna()]
    sp = spans[(spans["request_id_source"] == "own").fillna(False).astype(bool)]
    if span_calls == "model":
        sp = sp[(sp["remote_operation"].isin(MODEL_CALLS).fillna(False) | sp["gen_ai_operation"].notna()).astype(bool)]
    elif span_calls != "all":
        raise ValueError("span_calls must be 'model' or 'all'")
    return {
        "invocations": inv[~inv["request_id"].str.lower().isin(recorded)],
        "spans": sp[~sp["request_id"].str.lower().isin(recorded)],
    }


def missing_invocation_logs(
    data: Any, time_range: TimeRange | None, *, margin: timedelta | str = DEFAULT_MARGIN
) -> list[Finding]:
    """CloudTrail model calls that succeeded but left no invocation log record."""
    tel = Telemetry.of(data)
    pad = as_timedelta(margin, DEFAULT_MARGIN) or DEFAULT_MARGIN
    ct = tel.projection("cloudtrail", time_range)
    calls = model_calls(ct)
    inv = tel.projection("invocations", widen(time_range, pad))
    missing = unlogged_model_calls(ct, inv).copy()
    if missing.empty:
        return []
    inv_hours = set(
        zip(
            inv["account"].fillna(inv["accountId"]).astype(str),
            inv["region"].astype(str),
            inv["time"].dt.floor("1h"),
        )
    )
    missing["_acct"] = missing["recipient_account"].fillna(missing["account"]).astype(str)
    missing["_hour"] = missing["time"].dt.floor("1h")
    findings = []
    for (acct, region, hour), group in missing.groupby(["_acct", "region", "_hour"], sort=True):
        calls_in_hour = calls[
            (calls["recipient_account"].fillna(calls["account"]).astype(str) == acct)
            & (calls["region"] == region)
            & (calls["time"].dt.floor("1h") == hour)
        ]
        silent = (acct, str(region), hour) not in inv_hours
        start, end = _window(group["time"])
        findings.append(
            Finding(
                rule_id="gap:invocation-log-missing",
                severity="high" if silent else "medium",
                title=f"{len(group)} model call(s) with no invocation log ({acct} {region}, {iso(hour)})",
                summary=(
                    f"{len(group)} of {len(calls_in_hour)} successful Bedrock model calls in CloudTrail for account "
                    f"{acct}, region {region}, hour {iso(hour)} have no invocation log record with the same "
                    "request id"
                    + (" — no invocation log at all in that hour: logging looks disabled." if silent else ".")
                ),
                time_start=start,
                time_end=end,
                principals=_values(group, "principal"),
                source_ips=_values(group, "source_ip"),
                request_ids=_values(group, "request_id"),
                resources=[f"account:{acct}", f"region:{region}"],
                evidence=list(group["@ptr"].dropna())[:MAX_EVIDENCE],
            )
        )
    return findings


def missing_cloudtrail(
    data: Any, time_range: TimeRange | None, *, margin: timedelta | str = DEFAULT_MARGIN
) -> list[Finding]:
    """Invocation log records and model-call spans whose request id CloudTrail never recorded."""
    tel = Telemetry.of(data)
    pad = as_timedelta(margin, DEFAULT_MARGIN) or DEFAULT_MARGIN
    ct = tel.projection("cloudtrail", widen(time_range, pad))
    unrecorded = unrecorded_requests(ct, tel.projection("invocations", time_range), tel.projection("spans", time_range))
    findings = []
    for pipeline, frame in unrecorded.items():
        lost = frame.copy()
        if lost.empty:
            continue
        acct_col = lost["account"].fillna(lost["accountId"]) if "accountId" in lost else lost["account"]
        lost["_acct"] = acct_col.fillna("?").astype(str)
        lost["_region"] = lost["region"].fillna("?").astype(str)
        lost["_hour"] = lost["time"].dt.floor("1h")
        for (acct, region, hour), group in lost.groupby(["_acct", "_region", "_hour"], sort=True):
            start, end = _window(group["time"])
            what = "invocation log record(s)" if pipeline == "invocations" else "model-call span(s)"
            findings.append(
                Finding(
                    rule_id="gap:cloudtrail-missing",
                    severity="medium",
                    title=f"{len(group)} {what} with no CloudTrail event ({acct} {region}, {iso(hour)})",
                    summary=(
                        f"{len(group)} {what} in {pipeline} (account {acct}, region {region}, hour {iso(hour)}) "
                        "carry a request id that no CloudTrail event has: the trail missed them, was stopped, "
                        "or does not cover this account/region."
                    ),
                    time_start=start,
                    time_end=end,
                    principals=_values(group, "principal") if "principal" in group else [],
                    request_ids=_values(group, "request_id"),
                    session_ids=_values(group, "session_id") if "session_id" in group else [],
                    resources=[f"pipeline:{pipeline}", f"account:{acct}", f"region:{region}"],
                    evidence=list(group["@ptr"].dropna())[:MAX_EVIDENCE],
                )
            )
    return findings


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
    findings: list[Finding] = []
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
            findings.append(
                Finding(
                    rule_id="gap:silence",
                    severity="high",
                    title=f"{pipeline} silent for {n} × {freq} from {iso(first.to_pydatetime())}",
                    summary=(
                        f"No {pipeline} records from {iso(first.to_pydatetime())} to "
                        f"{iso((last + step).to_pydatetime() - ONE_SECOND)}; the lookback "
                        f"{before} averaged {expected:.1f} per {freq} (≈{expected * n:.0f} expected)."
                    ),
                    time_start=first.to_pydatetime(),
                    time_end=(last + step).to_pydatetime() - ONE_SECOND,
                    resources=[f"pipeline:{pipeline}"],
                )
            )
        if expected < min_expected:
            continue
        low = (now > 0) & (now < drop_ratio * expected)
        for first, last, n in _runs(low):
            seen = int(now[first:last].sum())
            findings.append(
                Finding(
                    rule_id="gap:volume-drop",
                    severity="medium",
                    title=f"{pipeline} volume dropped below {drop_ratio:.0%} of normal ({n} × {freq})",
                    summary=(
                        f"{seen} {pipeline} records from {iso(first.to_pydatetime())} over {n} × {freq}; the "
                        f"lookback {before} averaged {expected:.1f} per {freq}."
                    ),
                    time_start=first.to_pydatetime(),
                    time_end=(last + step).to_pydatetime() - ONE_SECOND,
                    resources=[f"pipeline:{pipeline}"],
                )
            )
    table = (
        pd.concat(tables, ignore_index=True)
        if tables
        else pd.DataFrame(columns=["pipeline", "bucket", "count", "expected"])
    )
    return findings, table


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
    findings = []
    for pipeline in pipelines:
        times = tel.times(pipeline, time_range)
        if times.empty or times["@ingestionTime"].isna().all():
            continue
        delay = times["@ingestionTime"] - times["@timestamp"]
        late = times[delay > limit]
        if late.empty:
            continue
        worst = delay.max()
        start, end = _window(late["@timestamp"])
        findings.append(
            Finding(
                rule_id="gap:ingestion-delay",
                severity="medium" if worst > 4 * limit else "low",
                title=f"{len(late)} {pipeline} record(s) arrived more than {limit} late",
                summary=(
                    f"{len(late)} of {len(times)} {pipeline} records were ingested more than {limit} after their "
                    f"own time (worst {worst}, median delay {delay.median()}). Queries run before they arrived "
                    "missed them; alarms on this pipeline fire late."
                ),
                time_start=start,
                time_end=end,
                resources=[f"pipeline:{pipeline}"],
                evidence=list(late["@ptr"].dropna())[:MAX_EVIDENCE],
            )
        )
    return findings


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
