"""Every example of AWS's filter-pattern pages, with the match results the pages state.

Sources (each case names its page and section):

* FP  = "Filter pattern syntax for metric filters, subscription filters, filter log events, and Live Tail",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html — the examples as
  published in the awsdocs/amazon-cloudwatch-logs-user-guide repository, doc_source/FilterAndPatternSyntax.md.
* JSON = "Using filter patterns to match terms in JSON log events",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/matching-terms-json-log-events.html
* RX  = "Supported regular expressions (regex) syntax",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/regex-expressions.html

Where a page gives a pattern but no event, the events are written here by hand and the expected result
follows from the page's stated rule (marked "rule:").
"""

from __future__ import annotations

import json

import pytest

from aiaudit.core.errors import QuerySyntaxError
from aiaudit.query.filterpattern import matches, parse

# -- FP "Matching terms in log events" -------------------------------------------------------------
TERM_CASES = [
    # Example 1: a single term matches events that contain it.
    ("ERROR", ["[ERROR] A fatal exception has occurred", "Exiting with ERRORCODE: -1"], [True, True]),
    # Example 2: include a term and exclude a term (written with a space after '-' on the page).
    ('"ERROR" - "Exiting"', ["[ERROR] A fatal exception has occurred", "Exiting with ERRORCODE: -1"], [True, False]),
    # Example 3: multiple terms — both must appear.
    (
        "ERROR Exception",
        ["[ERROR] Caught IllegalArgumentException", "[ERROR] Unhandled Exception", "[ERROR] Unable to continue"],
        [True, True, False],
    ),
    (
        '"Failed to process the request"',
        [
            "[WARN] Failed to process the request",
            "[ERROR] Unable to continue: Failed to process the request",
            "[WARN] Failed to process",
        ],
        [True, True, False],
    ),
]

# FP "OR pattern matching": the three events of the page.
OR_EVENTS = ["ERROR WARN message", "ERROR message", "WARN message"]
OR_CASES = [
    ("ERROR", [True, True, False]),
    ("?ERROR ?WARN", [True, True, True]),
    ("ERROR WARN", [True, False, False]),
    ("ERROR -WARN", [False, True, False]),
    # space-delimited: a slot is one field, and without '...' the event has exactly that many fields
    ("[w1=ERROR, w2]", [False, True, False]),
    ("[w1=ERROR || w1=WARN, w2]", [False, True, True]),
]


@pytest.mark.parametrize(("pattern", "events", "expected"), TERM_CASES, ids=[c[0] for c in TERM_CASES])
def test_fp_terms(pattern: str, events: list[str], expected: list[bool]) -> None:
    assert matches(pattern, events) == expected


@pytest.mark.parametrize(("pattern", "expected"), OR_CASES, ids=[c[0] for c in OR_CASES])
def test_fp_or_patterns(pattern: str, expected: list[bool]) -> None:
    assert matches(pattern, OR_EVENTS) == expected


def test_fp_or_pattern_written_with_equals_bang_is_refused() -> None:
    """The page writes ``[w1=!ERROR&&w1=!WARN, w2]`` and says it matches the first event; ``=!`` is not an
    operator of the grammar the same page defines (``!=`` is), and the event has three fields for two
    slots. aiaudit refuses the pattern, pointing at the ``!``."""
    with pytest.raises(QuerySyntaxError) as err:
        parse("[w1=!ERROR&&w1=!WARN, w2]")
    assert err.value.offset == 4


def test_fp_or_in_json() -> None:
    events = [json.dumps({"foo": "bar"}), json.dumps({"foo": "baz"})]
    assert matches("{$.foo = bar}", events) == [True, False]
    assert matches("{$.foo = baz }", events) == [False, True]
    assert matches("{$.foo = bar || $.foo = baz }", events) == [True, True]


# -- JSON page / FP "JSON Metric Filter Examples" --------------------------------------------------
JSON_EVENT = json.dumps(
    {
        "eventType": "UpdateTrail",
        "sourceIPAddress": "111.111.111.111",
        "arrayKey": ["value", "another value"],
        "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
        "SomeObject": None,
        "ThisFlag": True,
    }
)
JSON_MATCHING = [
    '{ $.eventType = "UpdateTrail" }',
    "{ $.sourceIPAddress != 123.123.* }",
    '{ $.arrayKey[0] = "value" }',
    "{ $.objectList[1].id = 2 }",
    "{ $.SomeObject IS NULL }",
    "{ $.SomeOtherObject NOT EXISTS }",
    "{ $.ThisFlag IS TRUE }",
]


@pytest.mark.parametrize("pattern", JSON_MATCHING)
def test_json_examples_match_the_example_event(pattern: str) -> None:
    assert matches(pattern, [JSON_EVENT]) == [True]


