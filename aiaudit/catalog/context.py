"""What a detection sees: the range under review, the lookback before it, the environment, and projections.

Why one context object: every detection compares the range with "before" (first use, new principal,
cost against history), and they all read the same projections. :class:`Context` reads each pipeline
once over ``[lookback.start, range.end]`` (cached by :class:`~aiaudit.investigate.Telemetry`) and hands
out the two slices, so ``run_all`` costs one projection per pipeline however many detections run.

*History* for an event is everything from the lookback start up to that event, so a principal seen
earlier in the range itself is not "new" later in it. With no CloudTrail data before the range (a
fresh export, a three-day simulation) nothing would count as known, so the first ``warmup`` (default
12 hours) of the range is used as history only: detections that judge novelty report from
:attr:`Context.judge_from` on, and ``notes`` says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pandas as pd

from aiaudit.core.config import Environment
from aiaudit.core.grouping import mask
from aiaudit.core.timerange import TimeRange
from aiaudit.investigate import Telemetry, lookback_range


@dataclass
class Context:
    """Inputs shared by every detection of one run."""

    tel: Telemetry
    time_range: TimeRange
    lookback: TimeRange
    environment: Environment = field(default_factory=Environment)
    warmup: timedelta = timedelta(hours=12)
    notes: list[str] = field(default_factory=list)
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _judge: pd.Timestamp | None = field(default=None, repr=False)

    @classmethod
    def make(
        cls,
        data: Any,
        time_range: TimeRange,
        *,
        lookback: TimeRange | timedelta | str | None = None,
        environment: Environment | None = None,
        warmup: timedelta = timedelta(hours=12),
    ) -> Context:
        """``lookback``: a range, a width before ``time_range`` (``"30d"``), or the environment's default."""
        tel = Telemetry.of(data)
        env = environment if environment is not None else tel.environment
        if not isinstance(lookback, TimeRange):
            lookback = lookback_range(time_range, lookback or env.default_lookback)
        return cls(tel=tel, time_range=time_range, lookback=lookback, environment=env, warmup=warmup)

    @property
    def full_range(self) -> TimeRange:
        return TimeRange(min(self.lookback.start, self.time_range.start), self.time_range.end)

    def all(self, pipeline: str) -> pd.DataFrame:
        """Lookback and range together, ordered by time."""
        if pipeline not in self._frames:
            frame = self.tel.projection(pipeline, self.full_range)
            self._frames[pipeline] = frame.sort_values("time", kind="stable").reset_index(drop=True)
        return self._frames[pipeline]

    def in_range(self, pipeline: str) -> pd.DataFrame:
        """Only the records of the range under review."""
        frame = self.all(pipeline)
        start = pd.Timestamp(self.time_range.start)
        end = pd.Timestamp(self.time_range.end) + pd.Timedelta(seconds=1)
        return frame[(frame["time"] >= start) & (frame["time"] < end)]

    def before_range(self, pipeline: str) -> pd.DataFrame:
        frame = self.all(pipeline)
        return frame[frame["time"] < pd.Timestamp(self.time_range.start)]

    def event(self, ptr: str) -> dict[str, Any]:
        """The raw record behind ``ptr`` as a parsed object (a store returns the event itself; raw frames return
        ``@message`` text, parsed here). For the few candidate rows whose request parameters or
        ``additionalEventData`` a detection must read: projections carry the fields every detection needs,
        not every field of every API."""
        record = self.tel.record(ptr)
        if "@message" not in record or "eventName" in record or "schemaType" in record:
            return record
        message = record.get("@message")
        try:
            parsed = json.loads(message) if isinstance(message, str) else {}
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}

    @property
    def judge_from(self) -> pd.Timestamp:
        """Where novelty detections start reporting: the range start, or after the warm-up when the
        lookback holds no CloudTrail records."""
        if self._judge is None:
            start = pd.Timestamp(self.time_range.start)
            empty = self.before_range("cloudtrail").empty
            if empty and self.warmup:
                self.notes.append(
                    f"no CloudTrail data in the lookback {self.lookback}: the first {self.warmup} of the range "
                    "serve as history; first-use and new-principal detections report after it"
                )
            self._judge = start + self.warmup if empty else start
        return self._judge


def successful(frame: pd.DataFrame) -> pd.Series:
    """Rows that did not fail (CloudTrail ``is_error``; invocation logs ``error_code``)."""
    if "is_error" in frame:
        return ~mask(frame, frame["is_error"])
    if "error_code" in frame:
        return frame["error_code"].isna()
    return pd.Series(True, index=frame.index)


def among(frame: pd.DataFrame, column: str, wanted: Iterable[str]) -> pd.Series:
    """Rows whose ``column`` is one of ``wanted`` (missing is False)."""
    return mask(frame, frame[column].isin(list(wanted)))
