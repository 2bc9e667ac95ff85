"""An independent oracle for the differential test: plain json.loads + Python/pandas over raw records.

Shares no code with the engine (nor with the test store helper): it flattens JSON itself, applies SQL's
three-valued logic itself, and joins with dictionaries. Semantics it encodes (the engine must agree):
a field is the flattened JSON leaf's text (numbers and booleans as JSON text; objects as compact JSON);
absent is NULL; comparison with a number parses the text as a number (else NULL); NULL never matches.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pandas as pd

Row = dict[str, str | None]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def fields_of(message: str) -> Row:
    """Every dotted path of a JSON record → its text (leaves and inner objects alike)."""
    out: Row = {}

    def walk(value: Any, path: str) -> None:
        if path:
            out.setdefault(path, _text(value))
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else key)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}.{index}" if path else str(index))

    walk(json.loads(message), "")
    return out


def number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return None if value != value or value in (float("inf"), float("-inf")) else value


# --- predicates: functions row -> True / False / None (SQL three-valued logic) ---------------------
Pred = Callable[[Row], bool | None]


def eq(field: str, value: str) -> Pred:
    return lambda r: None if r.get(field) is None else r[field] == value


def neq(field: str, value: str) -> Pred:
    return lambda r: None if r.get(field) is None else r[field] != value


def isin(field: str, values: list[str]) -> Pred:
    return lambda r: None if r.get(field) is None else r[field] in values


def isnull(field: str, negate: bool = False) -> Pred:
    return lambda r: (r.get(field) is not None) if negate else (r.get(field) is None)


def like(field: str, pattern: str) -> Pred:
    regex = re.compile("".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern), re.S)
    return lambda r: None if r.get(field) is None else regex.fullmatch(r[field]) is not None


def numcmp(field: str, op: str, bound: float) -> Pred:
    ops = {">=": float.__ge__, "<": float.__lt__, "=": float.__eq__, ">": float.__gt__}

    def test(r: Row) -> bool | None:
        value = number(r.get(field))
        return None if value is None else ops[op](value, float(bound))

    return test


def and_(a: Pred, b: Pred) -> Pred:
    def test(r: Row) -> bool | None:
        x, y = a(r), b(r)
        if x is False or y is False:
            return False
        return None if x is None or y is None else True

    return test


def or_(a: Pred, b: Pred) -> Pred:
    def test(r: Row) -> bool | None:
        x, y = a(r), b(r)
        if x is True or y is True:
            return True
        return None if x is None or y is None else False

    return test


def not_(a: Pred) -> Pred:
    def test(r: Row) -> bool | None:
        x = a(r)
        return None if x is None else not x

    return test


# --- queries ----------------------------------------------------------------------------------------
def select(rows: list[Row], fields: list[str], where: Pred | None) -> list[tuple]:
    return [tuple(r.get(f) for f in fields) for r in rows if where is None or where(r) is True]


def group_count(rows: list[Row], key: str, distinct: str | None, where: Pred | None) -> list[tuple]:
    kept = [r for r in rows if where is None or where(r) is True]
    frame = pd.DataFrame({"k": [r.get(key) for r in kept], "d": [r.get(distinct) if distinct else None for r in kept]})
    if frame.empty:
        return []
    out = []
    for k, group in frame.groupby("k", dropna=False):
        k_value = None if (isinstance(k, float) and k != k) else k
        row: tuple = (k_value, len(group))
        if distinct:
            row += (group["d"].dropna().nunique(),)
        out.append(row)
    return out


def join(
    left: list[Row], right: list[Row], lkey: str, rkey: str, lfield: str, rfield: str, outer: bool, where: Pred | None
) -> list[tuple]:
    index: dict[str, list[Row]] = {}
    for r in right:
        if r.get(rkey) is not None:
            index.setdefault(r[rkey], []).append(r)
    out = []
    for l_row in left:
        if where is not None and where(l_row) is not True:
            continue
        matches = index.get(l_row.get(lkey), []) if l_row.get(lkey) is not None else []
        if matches:
            out.extend((l_row.get(lfield), m.get(rfield)) for m in matches)
        elif outer:
            out.append((l_row.get(lfield), None))
    return out
