"""Rejected forms: AWS's restrictions, the read-only whitelist, syntax errors with character offsets."""

from __future__ import annotations

import pytest

from aiaudit.core.errors import InputError, QuerySyntaxError, SourceError
from aiaudit.query.sql import check, run_sql

TWO_JOINS = (
    "SELECT a.requestID FROM cloudtrail a INNER JOIN invocations b ON a.requestID = b.requestId "
    "INNER JOIN spans c ON a.requestID = c.traceId"
)
NESTED = "SELECT n FROM (SELECT n FROM (SELECT COUNT(*) AS n FROM cloudtrail) a) b"
TWO_STATEMENTS = "SELECT eventName FROM cloudtrail; SELECT requestId FROM invocations"

# (id, query, words the message must contain, expected offset: an int, a substring whose index it is, or None)
REJECTED: list[tuple[str, str, str, int | str | None]] = [
    ("two-joins", TWO_JOINS, "one JOIN", "spans c"),
    ("nested-subquery", NESTED, "one level", "SELECT COUNT"),
    ("two-statements", TWO_STATEMENTS, "several statements", "SELECT requestId"),
    ("constant-function", "SELECT cos(10) FROM cloudtrail", "constants", 7),
    ("constant-function-beside-field", "SELECT lower('ABC') AS x, eventName FROM cloudtrail", "constants", None),
    ("create-table", "CREATE TABLE x AS SELECT eventName FROM cloudtrail", "only SELECT", None),
    ("drop-table", "DROP TABLE cloudtrail", "only SELECT", None),
    ("insert", "INSERT INTO cloudtrail SELECT * FROM cloudtrail", "only SELECT", None),
    ("delete", "DELETE FROM cloudtrail", "only SELECT", None),
    ("update", "UPDATE cloudtrail SET eventName = 'x'", "only SELECT", None),
    ("copy", "COPY cloudtrail TO 'out.csv'", "only SELECT", None),
    ("attach", "ATTACH 'other.db' AS o", "syntax error", None),
    ("set", "SET enable_external_access = true", "only SELECT", None),
    ("read-csv-from", "SELECT * FROM read_csv('/etc/passwd')", "not supported", None),
    ("read-csv-call", "SELECT read_csv(eventName) FROM cloudtrail", "not supported", "read_csv"),
    ("duckdb-function", "SELECT current_setting(eventName) FROM cloudtrail", "not supported", None),
    ("unknown-function", "SELECT myfunc(eventName) FROM cloudtrail", "not supported", None),
    ("schema-qualified", "SELECT * FROM information_schema.tables", "FROM names a log group", None),
    ("comma-join", "SELECT * FROM cloudtrail, invocations", "comma list", None),
    (
        "right-join",
        "SELECT a.eventName FROM cloudtrail a RIGHT JOIN invocations b ON a.requestID = b.requestId",
        "INNER JOIN or LEFT OUTER JOIN",
        None,
    ),
    (
        "full-join",
        "SELECT a.eventName FROM cloudtrail a FULL OUTER JOIN invocations b ON a.requestID = b.requestId",
        "INNER JOIN or LEFT OUTER JOIN",
        None,
    ),
    ("cross-join", "SELECT a.eventName FROM cloudtrail a CROSS JOIN invocations b", "JOIN", None),
    (
        "bare-join",
        "SELECT a.eventName FROM cloudtrail a JOIN invocations b ON a.requestID = b.requestId",
        "INNER JOIN or LEFT OUTER JOIN",
        None,
    ),
    ("join-using", "SELECT a.eventName FROM cloudtrail a INNER JOIN invocations b USING (requestId)", "JOIN", None),
    ("with-cte", "WITH x AS (SELECT eventName FROM cloudtrail) SELECT * FROM x", "WITH", None),
    ("no-from", "SELECT 1", "FROM", None),
    ("unterminated-string", "SELECT eventName FROM cloudtrail WHERE eventName = 'abc", "unterminated", "'abc"),
    ("unterminated-backtick", "SELECT `eventName FROM cloudtrail", "unterminated", "`eventName"),
    ("syntax", "SELECT eventName FROM cloudtrail WHERE eventName = ", "syntax error", "= "),
    ("empty", "   ", "empty", 0),
    ("too-long", "SELECT eventName FROM cloudtrail WHERE eventName = '" + "x" * 10_000 + "'", "10000", 10_000),
]

