"""Every function the local engine accepts returns what the Spark SQL function reference documents.

Reference: *Spark SQL, Built-in Functions*, https://spark.apache.org/docs/latest/api/sql/ — read at the
3.5.0 build (https://spark.apache.org/docs/3.5.0/api/sql/index.html), the Spark line OpenSearch's Spark
integration runs; OpenSearch SQL in CloudWatch Logs Insights follows Spark's semantics.

Each case is one of the page's ``Examples:`` with its literal arguments moved into fields of a record,
because Logs Insights SQL refuses a function applied only to constants (``SELECT lower('A')``). The
expected value is the result the page prints, copied by hand in the page's notation; the test renders the
engine's value the same way (``show``): ``NULL``, ``true``, ``1.0``, ``[1,2,null]``, ``["a","b"]``,
``2016-07-31``, ``2016-12-31 00:12:00``. Where the example's literal is a number, the case casts the
field (``int(n)``) so the argument has the example's type: log fields are JSON text until cast.

A handful of the page's results depend on the session time zone it was rendered in (Spark's build used
America/Los_Angeles): those cases say so and expect the documented instant written in UTC, the zone
Logs Insights works in. Functions whose page entry has no example (the cast functions ``int``,
``double``...) take their value from the entry's one-line description, also written by hand.

Functions sqlglot knows under other dialects' names (``arg_max``, ``json_extract_scalar``,
``ts_or_ds_add`` ...) are not Spark functions, so AWS would refuse them: the engine refuses them too.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlkit import TinyStore

from aiaudit.core.errors import QuerySyntaxError
from aiaudit.query.sql import run_sql, translate
from aiaudit.query.sql.rules import SPARK_FUNCTIONS


@dataclass(frozen=True)
class Case:
    """One documented example: the call with fields for literals, what the page shows, the record(s)."""

    function: str
    call: str
    shows: str | list[str]
    records: list[dict[str, Any]] = field(default_factory=list)
    window: bool = False  # rows of (a, b, result) ordered by a, b, as the page's window examples print


def one(function: str, call: str, shows: str, **fields: Any) -> Case:
    return Case(function, call, shows, [fields])


def rows(function: str, call: str, shows: str, values: list[Any], name: str = "col") -> Case:
    """An aggregate over ``FROM VALUES (v1), (v2) ... AS tab(col)``."""
    return Case(function, call, shows, [{name: value} for value in values])


def pairs(function: str, call: str, shows: str, values: list[tuple[Any, Any]], names: str = "x y") -> Case:
    first, second = names.split()
    return Case(function, call, shows, [{first: a, second: b} for a, b in values])


#: The page's window examples all read ``FROM VALUES ('A1', 2), ('A1', 1), ('A2', 3), ('A1', 1) tab(a, b)``.
AB = [{"a": "A1", "b": 2}, {"a": "A1", "b": 1}, {"a": "A2", "b": 3}, {"a": "A1", "b": 1}]


#: ``FROM VALUES 1, 2, 3`` (the CASE examples).
ONE_TWO_THREE = [{"col": 1}, {"col": 2}, {"col": 3}]


def window(function: str, call: str, shows: list[str]) -> Case:
    return Case(function, call, shows, AB, window=True)


CASES: list[Case] = [
    # --- string ----------------------------------------------------------------------------------------
    one("lower", "lower(s)", "sparksql", s="SparkSql"),
    one("lcase", "lcase(s)", "sparksql", s="SparkSql"),
    one("upper", "upper(s)", "SPARKSQL", s="SparkSql"),
    one("ucase", "ucase(s)", "SPARKSQL", s="SparkSql"),
    one("length", "length(s)", "10", s="Spark SQL "),
    one("len", "len(s)", "10", s="Spark SQL "),
    one("char_length", "char_length(s)", "10", s="Spark SQL "),
    one("character_length", "character_length(s)", "10", s="Spark SQL "),
    one("ltrim", "ltrim(s)", "SparkSQL   ", s="    SparkSQL   "),
    one("rtrim", "rtrim(s)", "    SparkSQL", s="    SparkSQL   "),
    one("trim", "trim(s)", "SparkSQL", s="    SparkSQL   "),
    one("trim", "trim(BOTH FROM s)", "SparkSQL", s="    SparkSQL   "),
    one("trim", "trim(LEADING FROM s)", "SparkSQL   ", s="    SparkSQL   "),
    one("trim", "trim(TRAILING FROM s)", "    SparkSQL", s="    SparkSQL   "),
    one("trim", "trim('SL' FROM s)", "parkSQ", s="SSparkSQLS"),
    one("trim", "trim(BOTH 'SL' FROM s)", "parkSQ", s="SSparkSQLS"),
    one("trim", "trim(LEADING 'SL' FROM s)", "parkSQLS", s="SSparkSQLS"),
    one("trim", "trim(TRAILING 'SL' FROM s)", "SSparkSQ", s="SSparkSQLS"),
    one("concat", "concat(s, 'SQL')", "SparkSQL", s="Spark"),
    one("||", "s || 'SQL'", "SparkSQL", s="Spark"),
    one("concat_ws", "concat_ws(' ', s, 'SQL')", "Spark SQL", s="Spark"),
    one("concat_ws", "concat_ws('/', s, null, 'bar')", "foo/bar", s="foo"),
    one("concat_ws", "concat_ws(null, s, 'SQL')", "NULL", s="Spark"),
    one("substr", "substr(s, 5)", "k SQL", s="Spark SQL"),
    one("substr", "substr(s, -3)", "SQL", s="Spark SQL"),
    one("substr", "substr(s, 5, 1)", "k", s="Spark SQL"),
    one("substring", "substring(s, 5)", "k SQL", s="Spark SQL"),
    one("substring", "substring(s, -3)", "SQL", s="Spark SQL"),
    one("substring", "substring(s, 5, 1)", "k", s="Spark SQL"),
    one("substring", "substring(s FROM 5 FOR 1)", "k", s="Spark SQL"),
    one("left", "left(s, 3)", "Spa", s="Spark SQL"),
    one("right", "right(s, 3)", "SQL", s="Spark SQL"),
    one("instr", "instr(s, 'SQL')", "6", s="SparkSQL"),
    one("locate", "locate('bar', s)", "4", s="foobarbar"),
    one("locate", "locate('bar', s, 5)", "7", s="foobarbar"),
    one("position", "position('bar', s)", "4", s="foobarbar"),
    one("position", "position('bar', s, 5)", "7", s="foobarbar"),
    one("position", "POSITION('bar' IN s)", "4", s="foobarbar"),
    one("replace", "replace(s, 'abc', 'DEF')", "ABCDEF", s="ABCabc"),
    one("regexp_extract", "regexp_extract(s, '(\\\\d+)-(\\\\d+)', 1)", "100", s="100-200"),
    one("regexp_replace", "regexp_replace(s, '(\\\\d+)', 'num')", "num-num", s="100-200"),
    one("regexp_like", "regexp_like(s, '%SystemDrive%\\\\\\\\Users.*')", "true", s="%SystemDrive%\\Users\\John"),
    one("rlike", "rlike(s, '%SystemDrive%\\\\\\\\Users.*')", "true", s="%SystemDrive%\\Users\\John"),
    one("like", "like(s, '_park')", "true", s="Spark"),
    one("like", "s like '\\\\%SystemDrive\\\\%\\\\\\\\\\\\\\\\Users%'", "true", s="%SystemDrive%\\\\Users\\\\John"),
    one("like", "s like '/%SystemDrive/%//Users%' ESCAPE '/'", "true", s="%SystemDrive%/Users/John"),
    one("ilike", "ilike(s, '_Park')", "true", s="Spark"),
    one("ilike", "s ilike '/%SYSTEMDrive/%//Users%' ESCAPE '/'", "true", s="%SystemDrive%/Users/John"),
    one("split", "split(s, '[ABC]')", '["one","two","three",""]', s="oneAtwoBthreeC"),
    one("split", "split(s, '[ABC]', -1)", '["one","two","three",""]', s="oneAtwoBthreeC"),
    one("split", "split(s, '[ABC]', 2)", '["one","twoBthreeC"]', s="oneAtwoBthreeC"),
    one("split_part", "split_part(s, '.', 3)", "13", s="11.12.13"),
    one("reverse", "reverse(s)", "LQS krapS", s="Spark SQL"),
    one("reverse", "reverse(array(int(n), 1, 4, 3))", "[3,4,1,2]", n=2),
    one("repeat", "repeat(s, 2)", "123123", s="123"),
    one("lpad", "lpad(s, 5, '??')", "???hi", s="hi"),
    one("lpad", "lpad(s, 1, '??')", "h", s="hi"),
    one("lpad", "lpad(s, 5)", "   hi", s="hi"),
    one("rpad", "rpad(s, 5, '??')", "hi???", s="hi"),
    one("rpad", "rpad(s, 1, '??')", "h", s="hi"),
    one("rpad", "rpad(s, 5)", "hi   ", s="hi"),
    one("initcap", "initcap(s)", "Spark Sql", s="sPark sql"),
    one("startswith", "startswith(s, 'Spark')", "true", s="Spark SQL"),
    one("startswith", "startswith(s, 'SQL')", "false", s="Spark SQL"),
    one("startswith", "startswith(s, null)", "NULL", s="Spark SQL"),
    one("endswith", "endswith(s, 'SQL')", "true", s="Spark SQL"),
    one("endswith", "endswith(s, 'Spark')", "false", s="Spark SQL"),
    one("endswith", "endswith(s, null)", "NULL", s="Spark SQL"),
    one("contains", "contains(s, 'Spark')", "true", s="Spark SQL"),
    one("contains", "contains(s, 'SPARK')", "false", s="Spark SQL"),
    one("contains", "contains(s, null)", "NULL", s="Spark SQL"),
    one("ascii", "ascii(s)", "50", s="222"),
    one("ascii", "ascii(n)", "50", n=2),
    one("md5", "md5(s)", "8cde774d6f7333752ed72cacddb05126", s="Spark"),
    one("sha", "sha(s)", "85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c", s="Spark"),
    one("sha1", "sha1(s)", "85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c", s="Spark"),
    one("sha2", "sha2(s, 256)", "529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b", s="Spark"),
    one("format_string", "format_string('Hello World %d %s', int(n), s)", "Hello World 100 days", n=100, s="days"),
    one("format_string", "format_string(f, int(n), 'days')", "Hello World 100 days", f="Hello World %d %s", n=100),
    one("format_string", "format_string('%s!', s)", "InvokeModel!", s="InvokeModel"),  # the call
    one("translate", "translate(s, 'abc', '123')", "A1B2C3", s="AaBbCc"),
    one("levenshtein", "levenshtein(s, 'sitting')", "3", s="kitten"),
    one("levenshtein", "levenshtein(s, 'sitting', 2)", "-1", s="kitten"),
    # --- math ------------------------------------------------------------------------------------------
    one("abs", "abs(int(n))", "1", n=-1),
    one("acos", "acos(int(n))", "0.0", n=1),
    one("acos", "acos(int(n))", "NaN", n=2),
    one("asin", "asin(int(n))", "0.0", n=0),
    one("asin", "asin(int(n))", "NaN", n=2),
    one("atan", "atan(int(n))", "0.0", n=0),
    one("atan2", "atan2(int(n), 0)", "0.0", n=0),
    one("cbrt", "cbrt(n)", "3.0", n=27.0),
    one("ceil", "ceil(n)", "0", n=-0.1),
    one("ceil", "ceil(int(n))", "5", n=5),
    one("ceil", "ceil(n, 3)", "3.142", n=3.1411),
    one("ceil", "ceil(n, -3)", "1000", n=3.1411),
    one("ceiling", "ceiling(n)", "0", n=-0.1),
    one("ceiling", "ceiling(n, 3)", "3.142", n=3.1411),
    one("floor", "floor(n)", "-1", n=-0.1),
    one("floor", "floor(int(n))", "5", n=5),
    one("floor", "floor(n, 3)", "3.141", n=3.1411),
    one("floor", "floor(n, -3)", "0", n=3.1411),
    one("cos", "cos(int(n))", "1.0", n=0),
    one("sin", "sin(int(n))", "0.0", n=0),
    one("tan", "tan(int(n))", "0.0", n=0),
    one("degrees", "degrees(n)", "180.0", n=3.141592653589793),
    one("radians", "radians(int(n))", "3.141592653589793", n=180),
    one("exp", "exp(int(n))", "1.0", n=0),
    one("ln", "ln(int(n))", "0.0", n=1),
    one("log", "log(10, int(n))", "2.0", n=100),
    one("log10", "log10(int(n))", "1.0", n=10),
    one("log2", "log2(int(n))", "1.0", n=2),
    one("pow", "pow(int(n), 3)", "8.0", n=2),
    one("power", "power(int(n), 3)", "8.0", n=2),
    one("round", "round(cast(n AS DECIMAL(2, 1)), 0)", "3", n=2.5),  # the example's 2.5 is a DECIMAL literal
    one("sign", "sign(int(n))", "1.0", n=40),
    one("signum", "signum(int(n))", "1.0", n=40),
    one("sqrt", "sqrt(int(n))", "2.0", n=4),
    one("greatest", "greatest(int(n), 9, 2, 4, 3)", "10", n=10),
    one("least", "least(int(n), 9, 2, 4, 3)", "2", n=10),
    one("mod", "MOD(int(n), 1.8)", "0.2", n=2),
    one("%", "int(n) % 1.8", "0.2", n=2),
    one("div", "int(n) div 2", "1", n=3),
    one("pmod", "pmod(int(n), 3)", "1", n=10),
    one("pmod", "pmod(int(n), 3)", "2", n=-10),
    # --- date and time ---------------------------------------------------------------------------------
    one("add_months", "add_months(d, 1)", "2016-09-30", d="2016-08-31"),
    one("date_add", "date_add(d, 1)", "2016-07-31", d="2016-07-30"),
    one("dateadd", "dateadd(d, 1)", "2016-07-31", d="2016-07-30"),
    one("date_sub", "date_sub(d, 1)", "2016-07-29", d="2016-07-30"),
    one("date_diff", "date_diff(d, '2009-07-30')", "1", d="2009-07-31"),
    one("date_diff", "date_diff(d, '2009-07-31')", "-1", d="2009-07-30"),
    one("datediff", "datediff(d, '2009-07-30')", "1", d="2009-07-31"),
    one("datediff", "datediff(d, '2009-07-31')", "-1", d="2009-07-30"),
    one("date_format", "date_format(d, 'y')", "2016", d="2016-04-08"),
    one("date_trunc", "date_trunc('YEAR', d)", "2015-01-01 00:00:00", d="2015-03-05T09:32:05.359"),
    one("date_trunc", "date_trunc('MM', d)", "2015-03-01 00:00:00", d="2015-03-05T09:32:05.359"),
    one("date_trunc", "date_trunc('DD', d)", "2015-03-05 00:00:00", d="2015-03-05T09:32:05.359"),
    one("date_trunc", "date_trunc('HOUR', d)", "2015-03-05 09:00:00", d="2015-03-05T09:32:05.359"),
    one("date_trunc", "date_trunc('MILLISECOND', d)", "2015-03-05 09:32:05.123", d="2015-03-05T09:32:05.123456"),
    one("day", "day(d)", "30", d="2009-07-30"),
    one("dayofmonth", "dayofmonth(d)", "30", d="2009-07-30"),
    one("dayofweek", "dayofweek(d)", "5", d="2009-07-30"),
    one("dayofweek", "dayofweek(d)", "5", d="2026-11-19T08:00:00Z"),  # the Thursday, a log timestamp
    one("dayofyear", "dayofyear(d)", "100", d="2016-04-09"),
    one("hour", "hour(d)", "12", d="2009-07-30 12:58:59"),
    one("minute", "minute(d)", "58", d="2009-07-30 12:58:59"),
    one("second", "second(d)", "59", d="2009-07-30 12:58:59"),
    one("month", "month(d)", "7", d="2016-07-30"),
    one("year", "year(d)", "2016", d="2016-07-30"),
    one("quarter", "quarter(d)", "3", d="2016-08-31"),
    one("weekofyear", "weekofyear(d)", "8", d="2008-02-20"),
    one("last_day", "last_day(d)", "2009-01-31", d="2009-01-12"),
    one("months_between", "months_between(d, '1996-10-30')", "3.94959677", d="1997-02-28 10:30:00"),
    one("months_between", "months_between(d, '1996-10-30', false)", "3.9495967741935485", d="1997-02-28 10:30:00"),
    one("make_date", "make_date(int(n), 7, 15)", "2013-07-15", n=2013),
    one("make_date", "make_date(int(n), 7, NULL)", "NULL", n=2019),
    one("to_date", "to_date(d)", "2009-07-30", d="2009-07-30 04:17:52"),
    one("to_date", "to_date(d, 'yyyy-MM-dd')", "2016-12-31", d="2016-12-31"),
    one("to_timestamp", "to_timestamp(d)", "2016-12-31 00:12:00", d="2016-12-31 00:12:00"),
    one("to_timestamp", "to_timestamp(d, 'yyyy-MM-dd')", "2016-12-31 00:00:00", d="2016-12-31"),
    # Beyond the examples, from the entries' text: "Parses ... with the fmt expression", "Returns null with
    # invalid input" (try_to_timestamp's example shows the same NULL for 'foo').
    one("to_date", "to_date(d, 'dd/MM/yyyy')", "2009-07-30", d="30/07/2009"),
    one("to_timestamp", "to_timestamp(d, 'yyyy-MM-dd')", "NULL", d="foo"),
    one("to_timestamp", "to_timestamp(d, 'dd/MM/yyyy HH:mm')", "2016-12-31 00:12:00", d="31/12/2016 00:12"),
    one("from_utc_timestamp", "from_utc_timestamp(d, 'Asia/Seoul')", "2016-08-31 09:00:00", d="2016-08-31"),
    one("to_utc_timestamp", "to_utc_timestamp(d, 'Asia/Seoul')", "2016-08-30 15:00:00", d="2016-08-31"),
    # The page prints from_unixtime(0) as 1969-12-31 16:00:00 (its session zone, UTC-8): 1970-01-01 00:00:00 UTC.
    one("from_unixtime", "from_unixtime(int(n), 'yyyy-MM-dd HH:mm:ss')", "1970-01-01 00:00:00", n=0),
    one("from_unixtime", "from_unixtime(int(n))", "1970-01-01 00:00:00", n=0),
    # The page prints these at UTC-8 (07:30:00); the instant is 15:30:00 UTC.
    one("timestamp_seconds", "timestamp_seconds(n)", "2008-12-25 15:30:00", n=1230219000),
    one("timestamp_seconds", "timestamp_seconds(n)", "2008-12-25 15:30:00.123", n=1230219000.123),
    one("timestamp_millis", "timestamp_millis(n)", "2008-12-25 15:30:00.123", n=1230219000123),
    # The page's 1460098800 is midnight of 2016-04-08 at UTC-7; midnight UTC is 1460073600.
    one("to_unix_timestamp", "to_unix_timestamp(d, 'yyyy-MM-dd')", "1460073600", d="2016-04-08"),
    one("unix_timestamp", "unix_timestamp(d, 'yyyy-MM-dd')", "1460073600", d="2016-04-08"),
    one("unix_millis", "unix_millis(timestamp(d))", "1000", d="1970-01-01 00:00:01Z"),
    one("unix_seconds", "unix_seconds(timestamp(d))", "1", d="1970-01-01 00:00:01Z"),
    # --- conditional and null handling -----------------------------------------------------------------
    one("coalesce", "coalesce(NULL, int(n), NULL)", "1", n=1),
    one("if", "if(int(n) < 2, 'a', 'b')", "a", n=1),
    one("ifnull", "ifnull(NULL, array(s))", '["2"]', s="2"),
    one("nvl", "nvl(NULL, array(s))", '["2"]', s="2"),
    one("nvl2", "nvl2(NULL, int(n), 1)", "1", n=2),
    one("nullif", "nullif(int(n), 2)", "NULL", n=2),
    one("isnull", "isnull(int(n))", "false", n=1),
    one("isnotnull", "isnotnull(int(n))", "true", n=1),
    Case("case", "CASE int(col) WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE '?' END", ["one", "two", "?"], ONE_TWO_THREE),
    Case("case", "CASE int(col) WHEN 1 THEN 'one' WHEN 2 THEN 'two' END", ["one", "two", "NULL"], ONE_TWO_THREE),
    one("when", "CASE WHEN int(n) > 0 THEN 1 WHEN 2 > 0 THEN 2.0 ELSE 1.2 END", "1.0", n=1),
    one("when", "CASE WHEN int(n) < 0 THEN 1 WHEN 2 > 0 THEN 2.0 ELSE 1.2 END", "2.0", n=1),
    one("when", "CASE WHEN int(n) < 0 THEN 1 WHEN 2 < 0 THEN 2.0 END", "NULL", n=1),
    # --- casts (the page's entries for int, double ... have no example: "Casts the value expr to ...") ---
    one("cast", "cast(s as int)", "10", s="10"),
    one("try_cast", "try_cast(s as int)", "NULL", s="ten"),
    one("int", "int(s)", "10", s="10"),
    one("double", "double(s)", "1.5", s="1.5"),
    one("float", "float(s)", "1.5", s="1.5"),
    one("string", "string(int(n))", "10", n=10),
    one("boolean", "boolean(s)", "true", s="true"),
    one("date", "date(d)", "2016-07-30", d="2016-07-30"),
    one("timestamp", "timestamp(d)", "2016-12-31 00:12:00", d="2016-12-31 00:12:00"),
    # --- JSON ------------------------------------------------------------------------------------------
    one("get_json_object", "get_json_object(j, '$.a')", "b", j='{"a":"b"}'),
    one("get_json_object", "get_json_object(j, '$.a')", "NULL", j='{"a":'),  # malformed: NULL, as json_array_length
    one("json_array_length", "json_array_length(j)", "4", j="[1,2,3,4]"),
    one("json_array_length", "json_array_length(j)", "5", j='[1,2,3,{"f1":1,"f2":[5,6]},4]'),
    one("json_array_length", "json_array_length(j)", "NULL", j="[1,2"),
    one("json_object_keys", "json_object_keys(j)", "[]", j="{}"),
    one("json_object_keys", "json_object_keys(j)", '["key"]', j='{"key": "value"}'),
    one("json_object_keys", "json_object_keys(j)", '["f1","f2"]', j='{"f1":"abc","f2":{"f3":"a", "f4":"b"}}'),
    # the entry's text: "any other valid JSON string, an invalid JSON string or an empty string ... null"
    one("json_object_keys", "json_object_keys(j)", "NULL", j="[1,2]"),
    one("json_object_keys", "json_object_keys(j)", "NULL", j='{"a":'),
    # to_json's examples take structs and maps, which Logs Insights fields never are; its array case:
    # to_json(array(map('a', 1))) prints [{"a":1}], i.e. an array renders as a JSON array.
    one("to_json", "to_json(array(s, 'b'))", '["a","b"]', s="a"),
    # --- arrays ----------------------------------------------------------------------------------------
    one("array", "array(int(n), 2, 3)", "[1,2,3]", n=1),
    one("array_contains", "array_contains(array(int(n), 2, 3), 2)", "true", n=1),
    one("array_distinct", "array_distinct(array(int(n), 2, 3, null, 3))", "[1,2,3,null]", n=1),
    one("array_join", "array_join(array(s, 'world'), ' ')", "hello world", s="hello"),
    one("array_join", "array_join(array(s, null, 'world'), ' ')", "hello world", s="hello"),
    one("array_join", "array_join(array(s, null, 'world'), ' ', ',')", "hello , world", s="hello"),
    one("array_size", "array_size(array(s, 'd', 'c', 'a'))", "4", s="b"),
    one("size", "size(array(s, 'd', 'c', 'a'))", "4", s="b"),
    one("cardinality", "cardinality(array(s, 'd', 'c', 'a'))", "4", s="b"),
    one("array_sort", "array_sort(array(s, 'd', null, 'c', 'a'))", '["a","b","c","d",null]', s="b"),
    one("sort_array", "sort_array(array(s, 'd', null, 'c', 'a'), true)", '[null,"a","b","c","d"]', s="b"),
    one("element_at", "element_at(array(int(n), 2, 3), 2)", "2", n=1),
    one("try_element_at", "try_element_at(array(int(n), 2, 3), 2)", "2", n=1),
    # --- aggregates ------------------------------------------------------------------------------------
    rows("any_value", "any_value(int(col))", "10", [10, 5, 20]),
    rows("any_value", "any_value(int(col))", "NULL", [None, 5, 20]),
    rows("any_value", "any_value(int(col), true)", "5", [None, 5, 20]),
    rows("approx_count_distinct", "approx_count_distinct(int(col))", "3", [1, 1, 2, 2, 3]),
    rows("approx_percentile", "approx_percentile(int(col), 0.5, 100)", "7", [0, 6, 7, 9, 10]),
    rows("approx_percentile", "approx_percentile(int(col), array(0.5, 0.4, 0.1), 100)", "[1,1,0]", [0, 1, 2, 10]),
    rows("percentile_approx", "percentile_approx(int(col), 0.5, 100)", "7", [0, 6, 7, 9, 10]),
    rows("array_agg", "array_agg(int(col))", "[1,2,1]", [1, 2, 1]),
    rows("collect_list", "collect_list(int(col))", "[1,2,1]", [1, 2, 1]),
    rows("collect_set", "collect_set(int(col))", "[1,2]", [1, 2, 1]),
    rows("avg", "avg(int(col))", "2.0", [1, 2, 3]),
    rows("avg", "avg(int(col))", "1.5", [1, 2, None]),
    rows("mean", "mean(int(col))", "2.0", [1, 2, 3]),
    rows("mean", "mean(int(col))", "1.5", [1, 2, None]),
    rows("bool_and", "bool_and(boolean(col))", "true", [True, True, True]),
    rows("bool_and", "bool_and(boolean(col))", "true", [None, True, True]),
    rows("bool_and", "bool_and(boolean(col))", "false", [True, False, True]),
    rows("bool_or", "bool_or(boolean(col))", "true", [True, False, False]),
    rows("bool_or", "bool_or(boolean(col))", "true", [None, True, False]),
    rows("bool_or", "bool_or(boolean(col))", "false", [False, False, None]),
    rows("count", "count(*)", "4", [None, 5, 5, 20]),
    rows("count", "count(col)", "3", [None, 5, 5, 20]),
    rows("count", "count(DISTINCT col)", "2", [None, 5, 5, 10]),
    rows("count_if", "count_if(int(col) % 2 = 0)", "2", [None, 0, 1, 2, 3]),
    rows("count_if", "count_if(col IS NULL)", "1", [None, 0, 1, 2, 3]),
    rows("first", "first(int(col))", "10", [10, 5, 20]),
    rows("first", "first(int(col))", "NULL", [None, 5, 20]),
    rows("first", "first(int(col), true)", "5", [None, 5, 20]),
    rows("first_value", "first_value(int(col))", "10", [10, 5, 20]),
    rows("first_value", "first_value(int(col), true)", "5", [None, 5, 20]),
    rows("last", "last(int(col))", "20", [10, 5, 20]),
    rows("last", "last(int(col))", "NULL", [10, 5, None]),
    rows("last", "last(int(col), true)", "5", [10, 5, None]),
    rows("last_value", "last_value(int(col))", "20", [10, 5, 20]),
    rows("last_value", "last_value(int(col), true)", "5", [10, 5, None]),
    rows("max", "max(int(col))", "50", [10, 50, 20]),
    rows("min", "min(int(col))", "-1", [10, -1, 20]),
    pairs("max_by", "max_by(x, int(y))", "b", [("a", 10), ("b", 50), ("c", 20)]),
    pairs("min_by", "min_by(x, int(y))", "a", [("a", 10), ("b", 50), ("c", 20)]),
    rows("median", "median(int(col))", "5.0", [0, 10]),
    rows("percentile", "percentile(int(col), 0.3)", "3.0", [0, 10]),
    rows("percentile", "percentile(int(col), array(0.25, 0.75))", "[2.5,7.5]", [0, 10]),
    rows("stddev", "stddev(int(col))", "1.0", [1, 2, 3]),
    rows("stddev_samp", "stddev_samp(int(col))", "1.0", [1, 2, 3]),
    rows("stddev_pop", "stddev_pop(int(col))", "0.816496580927726", [1, 2, 3]),
    rows("variance", "variance(int(col))", "1.0", [1, 2, 3]),
    rows("var_samp", "var_samp(int(col))", "1.0", [1, 2, 3]),
    rows("var_pop", "var_pop(int(col))", "0.6666666666666666", [1, 2, 3]),
    rows("sum", "sum(int(col))", "30", [5, 10, 15]),
    rows("sum", "sum(int(col))", "25", [None, 10, 15]),
    rows("sum", "sum(int(col))", "NULL", [None, None]),
    # --- window functions ------------------------------------------------------------------------------
    window("rank", "rank(b) OVER (PARTITION BY a ORDER BY b)", ["A1 1 1", "A1 1 1", "A1 2 3", "A2 3 1"]),
    window("dense_rank", "dense_rank(b) OVER (PARTITION BY a ORDER BY b)", ["A1 1 1", "A1 1 1", "A1 2 2", "A2 3 1"]),
    window("row_number", "row_number() OVER (PARTITION BY a ORDER BY b)", ["A1 1 1", "A1 1 2", "A1 2 3", "A2 3 1"]),
    window("ntile", "ntile(2) OVER (PARTITION BY a ORDER BY b)", ["A1 1 1", "A1 1 1", "A1 2 2", "A2 3 1"]),
    window(
        "percent_rank",
        "percent_rank(b) OVER (PARTITION BY a ORDER BY b)",
        ["A1 1 0.0", "A1 1 0.0", "A1 2 1.0", "A2 3 0.0"],
    ),
    window(
        "cume_dist",
        "cume_dist() OVER (PARTITION BY a ORDER BY b)",
        ["A1 1 0.6666666666666666", "A1 1 0.6666666666666666", "A1 2 1.0", "A2 3 1.0"],
    ),
    window("lag", "lag(b) OVER (PARTITION BY a ORDER BY b)", ["A1 1 NULL", "A1 1 1", "A1 2 1", "A2 3 NULL"]),
    window("lead", "lead(b) OVER (PARTITION BY a ORDER BY b)", ["A1 1 1", "A1 1 2", "A1 2 NULL", "A2 3 NULL"]),
]  # fmt: skip

#: Functions whose value is the clock; the page's example shows the query's start time.
CLOCK = {"current_date": "current_date()", "curdate": "curdate()", "current_timestamp": "current_timestamp()",
         "now": "now()"}  # fmt: skip


def _case_id(case: Case) -> str:
    return f"{case.function}:{case.call}"


def _record_id(index: int) -> str:
    return f"ex-{index}"


@pytest.fixture(scope="module")
def examples() -> TinyStore:
    records = []
    for index, case in enumerate(CASES):
        for record in case.records:
            records.append({"requestID": _record_id(index), **record})
    records.append({"requestID": "clock"})
    return TinyStore({"cloudtrail": records})


def show(value: Any) -> str:
    """A value as the Spark reference prints it (``spark-sql`` output)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        return text + (f".{value.microsecond:06d}".rstrip("0") if value.microsecond else "")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ",".join(_element(item) for item in value) + "]"
    return str(value)


