"""Types and comparisons: how Logs Insights values (JSON text) meet numbers, times and text in DuckDB.

Why a module of its own: this is where AWS's dynamic typing is reproduced — a field compared with a
number compares numerically (``TRY_CAST(... AS DOUBLE)``), ``@timestamp``/``eventTime``/``timestamp``
compare as times with ISO literals and each other, and numbers are read as text by string functions.
Spark functions whose DuckDB counterpart answers differently are rewritten in ``spark.py``, after this
module has typed their arguments. Nodes carry their kind in ``node.meta["kind"]``: ``num``, ``time``
(TIMESTAMPTZ), ``timetext`` (ISO text field), ``timelit`` (ISO literal), ``text``, ``bool``, ``null``,
``array``; None when unknown.
"""

from __future__ import annotations

import re

from sqlglot import exp

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)?$")

_NUM_RESULT = (
    exp.Count, exp.Sum, exp.Avg, exp.Stddev, exp.StddevSamp, exp.StddevPop, exp.Variance, exp.VariancePop,
    exp.ApproxQuantile, exp.Quantile, exp.Median, exp.ApproxDistinct, exp.CountIf, exp.Length, exp.StrPosition,
    exp.Ascii, exp.Year, exp.Month, exp.Day, exp.DayOfMonth, exp.Hour, exp.Minute, exp.Second, exp.DayOfWeek,
    exp.DayOfYear, exp.WeekOfYear, exp.Quarter, exp.ArraySize, exp.UnixSeconds, exp.UnixMillis, exp.DateDiff,
    exp.Levenshtein, exp.Abs, exp.Ceil, exp.Floor, exp.Round, exp.Sqrt, exp.Exp, exp.Ln, exp.Log, exp.Pow, exp.Sign,
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Neg, exp.IntDiv, exp.RowNumber, exp.Rank, exp.DenseRank,
    exp.Ntile, exp.StrToUnix,
)  # fmt: skip
_NUM_ARGS = (
    exp.Sum, exp.Avg, exp.Stddev, exp.StddevSamp, exp.StddevPop, exp.Variance, exp.VariancePop, exp.ApproxQuantile,
    exp.Quantile, exp.Median, exp.Abs, exp.Ceil, exp.Floor, exp.Round, exp.Sqrt, exp.Exp, exp.Ln, exp.Log, exp.Pow,
    exp.Sign, exp.Cos, exp.Sin, exp.Tan, exp.Acos, exp.Asin, exp.Atan, exp.Atan2, exp.Cbrt, exp.Degrees, exp.Radians,
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Neg, exp.IntDiv, exp.UnixToStr, exp.UnixToTime,
)  # fmt: skip
_TIME_ARGS = (
    exp.Year, exp.Month, exp.Day, exp.DayOfMonth, exp.Hour, exp.Minute, exp.Second, exp.DayOfWeek, exp.DayOfYear,
    exp.WeekOfYear, exp.Quarter, exp.TsOrDsToDate, exp.TimeToStr, exp.TimestampTrunc, exp.TsOrDsAdd, exp.DateDiff,
    exp.DateAdd, exp.DateSub, exp.AtTimeZone, exp.FromTimeZone, exp.UnixMillis, exp.UnixSeconds, exp.MonthsBetween,
    exp.LastDay, exp.AddMonths,
)  # fmt: skip
_TEXT_ARGS = (
    exp.Lower, exp.Upper, exp.Length, exp.Trim, exp.Substring, exp.Left, exp.Right, exp.StrPosition, exp.Replace,
    exp.RegexpExtract, exp.RegexpReplace, exp.RegexpSplit, exp.Split, exp.RegexpLike, exp.Like, exp.ILike,
    exp.Reverse, exp.StartsWith, exp.EndsWith, exp.Contains, exp.Initcap, exp.MD5, exp.SHA, exp.SHA2, exp.Pad,
    exp.Translate, exp.SplitPart, exp.Levenshtein, exp.Ascii, exp.JSONExtractScalar, exp.JSONExtract,
)  # fmt: skip
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ)
_NUMERIC_TYPES = {"INT", "BIGINT", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT", "DECIMAL", "HUGEINT", "UBIGINT"}
_TIME_TYPES = {"TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMPLTZ", "TIMESTAMPNTZ", "DATE", "DATETIME"}


def kind_of(node: exp.Expr) -> str | None:
    """The kind a node was marked with or that its form implies; None when unknown (a text field)."""
    if "kind" in node.meta:
        return str(node.meta["kind"])
    if isinstance(node, exp.Paren | exp.Alias):
        return kind_of(node.this)
    if isinstance(node, exp.Literal):
        if not node.is_string:
            return "num"
        return "timelit" if ISO.match(node.this) else "text"
    if isinstance(node, exp.Boolean):
        return "bool"
    if isinstance(node, exp.Cast | exp.TryCast):
        name = node.to.this.name if isinstance(node.to, exp.DataType) else ""
        return "num" if name in _NUMERIC_TYPES else "time" if name in _TIME_TYPES else "text"
    if isinstance(node, _NUM_RESULT):
        return "num"
    if isinstance(node, exp.CurrentTimestamp):
        return "time"
    return None


def mark(node: exp.Expr, kind: str) -> exp.Expr:
    node.meta["kind"] = kind
    return node


def as_number(node: exp.Expr) -> exp.Expr:
    kind = kind_of(node)
    if kind == "num":
        return node
    if kind == "time":
        return mark(exp.func("epoch", node), "num")
    return mark(exp.TryCast(this=node, to=exp.DataType.build("DOUBLE")), "num")


def as_time(node: exp.Expr) -> exp.Expr:
    if kind_of(node) == "time":
        return node
    return mark(exp.TryCast(this=node, to=exp.DataType.build("TIMESTAMPTZ")), "time")


def as_text(node: exp.Expr) -> exp.Expr:
    if kind_of(node) in ("num", "time", "bool"):
        return mark(exp.Cast(this=node, to=exp.DataType.build("VARCHAR")), "text")
    return node


def _is_fieldish(node: exp.Expr) -> bool:
    return kind_of(node) in ("text", "timetext", None) and not isinstance(node, exp.Literal)


def typed(node: exp.Expr) -> exp.Expr:
    if isinstance(node, _COMPARISONS):
        left, right = _coerce_pair(node.this, node.expression)
        node.set("this", left)
        node.set("expression", right)
        return node
    if isinstance(node, exp.In):
        return _in(node)
    if isinstance(node, exp.Between):
        low, high = node.args["low"], node.args["high"]
        this, low = _coerce_pair(node.this, low)
        this, high = _coerce_pair(this, high)
        node.set("this", this)
        node.set("low", low)
        node.set("high", high)
        return node
    if isinstance(node, exp.Like | exp.ILike):
        node.set("this", as_text(node.this))
        if not isinstance(node.parent, exp.Escape):
            return exp.Escape(this=node, expression=exp.Literal.string("\\"))
        return node
    if isinstance(node, exp.Greatest | exp.Least):
        values = [node.this, *node.expressions]
        if any(kind_of(v) == "num" for v in values):
            node.set("this", as_number(node.this) if _is_fieldish(node.this) else node.this)
            node.set("expressions", [as_number(v) if _is_fieldish(v) else v for v in node.expressions])
        return node
    if isinstance(node, _NUM_ARGS):
        for key in ("this", "expression"):
            value = node.args.get(key)
            if isinstance(value, exp.Expr) and _is_fieldish(value):
                node.set(key, as_number(value))
    elif isinstance(node, _TIME_ARGS):
        for key in ("this", "expression"):
            value = node.args.get(key)
            if not isinstance(value, exp.Expr) or kind_of(value) not in ("text", "timetext", "timelit", None):
                continue
            if not isinstance(value, exp.Literal) or kind_of(value) == "timelit":
                node.set(key, as_time(value))
    elif isinstance(node, _TEXT_ARGS):
        # the subject is read as text; other arguments only when they are fields (lengths stay numbers)
        for key in ("this", "expression"):
            value = node.args.get(key)
            if isinstance(value, exp.Expr) and (key == "this" or isinstance(value, exp.Column)):
                node.set(key, as_text(value))
    return node


def _in(node: exp.In) -> exp.Expr:
    values: list[exp.Expr] = list(node.expressions)
    listed = node.args.get("field")
    if isinstance(listed, exp.Tuple):
        values = list(listed.expressions)
        node.set("field", None)
    elif listed is not None:
        values = [listed]
        node.set("field", None)
    flat: list[exp.Expr] = []
    for value in values:
        flat.extend(value.expressions if isinstance(value, exp.Tuple) else [value])
    values = flat
    if node.args.get("query") is not None or not values:
        node.set("expressions", values)
        return node
    this = node.this
    numbers = [v for v in values if kind_of(v) == "num"]
    others = [v for v in values if kind_of(v) != "num"]
    parts: list[exp.Expr] = []
    if numbers:
        parts.append(exp.In(this=as_number(this.copy()), expressions=numbers))
    if others:
        parts.append(exp.In(this=as_text(this.copy()), expressions=[as_text(v) for v in others]))
    result = parts[0] if len(parts) == 1 else exp.Paren(this=exp.or_(*parts))
    return result


def _coerce_pair(left: exp.Expr, right: exp.Expr) -> tuple[exp.Expr, exp.Expr]:
    """Make a comparison compare like with like (numbers, times, or text)."""
    kl, kr = kind_of(left), kind_of(right)
    if kl == "null" or kr == "null":
        return left, right
    if kl == "num" or kr == "num":
        return as_number(left), as_number(right)
    timeish = ("time", "timetext")
    if (kl in timeish and kr in (*timeish, "timelit")) or (kr in timeish and kl in (*timeish, "timelit")):
        return as_time(left), as_time(right)
    if kl == "time" or kr == "time":
        return as_text(left), as_text(right)
    if kl == "bool" and kr != "bool":
        return _bool_text(left), right
    if kr == "bool" and kl != "bool":
        return left, _bool_text(right)
    return left, right


def _bool_text(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Boolean):
        return mark(exp.Literal.string("true" if node.this else "false"), "text")
    return mark(exp.Cast(this=node, to=exp.DataType.build("VARCHAR")), "text")
