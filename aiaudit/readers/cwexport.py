"""CloudWatch Logs export-task text: ``<ISO timestamp> <message>`` per event.

Why its own module: this is the one format where the time comes from outside the record (the log
event's timestamp, which is what Logs Insights shows as ``@timestamp``), and where a message may run
over several lines (stdout tracebacks in runtime logs): a line that does not start with a timestamp
continues the message before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from aiaudit.readers.timeparse import parse_time_text


def is_export_line(line: str) -> bool:
    """``2024-01-01T00:00:00.000Z {...}``: an ISO timestamp in UTC, one space, a message."""
    if len(line) < 21 or line[4] != "-" or line[10] != "T" or not line[:4].isdigit():
        return False
    space = line.find(" ", 19, 40)
    return space > 0 and line[space - 1] == "Z"


@dataclass
class ExportEvent:
    line: int  # 1-based line where the event starts
    timestamp_ms: int | None
    message: str


def iter_events(lines: list[str]) -> Iterator[ExportEvent | tuple[int, str]]:
    """Export events, or ``(line, text)`` for text before the first timestamp (not an event)."""
    current: ExportEvent | None = None
    extra: list[str] = []
    for number, line in enumerate(lines, 1):
        if line.endswith("\r"):
            line = line[:-1]
        if is_export_line(line):
            if current is not None:
                yield _finish(current, extra)
                extra = []
            stamp, _, message = line.partition(" ")
            current = ExportEvent(number, parse_time_text(stamp), message)
        elif current is not None:
            extra.append(line)
        elif line.strip():
            yield (number, line)
    if current is not None:
        yield _finish(current, extra)


def _finish(event: ExportEvent, extra: list[str]) -> ExportEvent:
    while extra and not extra[-1].strip():
        extra.pop()  # blank lines after a message separate events; they are not part of it
    if extra:
        event.message = "\n".join([event.message, *extra])
    return event
