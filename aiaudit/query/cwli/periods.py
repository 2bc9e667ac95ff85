"""Time periods (``5m``, ``1h``, ``1mo``) and the functions that round times to them: ``bin``,
``datefloor``, ``dateceil``.

Why a module: AWS caps period values (``ms`` ≤ 1000, ``s`` ≤ 60, ``m`` ≤ 60, ``h`` ≤ 24) and silently
clamps larger ones — ``bin(300s)`` becomes ``bin(60s)`` — so the local engine clamps the same way and
says so in the result's warnings. Alignment: periods up to a day are multiples since the Unix epoch
(``bin(5m)`` starts at :00, :05 …, ``bin(1d)`` at 00:00 UTC); weeks start on Monday 00:00 UTC; months,
quarters and years are calendar months counted from January 1970 (``bin(1q)`` starts in January,
April, July, October). Everything is UTC.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Milliseconds per fixed unit.
UNIT_MS = {"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}
#: Months per calendar unit.
UNIT_MONTHS = {"mo": 1, "q": 3, "y": 12}
#: AWS's caps on period values.
CAPS = {"ms": 1000, "s": 60, "m": 60, "h": 24}
_MONDAY_MS = 4 * 86_400_000  # 1970-01-05, the first Monday after the epoch


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


def period(amount: int | float, unit: str) -> tuple[Period, str | None]:
    """A period and, when AWS would clamp it, the warning to give."""
    whole = int(amount)
    if whole != amount or whole < 1:
        raise ValueError(f"a period needs a whole number of at least 1, not {amount}{unit}")
    cap = CAPS.get(unit)
    if cap is not None and whole > cap:
        return Period(cap, unit), (
            f"period {whole}{unit} is above AWS's cap of {cap}{unit}; Logs Insights uses {cap}{unit}, and so does "
            f"the local engine (write a larger unit, e.g. bin(5m) rather than bin(300s))"
        )
    return Period(whole, unit), None


def floor_sql(ts: str, p: Period) -> str:
    """``ts`` (TIMESTAMPTZ SQL) rounded down to the period."""
    if p.unit in UNIT_MS:
        size = p.amount * UNIT_MS[p.unit]
        origin = _MONDAY_MS if p.unit == "w" else 0
        return f"try(to_timestamp((floor((epoch_ms({ts}) - {origin}) / {size}) * {size} + {origin}) / 1000.0))"
    months = p.amount * UNIT_MONTHS[p.unit]
    index = f"((year(timezone('UTC', {ts})) - 1970) * 12 + month(timezone('UTC', {ts})) - 1)"
    start = f"(floor({index} / {months}) * {months})"
    year, month = f"CAST(1970 + floor({start} / 12) AS BIGINT)", f"CAST({start} % 12 + 1 AS BIGINT)"
    return f"timezone('UTC', make_timestamp({year}, {month}, 1, 0, 0, 0))"


def ceil_sql(ts: str, p: Period) -> str:
    """``ts`` rounded up to the period (a time already on a boundary stays)."""
    down = floor_sql(ts, p)
    if p.unit in UNIT_MS:
        step = f"INTERVAL {p.amount * UNIT_MS[p.unit]} MILLISECOND"
    else:
        step = f"INTERVAL {p.amount * UNIT_MONTHS[p.unit]} MONTH"
    return f"(CASE WHEN {down} = {ts} THEN {down} ELSE {down} + {step} END)"


__all__ = ["CAPS", "Period", "ceil_sql", "floor_sql", "period"]
