"""Fuzzing the classic-QL front end with hypothesis, and hostile ``{{name}}`` values (the same hostile
strategy as the SQL parameters' harness, tests/sql/test_sql_params.py).

Properties: any text either parses or raises :class:`QuerySyntaxError` with an offset inside the text;
a query that parses and compiles runs on DuckDB without an engine failure (a failure would be SQL the
compiler wrote wrongly); a parameter value stays one literal whatever it contains, in the rendered
text and in what the query matches.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kit import printed, run
from sqlkit import TinyStore
from test_sql_params import HOSTILE

from aiaudit.core.errors import InputError, QueryFailed, QuerySyntaxError, SourceError
from aiaudit.query.cwli import ast, bind_text, parse, tokenize, translate
from aiaudit.query.quoting import cwli_literal

#: Pieces a query is assembled from: commands, names, functions, operators, literals, and debris.
WORDS = [
    "fields", "display", "filter", "stats", "sort", "limit", "parse", "dedup", "unnest", "SOURCE", "unmask",
    "pattern", "where", "by", "as", "asc", "desc", "and", "or", "not", "in", "like", "into", "true", "false",
    "count(*)", "count", "sum", "avg", "min", "max", "pct", "stddev", "earliest", "latest", "sortsFirst",
    "count_distinct", "bin", "datefloor", "dateceil", "abs", "strlen", "substr", "concat", "ispresent",
    "coalesce", "isempty", "strcontains", "isIpInSubnet", "jsonParse", "toMillis", "fromMillis", "logGroups",
    "namePrefix", "user", "tokens", "latency", "@timestamp", "@message", "ip", "tags", "nested.a.b", "`foo-bar`",
    "j", "j.tags", "t", "n",
    "|", "(", ")", "[", "]", ",", ":", "=", "!=", "<", "<=", ">", ">=", "=~", "+", "-", "*", "/", "%", "^",
    "1", "0", "200", "1.5", "5m", "1h", "300s", "1mo", '"alice"', "'bob'", '"[*] user=*"', "/a.c/", "/(?<w>\\w+)/",
    "/(?i)info/", '""', "#", "\n", "{{x}}", "{", "!", "'", '"', "`", "/",
]  # fmt: skip
QUERIES = st.lists(st.sampled_from(WORDS), min_size=1, max_size=14).map(" ".join)

# --- well-formed queries, built from the grammar, to reach the compiler and DuckDB ----------------------
FIELDS = ["user", "tokens", "latency", "status", "ip", "msg", "flag", "tags", "nested.a.b", "`foo-bar`", "@timestamp"]
FIELDS += ["@message", "nothere", "empty"]
LEAVES = st.one_of(
    st.sampled_from(FIELDS),
    st.integers(-5, 500).map(str),
    st.sampled_from(['"alice"', '"10.0.0.0/8"', '""', "1.5", "true", "false", '"2026-01-01T00:05:00Z"']),
)
SCALARS = {
    "abs": 1, "ceil": 1, "floor": 1, "sqrt": 1, "log": 1, "round": 1, "greatest": 2, "least": 2, "ispresent": 1,
    "coalesce": 2, "isempty": 1, "isblank": 1, "concat": 2, "ltrim": 1, "rtrim": 2, "trim": 1, "strlen": 1,
    "toupper": 1, "tolower": 1, "substr": 3, "replace": 3, "strcontains": 2, "frommillis": 1, "tomillis": 1,
    "isValidIp": 1, "isIpInSubnet": 2, "jsonParse": 1, "unmask": 1,
}  # fmt: skip


def _expressions(children):
    binary = st.tuples(
        children, st.sampled_from(["+", "-", "*", "/", "%", "^", "=", "!=", "<", ">=", "and", "or"]), children
    ).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    calls = st.sampled_from(sorted(SCALARS)).flatmap(
        lambda name: st.lists(children, min_size=SCALARS[name], max_size=SCALARS[name]).map(
            lambda args: f"{name}({', '.join(args)})"
        )
    )
    others = st.one_of(
        children.map(lambda c: f"not {c}"),
        children.map(lambda c: f"-{c}"),
        children.map(lambda c: f'{c} like "a"'),
        children.map(lambda c: f"{c} =~ /(?i)l+/"),
        children.map(lambda c: f'{c} in [1, "alice", 200]'),
        children.map(lambda c: f"datefloor({c}, 5m)"),
    )
    return st.one_of(binary, calls, others)


EXPRESSIONS = st.recursive(LEAVES, _expressions, max_leaves=6)
AGGREGATES = st.tuples(
    st.sampled_from(["count", "count_distinct", "sum", "avg", "min", "max", "stddev", "earliest", "latest",
                     "sortsFirst", "sortsLast"]),
    EXPRESSIONS,
).map(lambda t: f"{t[0]}({t[1]})")  # fmt: skip
NAMES = st.sampled_from(["a", "b", "c", "user", "tokens"])
COMMAND = st.one_of(
    st.tuples(EXPRESSIONS, NAMES).map(lambda t: f"fields {t[0]} as {t[1]}"),
    EXPRESSIONS.map(lambda e: f"filter {e}"),
    st.tuples(AGGREGATES, EXPRESSIONS).map(lambda t: f"stats {t[0]} as s by {t[1]} as g"),
    st.tuples(AGGREGATES, st.sampled_from(["5m", "1h", "1d", "1mo"])).map(
        lambda t: f"stats {t[0]} as s by bin({t[1]})"
    ),
    st.tuples(EXPRESSIONS, st.sampled_from(["asc", "desc", ""])).map(lambda t: f"sort {t[0]} {t[1]}"),
    st.integers(1, 5).map(lambda n: f"limit {n}"),
    st.just('parse msg "[*] user=* *" as a, b, c'),
    st.just("parse msg /user=(?<a>\\w+)/"),
    st.just("unnest tags into t"),
    st.sampled_from(FIELDS).map(lambda f: f"display {f}"),
    st.sampled_from(["user", "tokens", "ip"]).map(lambda f: f"dedup {f}"),
)
PIPELINES = st.lists(COMMAND, min_size=1, max_size=4).map(" | ".join)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(text=st.one_of(QUERIES, st.text(max_size=60)))
def test_parser_raises_only_syntax_errors_with_an_offset(text):
    try:
        tree = parse(text)
    except QuerySyntaxError as exc:
        assert exc.offset is not None and 0 <= exc.offset <= len(text)
        assert exc.query == text
        return
    assert isinstance(tree, ast.Query) and tree.commands


@SETTINGS
@given(text=st.one_of(QUERIES, PIPELINES))
def test_compiled_queries_run(store, text):
    """Whatever compiles runs: the engine never fails on SQL the compiler wrote."""
    try:
        run(store, text)
    except (QuerySyntaxError, InputError, SourceError):
        pass
    except QueryFailed as exc:  # pragma: no cover - a compiler bug; hypothesis shows the query
        pytest.fail(f"the compiled SQL failed for {text!r}: {exc}")


@SETTINGS
@given(text=st.one_of(QUERIES, st.text(max_size=60)))
def test_lenient_lexer_never_fails_but_on_open_quotes(text):
    """The binder's lexer reads any text; only a quote or regex left open is an error."""
    try:
        list(tokenize(text, lenient=True))
    except QuerySyntaxError as exc:
        assert "unterminated" in exc.reason


