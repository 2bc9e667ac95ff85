"""What a Logs Insights SQL query may contain: AWS's restrictions plus a whitelist of syntax and functions.

Why a whitelist and not a blacklist: the translated query runs on the store's DuckDB connection, which
can read files, attach databases and write tables. Only node types listed here survive, so nothing
a query says can reach ``read_csv``, ``COPY``, ``ATTACH``, ``PRAGMA`` or a table that is not a log group.
AWS's own rules (one JOIN per SELECT, one level of subquery, one statement, functions applied to fields,
INNER or LEFT OUTER stated) are enforced here too, so what runs offline also runs on AWS.

Why a second whitelist, of function *names*: sqlglot's Spark parser also knows other dialects' names for
the same nodes (``arg_max`` for ``max_by``, ``json_extract_scalar`` for ``get_json_object``,
``ts_or_ds_add`` for ``date_add``). Logs Insights runs Spark SQL's built-in functions only, so a query
that calls a name Spark does not have must fail here, by name, instead of running offline and failing on
AWS. :data:`SPARK_FUNCTIONS` is that list; every name in it has a test with the Spark reference's
documented example (``tests/sql/test_sql_functions.py``).
"""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from aiaudit.core.errors import QuerySyntaxError
from aiaudit.query.sql.dialect import LogsInsightsSQL, node_offset

_STRUCTURE = """Select From Join Table TableAlias Subquery Where Group Having Order Ordered Limit Alias Column
Identifier Star Literal Null Boolean Placeholder Paren And Or Not EQ NEQ GT GTE LT LTE NullSafeEQ NullSafeNEQ Is In
Between Like ILike RegexpLike Add Sub Mul Div Mod Neg IntDiv Case If Cast TryCast DataType DataTypeParam Window
WindowSpec Distinct Union Interval Tuple Bracket Array Var JSONPath JSONPathRoot JSONPathKey JSONPathSubscript
Escape DPipe Concat Filter IgnoreNulls RespectNulls"""
_FUNCTIONS = """Lower Upper Length Trim ConcatWs Substring Left Right StrPosition Replace RegexpExtract RegexpReplace
RegexpSplit Split Reverse Repeat Pad Initcap StartsWith EndsWith Contains Ascii MD5 SHA SHA2 Format Translate SplitPart
Levenshtein Abs Ceil Floor Round Sqrt Exp Ln Log Pow Sign Greatest Least Cos Sin Tan Acos Asin Atan Atan2 Cbrt Degrees
Radians Year Month Day DayOfMonth Hour Minute Second DayOfWeek DayOfYear WeekOfYear Quarter TsOrDsToDate TimeToStr
UnixToStr StrToUnix TimestampTrunc TsOrDsAdd DateDiff DateAdd DateSub CurrentTimestamp CurrentDate AtTimeZone
FromTimeZone UnixMillis UnixSeconds MonthsBetween LastDay AddMonths StrToTime StrToDate UnixToTime TimeStrToTime
Coalesce Nvl2 Nullif JSONExtractScalar JSONExtract JSONKeys JSONFormat ArraySize ArrayContains ArrayToString ArraySort
ArrayDistinct Count Sum Avg Min Max Stddev StddevSamp StddevPop Variance VariancePop ApproxQuantile Quantile
ApproxDistinct ArrayAgg ArrayUniqueAgg First Last AnyValue Median ArgMax ArgMin CountIf LogicalAnd LogicalOr RowNumber
Rank DenseRank Lag Lead FirstValue LastValue Ntile PercentRank CumeDist"""

