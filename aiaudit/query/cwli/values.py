"""Typed values of classic queries as DuckDB SQL: AWS's dynamic typing, written down once.

Why a module of its own: Logs Insights types values by use, not by declaration. A field holds the JSON
scalar's text; compared with a number it compares numerically; in arithmetic a boolean is 1 or 0
(``strcontains(...) * 0.000003``); ``@timestamp`` is milliseconds since the epoch in arithmetic and a time
elsewhere; an absent field is null, and a comparison with null is not true. Each compiled expression is a
:class:`Val` carrying its SQL and its kind; the coercions below are the only place a kind changes.

Kinds: ``int`` and ``num`` (numbers; arithmetic is in DOUBLE), ``text``, ``timetext`` (a text field that
holds ISO times, ``eventTime``), ``time`` (TIMESTAMPTZ), ``bool``, ``json`` (a map or list from
``jsonParse``/``unnest``, DuckDB JSON), ``null``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiaudit.query.quoting import sql_identifier, sql_literal

NUMERIC = ("int", "num")
TEXTUAL = ("text", "timetext", "json")
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)?$")
_NO_LITERAL = object()


@dataclass(frozen=True)
class Val:
    """A compiled expression: DuckDB SQL, its kind, and the Python value when it is a literal."""

    sql: str
    kind: str
    literal: Any = _NO_LITERAL

    @property
    def is_literal(self) -> bool:
        return self.literal is not _NO_LITERAL


NULL = Val("NULL", "null", None)


def ident(name: str) -> str:
    return sql_identifier(name)


def text_literal(text: str) -> Val:
    return Val(sql_literal(text), "text", text)


def number_literal(value: int | float) -> Val:
    if isinstance(value, int) and not isinstance(value, bool):
        return Val(str(value), "int", value)
    return Val(f"CAST({value!r} AS DOUBLE)", "num", float(value))


def bool_literal(value: bool) -> Val:
    return Val("TRUE" if value else "FALSE", "bool", value)


# --- coercions ------------------------------------------------------------------------------------
def as_num(v: Val) -> Val:
    """A number (DOUBLE): booleans are 1/0, times are epoch milliseconds, text is parsed (else null)."""
    if v.kind == "null":
        return Val("CAST(NULL AS DOUBLE)", "num", None)
    if v.kind in NUMERIC:
        return Val(f"CAST({v.sql} AS DOUBLE)", "num", v.literal) if v.kind == "int" else v
    if v.kind == "bool":
        return Val(f"CAST(CAST({v.sql} AS INTEGER) AS DOUBLE)", "num")
    if v.kind == "time":
        return Val(f"CAST(epoch_ms({v.sql}) AS DOUBLE)", "num")
    return Val(f"TRY_CAST(trim({as_text(v).sql}) AS DOUBLE)", "num")


def as_text(v: Val) -> Val:
    """Text as Logs Insights prints the value: whole numbers without ``.0``, times as
    ``YYYY-MM-DD HH:MM:SS.mmm`` UTC, booleans as 1/0, maps and lists as JSON."""
    if v.kind in ("text", "timetext"):
        return v
    if v.kind == "null":
        return Val("CAST(NULL AS VARCHAR)", "text", None)
    if v.kind == "int":
        return Val(f"CAST({v.sql} AS VARCHAR)", "text")
    if v.kind == "num":
        x = v.sql
        return Val(
            f"(CASE WHEN {x} = floor({x}) AND abs({x}) < 1e15 THEN CAST(CAST({x} AS BIGINT) AS VARCHAR) "
            f"ELSE CAST({x} AS VARCHAR) END)",
            "text",
        )
    if v.kind == "bool":
        return Val(f"(CASE WHEN {v.sql} THEN '1' WHEN NOT {v.sql} THEN '0' END)", "text")
    if v.kind == "time":
        return Val(f"strftime(timezone('UTC', {v.sql}), '%Y-%m-%d %H:%M:%S.%g')", "text")
    if v.kind == "json":
        return Val(f"json_extract_string({v.sql}, '$')", "text")
    raise AssertionError(v.kind)  # pragma: no cover


def as_bool(v: Val) -> Val:
    """Truth: booleans as they are, numbers when not 0, ``true``/``false`` text, present times."""
    if v.kind == "bool":
        return v
    if v.kind == "null":
        return Val("CAST(NULL AS BOOLEAN)", "bool", None)
    if v.kind in NUMERIC:
        return Val(f"({v.sql} <> 0)", "bool")
    if v.kind == "time":
        return Val(f"({v.sql} IS NOT NULL)", "bool")
    t = as_text(v).sql
    return Val(
        f"(CASE lower({t}) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE ELSE TRY_CAST({t} AS DOUBLE) <> 0 END)",
        "bool",
    )


def as_time(v: Val) -> Val:
    """A time: numbers are epoch milliseconds, text is read as an ISO time (else null; a number outside
    the timestamps' range is null too, never a failed query)."""
    if v.kind == "time":
        return v
    if v.kind == "null":
        return Val("CAST(NULL AS TIMESTAMPTZ)", "time", None)
    if v.kind in NUMERIC:
        return Val(f"try(to_timestamp({as_num(v).sql} / 1000.0))", "time")
    return Val(f"TRY_CAST({as_text(v).sql} AS TIMESTAMPTZ)", "time")


def as_output(v: Val) -> Val:
    """How a value is stored in a result column: booleans become 1/0 (AWS prints them so), maps and
    lists stay JSON for later path access and print as JSON text."""
    if v.kind == "bool":
        return Val(f"CAST({v.sql} AS INTEGER)", "int")
    return v


def as_result(v: Val) -> str:
    """SQL of a value in the final result (JSON as text)."""
    if v.kind == "json":
        return as_text(v).sql
    return as_output(v).sql


# --- comparisons ----------------------------------------------------------------------------------
_SQL_OP = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _timeish(v: Val) -> bool:
    return v.kind in ("time", "timetext") or (v.kind == "text" and v.is_literal and bool(ISO_TIME.match(v.literal)))


def compare(op: str, a: Val, b: Val) -> Val:
    """``a op b`` as AWS compares: numerically when either side is a number (or a boolean), as times when
    a time meets a time or an ISO time, else as text; null on either side is never true."""
    sql_op = _SQL_OP[op]
    if a.kind == "null" or b.kind == "null":
        return Val("CAST(NULL AS BOOLEAN)", "bool")
    for x, y in ((a, b), (b, a)):
        if y.kind == "bool" and y.is_literal and x.kind in TEXTUAL and op in ("=", "!="):
            left, right = (f"lower({as_text(x).sql})", f"'{str(y.literal).lower()}'")
            if x is b:
                left, right = right, left
            return Val(f"({left} {sql_op} {right})", "bool")
    if a.kind in NUMERIC or b.kind in NUMERIC or a.kind == "bool" or b.kind == "bool":
        return Val(f"({as_num(a).sql} {sql_op} {as_num(b).sql})", "bool")
    if "time" in (a.kind, b.kind) or (a.kind == "timetext" and _timeish(b)) or (b.kind == "timetext" and _timeish(a)):
        return Val(f"({as_time(a).sql} {sql_op} {as_time(b).sql})", "bool")
    return Val(f"({as_text(a).sql} {sql_op} {as_text(b).sql})", "bool")


def membership(subject: Val, items: list[Val], negated: bool) -> Val:
    """``in [..]``: whole-value matches — numerically when every listed value is a number, else as text
    (``1`` in a mixed list matches the text ``"1"``)."""
    if not items:
        return Val("TRUE" if negated else "FALSE", "bool")
    if all(item.kind in NUMERIC for item in items):
        left, right = as_num(subject).sql, [as_num(item).sql for item in items]
    else:
        left, right = as_text(subject).sql, [as_text(item).sql for item in items]
    test = f"{left} IN ({', '.join(right)})"
    return Val(f"(NOT ({test}))" if negated else f"({test})", "bool")


# --- AWS's sort order -----------------------------------------------------------------------------
_NUMERIC_TEXT = r"'-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?'"


def natural_parts(v: Val) -> list[str]:
    """Sort keys that order values as AWS's modified natural sort (ascending): every non-numeric value
    before every purely numeric one; numbers by value; other text in runs of digits and non-digits,
    non-digit runs by code point, digit runs by length then value (``reference/logs_insights.md`` §1.4).

    A digit run is written ``'0' + its length (5 digits) + the digits``, so one byte-wise comparison of
    the rewritten text compares runs the way AWS does (no text character but a digit sorts like ``0``).
    """
    if v.kind in NUMERIC:
        return [v.sql]
    if v.kind == "time":
        return [v.sql]
    if v.kind == "bool":
        return [f"CAST({v.sql} AS INTEGER)"]
    t = as_text(v).sql
    is_number = f"regexp_full_match({t}, {_NUMERIC_TEXT})"
    return [
        is_number,
        f"(CASE WHEN {is_number} THEN TRY_CAST({t} AS DOUBLE) END)",
        f"(CASE WHEN {is_number} THEN '' ELSE array_to_string(list_transform(regexp_extract_all({t}, "
        "'[0-9]+|[^0-9]+'), lambda c: CASE WHEN regexp_full_match(c, '[0-9]+') THEN '0' || "
        "lpad(CAST(length(c) AS VARCHAR), 5, '0') || c ELSE c END), '') END)",
    ]


_NUMERIC_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_RUNS = re.compile(r"[0-9]+|[^0-9]+")


def natural_sort_key(text: str) -> tuple[bool, float, str]:
    """The same order as :func:`natural_parts`, for values already out of DuckDB (the AWS backend
    re-orders rows merged from time chunks with it). Tested against the SQL on AWS's documented
    example and on random text."""
    if _NUMERIC_RE.fullmatch(text):
        return True, float(text), ""
    runs = ("0" + f"{len(run):05d}" + run if run[0] in "0123456789" else run for run in _RUNS.findall(text))
    return False, 0.0, "".join(runs)


def natural_key(v: Val) -> str:
    """One comparable value (a STRUCT) in AWS's sort order, for ``arg_min``/``arg_max``."""
    parts = natural_parts(v)
    if len(parts) == 1:
        return parts[0]
    return "{'n': " + parts[0] + ", 'v': coalesce(" + parts[1] + ", 0), 'k': " + parts[2] + "}"


__all__ = [
    "NULL", "NUMERIC", "TEXTUAL", "Val", "as_bool", "as_num", "as_output", "as_result", "as_text", "as_time",
    "bool_literal", "compare", "ident", "membership", "natural_key", "natural_parts", "natural_sort_key",
    "number_literal", "text_literal",
]  # fmt: skip
