"""Move a record's own times by a fixed offset, keeping each value's written form.

Why inside the record and not only the log event's timestamp: queries, joins and detections read the
record's fields (CloudTrail ``eventTime``, the invocation ``timestamp``, span start and end nanos), not
only ``@timestamp``. ``aiaudit push --shift-to-now`` moves every pipeline by the same whole-second
offset, so a trace still lines up with its invocation and its CloudTrail event, and every gap between
records is kept. Values keep their form: ``2026-11-20T10:00:00Z`` stays second-precision with ``Z``,
``...00.123+01:00`` keeps three decimals and its offset, nanos stay an integer or a decimal string as
OTLP/JSON writes them, and ``0`` ("unknown" in OTel) stays 0.

What moves, per pipeline (anything else is left as written):

- cloudtrail: ``eventTime``, ``userIdentity.sessionContext.attributes.creationDate``
- invocations: ``timestamp``
- spans: ``startTimeUnixNano``, ``endTimeUnixNano``, ``events[].timeUnixNano``
- runtime_logs: ``timeUnixNano``, ``observedTimeUnixNano`` (stdout text lines are sent as written)
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from aiaudit.readers.jsontext import compact

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$")

#: pipeline -> (ISO text paths, nanosecond paths); a path step "*" walks a list.
FIELDS: dict[str, tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]] = {
    "cloudtrail": ((("eventTime",), ("userIdentity", "sessionContext", "attributes", "creationDate")), ()),
    "invocations": ((("timestamp",),), ()),
    "spans": ((), (("startTimeUnixNano",), ("endTimeUnixNano",), ("events", "*", "timeUnixNano"))),
    "runtime_logs": ((), (("timeUnixNano",), ("observedTimeUnixNano",))),
}


def shift_message(pipeline: str, message: str, delta_ms: int) -> str:
    """``message`` (a record's JSON text, as the store keeps it) with its times moved by ``delta_ms``.
    Text that is not a JSON object (runtime stdout) comes back unchanged."""
    if not delta_ms or not message.startswith("{"):
        return message
    try:
        record = json.loads(message)
    except ValueError:
        return message
    if not isinstance(record, dict):
        return message
    shift_record(pipeline, record, delta_ms)
    return compact(record)


def shift_record(pipeline: str, record: dict[str, Any], delta_ms: int) -> dict[str, Any]:
    """Move the time fields of ``record`` (in place) by ``delta_ms``; returns ``record``."""
    texts, nanos = FIELDS.get(pipeline, ((), ()))
    for path in texts:
        _apply(record, path, lambda v: shift_iso(v, delta_ms) if isinstance(v, str) else v)
    for path in nanos:
        _apply(record, path, lambda v: shift_nanos(v, delta_ms))
    return record


def shift_iso(text: str, delta_ms: int) -> str:
    """An ISO 8601 time moved by ``delta_ms``, in its own form (digits of the fraction, zone suffix).
    Text that is not such a time is returned as is."""
    match = _ISO.match(text)
    if match is None:
        return text
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        tz = _zone(zone)
        base = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=tz)
    except ValueError:
        return text
    digits = len(fraction) if fraction else 0
    frac_ns = int(fraction.ljust(9, "0")) if fraction else 0
    total_ns = frac_ns + delta_ms * 1_000_000
    moved = base + timedelta(seconds=total_ns // 1_000_000_000)
    rest_ns = total_ns % 1_000_000_000
    out = moved.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        out += "." + f"{rest_ns:09d}"[:digits]
    return out + (zone or "")


def shift_nanos(value: Any, delta_ms: int) -> Any:
    """An OTel ``*UnixNano`` value moved by ``delta_ms``: an int stays an int, a decimal string a string;
    0 (unknown) and anything else are returned as they are."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value > 0:
        return value + delta_ms * 1_000_000
    if isinstance(value, str) and value.isascii() and value.isdigit() and int(value) > 0:
        return str(int(value) + delta_ms * 1_000_000)
    return value


def _zone(zone: str | None) -> timezone:
    if not zone or zone == "Z":
        return UTC
    sign = -1 if zone[0] == "-" else 1
    hours, minutes = int(zone[1:3]), int(zone[-2:])
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _apply(node: Any, path: tuple[str, ...], change: Any) -> None:
    if not path:
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(node, list):
            for item in node:
                _apply(item, rest, change)
        return
    if not isinstance(node, dict) or head not in node:
        return
    if rest:
        _apply(node[head], rest, change)
    else:
        node[head] = change(node[head])
