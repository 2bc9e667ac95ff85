"""Time ranges with the semantics of CloudWatch Logs StartQuery.

Why a type of our own: StartQuery takes epoch *seconds* with *both ends inclusive*; peers that send
milliseconds or naive local times (awswrangler's ``utcnow().timestamp()``) shift windows silently. A
``TimeRange`` is therefore UTC, whole seconds, inclusive at both ends, and refuses naive datetimes.

An instant ``t`` is inside ``TimeRange(start, end)`` when ``start <= t < end + 1 s``: the end second is
covered whole, exactly like an inclusive epoch-second bound. Chunks never overlap: the end of one chunk
is the start of the next minus one second.

Relative expressions (``24h``, ``7d``, ``2w``, ``1mo``, ``today``, ``yesterday``) are resolved **once** per
run against an anchor: now, or the end of the data (``anchor="data-end"``). The resolved range is what
manifests record.

**No range** (``src.query(q)``, ``src.cloudtrail()``) means the same on every backend:
:func:`default_window` — the ``[environment] default_lookback`` (30 days unless configured) ending at the
data's newest record, or ending now when the source holds nothing. Why the data's end and not now: an
export examined offline is usually older than any lookback from today, and a live AWS account must not be
scanned (and billed) back to its first log group by accident. :func:`resolve_window` turns a run's
parameters (CLI, notebooks, playbooks) into one range and falls back to the same default window.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiaudit.core.errors import InputError

ONE_SECOND = timedelta(seconds=1)

_UNITS = {
    "s": "seconds",
    "sec": "seconds",
    "second": "seconds",
    "seconds": "seconds",
    "m": "minutes",
    "min": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hr": "hours",
    "hour": "hours",
    "hours": "hours",
    "hrs": "hours",
    "mins": "minutes",
    "secs": "seconds",
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "mo": "months",
    "mon": "months",
    "month": "months",
    "months": "months",
}
_DURATION = re.compile(r"^\s*(\d+)\s*([a-z]+)\s*$")
_RELATIVE_WORDS = ("now", "today", "yesterday")


def parse_duration(text: str) -> timedelta | int:
    """``'90m'`` -> timedelta; ``'3mo'`` -> int months (months have no fixed length)."""
    match = _DURATION.match(str(text).lower())
    if not match or match.group(2) not in _UNITS:
        raise InputError(
            f"not a duration: {text!r} (use a number and a unit: 30s, 15m, 24h, 7d, 2w, 1mo)", where="duration"
        )
    amount, unit = int(match.group(1)), _UNITS[match.group(2)]
    if amount <= 0:
        raise InputError(f"duration must be positive: {text!r}", where="duration")
    if unit == "months":
        return amount
    try:
        return timedelta(**{unit: amount})
    except OverflowError:  # more days than a timedelta holds: before the year 1 whatever the anchor
        raise InputError(f"{text!r} reaches back before the year 1", where="duration") from None


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar month arithmetic, clamped to the month's last day (Mar 31 - 1 month = Feb 28/29)."""
    total = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def to_utc(value: Any, *, what: str = "time") -> datetime:
    """Coerce a datetime, pandas Timestamp, date or ISO string to an aware UTC datetime (whole seconds).

    Naive datetimes and ISO strings without an offset are refused: a silent local-time guess shifts
    windows by the machine's UTC offset.
    """
    if hasattr(value, "to_pydatetime"):  # pandas.Timestamp
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise InputError(
                f"naive datetime {value.isoformat()} refused: give a timezone (e.g. tzinfo=UTC)", where=what
            )
        return value.astimezone(UTC).replace(microsecond=0)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(int(value), tz=UTC)
    if isinstance(value, str):
        return _parse_absolute(value, what)
    raise InputError(f"cannot read {value!r} as a time", where=what)


def _parse_absolute(text: str, what: str) -> datetime:
    raw = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError as exc:
            raise InputError(f"not a date: {text!r} ({exc})", where=what) from None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    candidate = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        raise InputError(
            f"not a time: {text!r} (use ISO 8601 with Z or an offset, e.g. 2026-11-20T00:00:00Z, "
            "or a relative expression such as 24h, 7d, today)",
            where=what,
        ) from None
    if parsed.tzinfo is None:
        raise InputError(f"time {text!r} has no timezone: append Z for UTC or an offset like +02:00", where=what)
    return parsed.astimezone(UTC).replace(microsecond=0)


