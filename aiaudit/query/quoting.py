"""The one quoting module: how a parameter value becomes part of a query's text.

Why one module: every place that puts a user's value into a query (SQL ``:name`` parameters on the local
engine and on AWS, Logs Insights QL ``{{name}}`` values in saved queries) must agree on which values are
allowed and must make it impossible for a value to change the query's structure. Values are *typed*:
``str``, ``int``, ``float`` (finite), ``bool``, aware ``datetime`` (rendered as an ISO-8601 UTC string, so
it compares as a time with ``@timestamp``/``eventTime``), ``None`` (NULL) and non-empty lists/tuples of
those scalars (rendered ``(a, b)`` for ``IN``). Anything else is refused, naming the parameter.

Three renderings, because the engines escape differently:

* ``sql_literal(v, dialect="duckdb")``: standard SQL — a quote is doubled, a backslash is an ordinary
  character. NUL and other control characters are legal inside DuckDB strings.
* ``sql_literal(v, dialect="spark")``: OpenSearch SQL / Spark, where a backslash *is* an escape
  character. Backslash and quote are escaped, and every character outside printable ASCII is written as
  ``\\uXXXX`` (a surrogate pair beyond the BMP), so no newline, NUL, confusable quote or comment marker reaches the
  query text raw.
* ``cwli_literal(v)``: Logs Insights QL double-quoted strings with backslash escapes; lists ``[a, b]``.

Where placeholders are and which values they take is the binders' job, one per language
(:mod:`aiaudit.query.sql.bind` for ``:name``, :mod:`aiaudit.query.cwli.bind` for ``{{name}}``); this module
only renders a checked value. The local SQL engine hands the checked values to DuckDB as prepared
parameters (they never enter its text); dry runs, the AWS backend and the classic-QL engine use these
renderings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from aiaudit.core.errors import InputError

#: A parameter name, as PutQueryDefinition allows for ``{{name}}`` and as SQL ``:name`` uses.
PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Scalar = str | int | float | bool | datetime | None


def iso_utc(moment: datetime) -> str:
    """An aware datetime as ISO-8601 UTC with ``Z`` (microseconds kept when present)."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}"
    return text + "Z"


def check_scalar(name: str, value: Any) -> Scalar:
    """Validate one scalar parameter value; return it in canonical form (datetimes → ISO text)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"parameter {name!r}: {value!r} is not a finite number", where=f"param {name}")
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise InputError(
                f"parameter {name!r}: naive datetime {value.isoformat()} refused; give a timezone",
                where=f"param {name}",
            )
        return iso_utc(value)
    raise InputError(
        f"parameter {name!r}: values of type {type(value).__name__} are not supported "
        "(use str, int, float, bool, an aware datetime, None, or a list of these)",
        where=f"param {name}",
    )


def check_value(name: str, value: Any) -> Scalar | tuple[Scalar, ...]:
    """Validate a parameter value (scalar or non-empty list/tuple of scalars)."""
    if not PARAM_NAME.fullmatch(name):
        raise InputError(f"parameter name {name!r} is not a valid name ([A-Za-z_][A-Za-z0-9_]*)", where="params")
    if isinstance(value, list | tuple):
        if not value:
            raise InputError(f"parameter {name!r}: an empty list cannot be rendered for IN", where=f"param {name}")
        items = tuple(check_scalar(name, item) for item in value)
        if any(isinstance(item, list | tuple) for item in value):
            raise InputError(f"parameter {name!r}: nested lists are not supported", where=f"param {name}")
        return items
    return check_scalar(name, value)


def check_names(used: Iterable[str], params: Mapping[str, Any] | None, *, spelling: str = ":{}") -> None:
    """Every used parameter must be given, and every given parameter must be used (a typo is an error).
    ``spelling`` shows a placeholder as the query writes it (``:{}`` in SQL, ``{{{{{}}}}}`` in classic QL)."""
    given = dict(params or {})
    used_set = set(used)
    missing = sorted(used_set - set(given))
    if missing:
        shown = spelling.format(missing[0])
        raise InputError(f"query uses parameter {shown} but no value was given", where=f"param {missing[0]}")
    unknown = sorted(set(given) - used_set)
    if unknown:
        raise InputError(
            f"parameter {unknown[0]!r} was given but the query does not use it (known: {sorted(used_set) or 'none'})",
            where=f"param {unknown[0]}",
        )


# --- SQL ------------------------------------------------------------------------------------------
def _spark_string(text: str) -> str:
    out = ["'"]
    for char in text:
        code = ord(char)
        if char == "\\":
            out.append("\\\\")
        elif char == "'":
            out.append("\\'")
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:  # a surrogate pair: Spark builds a Java (UTF-16) string
            high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
            out.append(f"\\u{high:04x}\\u{low:04x}")
    out.append("'")
    return "".join(out)


def _duckdb_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_literal(value: Any, *, dialect: str = "duckdb", name: str = "value") -> str:
    """Render a checked value as a SQL literal for ``dialect`` (``duckdb`` or ``spark``)."""
    if dialect not in ("duckdb", "spark"):
        raise InputError(f"unknown SQL dialect {dialect!r} (duckdb or spark)", where="quoting")
    checked = check_value(name, value)
    if isinstance(checked, tuple):
        return "(" + ", ".join(_sql_scalar(item, dialect) for item in checked) + ")"
    return _sql_scalar(checked, dialect)


def _sql_scalar(value: Scalar, dialect: str) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    return _spark_string(text) if dialect == "spark" else _duckdb_string(text)


def sql_identifier(name: str, *, dialect: str = "duckdb") -> str:
    """Quote an identifier: DuckDB ``"a""b"``; Spark/OpenSearch ```a``b```."""
    if dialect == "spark":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


# --- Logs Insights QL ----------------------------------------------------------------------------
def _cwli_string(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F or 0x80 <= code <= 0x9F or code in (0x2028, 0x2029):
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def cwli_literal(value: Any, *, name: str = "value") -> str:
    """Render a checked value for Logs Insights QL: strings ``"..."`` with backslash escapes, lists
    ``[a, b]``, booleans ``true``/``false``, None as ``""`` is refused (CWLI has no NULL literal)."""
    checked = check_value(name, value)
    if isinstance(checked, tuple):
        return "[" + ", ".join(_cwli_scalar(item, name) for item in checked) + "]"
    return _cwli_scalar(checked, name)


def _cwli_scalar(value: Scalar, name: str) -> str:
    if value is None:
        raise InputError(f"parameter {name!r}: Logs Insights QL has no NULL literal", where=f"param {name}")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return _cwli_string(str(value))
