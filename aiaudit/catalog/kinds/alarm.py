"""Alarms (``ALnn``) on metric filters, back-tested: per period, metric vs threshold → state timeline → one
finding per ALARM episode.

Why back-test: the guide's thresholds ("> 5 in 5 minutes") are guesses until someone has seen how often they
would have fired. Replaying the metric filter over the events (the store's table, or the candidate events
of any other source, see ``metric_filter.events_for``) and evaluating the alarm exactly as CloudWatch does
answers that before anything is deployed, and gives an investigation the alarm history exported logs lack.

Evaluation, as CloudWatch documents it ("Using Amazon CloudWatch alarms",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html, and PutMetricAlarm,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html):

* datapoints are the statistic of the metric per ``Period`` (periods aligned to the epoch); a period in which
  the filter matched nothing has **no datapoint** (no ``defaultValue``);
* at each period the last ``EvaluationPeriods`` datapoints are looked at; the alarm is in ALARM when at least
  ``DatapointsToAlarm`` of them breach (``ComparisonOperator`` against ``Threshold``);
* missing datapoints are treated per ``TreatMissingData``: ``notBreaching`` (good), ``breaching`` (bad),
  ``ignore`` (the state does not change when every datapoint of the window is missing) or ``missing``
  (INSUFFICIENT_DATA when every datapoint of the window is missing);
* a new alarm starts in INSUFFICIENT_DATA.

Simplification (documented in docs/deploy.md): CloudWatch evaluates on a schedule and may look further back
for datapoints when some are missing; here each period is evaluated once, at its end, over exactly the last
``EvaluationPeriods`` periods.

An **episode** runs from the period the alarm enters ALARM (from OK or INSUFFICIENT_DATA) to the last period
before it leaves ALARM. Its finding's window is the span of the breaching periods that put and kept it there
(``time_end`` is the last second of the last one); it names every principal behind the matching events
(the frames' normaliser), their request ids, source IPs and resources, and up to ``EVIDENCE_CAP`` ``@ptr``s.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from aiaudit.catalog import catalog
from aiaudit.catalog.kinds import metric_filter
from aiaudit.core import grouping
from aiaudit.core.errors import AiauditError, InputError
from aiaudit.core.findings import Finding, findings_frame
from aiaudit.core.result import Result
from aiaudit.core.timerange import TimeRange

#: ``@ptr``s and request ids kept per finding: the one cap every finding has (the count of matching events
#: is in the summary; volume alarms can have tens of thousands).
EVIDENCE_CAP = grouping.EVIDENCE_CAP
REQUEST_ID_CAP = grouping.ID_CAP
#: Periods a timeline holds before it is narrowed to where the metric has datapoints (31 days of minutes).
MAX_TIMELINE_PERIODS = 31 * 24 * 60
STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")

_COMPARE: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanThreshold": (operator.gt, ">"),
    "GreaterThanOrEqualToThreshold": (operator.ge, ">="),
    "LessThanThreshold": (operator.lt, "<"),
    "LessThanOrEqualToThreshold": (operator.le, "<="),
}
_STATISTIC_COLUMN = {
    "Sum": "sum",
    "SampleCount": "count",
    "Average": "average",
    "Minimum": "minimum",
    "Maximum": "maximum",
}


@dataclass(frozen=True)
class Alarm:
    """One alarm, as PutMetricAlarm takes it (the metric is its metric filter's)."""

    id: str
    metric_filter: str
    name: str
    threshold: float
    period: int
    comparison: str = "GreaterThanThreshold"
    statistic: str = "Sum"
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1
    treat_missing_data: str = "notBreaching"
    team: str = "security"

    def breaches(self, value: float) -> bool:
        return _COMPARE[self.comparison][0](value, self.threshold)

    @property
    def condition(self) -> str:
        """``> 5 per 5 min (1 of 1 datapoints)``."""
        minutes = self.period / 60
        per = f"{minutes:g} min" if self.period % 60 == 0 else f"{self.period} s"
        return (
            f"{self.statistic} {_COMPARE[self.comparison][1]} {self.threshold:g} per {per} "
            f"({self.datapoints_to_alarm} of {self.evaluation_periods} datapoints, "
            f"missing data {self.treat_missing_data})"
        )


@cache
def _spec(entry_id: str, raw: str) -> Alarm:
    block = json.loads(raw)
    return Alarm(
        id=entry_id,
        metric_filter=block["metric_filter"],
        name=block["name"],
        threshold=float(block["threshold"]),
        period=int(block["period"]),
        comparison=block.get("comparison", "GreaterThanThreshold"),
        statistic=block.get("statistic", "Sum"),
        evaluation_periods=int(block.get("evaluation_periods", 1)),
        datapoints_to_alarm=int(block.get("datapoints_to_alarm", 1)),
        treat_missing_data=block.get("treat_missing_data", "notBreaching"),
        team=block.get("team", "security"),
    )


def spec(entry: Any) -> Alarm:
    return _spec(entry.id, json.dumps(dict(entry.spec), sort_keys=True))


# -- evaluation -------------------------------------------------------------------------------------
def evaluate(datapoints: list[float | None], alarm: Alarm, *, initial: str = "INSUFFICIENT_DATA") -> list[str]:
    """The alarm's state at the end of each period, from the datapoints (None = no datapoint)."""
    marks: list[bool | None] = [None if dp is None else alarm.breaches(dp) for dp in datapoints]
    treat = alarm.treat_missing_data
    states: list[str] = []
    state = initial
    for index in range(len(marks)):
        window = marks[max(0, index - alarm.evaluation_periods + 1) : index + 1]
        if treat == "notBreaching":
            window = [bool(mark) for mark in window]
        elif treat == "breaching":
            window = [True if mark is None else mark for mark in window]
        present = [mark for mark in window if mark is not None]
        if sum(1 for mark in present if mark) >= alarm.datapoints_to_alarm:
            state = "ALARM"
        elif not present:
            state = "INSUFFICIENT_DATA" if treat == "missing" else state
        else:
            state = "OK"
        states.append(state)
    return states


def episodes(states: list[str]) -> list[tuple[int, int]]:
    """``(first, last)`` period indices of each run of ALARM."""
    out: list[tuple[int, int]] = []
    start: int | None = None
    for index, state in enumerate([*states, "OK"]):
        if state == "ALARM" and start is None:
            start = index
        elif state != "ALARM" and start is not None:
            out.append((start, index - 1))
            start = None
    return out


@dataclass
class Backtest:
    """An alarm replayed over a range: the state timeline and one finding per ALARM episode."""

    alarm: Alarm
    timeline: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    pattern: str = ""
    note: str = ""  # the timeline covers less than the range asked for, and why


def backtest(data: Any, entry: Any, time_range: TimeRange, change_roles: Iterable[str] = ()) -> Backtest:
    """Replay alarm ``entry`` over ``time_range``. ``data``: a store, any Source (off the local store the
    candidate events are fetched once with a narrowed query and matched locally), or a raw frame."""
    alarm = spec(entry)
    mf = metric_filter.spec(catalog[alarm.metric_filter])
    roles = tuple(change_roles)
    period = pd.Timedelta(seconds=alarm.period)
    first = pd.Timestamp(time_range.start).floor(period)
    warm = first - period * (alarm.evaluation_periods - 1)  # full windows from the range's first period on
    full = TimeRange(warm.to_pydatetime(), time_range.end)
    store = metric_filter.events_for(data, mf, full, roles)
    series = metric_filter.metric_series(store, mf, full, alarm.period, roles)
    note = ""
    periods = (pd.Timestamp(time_range.end) - warm) // period + 1
    if periods > MAX_TIMELINE_PERIODS and alarm.treat_missing_data != "breaching":
        # A range far wider than the data (``--start 2000 --end 2100`` is 52 million one-minute periods):
        # without a datapoint a period cannot breach, so the states before the first datapoint's window
        # and after the last one's are the same as at their edges; evaluate only between them.
        first, warm, time_range = _reach(series, alarm, period, first, time_range)
        note = (
            f"{entry.id}: the range holds {periods:,} periods of {alarm.period} s; the timeline covers "
            f"{time_range.start:%Y-%m-%d %H:%M} – {time_range.end:%Y-%m-%d %H:%M} UTC, where the metric has datapoints"
        )
    starts = pd.date_range(warm, pd.Timestamp(time_range.end), freq=period)
    column = _STATISTIC_COLUMN[alarm.statistic]
    aligned = series.set_index("period_start").reindex(starts)
    values: list[float | None] = [None if pd.isna(v) else float(v) for v in aligned[column]]
    counts = [0 if pd.isna(c) else int(c) for c in aligned["count"]]
    states = evaluate(values, alarm)
    timeline = pd.DataFrame(
        {
            "period_start": starts,
            "period_end": starts + period,
            "value": pd.array(values, dtype="Float64"),
            "events": counts,
            "breaching": pd.array([None if v is None else alarm.breaches(v) for v in values], dtype="boolean"),
            "state": states,
        }
    )
    skip = len(starts) - len(pd.date_range(first, pd.Timestamp(time_range.end), freq=period))
    in_range = timeline.iloc[skip:].reset_index(drop=True)
    result = Backtest(alarm=alarm, timeline=in_range, pattern=mf.effective_pattern(roles), note=note)
    for first_index, last_index in episodes(list(in_range["state"])):
        result.findings.append(
            _finding(
                store,
                entry,
                alarm,
                mf,
                timeline,
                skip + first_index,
                skip + last_index,
                roles,
                still_open=last_index == len(in_range) - 1,
            )
        )
    return result


def _reach(
    series: pd.DataFrame, alarm: Alarm, period: pd.Timedelta, first: pd.Timestamp, time_range: TimeRange
) -> tuple[pd.Timestamp, pd.Timestamp, TimeRange]:
    """The part of ``time_range`` the metric's datapoints can affect: from the first datapoint's period to
    one evaluation window after the last one (a single period at the range's start when there is none)."""
    window = period * alarm.evaluation_periods
    if series.empty:
        lo, hi = first, first
    else:
        lo = max(first, series["period_start"].min())
        hi = min(pd.Timestamp(time_range.end).floor(period), series["period_start"].max() + window)
    end = min(pd.Timestamp(time_range.end), hi + period - pd.Timedelta(seconds=1))
    return lo, lo - period * (alarm.evaluation_periods - 1), TimeRange(lo.to_pydatetime(), end.to_pydatetime())


def _finding(
    store: Any,
    entry: Any,
    alarm: Alarm,
    mf: Any,
    timeline: pd.DataFrame,
    first: int,
    last: int,
    roles: tuple[str, ...],
    *,
    still_open: bool,
) -> Finding:
    lo = max(0, first - alarm.evaluation_periods + 1)
    contributing = [i for i in range(lo, last + 1) if _true(timeline.at[i, "breaching"])]
    if not contributing:  # ALARM through breaching missing data alone
        contributing = list(range(first, last + 1))
    start = timeline.at[contributing[0], "period_start"]
    end = timeline.at[contributing[-1], "period_end"]
    events = metric_filter.matched_events(store, mf, start, end, roles)
    period = pd.Timedelta(seconds=alarm.period)
    buckets = {timeline.at[i, "period_start"] for i in contributing}
    if len(events):
        events = events[events["@timestamp"].dt.floor(period).isin(buckets)]
    values = [float(v) for v in timeline.loc[contributing, "value"].dropna()]
    total = sum(values)
    peak_index = max(contributing, key=lambda i: _number(timeline.at[i, "value"]))
    peak_at = timeline.at[peak_index, "period_start"]
    principals = sorted({p for p in events["principal"] if isinstance(p, str) and p})
    request_ids = list(dict.fromkeys(r for r in events["request_id"] if isinstance(r, str) and r))
    window = (
        f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} UTC"
        if start.date() == end.date()
        else f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} UTC"
    )
    title = f"{alarm.name}: ALARM {window}, {total:g} {mf.metric_name} ({alarm.condition.split(' (')[0]})"
    summary = (
        f"{entry.purpose} Back-tested alarm on {mf.namespace}/{mf.metric_name}, {alarm.condition}: in ALARM for "
        f"{last - first + 1} period(s) from {timeline.at[first, 'period_start']:%Y-%m-%d %H:%M} UTC"
        f"{' until the end of the range' if still_open else ''}; "
        f"peak {_number(timeline.at[peak_index, 'value']):g} in the "
        f"period starting {peak_at:%H:%M}; {len(events)} matching event(s) from {len(principals)} principal(s)"
        f"{_beyond(len(request_ids))}"
        f"{f'; evidence lists the first {EVIDENCE_CAP} of them' if len(events) > EVIDENCE_CAP else ''}."
    )
    return Finding(
        rule_id=entry.id,
        severity=entry.severity,
        title=title,
        summary=summary,
        time_start=start.to_pydatetime(),
        time_end=(end - pd.Timedelta(seconds=1)).to_pydatetime(),
        principals=principals,
        # one principal behind the whole episode: the alarm is about them, so it merges with the detections
        # of the same signal on that principal (one alert, every rule id) instead of repeating them
        subject=f"principal:{principals[0]}" if len(principals) == 1 else "",
        source_ips=sorted({ip for ip in events["source_ip"] if isinstance(ip, str) and ip}),
        request_ids=request_ids[:REQUEST_ID_CAP],
        resources=sorted({r for r in events["resource"] if isinstance(r, str) and r}),
        evidence=list(events["@ptr"].head(EVIDENCE_CAP)),
    )