def is_relative(text: str) -> bool:
    """True for expressions resolved against an anchor (``24h``, ``today``), False for absolute times."""
    raw = str(text).strip().lower()
    return raw in _RELATIVE_WORDS or bool(_DURATION.match(raw) and _DURATION.match(raw).group(2) in _UNITS)  # type: ignore[union-attr]


@dataclass(frozen=True, order=True)
class TimeRange:
    """An inclusive UTC range of whole seconds, as StartQuery's ``startTime``/``endTime``."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start = to_utc(self.start, what="start")
        end = to_utc(self.end, what="end")
        if end < start:
            raise InputError(f"end {end.isoformat()} is before start {start.isoformat()}", where="time range")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    # -- construction -----------------------------------------------------------------------------
    @classmethod
    def parse(
        cls,
        since: str | None = None,
        *,
        start: Any = None,
        end: Any = None,
        anchor: datetime | str | None = None,
    ) -> TimeRange:
        """Build a range from CLI/notebook parameters.

        Either ``since`` (a relative expression, or an absolute start) or ``start``/``end``. ``end``
        defaults to the anchor. ``start``/``end`` may themselves be relative (``start='7d'``).
        ``anchor`` is ``None``/``"now"`` (the current second) or an aware datetime (e.g. the data's
        end); ``"data-end"`` must be resolved by the caller first.
        """
        anchor_time = resolve_anchor(anchor)
        if since is not None and (start is not None):
            raise InputError("give either since or start/end, not both", where="time range")
        if since is not None:
            return cls.relative(since, anchor=anchor_time)
        if start is None:
            raise InputError("a time range needs since (e.g. 24h) or start", where="time range")
        end_time = anchor_time if end in (None, "", "now") else _resolve_point(end, anchor_time, "end")
        if isinstance(start, str) and is_relative(start) and start.strip().lower() not in ("now",):
            return cls.relative(start, anchor=end_time)
        return cls(_resolve_point(start, anchor_time, "start"), end_time)

    @classmethod
    def relative(cls, expr: str, *, anchor: datetime | None = None) -> TimeRange:
        """``24h`` = from 24 hours before the anchor to the anchor (as the console's "last 24 hours" sends
        ``startTime=now-86400, endTime=now``); ``today`` = anchor's UTC midnight to anchor;
        ``yesterday`` = the whole previous UTC day; an absolute time = from it to the anchor."""
        end = to_utc(anchor, what="anchor") if anchor is not None else utc_now()
        raw = str(expr).strip().lower()
        if raw == "today":
            return cls(end.replace(hour=0, minute=0, second=0), end)
        if raw == "yesterday":
            midnight = end.replace(hour=0, minute=0, second=0)
            return cls(midnight - timedelta(days=1), midnight - ONE_SECOND)
        if raw == "now":
            return cls(end, end)
        if not _DURATION.match(raw):
            return cls(_parse_absolute(str(expr), "since"), end)
        width = parse_duration(raw)
        try:
            if isinstance(width, int):
                return cls(add_months(end, -width), end)
            return cls(end - width, end)
        except (OverflowError, ValueError):  # '20000000h' reaches before year 1 (found by fuzzing)
            raise InputError(f"{expr!r} reaches back before the year 1", where="since") from None

    # -- properties -------------------------------------------------------------------------------
    @property
    def duration(self) -> timedelta:
        """Covered length: ``end - start + 1 s`` (both ends inclusive)."""
        return self.end - self.start + ONE_SECOND

    @property
    def start_epoch(self) -> int:
        return int(self.start.timestamp())

    @property
    def end_epoch(self) -> int:
        return int(self.end.timestamp())

    def __contains__(self, moment: object) -> bool:
        if not isinstance(moment, datetime):
            return False
        if moment.tzinfo is None:
            raise InputError("naive datetime refused", where="time")
        return self.start <= moment < self.end + ONE_SECOND

    def overlaps(self, other: TimeRange) -> bool:
        return self.start <= other.end and other.start <= self.end

    # -- splitting --------------------------------------------------------------------------------
    def chunks(self, width: timedelta | str) -> list[TimeRange]:
        """Consecutive, non-overlapping chunks of ``width`` covering the range exactly (the last may be
        shorter). Month widths follow the calendar."""
        step = parse_duration(width) if isinstance(width, str) else width
        if isinstance(step, timedelta) and step < ONE_SECOND:
            raise InputError("chunk width must be at least one second", where="chunks")
        out: list[TimeRange] = []
        cursor = self.start
        while cursor <= self.end:
            nxt = add_months(cursor, step) if isinstance(step, int) else cursor + step
            out.append(TimeRange(cursor, min(nxt - ONE_SECOND, self.end)))
            cursor = nxt
        return out

    def halves(self) -> tuple[TimeRange, TimeRange]:
        """Two non-overlapping halves, for recursive splitting of a capped query."""
        if self.start == self.end:
            raise InputError("a one-second range cannot be split", where="time range")
        seconds = int(self.duration.total_seconds())
        middle = self.start + timedelta(seconds=seconds // 2)
        return TimeRange(self.start, middle - ONE_SECOND), TimeRange(middle, self.end)

    def iter_seconds(self) -> Iterator[datetime]:  # pragma: no cover - debugging helper
        cursor = self.start
        while cursor <= self.end:
            yield cursor
            cursor += ONE_SECOND

    # -- serialisation ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, str]:
        return {"start": iso(self.start), "end": iso(self.end)}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> TimeRange:
        return cls(data["start"], data["end"])  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{iso(self.start)} .. {iso(self.end)}"


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with a Z, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def resolve_anchor(anchor: datetime | str | None) -> datetime:
    """``None``/``"now"`` -> now; an aware datetime or ISO string -> that time. ``"data-end"`` must be
    resolved by a caller that knows the source (``aiaudit.cli`` and the playbook runner do)."""
    if anchor is None or (isinstance(anchor, str) and anchor.strip().lower() in ("", "now")):
        return utc_now()
    if isinstance(anchor, str) and anchor.strip().lower() == "data-end":
        raise InputError("anchor 'data-end' needs a source to read the data's end from", where="anchor")
    return to_utc(anchor, what="anchor")


def _resolve_point(value: Any, anchor: datetime, what: str) -> datetime:
    if isinstance(value, str) and value.strip().lower() in _RELATIVE_WORDS:
        return TimeRange.relative(value, anchor=anchor).start
    if isinstance(value, str) and _DURATION.match(value.strip().lower()):
        return TimeRange.relative(value, anchor=anchor).start
    return to_utc(value, what=what)


#: A source's data span, or a function that reads it (called at most once, and only when needed).
DataSpan = TimeRange | Callable[[], TimeRange | None] | None


def default_window(
    span: TimeRange | None, lookback: str | timedelta | int, *, now: datetime | None = None
) -> TimeRange:
    """What "no range" means for a query or a projection, on every backend: the ``lookback`` (a duration,
    ``"30d"``, or whole months) ending at the data's newest record ``span.end``; with no data, ending ``now``."""
    end = span.end if span is not None else (to_utc(now, what="now") if now is not None else utc_now())
    width = parse_duration(lookback) if isinstance(lookback, str) else lookback
    start = add_months(end, -width) if isinstance(width, int) else end - width
    return TimeRange(start, end)