ALLOWED_NODES: tuple[type[exp.Expr], ...] = tuple(
    getattr(exp, name) for name in (_STRUCTURE + " " + _FUNCTIONS).split() if hasattr(exp, name)
)
#: Spark functions sqlglot keeps as plain calls, each run by DuckDB directly or through a shim in translate.
ALLOWED_ANONYMOUS = {
    "now",
    "mean",
    "make_date",
    "cardinality",
    "json_array_length",
    "isnull",
    "isnotnull",
    "timestamp_seconds",
    "timestamp_millis",
    "pmod",
    "get_json_object",
}
#: The Spark SQL built-in functions (https://spark.apache.org/docs/latest/api/sql/) the local engine runs,
#: by the name a query calls them. A call to any other name is refused.
SPARK_FUNCTIONS: frozenset[str] = frozenset(
    """
    lower lcase upper ucase length len char_length character_length trim ltrim rtrim concat concat_ws substr
    substring left right instr locate position replace regexp_extract regexp_replace regexp_like rlike like ilike
    split split_part reverse repeat lpad rpad initcap startswith endswith contains ascii md5 sha sha1 sha2
    format_string translate levenshtein
    abs acos asin atan atan2 cbrt ceil ceiling floor cos sin tan degrees radians exp ln log log10 log2 pow power
    round sign signum sqrt greatest least mod pmod
    add_months date_add dateadd date_sub date_diff datediff date_format date_trunc day dayofmonth dayofweek
    dayofyear hour minute second month year quarter weekofyear last_day months_between make_date to_date
    to_timestamp from_utc_timestamp to_utc_timestamp from_unixtime timestamp_seconds timestamp_millis
    to_unix_timestamp unix_timestamp unix_millis unix_seconds current_date curdate current_timestamp now
    coalesce if ifnull nvl nvl2 nullif isnull isnotnull
    cast try_cast int double float string boolean date timestamp
    get_json_object json_array_length json_object_keys to_json
    array array_contains array_distinct array_join array_size size cardinality array_sort sort_array element_at
    try_element_at
    count sum avg mean min max any_value approx_count_distinct approx_percentile percentile_approx percentile
    median array_agg collect_list collect_set bool_and bool_or count_if first first_value last last_value max_by
    min_by stddev stddev_samp stddev_pop variance var_samp var_pop
    rank dense_rank row_number ntile percent_rank cume_dist lag lead
    """.split()  # noqa: SIM905 - grouped by the reference's categories, as docs/sql.md lists them
)
#: Words followed by ``(`` that are syntax, not calls (``IN (...)``, ``OVER (...)``, ``AND (...)``).
_SYNTAX_WORDS = frozenset(
    """in over and or not exists from join on using where select values by when then else having limit union
    all distinct filter is between with escape interval case end as partition order group""".split()  # noqa: SIM905
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

#: Calls that may take only constants (no field) without breaking AWS's "functions apply to fields" rule.
_CONSTANT_OK = (exp.Cast, exp.TryCast, exp.Count, exp.CurrentTimestamp, exp.CurrentDate, exp.Interval, exp.Array)


def _fail(message: str, node: exp.Expr | None, query: str) -> QuerySyntaxError:
    return QuerySyntaxError(message, offset=node_offset(node, query), query=query)


def _name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this)
    return node.sql_name() if isinstance(node, exp.Func) else type(node).__name__


def check_tree(tree: exp.Expr, query: str) -> None:
    """Raise QuerySyntaxError for anything outside the supported, read-only subset."""
    if not isinstance(tree, exp.Select | exp.Union):
        raise QuerySyntaxError(
            "only SELECT queries run on log groups (the engine is read-only)",
            offset=node_offset(tree) or 0,
            query=query,
        )
    if tree.find(exp.With) is not None:
        raise _fail("WITH (common table expressions) is not supported by Logs Insights SQL", tree.find(exp.With), query)
    _check_function_names(query)
    for node in tree.walk():
        if isinstance(node, exp.Anonymous):
            if str(node.this).lower() not in ALLOWED_ANONYMOUS:
                raise _fail(f"function {node.this}() is not supported", node, query)
            continue
        if not isinstance(node, ALLOWED_NODES):
            what = f"function {_name(node)}()" if isinstance(node, exp.Func) else f"{type(node).__name__} syntax"
            raise _fail(f"{what} is not supported by the local Logs Insights SQL engine", node, query)
    for select in tree.find_all(exp.Select):
        _check_select(select, query)
    for func in tree.find_all(exp.Func):
        _check_constant_call(func, query)


