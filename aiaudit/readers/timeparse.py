"""Event times of the four pipelines, as epoch milliseconds (UTC).

Why hand-rolled: real CloudTrail ``eventTime`` comes in several shapes (``...Z``, space-separated,
nanosecond fractions, basic-format ``20200101T000000Z``) and ``datetime.fromisoformat`` truncates or
rejects some of them; the dominant ``YYYY-MM-DDTHH:MM:SSZ`` shape takes a fast path without building a
``datetime``. Fractions are truncated to milliseconds (never rounded up into the next second). Anything
that is not a time (``"redacted"``, ``"..."``) gives ``None`` and the caller flags the record instead
of dropping it. Nanosecond fields stay exact Python ints; only the millisecond view is derived.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_DAYS = 719163  # date(1970, 1, 1).toordinal()
_DAYS_BEFORE_MONTH = (0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _epoch_ms(year: int, month: int, day: int, hour: int, minute: int, second: int, ms: int) -> int | None:
    if not (1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month] and hour < 24 and minute < 60 and second < 61):
        return None
    if month == 2 and day == 29 and not _is_leap(year):
        return None
    y = year - 1
    days = y * 365 + y // 4 - y // 100 + y // 400 + _DAYS_BEFORE_MONTH[month] + day
    if month > 2 and _is_leap(year):
        days += 1
    days -= _EPOCH_DAYS
    return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms


def _tz_offset_ms(tz: str) -> int | None:
    """``Z``, ``''`` (taken as UTC), ``+HH:MM``, ``+HHMM``, ``+HH`` → offset in ms; None if not an offset."""
    if tz in ("", "Z", "z"):
        return 0
    if tz[0] not in "+-":
        return None
    body = tz[1:].replace(":", "")
    if not (body.isascii() and body.isdigit() and len(body) in (2, 4)):
        return None
    minutes = int(body[:2]) * 60 + (int(body[2:]) if len(body) == 4 else 0)
    return (-1 if tz[0] == "-" else 1) * minutes * 60_000


def _split_fraction(rest: str) -> tuple[int, str] | None:
    """``.123456789+02:00`` → (123, '+02:00'); ``Z`` → (0, 'Z')."""
    ms = 0
    if rest[:1] in (".", ","):
        end = 1
        while end < len(rest) and rest[end].isascii() and rest[end].isdigit():
            end += 1
        digits = rest[1:end]
        if not digits:
            return None
        ms = int((digits + "00")[:3])
        rest = rest[end:]
    return ms, rest.strip()


def parse_time_text(value: str) -> int | None:
    """An ISO-8601-like text time → epoch ms, or None. Naive times are UTC (as CloudTrail writes them)."""
    s = value.strip()
    n = len(s)
    if n >= 19 and s[4] == "-" and s[7] == "-" and s[10] in "Tt " and s[13] == ":" and s[16] == ":":
        digits = s[0:4] + s[5:7] + s[8:10] + s[11:13] + s[14:16] + s[17:19]
        rest = s[19:]
    elif n >= 15 and s[8] in "Tt":  # basic format: 20131102T010628Z
        digits = s[0:8] + s[9:15]
        rest = s[15:]
    else:
        return None
    if not (digits.isascii() and digits.isdigit()):
        return None
    split = _split_fraction(rest)
    if split is None:
        return None
    ms, tz = split
    offset = _tz_offset_ms(tz)
    if offset is None:
        return None
    base = _epoch_ms(
        int(digits[0:4]),
        int(digits[4:6]),
        int(digits[6:8]),
        int(digits[8:10]),
        int(digits[10:12]),
        int(digits[12:14]),
        ms,
    )
    return None if base is None else base - offset


def epoch_number_to_ms(value: float) -> int | None:
    """A bare epoch number in s, ms, µs or ns (told apart by magnitude) → ms."""
    if value != value or value in (float("inf"), float("-inf")) or value < 0:
        return None
    if value >= 1e17:
        return int(value) // 1_000_000
    if value >= 1e14:
        return int(value) // 1_000
    if value >= 1e11:
        return int(value)
    return int(value * 1000)


def parse_time_value(value: Any) -> int | None:
    """Text or numeric time → epoch ms, or None. Booleans are not times."""
    if isinstance(value, str):
        ms = parse_time_text(value)
        if ms is None and value.strip().isdigit():
            return epoch_number_to_ms(int(value.strip()))
        return ms
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return epoch_number_to_ms(value)
    return None


def parse_event_time(value: Any) -> int | None:
    """CloudTrail ``eventTime`` (also invocation-log ``timestamp``) → epoch ms, or None for junk."""
    return parse_time_value(value)


def parse_nanos(value: Any) -> int | None:
    """An OTel ``*UnixNano`` field (int, or a decimal string as OTLP/JSON writes uint64) → exact int ns.

    ``0`` means "unknown" in OTel, so it gives None.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        n = int(value)
        return n if n > 0 else None
    if isinstance(value, float) and value > 0 and value == value and value != float("inf"):
        return int(value)
    return None


#: Per pipeline: the fields that carry the event time, in order of preference, and whether they are ns.
TIME_FIELDS: dict[str, tuple[tuple[str, bool], ...]] = {
    "cloudtrail": (("eventTime", False),),
    "invocations": (("timestamp", False),),
    "spans": (("startTimeUnixNano", True), ("endTimeUnixNano", True), ("timeUnixNano", True)),
    "runtime_logs": (("timeUnixNano", True), ("observedTimeUnixNano", True)),
}


def record_time(
    pipeline: str, data: dict[str, Any], cache: dict[Any, int | None] | None = None
) -> tuple[int | None, str | None]:
    """(epoch ms, None) for a record, or (None, flag) saying why it has no usable time.

    ``cache`` memoises text times within one file: busy CloudTrail files repeat the same second often.
    """
    fields = TIME_FIELDS[pipeline]
    first_bad: tuple[str, Any] | None = None
    for name, is_nanos in fields:
        if name not in data:
            continue
        raw = data[name]
        if is_nanos:
            ns = parse_nanos(raw)
            if ns is not None:
                return ns // 1_000_000, None
        else:
            if cache is not None and isinstance(raw, str):
                if raw in cache:
                    ms = cache[raw]
                else:
                    ms = cache[raw] = parse_time_value(raw)
            else:
                ms = parse_time_value(raw)
            if ms is not None:
                return ms, None
        if first_bad is None:
            first_bad = (name, raw)
    if first_bad is None:
        return None, f"missing {fields[0][0]}"
    name, raw = first_bad
    return None, f"unparseable {name}: {_short_repr(raw)}"


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def ms_to_iso(ms: int) -> str:
    """Epoch ms → ``YYYY-MM-DDTHH:MM:SS.fffZ`` (for reports)."""
    moment = _EPOCH + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