HOSTILE_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@HOSTILE_SETTINGS
@given(value=HOSTILE)
def test_hostile_value_is_one_literal_in_the_text(value):
    query = "filter user = {{v}} | fields {{v}} as copy"
    text = bind_text(query, {"v": value})
    literal = cwli_literal(value)
    assert text == f"filter user = {literal} | fields {literal} as copy"
    tree = parse(text)
    assert len(tree.commands) == 2  # no value opened a new command
    condition = tree.commands[0].expr
    assert isinstance(condition, ast.Compare) and isinstance(condition.right, ast.String)
    assert condition.right.value == value
    copy = tree.commands[1].items[0]
    assert isinstance(copy.expr, ast.String) and copy.expr.value == value and copy.alias.name == "copy"


@HOSTILE_SETTINGS
@given(values=st.lists(HOSTILE, min_size=1, max_size=4))
def test_hostile_list_is_one_list(values):
    text = bind_text("filter user in {{v}}", {"v": values})
    condition = parse(text).commands[0].expr
    assert isinstance(condition, ast.In) and [item.value for item in condition.items] == values


@pytest.fixture(scope="module")
def scratch():
    return TinyStore({})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=HOSTILE)
def test_hostile_value_matches_only_itself(scratch, value):
    scratch.connection().execute("DELETE FROM cloudtrail")
    scratch.add("cloudtrail", [{"user": value, "requestID": "same"}, {"user": value + "x", "requestID": "other"}])
    _, rows = printed(run(scratch, "filter user = {{v}} | fields requestID", v=value))
    assert rows == [("same",)]
    sql = translate("filter user = {{v}} | fields requestID", params={"v": value}, log_groups=["cloudtrail"])
    assert [r[0] for r in scratch.connection().execute(sql).fetchall()] == ["same"]


def test_placeholder_inside_quotes_regex_or_comment_is_text():
    query = 'filter a = "{{x}}" and b like /{{x}}/ and `{{x}}` = 1 # {{x}}\n| fields c'
    assert bind_text(query, {}) == query  # nothing to bind: none of them is a placeholder
    with pytest.raises(InputError, match="does not use it"):
        bind_text(query, {"x": 1})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.text(alphabet="ab_-.:01239 ", max_size=8), min_size=2, max_size=12, unique=True))
def test_python_natural_order_is_the_engines(scratch, values):
    """The AWS backend re-sorts merged chunks with natural_sort_key; it must order as the engine does."""
    from aiaudit.query.cwli.values import natural_sort_key

    scratch.connection().execute("DELETE FROM cloudtrail")
    scratch.add("cloudtrail", [{"label": v, "eventTime": "2026-01-01T00:00:00Z"} for v in values])
    _, rows = printed(run(scratch, "sort label asc | fields label"))
    engine = [r[0] for r in rows]
    python = sorted(values, key=natural_sort_key)
    # values the order ties (01 and 1) may come back in either order: compare their keys
    assert [natural_sort_key(v) for v in engine] == [natural_sort_key(v) for v in python]