@pytest.mark.parametrize(
    "pattern",
    [
        # rule: IS NULL is true only when the property is set to null; NOT EXISTS only when it is absent
        "{ $.SomeOtherObject IS NULL }",
        "{ $.SomeObject NOT EXISTS }",
        # rule: "This also works for boolean filters which check for FALSE value"
        "{ $.ThisFlag IS FALSE }",
        # rule: "If arrayKey is not an array this will be false" / the element must exist
        '{ $.eventType[0] = "value" }',
        '{ $.arrayKey[5] = "value" }',
        # rule: "If the items in objectList ... do not have an id property, this will be false"
        "{ $.objectList[1].missing = 2 }",
    ],
)
def test_json_examples_stated_false(pattern: str) -> None:
    assert matches(pattern, [JSON_EVENT]) == [False]


COMPOUND_EVENT = json.dumps(
    {
        "user": {"id": 1, "email": "John.Stiles@example.com"},
        "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
        "actions": ["GET", "PUT", "DELETE"],
        "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]],
    }
)
COMPOUND_CASES = [
    ('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', True),
    ('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', False),
    ('{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }', True),
    (
        '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }',
        False,
    ),
]


@pytest.mark.parametrize(("pattern", "expected"), COMPOUND_CASES, ids=range(len(COMPOUND_CASES)))
def test_json_compound_conditions(pattern: str, expected: bool) -> None:
    assert matches(pattern, [COMPOUND_EVENT]) == [expected]


def test_json_selector_on_an_array_matches_neither_equal_nor_not_equal() -> None:
    """FP "JSON Special Considerations": both ``{$.users = 1}`` and ``{$.users != 1}`` fail on an array."""
    event = json.dumps({"users": [1, 2, 3]})
    assert matches("{$.users = 1}", [event]) == [False]
    assert matches("{$.users != 1}", [event]) == [False]


# FP "Numeric Comparisons": the page lists the patterns; events and results by hand from the operators.
NUMERIC_CASES = [
    ("{ $.latency >= 500 }", {"latency": 500}, True),
    ("{ $.latency >= 500 }", {"latency": 499.9}, False),
    ("{ $.numbers[0] < 10e3 }", {"numbers": [9999]}, True),
    ("{ $.numbers[0] < 10e3 }", {"numbers": [10000]}, False),
    ("{ $.numbers[0] < 10e-3 }", {"numbers": [0.009]}, True),
    ("{ $.numbers[0] < 10e-3 }", {"numbers": [0.01]}, False),
    ("{ $.processes[4].averageRuntime <= 55.5 }", {"processes": [{}, {}, {}, {}, {"averageRuntime": 55.5}]}, True),
    ("{ $.processes[4].averageRuntime <= 55.5 }", {"processes": [{"averageRuntime": 1}]}, False),
    ("{ $.errorCode = 400 }", {"errorCode": 400}, True),
    ("{ $.errorCode = 400 }", {"errorCode": 400.0}, True),
    ("{ $.errorCode != 500 }", {"errorCode": 400}, True),
    ("{ $.errorCode != 500 }", {"errorCode": 500}, False),
    ("{ $.errorCode != 500 }", {"other": 1}, False),  # rule: an absent field matches no comparison
    ("{ $.latency > +1000 }", {"latency": 1001}, True),
    ("{ $.latency > +1000 }", {"latency": 1000}, False),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), NUMERIC_CASES, ids=range(len(NUMERIC_CASES)))
def test_fp_numeric_comparisons(pattern: str, event: dict, expected: bool) -> None:
    assert matches(pattern, [json.dumps(event)]) == [expected]


def test_fp_wildcards_in_strings() -> None:
    """FP: "*Event will match PutEvent and GetEvent. Event* will match EventId and EventName. Ev*ent will
    only match the actual string Ev*ent"."""
    names = ["PutEvent", "GetEvent", "EventId", "EventName", "Ev*ent", "Evment"]
    events = [json.dumps({"eventName": n}) for n in names]
    assert matches("{ $.eventName = *Event }", events) == [True, True, False, False, False, False]
    assert matches("{ $.eventName = Event* }", events) == [False, False, True, True, False, False]
    assert matches('{ $.eventName = "Ev*ent" }', events) == [False, False, False, False, True, False]


def test_fp_publishing_values_pattern_matches_any_latency() -> None:
    """FP "Publishing numerical values found in log entries": ``{ $.latency = * }``."""
    events = [json.dumps({"latency": 12}), json.dumps({"latency": "slow"}), json.dumps({"other": 1})]
    assert matches("{ $.latency = * }", events) == [True, True, False]


def test_a_json_pattern_never_matches_text_events() -> None:
    assert matches('{ $.eventType = "UpdateTrail" }', ["eventType UpdateTrail", JSON_EVENT]) == [False, True]