def backtest_all(
    source: Any, time_range: TimeRange, change_roles: Iterable[str] = ()
) -> tuple[dict[str, Backtest], list[str]]:
    """Every alarm of the catalogue replayed over ``time_range`` (by entry id), and notes (an alarm that could
    not be back-tested, and why)."""
    out: dict[str, Backtest] = {}
    notes: list[str] = []
    for entry_id in (i for i in catalog if catalog[i].kind == "alarm"):
        try:
            out[entry_id] = backtest(source, catalog[entry_id], time_range, change_roles)
        except AiauditError as exc:
            notes.append(f"{entry_id} not back-tested: {exc}")
    return out, notes


def _beyond(count: int) -> str:
    extra = count - REQUEST_ID_CAP
    return f"; {extra} request id(s) beyond {REQUEST_ID_CAP} not listed" if extra > 0 else ""


def _true(value: Any) -> bool:
    return value is not None and value is not pd.NA and bool(value)


def _number(value: Any) -> float:
    return float("-inf") if value is None or value is pd.NA else float(value)


# -- the kind protocol ----------------------------------------------------------------------------
def check(entry: Any) -> None:
    alarm = spec(entry)
    where = str(entry.path or entry.id)
    if alarm.period not in (10, 20, 30) and alarm.period % 60:
        raise InputError("alarm.period must be 10, 20, 30 or a multiple of 60 seconds (PutMetricAlarm)", where=where)
    if alarm.datapoints_to_alarm > alarm.evaluation_periods:
        raise InputError("alarm.datapoints_to_alarm cannot exceed alarm.evaluation_periods", where=where)
    if alarm.period * alarm.evaluation_periods > 86400:
        raise InputError("alarm.period × evaluation_periods must be at most one day (PutMetricAlarm)", where=where)


