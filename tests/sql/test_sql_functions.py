"""Every function docs/sql.md lists runs on the store (values of the common ones are in the conformance
suite); functions outside the list are refused by name."""

from __future__ import annotations

import pytest
from rows import rows

from aiaudit.core.errors import QuerySyntaxError
from aiaudit.query.sql import run_sql

S, T, N = "eventName", "`@timestamp`", "`additionalEventData.inputTokens`"
CALLS = {
    "lower": f"lower({S})", "upper": f"upper({S})", "length": f"length({S})", "ltrim": f"ltrim({S})",
    "rtrim": f"rtrim({S})", "concat_ws": f"concat_ws('-', {S}, {S})", "substr": f"substr({S}, 2, 3)",
    "left": f"left({S}, 2)", "right": f"right({S}, 2)", "locate": f"locate('o', {S})",
    "regexp_replace": f"regexp_replace({S}, 'o', '0')", "reverse": f"reverse({S})", "repeat": f"repeat({S}, 2)",
    "lpad": f"lpad({S}, 20, '*')", "rpad": f"rpad({S}, 20, '*')", "initcap": f"initcap({S})",
    "startswith": f"startswith({S}, 'I')", "endswith": f"endswith({S}, 'l')", "contains": f"contains({S}, 'M')",
    "ascii": f"ascii({S})", "md5": f"md5({S})", "sha1": f"sha1({S})", "sha2": f"sha2({S}, 256)",
    "format_string": f"format_string('%s!', {S})", "translate": f"translate({S}, 'ol', '01')",
    "levenshtein": f"levenshtein({S}, requestID)", "abs": f"abs({N})", "ceil": f"ceil({N} / 3)",
    "floor": f"floor({N} / 3)", "sqrt": f"sqrt({N})", "exp": f"exp({N} / 10)", "ln": f"ln({N})",
    "log10": f"log10({N})", "log2": f"log2({N})", "pow": f"pow({N}, 2)", "sign": f"sign({N})",
    "least": f"least({N}, 3)", "cos": f"cos({N})", "pmod": f"pmod({N}, 3)", "month": f"month({T})",
    "day": f"day({T})", "second": "second(eventTime)", "dayofweek": f"dayofweek({T})",
    "dayofyear": "dayofyear(eventTime)", "weekofyear": f"weekofyear({T})", "quarter": f"quarter({T})",
    "to_timestamp": "to_timestamp(eventTime)", "date_add": f"date_add({T}, 1)", "date_sub": "date_sub(eventTime, 1)",
    "datediff": f"datediff({T}, eventTime)", "add_months": f"add_months({T}, 1)", "last_day": f"last_day({T})",
    "months_between": f"months_between({T}, {T})", "unix_seconds": f"unix_seconds({T})",
    "unix_millis": f"unix_millis({T})", "timestamp_seconds": f"timestamp_seconds({N})",
    "timestamp_millis": f"timestamp_millis({N})", "from_utc_timestamp": f"from_utc_timestamp({T}, 'UTC')",
    "to_utc_timestamp": f"to_utc_timestamp({T}, 'UTC')", "nvl2": "nvl2(errorCode, 1, 0)",
    "ifnull": "ifnull(errorCode, 'x')", "nullif": f"nullif({S}, 'x')",
    "json_extract": "json_extract(`@message`, '$.a')", "json_object_keys": "json_object_keys(`@message`)",
    "json_array_length": "json_array_length(get_json_object(`@message`, '$.x'))",
    "array_contains": f"array_contains(split({S}, 'o'), 'InvokeM')", "element_at": f"element_at(split({S}, 'o'), 1)",
    "array_join": f"array_join(split({S}, 'o'), '|')", "sort_array": f"sort_array(split({S}, 'o'))",
    "array_distinct": f"array_distinct(split({S}, 'o'))", "cardinality": f"cardinality(split({S}, 'o'))",
    "try_cast": f"TRY_CAST({S} AS INT)", "string": f"string({N})", "int": f"int({N})", "double": f"double({N})",
    "boolean": "boolean(readOnly)", "current_timestamp": "current_timestamp()", "current_date": "current_date()",
    "now": "now()",
}  # fmt: skip
AGGREGATES = {
    "stddev": f"stddev({N})", "stddev_samp": f"stddev_samp({N})", "stddev_pop": f"stddev_pop({N})",
    "variance": f"variance({N})", "var_pop": f"var_pop({N})", "approx_percentile": f"approx_percentile({N}, 0.5)",
    "percentile": f"percentile({N}, 0.5)", "median": f"median({N})", "mean": f"mean({N})",
    "approx_count_distinct": f"approx_count_distinct({S})", "collect_list": f"collect_list({S})",
    "collect_set": f"collect_set({S})", "first": f"first({S})", "last": f"last({S})", "any_value": f"any_value({S})",
    "max_by": f"max_by({S}, eventTime)", "min_by": f"min_by({S}, eventTime)", "bool_and": f"bool_and({N} > 1)",
    "bool_or": f"bool_or({N} > 1)",
}  # fmt: skip


@pytest.mark.parametrize("call", list(CALLS.values()), ids=list(CALLS))
def test_scalar_function_runs(golden_store, call):
    frame = run_sql(golden_store, f"SELECT {call} AS r FROM cloudtrail WHERE requestID = 'req-1'", None).frame
    assert len(frame) == 1


@pytest.mark.parametrize("call", list(AGGREGATES.values()), ids=list(AGGREGATES))
def test_aggregate_runs(golden_store, call):
    frame = run_sql(golden_store, f"SELECT {call} AS r FROM cloudtrail", None).frame
    assert len(frame) == 1


def test_some_values_by_hand(golden_store):
    query = (
        f"SELECT pmod({N} - 12, 3) AS p, length(sha2({S}, 256)) AS same, "
        f"element_at(split({S}, 'o'), 2) AS part, timestamp_seconds({N}) AS ts FROM cloudtrail "
        "WHERE requestID = 'req-1'"
    )
    assert rows(run_sql(golden_store, query, None).frame) == [(1.0, 64, "keM", "1970-01-01T00:00:10Z")]


@pytest.mark.parametrize(
    "call", ["soundex(eventName)", "read_parquet(eventName)", "getenv(eventName)", "json_tuple(eventName, 'a')"]
)
def test_unlisted_functions_are_refused(golden_store, call):
    with pytest.raises(QuerySyntaxError, match="not supported"):
        run_sql(golden_store, f"SELECT {call} AS r FROM cloudtrail", None)
