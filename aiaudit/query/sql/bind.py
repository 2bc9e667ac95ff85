"""The one ``:name`` binder of Logs Insights SQL: the catalogue's dry runs, the local engine and the AWS
backend all find, check and place parameters here.

Why one module: two binders disagreed (``IN (:r)`` became ``IN ('eu', 'us')`` in a dry run and
``IN (('eu', 'us'))`` in the text sent to AWS), so the dry run was not what ran. Placeholders are found
with the dialect's tokenizer — a ``':x'`` string, a ``a::int`` cast or a ``:x`` inside a backticked
name is not a placeholder — and every value goes through :mod:`aiaudit.query.quoting`.

Where a value may stand: anywhere a literal may. A list value may only be an ``IN`` list, written
``IN :name`` or ``IN (:name)``; both render as ``IN ('a', 'b')``. Anywhere else a list is refused, since
Spark would read ``('a', 'b')`` as a struct and the local engine as a list.

AWS's StartQuery takes no separate parameters, so :func:`bind_text` writes Spark literals into the
query text, leaving every other character exactly as written. The local engine asks :func:`bind_values`
for the same checked values and hands them to DuckDB as prepared parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlglot import TokenType
from sqlglot.errors import TokenError

from aiaudit.core.errors import InputError, QuerySyntaxError
from aiaudit.query.quoting import PARAM_NAME, Scalar, check_names, check_value, sql_literal
from aiaudit.query.sql.dialect import LogsInsightsSQL


@dataclass(frozen=True)
class Placeholder:
    """One ``:name`` in the text: ``start``/``end`` (end exclusive) and how a list value renders there."""

    start: int
    end: int
    name: str
    list_form: str | None  # "bare" (IN :x), "wrapped" (IN (:x)), None (no list allowed here)


def placeholders(query: str) -> list[Placeholder]:
    """Every ``:name`` placeholder, in order (a name may occur several times)."""
    try:
        tokens = LogsInsightsSQL().tokenize(query)
    except TokenError as exc:
        raise QuerySyntaxError(f"SQL does not tokenize: {exc}", query=query) from None
    out: list[Placeholder] = []
    for index, colon in enumerate(tokens[:-1]):
        name = tokens[index + 1]
        if colon.token_type != TokenType.COLON or name.start != colon.end + 1:
            continue
        # a bare word right after the colon (not a quoted string or a backticked name)
        if not PARAM_NAME.fullmatch(name.text) or query[name.start : name.end + 1] != name.text:
            continue
        before = tokens[index - 1] if index > 0 else None
        before2 = tokens[index - 2] if index > 1 else None
        after = tokens[index + 2] if index + 2 < len(tokens) else None
        form: str | None = None
        if before is not None and before.token_type == TokenType.IN:
            form = "bare"
        elif (
            before is not None
            and before.token_type == TokenType.L_PAREN
            and before2 is not None
            and before2.token_type == TokenType.IN
            and after is not None
            and after.token_type == TokenType.R_PAREN
        ):
            form = "wrapped"
        out.append(Placeholder(colon.start, name.end + 1, name.text, form))
    return out


def names(query: str) -> list[str]:
    """Parameter names the query uses, in order of first use."""
    seen: dict[str, None] = {}
    for item in placeholders(query):
        seen.setdefault(item.name, None)
    return list(seen)


def bind_values(query: str, params: Mapping[str, Any] | None) -> dict[str, Scalar | tuple[Scalar, ...]]:
    """The checked value of every parameter the query uses (unknown or missing names are errors, and a
    list must stand as a whole ``IN`` list)."""
    found = placeholders(query)
    check_names([item.name for item in found], params)
    values = dict(params or {})
    out: dict[str, Scalar | tuple[Scalar, ...]] = {}
    for item in found:
        value = check_value(item.name, values[item.name])
        if isinstance(value, tuple) and item.list_form is None:
            raise InputError(
                f"list parameter :{item.name} can only be a whole IN list (IN :{item.name} or IN (:{item.name}))",
                where=f"param {item.name}",
            )
        out[item.name] = value
    return out


def bind_text(query: str, params: Mapping[str, Any] | None) -> str:
    """The query with every ``:name`` replaced by its Spark SQL literal — the text AWS receives."""
    values = bind_values(query, params)
    pieces: list[str] = []
    cursor = 0
    for item in placeholders(query):
        value = values[item.name]
        text = sql_literal(value, dialect="spark", name=item.name)
        if isinstance(value, tuple) and item.list_form == "wrapped":
            text = text[1:-1]  # IN (:list) → IN ('a', 'b'), never IN (('a', 'b'))
        pieces.append(query[cursor : item.start])
        pieces.append(text)
        cursor = item.end
    pieces.append(query[cursor:])
    return "".join(pieces)


__all__ = ["Placeholder", "bind_text", "bind_values", "names", "placeholders"]