def detect(ctx: Any, entry: Any, **params: Any) -> list[Finding]:
    """The back-tested ALARM episodes over the context's range: on the source's events, or on the raw frames
    of a frames context (a note, and nothing, when there are neither)."""
    pipeline = entry.pipelines[0]
    data = ctx.tel.source if ctx.tel.source is not None else ctx.tel.raw.get(pipeline)
    if data is None:
        note = f"{entry.id}: not back-tested (no {pipeline} events in this context)"
        if note not in ctx.notes:
            ctx.notes.append(note)
        return []
    return backtest(data, entry, ctx.time_range, ctx.environment.change_roles).findings


def run(entry: Any, src: Any, time_range: TimeRange, change_roles: Iterable[str] | None = None) -> Result:
    """The state timeline (one row per period); its ``attrs["findings"]`` holds the episodes' findings.
    ``change_roles`` default to the source's ``[environment] change_roles``."""
    roles = tuple(change_roles) if change_roles is not None else metric_filter._roles(src)
    result = backtest(src, entry, time_range, roles)
    frame = result.timeline
    frame.attrs["findings"] = findings_frame(result.findings)
    warnings = [result.note] if result.note else []
    return Result(
        frame=frame, language="filter_pattern", time_range=time_range, query=result.pattern, warnings=warnings
    )


def render(entry: Any, **params: Any) -> str:
    """What PutMetricAlarm would receive (without actions, which the deployment adds)."""
    alarm = spec(entry)
    mf = metric_filter.spec(catalog[alarm.metric_filter])
    return json.dumps(put_metric_alarm(alarm, mf), indent=2) + "\n"


def put_metric_alarm(alarm: Alarm, mf: Any, actions: Iterable[str] = ()) -> dict[str, Any]:
    """PutMetricAlarm's request for this alarm (``actions``: SNS topic ARNs for ALARM)."""
    body: dict[str, Any] = {
        "AlarmName": alarm.name,
        "AlarmDescription": f"aiaudit {alarm.id} on {mf.id} ({alarm.team} team): {alarm.condition}",
        "Namespace": mf.namespace,
        "MetricName": mf.metric_name,
        "Statistic": alarm.statistic,
        "Period": alarm.period,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "Threshold": alarm.threshold,
        "ComparisonOperator": alarm.comparison,
        "TreatMissingData": alarm.treat_missing_data,
    }
    if actions:
        body["AlarmActions"] = list(actions)
    return body
