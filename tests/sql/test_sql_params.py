"""Parameters: typed, bound as DuckDB prepared parameters or rendered by aiaudit.query.quoting, never structure.

Hypothesis throws hostile values (quotes, backslashes, newlines, backticks, comment markers, unicode
confusables, NUL) at both paths and checks the value comes back as data, exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import duckdb
import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rows import rows
from sqlkit import TinyStore

from aiaudit.query.cwli import bind_text as bind_cwli
from aiaudit.query.cwli import names as cwli_params
from aiaudit.query.quoting import cwli_literal, sql_literal
from aiaudit.query.sql import run_sql, translate
from aiaudit.query.sql.dialect import LogsInsightsSQL

PIECES = ["'", '"', "\\", "`", "\n", "\r", "\x00", "*/", "/*", "--", ";", "’", "ʼ", "＇", "‘", "$", ":", "{{", "}}"]
PIECES += ["a", " ", "\u2028", "😀", "%", "_", "?", "$1", ":v"]
HOSTILE = st.one_of(st.text(), st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def one_row_store():
    return TinyStore({"cloudtrail": [{"eventName": "Only", "eventTime": "2026-01-01T00:00:00Z", "requestID": "r1"}]})


@pytest.fixture(scope="module")
def scratch_store():
    return TinyStore({})


@SETTINGS
@given(value=HOSTILE)
def test_prepared_value_round_trips(one_row_store, value):
    result = run_sql(one_row_store, "SELECT :v AS v FROM cloudtrail LIMIT 1", None, params={"v": value})
    assert list(result.frame.columns) == ["v"]
    assert result.frame.iloc[0, 0] == value


@SETTINGS
@given(value=HOSTILE)
def test_inline_value_round_trips(one_row_store, value):
    sql = translate("SELECT :v AS v FROM cloudtrail LIMIT 1", params={"v": value})
    got = one_row_store.connection().execute(sql).fetchall()
    assert got == [(value,)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=HOSTILE)
def test_hostile_value_matches_only_itself(scratch_store, value):
    store = scratch_store
    store.connection().execute("DELETE FROM cloudtrail")
    store.add(
        "cloudtrail", [{"eventName": value, "requestID": "same"}, {"eventName": value + "x", "requestID": "other"}]
    )
    query = "SELECT requestID FROM cloudtrail WHERE eventName = :v"
    assert rows(run_sql(store, query, None, params={"v": value}).frame) == [("same",)]
    inline = translate(query, params={"v": value})
    assert store.connection().execute(inline).fetchall() == [("same",)]


@SETTINGS
@given(value=HOSTILE)
def test_spark_rendering_parses_back_to_one_literal(value):
    """The AWS backend's text: the Spark literal is one string token whose value is exactly v."""
    text = f"SELECT eventName FROM `cloudtrail` WHERE eventName = {sql_literal(value, dialect='spark')}"
    tree = sqlglot.parse_one(text, read=LogsInsightsSQL)
    literal = tree.args["where"].this.expression
    assert isinstance(literal, sqlglot.exp.Literal) and literal.is_string
    assert literal.this == value
    assert all(32 <= ord(c) < 127 for c in sql_literal(value, dialect="spark"))


@SETTINGS
@given(value=HOSTILE)
def test_cwli_rendering_is_one_quoted_string(value):
    text = cwli_literal(value)
    assert text.startswith('"') and text.endswith('"')
    body = text[1:-1]
    # every quote inside is escaped, and no raw line break survives
    i = 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        assert body[i] not in '"\n\r'
        i += 1


def test_typed_parameters(golden_store):
    q = "SELECT requestID FROM cloudtrail WHERE {} ORDER BY requestID"

    def ids(where, **params):
        return [r[0] for r in rows(run_sql(golden_store, q.format(where), None, params=params).frame)]

    assert ids("eventName = :e", e="Converse") == ["req-2"]
    assert ids("`responseElements.statusCode` >= :c", c=400) == ["req-3", "req-4"]
    assert ids("`responseElements.statusCode` >= :c", c=401.5) == ["req-4"]
    assert ids("readOnly = :b", b=True) == ["req-8"]
    assert ids("`@timestamp` >= :t", t=datetime(2026, 1, 1, 0, 5, tzinfo=UTC)) == ["req-6", "req-7", "req-8"]
    assert ids("eventTime < :t", t=datetime(2026, 1, 1, 2, 2, tzinfo=timezone(timedelta(hours=2)))) == [
        "req-1",
        "req-2",
    ]
    assert ids("eventName IN :names", names=["Converse", "GetObject"]) == ["req-2", "req-8"]
    assert ids("eventName IN (:names)", names=("Converse",)) == ["req-2"]
    assert ids("`responseElements.statusCode` IN :codes", codes=[401, 403]) == ["req-3", "req-4"]
    assert ids("errorCode <=> :n", n=None) == ["req-1", "req-3", "req-4", "req-5", "req-6", "req-8"]


