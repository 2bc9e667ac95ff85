"""Read a dotted Logs Insights field name (``resources.0.ARN``) out of a parsed JSON record.

Why not a plain ``split('.')``: OpenTelemetry records keep dotted attribute names as literal map keys
(``attributes: {"aws.request.id": ...}``) and Logs Insights shows them as ``attributes.aws.request.id``;
CloudTrail nests real objects. :func:`dig` walks objects segment by segment and, where a segment is not a
key, tries the longest dotted run of the remaining segments as one literal key — so one field name reads
both shapes, the same way on the local store and on ``@message`` strings from AWS.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=4096)
def split_path(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


@lru_cache(maxsize=4096)
def _plan(path: str) -> tuple[tuple[str, ...], tuple[tuple[tuple[int, str], ...], ...]]:
    """The path's segments and, per position, the literal dotted keys to try (longest first)."""
    parts = split_path(path)
    n = len(parts)
    joined = tuple(tuple((j, ".".join(parts[i:j])) for j in range(n, i + 1, -1)) for i in range(n))
    return parts, joined


_PLANS: dict[str, Any] = {}
_MISSING = object()


def dig(obj: Any, path: str) -> Any:
    """The value at a dotted field name, or None when any step is missing."""
    plan = _PLANS.get(path)
    if plan is None:
        plan = _PLANS[path] = _plan(path)
    parts, joined = plan
    i, n = 0, len(parts)
    while i < n and type(obj) is dict:  # fast path: plain nested objects
        value = obj.get(parts[i], _MISSING)
        if value is _MISSING:
            break
        obj = value
        i += 1
    if i == n:
        return obj
    return _dig(obj, parts, joined, i) if type(obj) in (dict, list) else None


def _dig(obj: Any, parts: tuple[str, ...], joined: tuple[tuple[tuple[int, str], ...], ...], i: int) -> Any:
    n = len(parts)
    while i < n:
        if isinstance(obj, dict):
            part = parts[i]
            if part in obj:
                obj = obj[part]
                i += 1
                continue
            for j, key in joined[i]:  # longest literal dotted key first
                if key in obj:
                    return _dig(obj[key], parts, joined, j)
            return None
        if isinstance(obj, list):
            part = parts[i]
            if part.isdigit() and int(part) < len(obj):
                obj = obj[int(part)]
                i += 1
                continue
            return None
        return None
    return obj


def text(value: Any) -> str | None:
    """A scalar as the text Logs Insights shows (numbers and booleans as JSON text); objects → None."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return str(value)


#: The range of the ``Int64`` columns counts and nanosecond times land in: a wider integer is malformed.
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def as_int(value: Any) -> int | None:
    """An integer from a JSON number or numeric text; anything else → None (never raises).

    Infinity, NaN and integers wider than 64 bits (attacker-written or broken records) are missing, not
    an ``OverflowError`` that would take the whole projection down.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if _INT64_MIN <= value <= _INT64_MAX else None
    if isinstance(value, float):
        return as_int(int(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        s = value.strip()
        try:
            return as_int(int(s))
        except ValueError:
            try:
                f = float(s)
            except ValueError:
                return None
            return as_int(int(f)) if math.isfinite(f) else None
    return None


def as_float(value: Any) -> float | None:
    """A finite float from a JSON number or numeric text; Infinity, NaN and numbers beyond a float → None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if isinstance(value, (int, float)):
            f = float(value)
        elif isinstance(value, str):
            f = float(value.strip())
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low == "true":
            return True
        if low == "false":
            return False
    return None


def str_list(value: Any) -> list[str] | None:
    """A JSON list of scalars as a list of strings; a lone scalar becomes a one-item list."""
    if value is None:
        return None
    if isinstance(value, list):
        out = []
        for v in value:
            if type(v) is str:
                out.append(v)
            else:
                t = text(v)
                if t is not None:
                    out.append(t)
        return out
    t = text(value)
    return [t] if t is not None else None
