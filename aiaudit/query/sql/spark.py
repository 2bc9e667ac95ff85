"""Spark's function semantics on DuckDB, where sqlglot's nearest DuckDB function answers differently.

Why a module of its own: sqlglot transpiles each Spark function to DuckDB's closest one, and for some the
closest one is not the same function — ``DAYOFWEEK`` counts Sunday as 0 (Spark: 1), ``FORMAT`` takes
``{}`` where ``format_string`` takes ``%s``, ``ANY_VALUE`` skips NULLs, ``APPROX_QUANTILE`` interpolates
a t-digest, ``json_array_length`` raises on malformed JSON (Spark: NULL). Each rule below rewrites one
node, after ``coerce.typed`` has typed its arguments, so the local engine returns what the Spark SQL
function reference (https://spark.apache.org/docs/latest/api/sql/) documents;
``tests/sql/test_sql_functions.py`` checks every rule against the reference's examples. Spark functions
DuckDB lacks altogether (``pmod``, ``timestamp_seconds`` ...) are written here too.

Rules build DuckDB expressions from short DuckDB SQL templates (:func:`_duckdb`) whose lower-case single
letters stand for the Spark call's (already typed) arguments.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import sqlglot
from sqlglot import exp

from aiaudit.core.errors import QuerySyntaxError
from aiaudit.query.sql.coerce import as_number, as_text, as_time, kind_of, mark
from aiaudit.query.sql.dialect import LogsInsightsSQL, node_offset

#: Spark ``date_trunc`` units and their DuckDB names (``'MM'`` and ``'DD'`` are Spark-only spellings).
_TRUNC_UNITS = {
    "YEAR": "year", "YYYY": "year", "YY": "year", "QUARTER": "quarter", "MONTH": "month", "MM": "month",
    "MON": "month", "WEEK": "week", "DAY": "day", "DD": "day", "HOUR": "hour", "MINUTE": "minute",
    "SECOND": "second", "MILLISECOND": "millisecond", "MICROSECOND": "microsecond",
}  # fmt: skip
#: A java.util.Formatter conversion: %[index$][flags][width][.precision]conversion.
_JAVA_SPEC = re.compile(r"%(\d+\$)?[-#+ 0,(<]*\d*(?:\.\d+)?([tT]?[a-zA-Z%])")
#: Nodes whose value is an array.
_ARRAY_NODES = (exp.Array, exp.RegexpSplit, exp.Split, exp.ArrayAgg, exp.ArrayUniqueAgg, exp.ArraySort, exp.JSONKeys)


@cache
def _template(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read="duckdb")


def _duckdb(sql: str, kind: str | None = None, **args: exp.Expr) -> exp.Expr:
    """The DuckDB expression ``sql`` with each single-letter column replaced by a copy of ``args[letter]``."""

    def put(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table and node.name in args:
            return args[node.name].copy()
        return node

    tree = _template(sql).copy().transform(put)
    return mark(tree, kind) if kind else tree


def _cast(node: exp.Expr, to: str, kind: str) -> exp.Expr:
    return mark(exp.Cast(this=node, to=exp.DataType.build(to)), kind)


def _int_literal(node: exp.Expr | None) -> int | None:
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        return -int(float(node.this.this))
    if isinstance(node, exp.Literal) and not node.is_string:
        return int(float(node.this))
    return None


def _is_array(node: exp.Expr) -> bool:
    return isinstance(node, _ARRAY_NODES) or kind_of(node) == "array"


def _in_window(node: exp.Expr) -> bool:
    parent = node.parent
    if isinstance(parent, exp.IgnoreNulls | exp.RespectNulls):
        parent = parent.parent
    return isinstance(parent, exp.Window)


# --- strings ---------------------------------------------------------------------------------------------
def _format_string(node: exp.Format) -> exp.Expr:
    """format_string(fmt, ...) is java.util.Formatter; DuckDB's ``printf`` takes the same %-conversions,
    but its %s takes only text, where Java's takes any value."""
    fmt, args = node.this, list(node.expressions)
    if isinstance(fmt, exp.Literal) and fmt.is_string:
        position = 0
        for index, conversion in _java_conversions(fmt.this):
            position = index if index is not None else position + 1
            if conversion in "sS" and 0 < position <= len(args):
                args[position - 1] = as_text(args[position - 1])
    return mark(exp.Anonymous(this="printf", expressions=[fmt, *args]), "text")