def test_inline_and_prepared_agree(golden_store):
    query = "SELECT requestID FROM cloudtrail WHERE eventName IN :n AND `responseElements.statusCode` < :c"
    params = {"n": ["InvokeGateway", "x'y"], "c": 402}
    prepared = rows(run_sql(golden_store, query, None, params=params).frame)
    inline = golden_store.connection().execute(translate(query, params=params)).fetchall()
    assert sorted(prepared) == sorted(inline) == [("req-3",), ("req-5",)]


def test_inline_text_shows_values_not_placeholders():
    sql = translate("SELECT eventName FROM cloudtrail WHERE eventName = :v", params={"v": "it's"})
    assert "'it''s'" in sql and "$v" not in sql


def test_duckdb_literal_with_nul_runs():
    value = "a\x00b'c"
    assert duckdb.connect().execute(f"SELECT {sql_literal(value)}").fetchall() == [(value,)]


@pytest.mark.parametrize(
    ("value", "spark", "cwli"),
    [
        ("it's", "'it\\'s'", '"it\'s"'),
        ("a\\b", "'a\\\\b'", '"a\\\\b"'),
        ("l1\nl2", "'l1\\u000al2'", '"l1\\nl2"'),
        (401, "401", "401"),
        (0.5, "0.5", "0.5"),
        (True, "TRUE", "true"),
        (["a", 1], "('a', 1)", '["a", 1]'),
        (
            datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
            "'2026-01-01T00:00:00Z'",
            '"2026-01-01T00:00:00Z"',
        ),
    ],
)
def test_literals_by_hand(value, spark, cwli):
    assert sql_literal(value, dialect="spark") == spark
    assert cwli_literal(value) == cwli


def test_cwli_binding():
    query = "fields @timestamp | filter eventName = {{name}} and code in {{codes}} | limit {{ n }}"
    assert cwli_params(query) == ["name", "codes", "n"]
    bound = bind_cwli(query, {"name": 'x"}}{{y', "codes": [401, "403"], "n": 5})
    assert bound == 'fields @timestamp | filter eventName = "x\\"}}{{y" and code in [401, "403"] | limit 5'
    with pytest.raises(Exception, match="codes"):
        bind_cwli(query, {"name": "x", "n": 1})


@SETTINGS
@given(value=HOSTILE, number=st.integers(-(2**62), 2**62))
def test_bind_text_for_aws_keeps_values_as_data(value, number):
    from aiaudit.query.sql import bind_text, check

    query = "SELECT eventName AS e FROM `cloudtrail` WHERE eventName = :v AND `responseElements.statusCode` > :n"
    text = bind_text(query, {"v": value, "n": number})
    assert text.startswith("SELECT eventName AS e FROM `cloudtrail` WHERE eventName = '")
    where = check(text).args["where"].this
    assert where.this.expression.this == value
    assert int(where.expression.expression.sql()) == number


def test_bind_text_lists_and_untouched_text():
    from aiaudit.query.sql import bind_text

    query = "SELECT eventName FROM `cloudtrail` WHERE eventName IN :names AND awsRegion IN (:r) AND x = ':kept'"
    assert bind_text(query, {"names": ["a", "b'"], "r": ("eu",)}) == (
        "SELECT eventName FROM `cloudtrail` WHERE eventName IN ('a', 'b\\'') AND awsRegion IN ('eu') AND x = ':kept'"
    )


def test_translate_with_store_matches_run(golden_store):
    query = "SELECT requestID FROM cloudtrail WHERE `responseElements.statusCode` >= :c ORDER BY requestID"
    sql = translate(query, params={"c": 400}, store=golden_store)
    assert golden_store.connection().execute(sql).fetchall() == [("req-3",), ("req-4",)]


def test_limit_takes_a_parameter(golden_store):
    """Regression: ``LIMIT :n`` left ``$n`` unbound ("Values were not provided ... limit")."""
    from aiaudit.query.sql import run_sql

    query = "SELECT eventID FROM `cloudtrail` ORDER BY eventID LIMIT :n"
    everything = run_sql(golden_store, "SELECT eventID FROM `cloudtrail` ORDER BY eventID", None).frame
    got = run_sql(golden_store, query, None, params={"n": 2}).frame
    assert list(got["eventID"]) == list(everything["eventID"])[:2]


def test_list_parameter_is_a_whole_in_list_only(golden_store):
    """One binder decides where a list may stand, for the text AWS receives and the local engine alike."""
    from aiaudit.core.errors import InputError
    from aiaudit.query.sql import bind_text

    query = "SELECT requestID FROM cloudtrail WHERE eventName = :names"
    with pytest.raises(InputError, match="whole IN list"):
        bind_text(query, {"names": ["a", "b"]})
    with pytest.raises(InputError, match="whole IN list"):
        run_sql(golden_store, query, None, params={"names": ["a", "b"]})
    assert bind_text("SELECT 1 FROM cloudtrail WHERE x NOT IN (:n)", {"n": [1, 2]}).endswith("NOT IN (1, 2)")