STORE_REJECTED: list[tuple[str, str, str, int | str | None]] = [
    ("dotted-without-backticks", "SELECT ct.userIdentity.arn FROM cloudtrail ct", "backticks", "ct.userIdentity"),
    ("case-collision", "SELECT requestID, requestId FROM cloudtrail", "differ only in case", "requestId FROM"),
    (
        "ambiguous-join-field",
        "SELECT eventName FROM cloudtrail ct INNER JOIN invocations inv ON ct.requestID = inv.requestId",
        "ambiguous",
        "eventName",
    ),
    ("unknown-alias", "SELECT zz.eventName FROM cloudtrail ct", "unknown table or alias", "zz."),
    ("bad-loggroups", "SELECT * FROM `logGroups(namePrefix: ['x'])`", "logGroupIdentifier", None),
    ("loggroups-not-strings", "SELECT * FROM `logGroups(logGroupIdentifier: [cloudtrail])`", "quoted names", None),
    ("positional-param", "SELECT eventName FROM cloudtrail WHERE eventName = ?", "named parameters", None),
]


def _expected_offset(query: str, where: int | str | None) -> int | None:
    return query.index(where) if isinstance(where, str) else where


@pytest.mark.parametrize(("query", "words", "where"), [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED])
def test_rejected_by_check(query, words, where):
    with pytest.raises(QuerySyntaxError) as caught:
        check(query)
    assert words in str(caught.value)
    if where is not None:
        assert caught.value.offset == _expected_offset(query, where)


@pytest.mark.parametrize(
    ("query", "words", "where"), [c[1:] for c in STORE_REJECTED], ids=[c[0] for c in STORE_REJECTED]
)
def test_rejected_when_run(golden_store, query, words, where):
    with pytest.raises(QuerySyntaxError) as caught:
        run_sql(golden_store, query, None)
    assert words in str(caught.value)
    if where is not None:
        assert caught.value.offset == _expected_offset(query, where)


@pytest.mark.parametrize("group", ["nope", "_files", "information_schema", "arn:aws:logs:us-east-1:1:log-group:nope"])
def test_unknown_group_is_resource_not_found(golden_store, group):
    with pytest.raises(SourceError, match="does not exist"):
        run_sql(golden_store, f"SELECT * FROM `{group}`", None)


def test_bookkeeping_columns_stay_unreachable(golden_store):
    """A name that is a bookkeeping column reads the JSON field of that name (absent), never the column."""
    frame = run_sql(golden_store, "SELECT `_hash` AS h, `_file_id` AS f FROM cloudtrail LIMIT 1", None).frame
    assert frame.iloc[0].tolist() == [None, None]


def test_missing_and_unknown_parameters_name_the_parameter(golden_store):
    with pytest.raises(InputError, match="eventname"):
        run_sql(golden_store, "SELECT requestID FROM cloudtrail WHERE eventName = :eventname", None)
    with pytest.raises(InputError, match="extra"):
        run_sql(golden_store, "SELECT requestID FROM cloudtrail", None, params={"extra": 1})


@pytest.mark.parametrize("value", [object(), {"a": 1}, [], [[1]], float("nan")])
def test_unsupported_parameter_values(golden_store, value):
    with pytest.raises(InputError, match="'v'"):
        run_sql(golden_store, "SELECT requestID FROM cloudtrail WHERE eventName = :v", None, params={"v": value})


def test_naive_datetime_parameter_refused(golden_store):
    from datetime import datetime

    with pytest.raises(InputError, match="naive"):
        run_sql(
            golden_store,
            "SELECT requestID FROM cloudtrail WHERE eventTime > :t",
            None,
            params={"t": datetime(2026, 1, 1)},
        )


def test_deep_parentheses_are_a_syntax_error_not_a_recursion_error() -> None:
    """Found by fuzzing (atheris): a few hundred '(' raised RecursionError out of sqlglot."""
    from aiaudit.core.errors import QuerySyntaxError as _QuerySyntaxError
    from aiaudit.query.sql import translate as _translate

    with pytest.raises(_QuerySyntaxError, match="nested too deeply"):
        _translate("SELECT " + "(" * 3000 + "1" + ")" * 3000 + " FROM `cloudtrail`")