def _element(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value)
    return show(value)


def _values(store: TinyStore, query: str) -> list[tuple[Any, ...]]:
    """The query's rows as DuckDB's Python values (NULL and NaN, DATE and TIMESTAMP stay apart), from
    exactly the SQL ``run_sql`` executes for it."""
    return store.connection().execute(translate(query, store=store)).fetchall()


@pytest.mark.parametrize("index", range(len(CASES)), ids=[_case_id(case) for case in CASES])
def test_documented_example(examples, index):
    case = CASES[index]
    where = f"WHERE requestID = '{_record_id(index)}'"
    if case.window:
        got = _values(examples, f"SELECT a, b, {case.call} AS r FROM cloudtrail {where} ORDER BY a, b")
        assert [" ".join(show(v) for v in row) for row in got] == case.shows
        return
    got = [show(row[0]) for row in _values(examples, f"SELECT {case.call} AS r FROM cloudtrail {where}")]
    assert got == (case.shows if isinstance(case.shows, list) else [case.shows])


@pytest.mark.parametrize("name", list(CLOCK))
def test_clock_functions_read_the_query_start(examples, name):
    before = pd.Timestamp.now(tz="UTC").floor("s")
    query = f"SELECT {CLOCK[name]} AS r FROM cloudtrail WHERE requestID = 'clock'"
    value = run_sql(examples, query, None).frame["r"][0]
    after = pd.Timestamp.now(tz="UTC").ceil("s")
    stamp = pd.Timestamp(value)
    if name in ("current_date", "curdate"):
        assert before.date() <= stamp.date() <= after.date()
    else:
        assert before <= stamp.tz_convert("UTC") <= after


