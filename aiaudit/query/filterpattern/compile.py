"""A parsed filter pattern → a DuckDB boolean expression over one store table, with AWS's matching rules.

Why SQL: back-testing a metric filter over months of CloudTrail is a scan with a WHERE clause; compiled, it
runs inside DuckDB on the store's typed hot columns at column speed. Values from the pattern are DuckDB
prepared parameters (``$fp0``...), never query text.

AWS semantics kept here (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html),
which differ from Logs Insights' ``filter``:

* a comparison on an absent field does not match, **including** ``!=`` (``{ $.x != "a" }`` is false when
  there is no ``x``); so is a comparison on an object, an array or a JSON ``null`` (the selector must point
  to a value node). Only ``NOT EXISTS`` matches an absent field and only ``IS NULL`` a ``null``;
* ``*`` is a wildcard at the start or end of a string value (``*Event``, ``Event*``, ``*vent*``; ``*`` alone
  matches any value); inside a value it is an ordinary character ("Ev*ent will only match the actual
  string Ev*ent", https://github.com/awsdocs/amazon-cloudwatch-logs-user-guide, FilterAndPatternSyntax.md);
* an unquoted number compares numerically (``{ $.statusCode = 401 }``); text that is not a number never
  compares numerically, so ``{ $.code != 500 }`` is false for ``"code": "AccessDenied"``;
* ``%regex%`` matches anywhere in the value (or the message), case-sensitively, like every match;
* a JSON pattern never matches an event that is not JSON.

One deliberate difference, from the store: hot columns keep JSON scalars as text, so a number written as a
string (``"401"``) compares like the number and ``= true`` matches a boolean ``true``.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import duckdb
from sqlglot import exp

from aiaudit.query.filterpattern.nodes import (
    And,
    Comparison,
    DelimitedPattern,
    Expr,
    JsonPattern,
    MatchAll,
    Or,
    Pattern,
    RegexPattern,
    Selector,
    TermPattern,
    Unary,
    Value,
)
from aiaudit.query.filterpattern.parser import parse, parse_selector
from aiaudit.query.sql.fields import field_expression, hot_column, json_field

MESSAGE = '"@message"'
#: ``json_type`` of the nodes a comparison can read (a "value node"; booleans too, see the module doc).
_SCALAR_TYPES = "('VARCHAR', 'BIGINT', 'UBIGINT', 'DOUBLE', 'BOOLEAN')"
#: Space-delimited fields: a ``[...]`` group, a ``"..."`` group, or a run of non-spaces.
_DELIMITED_TOKENS = r'\[[^\]]*\]|"[^"]*"|[^ ]+'


@dataclass(frozen=True)
class FieldSQL:
    """How one selector reads in SQL: its value as text, its JSON type (``json_type``), and whether the
    value comes from a typed hot column rather than from ``@message``."""

    value: str
    kind: str
    hot: bool


def field_sql(pipeline: str, selector: Selector, table_columns: Collection[str] | None) -> FieldSQL:
    """The one place a filter-pattern selector becomes SQL.

    Field resolution is the SQL engine's (``aiaudit.query.sql.fields``: hot column when the store has one,
    else ``@message`` over every way the dotted name splits into keys), so a pattern reads exactly the field
    a Logs Insights query of the same name reads. The JSON type is read from ``@message`` through the same
    key candidates (``json_field`` with ``json_type`` in place of ``json_extract_string``).
    """
    name = selector.dotted
    columns = set(table_columns) if table_columns is not None else None
    value = field_expression(pipeline, name, columns).sql(dialect="duckdb")

    def as_type(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Anonymous) and str(node.this).lower() == "json_extract_string":
            return exp.Anonymous(this="json_type", expressions=[arg.copy() for arg in node.expressions])
        return node

    kind = json_field(exp.column("@message", quoted=True), name).transform(as_type).sql(dialect="duckdb")
    return FieldSQL(value=value, kind=kind, hot=hot_column(pipeline, name, columns))


@dataclass
class Compiled:
    """A WHERE fragment (``sql``), its prepared parameters, and whether it parses ``@message`` as JSON."""

    sql: str
    params: dict[str, Any] = field(default_factory=dict)
    reads_message: bool = False


class _Compiler:
    def __init__(self, pipeline: str, table_columns: Collection[str] | None, prefix: str) -> None:
        self.pipeline = pipeline
        self.columns = table_columns
        self.prefix = prefix
        self.params: dict[str, Any] = {}
        self.reads_message = False

    def bind(self, value: Any) -> str:
        name = f"{self.prefix}{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    # -- patterns ---------------------------------------------------------------------------------
    def pattern(self, pattern: Pattern) -> str:
        if isinstance(pattern, MatchAll):
            return "TRUE"
        if isinstance(pattern, TermPattern):
            return self.terms(pattern)
        if isinstance(pattern, RegexPattern):
            return f"regexp_matches({MESSAGE}, {self.bind(pattern.regex.text)})"
        if isinstance(pattern, JsonPattern):
            cond = self.expr(pattern.expr, self.json_leaf)
            if self.reads_message:
                return f"(CASE WHEN json_valid({MESSAGE}) THEN COALESCE({cond}, FALSE) ELSE FALSE END)"
            return f"COALESCE({cond}, FALSE)"
        return self.delimited(pattern)

    def terms(self, pattern: TermPattern) -> str:
        every = [f"contains({MESSAGE}, {self.bind(t.text)})" for t in pattern.terms if t.mode == "all"]
        anyof = [f"contains({MESSAGE}, {self.bind(t.text)})" for t in pattern.terms if t.mode == "any"]
        none = [f"NOT contains({MESSAGE}, {self.bind(t.text)})" for t in pattern.terms if t.mode == "none"]
        parts = every + ([f"({' OR '.join(anyof)})"] if anyof else []) + none
        return f"COALESCE({' AND '.join(parts)}, FALSE)" if parts else "TRUE"

    def delimited(self, pattern: DelimitedPattern) -> str:
        tokens = f"regexp_extract_all({MESSAGE}, {self.bind(_DELIMITED_TOKENS)})"
        stripped = (
            f"list_transform({tokens}, lambda t: CASE WHEN length(t) > 1 AND ((t[1] = '[' AND t[-1] = ']') "
            "OR (t[1] = '\"' AND t[-1] = '\"')) THEN substr(t, 2, length(t) - 2) ELSE t END)"
        )
        slots = pattern.slots
        cut = next((i for i, s in enumerate(slots) if s.ellipsis), None)
        positions: dict[str, str] = {}
        for index, slot in enumerate(slots):
            if slot.name is None:
                continue
            if cut is None or index < cut:
                positions[slot.name] = f"_toks[{index + 1}]"
            else:
                from_end = len(slots) - index
                positions[slot.name] = f"_toks[len(_toks) - {from_end - 1}]"
        count = f"len(_toks) = {len(slots)}" if cut is None else f"len(_toks) >= {len(slots) - 1}"
        cond = "TRUE"
        if pattern.condition is not None:
            cond = self.expr(pattern.condition, lambda leaf: self.field_leaf(leaf, positions))
        return f"COALESCE((SELECT {count} AND {cond} FROM (SELECT {stripped} AS _toks)), FALSE)"

    # -- conditions -------------------------------------------------------------------------------
    def expr(self, node: Expr, leaf: Any) -> str:
        if isinstance(node, And):
            return f"({self.expr(node.left, leaf)} AND {self.expr(node.right, leaf)})"
        if isinstance(node, Or):
            return f"({self.expr(node.left, leaf)} OR {self.expr(node.right, leaf)})"
        return f"COALESCE({leaf(node)}, FALSE)"

    def json_leaf(self, node: Comparison | Unary) -> str:
        assert isinstance(node.field, Selector)
        ref = field_sql(self.pipeline, node.field, self.columns)
        if isinstance(node, Unary):
            self.reads_message = True
            if node.check == "NOT EXISTS":
                return f"({ref.kind} IS NULL)"
            if node.check == "NULL":
                return f"({ref.kind} = 'NULL')"
            wanted = "true" if node.check == "TRUE" else "false"
            if ref.hot:
                return f"({ref.value} = '{wanted}')"
            return f"({ref.kind} = 'BOOLEAN' AND {ref.value} = '{wanted}')"
        if ref.hot:
            present = f"{ref.value} IS NOT NULL"
        else:
            self.reads_message = True
            present = f"{ref.kind} IN {_SCALAR_TYPES}"
        return f"({present} AND {self.compare(ref.value, node.op, node.value)})"

    def field_leaf(self, node: Comparison | Unary, positions: dict[str, str]) -> str:
        assert isinstance(node, Comparison) and isinstance(node.field, str)
        value = positions[node.field]
        return f"({value} IS NOT NULL AND {self.compare(value, node.op, node.value)})"

    def compare(self, value: str, op: str, literal: Value) -> str:
        if literal.kind == "number":
            sql_op = "<>" if op == "!=" else op
            return f"TRY_CAST({value} AS DOUBLE) {sql_op} {self.bind(literal.number)}"
        if literal.kind == "regex":
            test = f"regexp_matches({value}, {self.bind(literal.text)})"
        else:
            test = self.wildcard(value, literal.text)
        return test if op == "=" else f"NOT {test}"

    def wildcard(self, value: str, text: str) -> str:
        if text == "*":
            return "TRUE"
        if len(text) >= 2 and text.startswith("*") and text.endswith("*"):
            return f"contains({value}, {self.bind(text[1:-1])})"
        if text.startswith("*"):
            return f"ends_with({value}, {self.bind(text[1:])})"
        if text.endswith("*"):
            return f"starts_with({value}, {self.bind(text[:-1])})"
        return f"{value} = {self.bind(text)}"


def compile_pattern(
    pattern: Pattern | str,
    pipeline: str = "cloudtrail",
    *,
    table_columns: Collection[str] | None = None,
    prefix: str = "fp",
) -> Compiled:
    """``pattern`` (text or parsed) as a WHERE fragment over ``pipeline``'s table.

    ``table_columns`` are the columns the table really has (hot columns the store lacks are read from
    ``@message``); None assumes the schema's hot columns. ``prefix`` names the parameters, so several
    compiled patterns can share one statement.
    """
    parsed = parse(pattern) if isinstance(pattern, str) else pattern
    compiler = _Compiler(pipeline, table_columns, prefix)
    sql = compiler.pattern(parsed)
    return Compiled(sql=sql, params=compiler.params, reads_message=compiler.reads_message)


def metric_value_sql(
    value: str, pattern: Pattern, pipeline: str = "cloudtrail", *, table_columns: Collection[str] | None = None
) -> str:
    """A metric transformation's ``metricValue`` as SQL: a number, or ``$.field`` of a JSON pattern (its value
    as a number; events whose field is not numeric publish nothing, as AWS drops them)."""
    text = value.strip()
    try:
        return repr(float(text))
    except ValueError:
        pass
    if not isinstance(pattern, JsonPattern) or not text.startswith("$."):
        raise ValueError(f"metric value {value!r}: a number, or $.field with a JSON filter pattern")
    ref = field_sql(pipeline, parse_selector(text), table_columns)
    return f"TRY_CAST({ref.value} AS DOUBLE)"


def matches(pattern: Pattern | str, messages: list[str]) -> list[bool]:
    """Whether each log event message matches, as CloudWatch Logs' ``TestMetricFilter`` answers.

    Runs the compiled SQL on an in-memory table with only ``@message`` (no hot columns), so every field is
    read from the JSON text, exactly as AWS sees the event.
    """
    compiled = compile_pattern(pattern, "cloudtrail", table_columns={"@message"})
    con = duckdb.connect()
    try:
        con.execute('CREATE TABLE events (i INTEGER, "@message" VARCHAR)')
        con.executemany("INSERT INTO events VALUES (?, ?)", list(enumerate(messages)))
        rows = con.execute(f"SELECT i, {compiled.sql} FROM events ORDER BY i", compiled.params).fetchall()
    finally:
        con.close()
    return [bool(hit) for _, hit in rows]


#: Text that appears verbatim in a JSON event's message when a string value equals it (no escaping needed).
_PLAIN_TEXT = re.compile(r"[A-Za-z0-9.:/@=+-]{3,}")

#: A necessary condition on a message's text: a substring, ("and", parts), ("or", parts), or None (no condition).
Necessary = str | tuple[str, list["Necessary"]] | None


def necessary_text(pattern: Pattern | str) -> Necessary:
    """Substrings an event's message must contain for ``pattern`` to match it (a superset test that a remote
    engine can run cheaply before the exact match: ``@message LIKE '%bedrock.amazonaws.com%'``).

    Only plain string values are used (a JSON string equal to them appears in the text unescaped); numbers,
    regexes, ``!=`` and the unary checks add no condition."""
    parsed = parse(pattern) if isinstance(pattern, str) else pattern
    if isinstance(parsed, TermPattern):
        every: list[Necessary] = [t.text for t in parsed.terms if t.mode == "all" and _PLAIN_TEXT.fullmatch(t.text)]
        anyof = [t.text for t in parsed.terms if t.mode == "any"]
        if anyof and all(_PLAIN_TEXT.fullmatch(text) for text in anyof):
            every.append(("or", list(anyof)))
        return _combine("and", every)
    if isinstance(parsed, JsonPattern):
        return _necessary(parsed.expr)
    return None


def _necessary(node: Expr) -> Necessary:
    if isinstance(node, And):
        return _combine("and", [_necessary(node.left), _necessary(node.right)])
    if isinstance(node, Or):
        left, right = _necessary(node.left), _necessary(node.right)
        return None if left is None or right is None else _combine("or", [left, right])
    if isinstance(node, Comparison) and node.op == "=" and node.value.kind == "string":
        text = node.value.text.strip("*")
        return text if "*" not in text and _PLAIN_TEXT.fullmatch(text) else None
    return None


def _combine(kind: str, parts: list[Necessary]) -> Necessary:
    kept: list[Necessary] = [p for p in parts if p is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else (kind, kept)
