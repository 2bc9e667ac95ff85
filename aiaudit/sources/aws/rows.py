"""GetQueryResults rows → a typed DataFrame, and back (the emulator writes rows the same way).

Why deliberate typing: every value arrives as a string. awswrangler strips the ``@`` from names and
parses ``@timestamp`` without a time zone; we keep the names exactly and type the way the local engine
does — ``@timestamp``/``@ingestionTime`` as tz-aware UTC, fields the store types numerically (hot
columns, ``store/schema.py``) as ``Int64``, and computed columns (``count(*)``, aliases) as numbers only
when every value is a plain number, and as UTC times when every value is printed as one (``bin(1h)``,
``max(@timestamp)``). Long digit strings (12-digit account ids, nanosecond epochs in
fields the store keeps as text) stay strings unless the schema says otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from aiaudit.store.schema import HOT_COLUMNS

TIME_FIELDS = ("@timestamp", "@ingestionTime")
_INT = re.compile(r"^-?(0|[1-9]\d{0,10})$")  # at most 11 digits: a count, never an account id
_FLOAT = re.compile(r"^-?(0|[1-9]\d*)\.\d+([eE][-+]?\d+)?$|^-?\d(\.\d+)?[eE][-+]?\d+$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$")  # how AWS prints a time


def _schema_types() -> dict[str, str]:

    out: dict[str, str] = {}
    for columns in HOT_COLUMNS.values():
        for name, kind in columns:
            out.setdefault(name, kind)
    return out


def rows_to_records(results: Iterable[Sequence[Mapping[str, str]]]) -> list[dict[str, str]]:
    """``[[{field, value}, ...], ...]`` → ``[{field: value}, ...]`` (a missing value stays missing)."""
    return [{cell["field"]: cell.get("value") for cell in row if "field" in cell} for row in results]  # type: ignore[misc]


def to_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Typed frame; column order is the order fields first appear."""
    columns: dict[str, None] = {}
    for record in records:
        for key in record:
            columns.setdefault(key, None)
    frame = pd.DataFrame.from_records(records, columns=list(columns)) if records else pd.DataFrame()
    return type_frame(frame)


def type_frame(frame: pd.DataFrame) -> pd.DataFrame:
    schema = _schema_types()
    for column in frame.columns:
        values = frame[column]
        if column in TIME_FIELDS:
            frame[column] = parse_times(values)
        elif schema.get(column) in ("BIGINT", "INTEGER"):
            frame[column] = pd.to_numeric(values, errors="coerce").astype("Int64")
        elif schema.get(column) == "VARCHAR" or str(column).startswith("@"):
            frame[column] = values.astype("string")
        else:
            present = values.dropna().astype(str)
            if len(present) and present.map(lambda v: bool(_TIME.match(v))).all():
                frame[column] = parse_times(values)  # computed times: bin(1h), max(@timestamp), fromMillis(...)
            elif len(present) and present.map(lambda v: bool(_INT.match(v))).all():
                frame[column] = pd.to_numeric(values).astype("Int64")
            elif len(present) and present.map(lambda v: bool(_INT.match(v) or _FLOAT.match(v))).all():
                frame[column] = pd.to_numeric(values).astype("Float64")
            else:
                frame[column] = values.astype("string")
    return frame


def parse_times(values: pd.Series) -> pd.Series:
    """``YYYY-MM-DD HH:MM:SS.mmm`` (AWS) → tz-aware UTC; epoch milliseconds (moto) accepted too."""
    text = values.astype("string")
    if len(text.dropna()) and text.dropna().str.fullmatch(r"\d{12,}").all():
        return pd.to_datetime(pd.to_numeric(text), unit="ms", utc=True)
    return pd.to_datetime(text, format="ISO8601", utc=True)


def format_time(moment: Any) -> str:
    """The inverse of :func:`parse_times`: ``2026-11-20 10:00:00.123`` (UTC, milliseconds)."""
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)
    return stamp.strftime("%Y-%m-%d %H:%M:%S.") + f"{stamp.microsecond // 1000:03d}"


def format_value(value: Any) -> str | None:
    """A frame cell as Logs Insights prints it (None for a missing value)."""
    if value is None or (not isinstance(value, list | dict | tuple) and pd.isna(value)):
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return format_time(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, default=str, separators=(",", ":"))
    return str(value)


def retype(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame computed locally, typed exactly as the same values arriving in GetQueryResults rows would be
    (columns and their order kept): the local engine's classic-QL results match the AWS backend's."""
    printed = pd.DataFrame({name: frame[name].map(format_value) for name in frame.columns}, index=frame.index)
    return type_frame(printed.astype(object).where(printed.notna(), None))


def frame_to_rows(frame: pd.DataFrame) -> list[list[dict[str, str]]]:
    """A frame as GetQueryResults ``results`` (missing values left out of the row, as AWS does)."""
    out: list[list[dict[str, str]]] = []
    columns = list(frame.columns)
    for values in frame.itertuples(index=False, name=None):
        row = []
        for name, value in zip(columns, values):
            text = format_value(value)
            if text is not None:
                row.append({"field": str(name), "value": text})
        out.append(row)
    return out