def _java_conversions(fmt: str) -> list[tuple[int | None, str]]:
    """(explicit argument index or None, conversion) for each conversion of ``fmt`` that takes an argument."""
    out = []
    for match in _JAVA_SPEC.finditer(fmt):
        conversion = match.group(2)
        if conversion in ("%", "n"):
            continue
        out.append((int(match.group(1)[:-1]) if match.group(1) else None, conversion))
    return out


def _levenshtein(node: exp.Levenshtein) -> exp.Expr:
    """levenshtein(a, b, threshold) is -1 past the threshold (sqlglot reads the third argument as a cost)."""
    threshold = node.args.get("ins_cost")
    if threshold is None:
        return node
    distance = exp.Levenshtein(this=node.this, expression=node.expression)
    return _duckdb("CASE WHEN d > t THEN -1 ELSE d END", "num", d=distance, t=threshold)


def _split(node: exp.RegexpSplit) -> exp.Expr:
    """split(str, regex, limit): at most ``limit`` parts, the last holding the rest of the string."""
    limit = node.args.get("limit")
    node.set("limit", None)
    mark(node, "array")
    if limit is None:
        return node
    count = _int_literal(limit)
    if count is None:
        raise QuerySyntaxError("split()'s limit must be a whole-number literal", offset=node_offset(limit))
    if count <= 0:
        return node
    marked = node.this
    for _ in range(count - 1):  # replace the first count-1 separators with NUL, then split on NUL
        marked = _duckdb("regexp_replace(s, r, chr(0))", s=marked, r=node.expression)
    return _duckdb("string_split(s, chr(0))", "array", s=marked)


def _reverse(node: exp.Reverse) -> exp.Expr:
    if _is_array(node.this):
        return _duckdb("list_reverse(a)", "array", a=node.this)
    return node


# --- numbers ---------------------------------------------------------------------------------------------
def _cbrt(node: exp.Cbrt) -> exp.Expr:
    """DuckDB's cbrt(27.0) is 3.0000000000000004; one Newton step lands on Java's Math.cbrt (3.0)."""
    newton = "CASE WHEN y = 0 OR NOT isfinite(y) THEN y ELSE y - (y * y * y - x) / (3 * y * y) END"
    return _duckdb(newton, "num", y=node, x=node.this)


def _ceil_floor(node: exp.Ceil | exp.Floor) -> exp.Expr:
    """ceil/floor return a whole number (BIGINT), also with a scale of 0 or less; DuckDB returns DOUBLE."""
    scale = node.args.get("decimals")
    if scale is None or (_int_literal(scale) is not None and (_int_literal(scale) or 0) <= 0):
        return _cast(node, "BIGINT", "num")
    return node


def _sign(node: exp.Sign) -> exp.Expr:
    return _cast(node, "DOUBLE", "num")  # Spark's sign/signum return DOUBLE (sign(40) = 1.0)


# --- dates and times -------------------------------------------------------------------------------------
def _to_date(node: exp.Expr) -> exp.Expr:
    return _cast(node, "DATE", "time")  # add_months, date_add, date_sub return DATE


def _dayofweek(node: exp.DayOfWeek) -> exp.Expr:
    return _duckdb("(d + 1)", "num", d=node)  # Spark: 1 = Sunday ... 7 = Saturday; DuckDB: 0 = Sunday


def _date_trunc(node: exp.TimestampTrunc) -> exp.Expr:
    unit = node.args.get("unit")
    name = unit.name.upper() if unit is not None else ""
    if name in _TRUNC_UNITS:
        node.set("unit", exp.var(_TRUNC_UNITS[name]))
    return node


def _months_between(node: exp.MonthsBetween) -> exp.Expr:
    """Spark's rule: whole months when the days of month match or both are month ends, else the day and
    time difference over 31-day months; rounded to 8 digits unless roundOff is false."""
    whole = (
        "(year(a) - year(b)) * 12 + month(a) - month(b) + CASE WHEN day(a) = day(b) "
        "OR (day(a) = day(last_day(a)) AND day(b) = day(last_day(b))) THEN 0.0 ELSE ((day(a) - day(b)) * 86400 "
        "+ (epoch(a) - epoch(date_trunc('day', a))) - (epoch(b) - epoch(date_trunc('day', b)))) / 2678400.0 END"
    )
    value = _duckdb(f"({whole})", a=node.this, b=node.expression)
    roundoff = node.args.get("roundoff")
    if isinstance(roundoff, exp.Boolean) and not roundoff.this:
        return mark(value, "num")
    return _duckdb("floor(v * 1e8 + 0.5) / 1e8", "num", v=value)  # Math.round(diff * 1e8) / 1e8


def _utc_instant(node: exp.Expr) -> exp.Expr:
    inner = node.this if isinstance(node, exp.Cast) and kind_of(node) == "time" else node
    return as_time(inner)


