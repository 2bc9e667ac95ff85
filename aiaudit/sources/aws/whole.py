"""``@message`` values that GetQueryResults cut short, fetched whole with GetLogRecord via ``@ptr``.

Why: GetQueryResults is reported to cut long field values (``@message`` near 1,000 characters), and
invocation logs and many CloudTrail events are longer. A cut record parsed as if whole would lose the
prompt, the response, the principal. A message is taken as cut when it starts like JSON and is not
valid JSON (a whole record always parses), or when its length equals ``message_cut_at``. Each is fetched
again by its ``@ptr``, at most ``record_fetch_max`` per query and ``record_fetch_rate`` per second;
whatever cannot be fetched (no ``@ptr`` selected, over the budget, GetLogRecord failing) is named in the
warnings and leaves the result incomplete, never passed off as whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

#: A whole JSON record is at least this long before a cut can land inside it unnoticed by the closer check.
_PARSE_FROM = 64


def looks_cut(message: str, cut_at: int = 0) -> bool:
    """True for a ``@message`` that is not whole: JSON that does not parse, or a length at the cut."""
    if cut_at and len(message) == cut_at:
        return True
    text = message.strip()
    opener = text[:1]
    if opener not in ("{", "["):
        return False
    if text[-1:] != ("}" if opener == "{" else "]"):
        return True
    if len(text) < _PARSE_FROM:
        return False
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return True
    return False


@dataclass
class Refetch:
    """What one pass did: counts for the stats, sentences for the warnings."""

    cut: int = 0
    fetched: int = 0
    missing: int = 0  # cut and not fetched (no @ptr, over the budget, GetLogRecord failed)
    warnings: list[str] = field(default_factory=list)


class Budget:
    """At most ``limit`` fetches, spaced ``1 / rate`` seconds apart (GetLogRecord has its own quota)."""

    def __init__(self, limit: int, rate: float, sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
        self.left = limit
        self.gap = 1.0 / rate if rate > 0 else 0.0
        self.sleep, self.clock = sleep, clock
        self.last: float | None = None

    def take(self) -> bool:
        if self.left <= 0:
            return False
        if self.last is not None:
            wait = self.last + self.gap - self.clock()
            if wait > 0:
                self.sleep(wait)
        self.last = self.clock()
        self.left -= 1
        return True


def refetch_cut_messages(
    frame: pd.DataFrame, fetch: Callable[[str], str], budget: Budget, *, cut_at: int = 0, where: str = ""
) -> Refetch:
    """Replace cut ``@message`` values of ``frame`` in place with GetLogRecord's; ``fetch(ptr)`` returns the
    whole message (and raises an ``AiauditError`` when it cannot)."""
    out = Refetch()
    if "@message" not in frame.columns or not len(frame):
        return out
    messages = frame["@message"]
    cut_rows = [i for i, m in enumerate(messages) if isinstance(m, str) and looks_cut(m, cut_at)]
    out.cut = len(cut_rows)
    if not cut_rows:
        return out
    prefix = f"{where}: " if where else ""
    if "@ptr" not in frame.columns:
        out.missing = out.cut
        out.warnings.append(
            f"{prefix}{out.cut} @message value(s) look cut by GetQueryResults and no @ptr was selected to fetch"
            " them whole: select `@ptr` too"
        )
        return out
    column = frame.columns.get_loc("@message")
    failures: list[str] = []
    for row in cut_rows:
        ptr = frame.iat[row, frame.columns.get_loc("@ptr")]
        if not isinstance(ptr, str) or not ptr:
            out.missing += 1
            continue
        if not budget.take():
            out.missing += 1
            continue
        try:
            frame.iat[row, column] = fetch(ptr)
            out.fetched += 1
        except Exception as exc:  # an AiauditError from the client: counted and named, the rest go on
            out.missing += 1
            if len(failures) < 3:
                failures.append(str(exc))
    if out.fetched:
        out.warnings.append(
            f"{prefix}{out.fetched} @message value(s) were cut by GetQueryResults and fetched whole with GetLogRecord"
        )
    if out.missing:
        detail = f" ({'; '.join(failures)})" if failures else ""
        out.warnings.append(
            f"{prefix}{out.missing} @message value(s) are cut and could not be fetched whole (no @ptr, over the"
            f" budget of GetLogRecord calls, or the call failed){detail}: the result is incomplete"
        )
    return out