def resolve_window(
    data_span: DataSpan,
    *,
    lookback: str | timedelta | int,
    since: str | None = None,
    start: str | None = None,
    end: str | None = None,
    anchor: str | None = "now",
    default_since: str | None = None,
) -> TimeRange:
    """The one place a run's time parameters become a :class:`TimeRange` (CLI, notebooks, playbooks).

    Empty strings mean "not given" (papermill parameters). ``anchor`` is ``now``, ``data-end`` (the data's
    newest record; an error when the source holds nothing) or a time. Without ``since``/``start`` the range
    is ``default_since`` back from the anchor when the caller has a default (a notebook's ``24h``, a
    playbook's ``since``), else :func:`default_window` — the range the source itself uses given none.
    ``data_span`` is the source's span or its ``data_span`` method, read once and only when needed.
    """
    read: list[TimeRange | None] = []

    def span() -> TimeRange | None:
        if not read:
            read.append(data_span() if callable(data_span) else data_span)
        return read[0]

    since, start, end = since or None, start or None, end or None
    if since is None and start is None:
        if not default_since:
            return default_window(span(), lookback)
        since = default_since
    anchor_text = (anchor or "now").strip()
    if anchor_text == "data-end":
        data = span()
        if data is None:
            raise InputError("anchor data-end: the source holds no data (or none was given)", where="anchor")
        anchor_time = data.end
    else:
        anchor_time = resolve_anchor(anchor_text)
    return TimeRange.parse(since if start is None else None, start=start, end=end, anchor=anchor_time)