def _from_utc_timestamp(node: exp.AtTimeZone) -> exp.Expr:
    """from_utc_timestamp(ts, tz): the wall-clock time in ``tz`` of the UTC time ``ts``."""
    return _duckdb("timezone('UTC', timezone(z, t))", "time", t=_utc_instant(node.this), z=node.args["zone"])


def _to_utc_timestamp(node: exp.FromTimeZone) -> exp.Expr:
    """to_utc_timestamp(ts, tz): the UTC time of the wall-clock time ``ts`` read in ``tz``."""
    return _duckdb("timezone(z, timezone('UTC', t))", "time", t=_utc_instant(node.this), z=node.args["zone"])


def _parse_time(value: exp.Expr, fmt: exp.Expr) -> exp.Expr:
    """A text parsed with a Spark datetime pattern, as a UTC time; NULL when it does not parse (Spark)."""
    if not (isinstance(fmt, exp.Literal) and fmt.is_string):
        raise QuerySyntaxError("a datetime pattern must be a string literal", offset=node_offset(fmt))
    if "%" not in fmt.name:  # a Spark pattern (yyyy-MM-dd) sqlglot did not convert
        fmt = LogsInsightsSQL.format_time(fmt) or fmt
    parsed = exp.StrToTime(this=as_text(value), format=fmt, safe=True)
    return _duckdb("timezone('UTC', p)", "time", p=parsed)


def _to_timestamp(node: exp.StrToTime) -> exp.Expr:
    return _parse_time(node.this, node.args["format"])


def _to_date_with_format(node: exp.TsOrDsToDate) -> exp.Expr:
    fmt = node.args.get("format")
    if fmt is None:
        return node
    value = node.this
    if isinstance(value, exp.TryCast) and value.to.is_type("timestamptz"):
        value = value.this  # coerce read the argument as a time; the pattern reads the text
    return _cast(_parse_time(value, fmt), "DATE", "time")


def _unix_timestamp(node: exp.StrToUnix) -> exp.Expr:
    """unix_timestamp / to_unix_timestamp: whole seconds (BIGINT). A time, or ISO text with the default
    pattern, is read as a time; other text is parsed with the pattern."""
    fmt = node.args.get("format")
    value = node.this
    if fmt is None or kind_of(value) in ("time", "timetext") or "%Y-%mstrict-%dstrict %H" in fmt.name:
        seconds = exp.func("epoch", as_time(value))
    else:
        seconds = exp.func("epoch", _parse_time(value, fmt))
    return _cast(seconds, "BIGINT", "num")


# --- JSON ------------------------------------------------------------------------------------------------
def _get_json_object(node: exp.JSONExtractScalar) -> exp.Expr:
    node.set("this", as_text(node.this))
    return _duckdb("try(j)", "text", j=node)  # malformed JSON: NULL, not an error


def _json_object_keys(node: exp.JSONKeys) -> exp.Expr:
    """NULL unless the text is a JSON object (DuckDB raises on malformed JSON, lists an array's nothing)."""
    return _duckdb("try(CASE WHEN json_type(j) = 'OBJECT' THEN json_keys(j) END)", "array", j=as_text(node.this))


# --- arrays ----------------------------------------------------------------------------------------------
def _array_distinct(node: exp.ArrayDistinct) -> exp.Expr:
    """Spark keeps first occurrences in order, NULL included; DuckDB's list_distinct drops NULL and order."""
    return _duckdb(
        "list_transform(list_filter(range(1, len(a) + 1), i -> list_position(a, a[i]) = i), i -> a[i])",
        "array",
        a=node.this,
    )


# --- aggregates ------------------------------------------------------------------------------------------
def _first(node: exp.Expr) -> exp.Expr:
    """first/first_value/any_value: the first row's value, NULL included (DuckDB's any_value skips NULL)."""
    if _in_window(node) or isinstance(node.parent, exp.IgnoreNulls):
        return node
    return exp.First(this=node.this)


def _last(node: exp.Expr) -> exp.Expr:
    if _in_window(node) or isinstance(node.parent, exp.IgnoreNulls):
        return node
    return exp.Last(this=node.this)


def _ignore_nulls(node: exp.IgnoreNulls) -> exp.Expr:
    """first(x, true) and friends: the first (last) non-NULL value."""
    inner = node.this
    if _in_window(inner):
        return node
    if isinstance(inner, exp.First | exp.FirstValue | exp.AnyValue):
        return exp.func("any_value", inner.this)
    if isinstance(inner, exp.Last | exp.LastValue):
        return _duckdb("last(x) FILTER (WHERE x IS NOT NULL)", x=inner.this)
    return node