def test_every_accepted_function_has_a_documented_example():
    covered = {case.function for case in CASES} | set(CLOCK)
    assert set(SPARK_FUNCTIONS) - covered == set()


def test_docs_list_exactly_the_accepted_functions():
    text = (Path(__file__).parents[2] / "docs" / "sql.md").read_text()
    section = text[text.index("**Functions.**") : text.index("Each returns what the Spark reference documents")]
    listed = {word.lower() for span in re.findall(r"`([^`]*)`", section) for word in span.split()}
    listed -= {"||", "%", "div", "case", "over", "(...)"}
    assert listed == set(SPARK_FUNCTIONS)


@pytest.mark.parametrize(
    "call",
    [
        # Spark functions the local engine does not run
        "soundex(eventName)", "json_tuple(eventName, 'a')", "explode(split(eventName, 'o'))", "hex(eventName)",
        # DuckDB functions
        "read_parquet(eventName)", "getenv(eventName)", "current_setting(eventName)",
        # other dialects' names sqlglot would translate: not Spark, so Logs Insights refuses them
        "arg_max(eventName, eventTime)", "approx_distinct(eventName)", "json_extract(`@message`, '$.a')",
        "json_extract_scalar(`@message`, '$.a')", "ts_or_ds_add(eventTime, 1)", "countif(readOnly)",
        "array_length(split(eventName, 'o'))", "strpos(eventName, 'o')", "iif(readOnly, 1, 0)",
        "starts_with(eventName, 'I')", "timestamp_trunc(eventTime, 'DAY')", "format('%s', eventName)",
        "stdev(eventName)", "leftpad(eventName, 3, 'x')", "day_of_week(eventTime)", "safe_cast(eventName AS INT)",
        "timestampadd(eventTime, 1)", "charindex('o', eventName)", "variance_pop(eventName)",
    ],
)  # fmt: skip
def test_functions_outside_the_supported_set_are_refused_by_name(call):
    store = TinyStore({"cloudtrail": [{"requestID": "r", "eventName": "x"}]})
    name = call.split("(")[0]
    with pytest.raises(QuerySyntaxError, match=rf"{name}\(\) is not supported") as caught:
        run_sql(store, f"SELECT {call} AS r FROM cloudtrail", None)
    assert caught.value.offset == len("SELECT ")