# -- FP "Using metric filters to extract values from space-delimited log events" -------------------
APACHE = [
    '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534',
    '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324',
    '127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355',
]
DELIMITED_CASES = [
    ("[ip, user, username, timestamp, request, status_code, bytes]", [True, True, True]),
    ("[..., status_code, bytes]", [True, True, True]),
    ("[ip, user, ..., status_code, bytes]", [True, True, True]),
    ("[ip, user, ...]", [True, True, True]),
    ("[ip, user, username, timestamp, request, status_code, bytes > 1000]", [True, True, True]),
    ("[ip, user, username, timestamp, request, status_code = 200, bytes]", [True, False, True]),
    ("[ip, user, username, timestamp, request, status_code = 4*, bytes]", [False, False, False]),
    ("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", [False, False, False]),
    ("[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]", [False, False, False]),
    # rule: [] and "" groups are one field each; seven fields, so six slots do not match
    ("[ip, user, username, timestamp, request, status_code]", [False, False, False]),
    ("[ip, user, username, timestamp, request, status_code = 5*, bytes > 5000]", [False, True, False]),
]


@pytest.mark.parametrize(("pattern", "expected"), DELIMITED_CASES, ids=[c[0] for c in DELIMITED_CASES])
def test_fp_space_delimited(pattern: str, expected: list[bool]) -> None:
    assert matches(pattern, APACHE) == expected


def test_fp_space_delimited_extraction_example() -> None:
    """The page's extraction example: ``[..., request=*.html*, status_code=4*,]`` on a 404 for index.html
    (the trailing empty slot is the seventh field, extracted as ``$7``)."""
    event = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534'
    assert matches("[..., request=*.html*, status_code=4*,]", [event, APACHE[0]]) == [True, False]


def test_fp_space_delimited_condition_on_an_unnamed_field_is_refused() -> None:
    """The page also shows ``[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]``:
    six slots, and a condition on ``bytes``, which is not one of them. aiaudit refuses it, pointing at it."""
    text = "[ip, user, username, timestamp, request, status_code = 4* && bytes > 1000]"
    with pytest.raises(QuerySyntaxError) as err:
        parse(text)
    assert err.value.offset == text.index("bytes")


# -- RX ----------------------------------------------------------------------------------------------
def test_rx_keyword_example() -> None:
    events = ["[ERROR 401] UNAUTHORIZED REQUEST", "[SUCCESS 200] AUTHORIZED REQUEST", "[ERROR 400] BAD REQUEST"]
    assert matches("%AUTHORIZED%", events) == [True, True, False]


def test_rx_unsupported_character_is_refused() -> None:
    """RX: "%something!% would be rejected since '!' isn't supported"."""
    with pytest.raises(QuerySyntaxError) as err:
        parse("%something!%")
    assert err.value.offset == 10


def test_rx_parentheses_are_refused() -> None:
    """RX: "The () operators aren't supported. You can't use parentheses to define a subpattern"."""
    with pytest.raises(QuerySyntaxError) as err:
        parse("%(hat|cat)%")
    assert err.value.offset == 1


@pytest.mark.parametrize(
    ("pattern", "events", "expected"),
    [
        # ^ anchors at the start: %^[hc]at% matches "hat" and "cat", only at the beginning
        ("%^[hc]at%", ["hat trick", "cat", "that"], [True, True, False]),
        # $ anchors at the end: %[hc]at$% matches "hat" and "cat", only at the end
        ("%[hc]at$%", ["the hat", "cat", "hats"], [True, True, False]),
        # ? : %colou?r% matches "color" and "colour"
        ("%colou?r%", ["color", "colour", "colr"], [True, True, False]),
        # [] : %[abc]%, %[a-z]%, %[abcx-z]%
        ("%[abc]%", ["a", "b", "z"], [True, True, False]),
        ("%[a-z]%", ["q", "Q"], [True, False]),
        ("%[abcx-z]%", ["y", "m"], [True, False]),
        # {m,n} : at least m and at most n of the preceding term
        ("%a{3,5}%", ["aaa", "aaaaa", "aa"], [True, True, False]),
    ],
)
def test_rx_operators(pattern: str, events: list[str], expected: list[bool]) -> None:
    assert matches(pattern, events) == expected


def test_rx_at_most_two_regexes_in_a_json_pattern() -> None:
    """RX quotas: two regular expressions per JSON or space-delimited filter pattern."""
    two = "{ $.a = %x% || $.b = %y% }"
    assert matches(two, [json.dumps({"a": "x"})]) == [True]
    three = "{ $.a = %x% || $.b = %y% || $.c = %z% }"
    with pytest.raises(QuerySyntaxError) as err:
        parse(three)
    assert err.value.offset == three.index("%z%")