def _approx_percentile(node: exp.ApproxQuantile) -> exp.Expr:
    """approx_percentile: the smallest value with at least ``p`` of the values at or below it (nearest
    rank). Exact here; Spark's sketch gives the same at its default accuracy on log-sized groups."""
    value, quantile = node.this, node.args["quantile"]

    def rank(p: exp.Expr) -> exp.Expr:
        return _duckdb(
            "list_sort(list(x) FILTER (WHERE x IS NOT NULL))[CAST(greatest(1, ceil(p * count(x))) AS BIGINT)]",
            x=value,
            p=p,
        )

    if isinstance(quantile, exp.Array):
        return mark(exp.Array(expressions=[rank(p) for p in quantile.expressions]), "array")
    return mark(rank(quantile), "num")


def _percentile(node: exp.Quantile) -> exp.Expr:
    """percentile: exact, interpolated between neighbours (DuckDB's quantile is discrete)."""
    kind = "array" if isinstance(node.args["quantile"], exp.Array) else "num"
    return mark(exp.func("quantile_cont", node.this, node.args["quantile"]), kind)


def _ranking(node: exp.Rank | exp.DenseRank | exp.PercentRank) -> exp.Expr:
    node.set("expressions", [])  # rank(b) OVER (...): Spark's argument is internal; the ORDER BY ranks
    return node


# --- functions DuckDB lacks ------------------------------------------------------------------------------
def _anonymous(node: exp.Anonymous) -> exp.Expr:
    name = str(node.this).lower()
    args = list(node.expressions)
    if name == "isnull" and len(args) == 1:
        return exp.Paren(this=exp.Is(this=args[0], expression=exp.null()))
    if name == "isnotnull" and len(args) == 1:
        return exp.Paren(this=exp.not_(exp.Is(this=args[0], expression=exp.null())))
    if name == "mean":
        return mark(exp.Avg(this=as_number(args[0])), "num")
    if name == "timestamp_seconds" and len(args) == 1:
        return mark(exp.func("to_timestamp", as_number(args[0])), "time")
    if name == "timestamp_millis" and len(args) == 1:
        return _duckdb("to_timestamp(n / 1000)", "time", n=as_number(args[0]))
    if name == "pmod" and len(args) == 2:
        return _duckdb("((a % b) + b) % b", "num", a=as_number(args[0]), b=as_number(args[1]))
    if name == "get_json_object" and len(args) == 2:  # sqlglot releases that do not know it
        return _duckdb("try(json_extract_string(j, p))", "text", j=as_text(args[0]), p=args[1])
    if name == "json_array_length" and len(args) == 1:
        return _duckdb("try(CASE WHEN json_type(j) = 'ARRAY' THEN json_array_length(j) END)", "num", j=as_text(args[0]))
    return node


_RULES: dict[type[exp.Expr], Callable[..., exp.Expr]] = {
    exp.Format: _format_string,
    exp.Levenshtein: _levenshtein,
    exp.RegexpSplit: _split,
    exp.Reverse: _reverse,
    exp.Cbrt: _cbrt,
    exp.Ceil: _ceil_floor,
    exp.Floor: _ceil_floor,
    exp.Sign: _sign,
    exp.AddMonths: _to_date,
    exp.TsOrDsAdd: _to_date,
    exp.DayOfWeek: _dayofweek,
    exp.TimestampTrunc: _date_trunc,
    exp.MonthsBetween: _months_between,
    exp.AtTimeZone: _from_utc_timestamp,
    exp.FromTimeZone: _to_utc_timestamp,
    exp.StrToTime: _to_timestamp,
    exp.TsOrDsToDate: _to_date_with_format,
    exp.StrToUnix: _unix_timestamp,
    exp.JSONExtractScalar: _get_json_object,
    exp.JSONKeys: _json_object_keys,
    exp.ArrayDistinct: _array_distinct,
    exp.AnyValue: _first,
    exp.FirstValue: _first,
    exp.LastValue: _last,
    exp.IgnoreNulls: _ignore_nulls,
    exp.ApproxQuantile: _approx_percentile,
    exp.Quantile: _percentile,
    exp.Rank: _ranking,
    exp.DenseRank: _ranking,
    exp.PercentRank: _ranking,
    exp.Anonymous: _anonymous,
}


def spark_semantics(node: exp.Expr) -> exp.Expr:
    """``node`` (its arguments already rewritten and typed) as a DuckDB expression with Spark's result."""
    rule = _RULES.get(type(node))
    return rule(node) if rule is not None else node
