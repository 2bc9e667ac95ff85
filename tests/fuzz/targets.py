"""The parsers registered with the fuzzing harness (see ``harness.py`` for how to add one).

Registered: the readers (whole files, through ``read_file``), the SQL translator, the classic Logs
Insights QL translator, the filter-pattern parser and compiler, the time-range parser and the
source-spec parser.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from aiaudit.core.errors import InputError, QuerySyntaxError, SourceError
from aiaudit.core.timerange import TimeRange
from aiaudit.query.cwli import bind_text as bind_cwli
from aiaudit.query.cwli import has_source
from aiaudit.query.cwli import names as cwli_names
from aiaudit.query.cwli import translate as translate_cwli
from aiaudit.query.filterpattern import compile_pattern
from aiaudit.query.filterpattern import parse as parse_pattern
from aiaudit.query.sql import translate
from aiaudit.readers import read_file
from aiaudit.sources.spec import parse_spec

from .harness import register, text

_PARAM = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")
#: One shared folder; each process writes (and removes) its own input file, so nothing is left behind even
#: when libFuzzer ends the process without running exit handlers.
_SCRATCH = Path(tempfile.gettempdir()) / "aiaudit-fuzz-scratch"

_EVENT = (
    b'{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/a"},'
    b'"eventTime":"2024-05-01T00:00:07Z","eventSource":"s3.amazonaws.com","eventName":"GetObject",'
    b'"requestID":"r1","eventID":"e1"}'
)
_INVOCATION = (
    b'{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"2024-05-01T00:00:07Z",'
    b'"requestId":"i1","operation":"Converse","modelId":"m","input":{"inputBodyJson":{"messages":[]}}}'
)


@register(
    "readers",
    seeds=[
        _EVENT + b"\n" + _EVENT,
        b'{"Records":[' + _EVENT + b"," + _EVENT + b"]}",
        b"[" + _INVOCATION + b"]",
        b"2024-05-01T00:00:07.000Z " + _EVENT + b"\n",
        b'{"results":[[{"field":"@message","value":"x"}]]}',
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
    ],
    grammar=[
        '{"Records":[',
        "]",
        "}",
        "{",
        '"eventTime":',
        '"2024-05-01T00:00:07Z"',
        ",",
        "\n",
        "\ufeff",
        '"\\ud800"',
        "Infinity",
        "[" * 50,
        "\x00",
        '"eventVersion":"1.08"',
        '"eventSource":"s3.amazonaws.com"',
        "2024-05-01T00:00:07.000Z ",
        '"timeUnixNano":',
        "1" * 30,
        '"traceId":"ab"',
    ],
)
def _readers(data: bytes) -> None:
    """A reader never raises on content: no error type is allowed at all."""
    _SCRATCH.mkdir(exist_ok=True)
    path = _SCRATCH / f"input-{os.getpid()}.json"
    path.write_bytes(data)
    try:
        load = read_file(path)
        for record in load.records:
            assert isinstance(record.message, str)
    finally:
        path.unlink(missing_ok=True)


@register(
    "sql-translate",
    allowed=(QuerySyntaxError, InputError, SourceError),  # SourceError: a log group that does not exist
    seeds=[
        b"SELECT eventName, COUNT(*) AS n FROM `cloudtrail` WHERE eventSource = 's3.amazonaws.com' GROUP BY eventName",
        b"SELECT `userIdentity.arn` FROM cloudtrail WHERE requestID = :rid LIMIT 5",
        b"SELECT a.requestID FROM `cloudtrail` a INNER JOIN `invocations` b ON a.requestID = b.requestId",
        b"SELECT * FROM `logGroups(logGroupIdentifier: ['cloudtrail'])` WHERE eventName IN (SELECT eventName FROM "
        b"cloudtrail)",
        b"SELECT date_format(`@timestamp`, 'yyyy') AS y, regexp_extract(eventName, '(Get)(.*)', 2) FROM cloudtrail",
    ],
    grammar=[
        "SELECT",
        " ",
        "*",
        "FROM",
        "`cloudtrail`",
        "WHERE",
        "=",
        "'x'",
        ":p",
        "(",
        ")",
        ",",
        "JOIN",
        "ON",
        "GROUP BY",
        "ORDER BY",
        "LIMIT",
        "1",
        "COUNT(*)",
        "`a.b.0.c`",
        "--",
        "/*",
        "*/",
        ";",
        "'",
        '"',
        "\\",
        "CASE WHEN",
        "THEN",
        "END",
        "IN",
        "LIKE",
        "'%'",
        "UNION",
        "SELECT 1",
        "`logGroups(logGroupIdentifier: [",
        "])`",
        "regexp_extract(",
        "date_format(",
        "NULL",
        "9" * 40,
    ],
)
def _sql(data: bytes) -> None:
    query = text(data)
    # bind every :name the text mentions, so inputs get past the parameter check into the translator
    params = {name: f"v-{name}" for name in _PARAM.findall(query)}
    translate(query, params=params)


@register(
    "cwli-translate",
    allowed=(QuerySyntaxError, InputError, SourceError),
    seeds=[
        b"fields @timestamp, eventName | filter eventSource = 'bedrock.amazonaws.com' | sort @timestamp desc",
        b"stats count(*) as n by bin(1h), `userIdentity.arn` | sort n desc | limit 20",
        b"filter errorCode like /AccessDenied/ and eventName = {{name}} | display requestID",
        b'parse @message \'"modelId":"*"\' as model | stats count_distinct(model) by requestID',
        b"SOURCE logGroups(namePrefix: ['cloudtrail']) | unnest a.b into c | fields eventName, c | dedup eventName",
    ],
    grammar=[
        "fields ",
        "filter ",
        "stats ",
        "sort ",
        "limit ",
        "parse ",
        "dedup ",
        "display ",
        "unnest ",
        "SOURCE ",
        "logGroups(",
        " | ",
        "count(*)",
        " by ",
        "bin(5m)",
        " as ",
        "`a.b.0.c`",
        "@message",
        "'x'",
        '"y"',
        "/re.*/",
        " like ",
        " in ",
        "[1, 2]",
        "{{p}}",
        " and ",
        " or ",
        " not ",
        "=",
        "!=",
        "(",
        ")",
        "#",
        "\\",
        "9" * 40,
        " desc",
    ],
)
def _cwli(data: bytes) -> None:
    query = text(data)
    params = {name: f"v-{name}" for name in cwli_names(query)}
    bound = bind_cwli(query, params)
    # as StartQuery: the log groups come from a SOURCE command or the call, never both
    translate_cwli(bound, log_groups=None if has_source(bound) else ["cloudtrail"])


@register(
    "filter-pattern",
    allowed=(QuerySyntaxError, InputError),
    seeds=[
        b'{ ($.eventSource = "bedrock.amazonaws.com") && ($.errorCode = "AccessDenied*") }',
        b'{ $.eventName = "DeleteTrail" || $.eventName = "StopLogging" }',
        b"[ip, user, ts, req != GET*, status = 4*, bytes > 1000]",
        b'ERROR -"health check" ?Exception',
        b"{ $.userIdentity.sessionContext.sessionIssuer.arn NOT EXISTS }",
        b"%AccessDenied[0-9]+%",
    ],
    grammar=[
        "{",
        "}",
        "($.",
        ")",
        "eventName",
        "userIdentity.arn",
        " = ",
        " != ",
        " > ",
        " <= ",
        '"x"',
        '"a*"',
        "&&",
        "||",
        " IS NULL",
        " NOT EXISTS",
        "[",
        "]",
        ",",
        "?",
        "-",
        "%",
        "*",
        "\\",
        "1e9",
        "[0]",
    ],
)
def _filter_pattern(data: bytes) -> None:
    pattern = parse_pattern(text(data))
    compile_pattern(pattern, "cloudtrail")


@register(
    "time-range",
    allowed=(InputError,),
    seeds=[b"24h", b"7d", b"today", b"2024-05-01T00:00:00Z", b"90m", b"1mo"],
    grammar=[
        "24",
        "h",
        "d",
        "m",
        "s",
        "w",
        "mo",
        "y",
        "today",
        "yesterday",
        "now",
        "-",
        "+",
        "2024-05-01",
        "T",
        "00:00:00",
        "Z",
        "+02:00",
        " ",
        "9" * 30,
        ".",
    ],
)
def _time_range(data: bytes) -> None:
    TimeRange.parse(text(data), anchor="2024-05-02T00:00:00+00:00")


@register(
    "source-spec",
    allowed=(InputError,),
    seeds=[b"local:/data", b"aws:prod@us-east-1,eu-west-1", b"aws:@us-east-1"],
    grammar=["local:", "aws:", "@", ",", "us-east-1", "prod", "/", ":", " ", "\x00", "..", "~"],
)
def _spec(data: bytes) -> None:
    parse_spec(text(data))