def _check_function_names(query: str) -> None:
    """Refuse a call to any name outside :data:`SPARK_FUNCTIONS`, pointing at the name."""
    tokens = LogsInsightsSQL().tokenize(query)
    for index, token in enumerate(tokens[:-1]):
        if tokens[index + 1].token_type != TokenType.L_PAREN or not _is_call_name(tokens, index):
            continue
        name = token.text.lower()
        if name not in SPARK_FUNCTIONS:
            raise QuerySyntaxError(
                f"function {token.text}() is not supported: Logs Insights SQL runs Spark SQL's built-in functions, "
                "and the local engine runs the ones docs/sql.md lists",
                offset=token.start,
                query=query,
            )


def _is_call_name(tokens: list[Token], index: int) -> bool:
    token = tokens[index]
    if token.token_type == TokenType.IDENTIFIER:  # `name`(...): a quoted name is still a call
        return True
    if not _WORD.fullmatch(token.text) or token.text.lower() in _SYNTAX_WORDS:
        return False
    previous = tokens[index - 1].token_type if index else None
    return previous not in (TokenType.ALIAS, TokenType.DCOLON)  # CAST(x AS DECIMAL(10, 2)): a type


def _depth(select: exp.Select) -> int:
    depth, parent = 0, select.parent
    while parent is not None:
        if isinstance(parent, exp.Select):
            depth += 1
        parent = parent.parent
    return depth


def _check_select(select: exp.Select, query: str) -> None:
    if _depth(select) > 1:
        raise _fail("subqueries nest at most one level deep in Logs Insights SQL", select, query)
    joins = select.args.get("joins") or []
    if len(joins) > 1:
        raise _fail("Logs Insights SQL allows one JOIN per SELECT", joins[1], query)
    for join in joins:
        side, kind = (join.side or "").upper(), (join.kind or "").upper()
        if join.args.get("using"):
            raise _fail("JOIN ... USING is not supported; write ON a.x = b.y", join, query)
        if not join.args.get("on"):
            if kind in ("", "CROSS") and not side:
                raise _fail(
                    "a comma list of log groups (or a CROSS JOIN) is not supported; use "
                    "`logGroups(logGroupIdentifier: [...])` or INNER JOIN / LEFT OUTER JOIN ... ON",
                    join,
                    query,
                )
            raise _fail("a JOIN needs an ON condition", join, query)
        if not ((side == "" and kind == "INNER") or (side == "LEFT" and kind in ("", "OUTER"))):
            raise _fail("state the join as INNER JOIN or LEFT OUTER JOIN (the kinds Logs Insights runs)", join, query)
    source = select.args.get("from_") or select.args.get("from")
    if source is None:
        raise _fail("a query must read a log group: SELECT ... FROM `group`", select, query)
    for item in [source.this] + [join.this for join in joins]:
        if isinstance(item, exp.Table):
            if item.args.get("db") or item.args.get("catalog") or not isinstance(item.this, exp.Identifier):
                raise _fail("FROM names a log group: FROM `group-name`", item, query)
        elif not isinstance(item, exp.Subquery):
            raise _fail("FROM takes a log group or a subquery", item, query)


def _check_constant_call(func: exp.Func, query: str) -> None:
    if isinstance(func, _CONSTANT_OK) or (isinstance(func, exp.If) and isinstance(func.parent, exp.Case)):
        return
    if _synthesized(func) and isinstance(func.parent, exp.Func) and func.parent.find(exp.Column) is not None:
        return  # datediff(field, '2009-07-30'): sqlglot wraps the literal in a call of its own
    args = [value for key, value in func.args.items() if (value is not None and key != "this") or key == "this"]
    has_args = any(isinstance(arg, exp.Expr) or (isinstance(arg, list) and arg) for arg in args if arg is not None)
    if not has_args:
        return
    if func.find(exp.Column, exp.Star) is None and not _inside_window(func):
        raise _fail(
            f"{_name(func)}() applies only to constants; Logs Insights SQL requires functions to apply to fields",
            func,
            query,
        )


def _synthesized(func: exp.Func) -> bool:
    """A call sqlglot built around an argument (it has no position in the query text)."""
    return "start" not in (getattr(func, "_meta", None) or {})


def _inside_window(func: exp.Func) -> bool:
    return isinstance(func.parent, exp.Window) and func.parent.this is func
