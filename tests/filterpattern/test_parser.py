"""The parser on its own: the tree it builds, and the offset of every refusal (counted by hand)."""

from __future__ import annotations

import json

import pytest

from aiaudit.core.errors import QuerySyntaxError
from aiaudit.query.filterpattern import matches, parse, parse_selector
from aiaudit.query.filterpattern.nodes import And, Comparison, JsonPattern, MatchAll, Or, TermPattern, Unary


def test_and_binds_tighter_than_or() -> None:
    tree = parse("{ $.a = 1 || $.b = 2 && $.c = 3 }")
    assert isinstance(tree, JsonPattern)
    assert isinstance(tree.expr, Or)
    assert isinstance(tree.expr.right, And)


def test_selector_parts_and_dotted_name() -> None:
    sel = parse_selector("$.resources[0].type")
    assert sel.parts == ("resources", 0, "type")
    assert sel.dotted == "resources.0.type"
    assert parse_selector("$.coordinates[0][1]").dotted == "coordinates.0.1"
    assert parse_selector("$.user-name_2").parts == ("user-name_2",)


def test_keywords_and_unary_checks() -> None:
    tree = parse("{ $.x IS NULL && $.y NOT EXISTS && $.z IS FALSE }")
    leaves = [tree.expr.left.left, tree.expr.left.right, tree.expr.right]  # type: ignore[union-attr]
    assert [(leaf.check) for leaf in leaves if isinstance(leaf, Unary)] == ["NULL", "NOT EXISTS", "FALSE"]


def test_values_kinds() -> None:
    tree = parse('{ $.a = 401 && $.b = "401" && $.c = 123.123.* && $.d = %^x% }')
    leaves = []
    node = tree.expr  # type: ignore[union-attr]
    while isinstance(node, And):
        leaves.insert(0, node.right)
        node = node.left
    leaves.insert(0, node)
    assert [leaf.value.kind for leaf in leaves if isinstance(leaf, Comparison)] == [
        "number",
        "string",
        "string",
        "regex",
    ]


def test_empty_patterns_match_everything() -> None:
    assert isinstance(parse(""), MatchAll)
    assert isinstance(parse('""'), MatchAll)
    assert matches("", ["anything", ""]) == [True, True]


def test_quoted_terms_keep_escaped_quotes() -> None:
    tree = parse(r'"say \"hi\""')
    assert isinstance(tree, TermPattern)
    assert tree.terms[0].text == 'say "hi"'


@pytest.mark.parametrize(
    ("pattern", "offset", "words"),
    [
        ('{ $.eventName = "x" ', 20, "not closed"),
        ('{ eventName = "x" }', 2, "selector"),
        ("{ $.latency > abc }", 14, "compares numbers"),
        ("{ $.latency > %x% }", 14, "compares numbers"),
        ("{ $. = 1 }", 4, "property name"),
        ('{ $.a = "open }', 8, "unterminated string"),
        ("{ $.a = %(x)% }", 9, "parentheses"),
        ("{ $.a = %x }", 8, "unterminated regex"),
        ("{ $.a = }", 8, "expected a value"),
        ("{ $.a }", 6, "operator"),
        ("{ $.a IS MAYBE }", 9, "NULL, TRUE or FALSE"),
        ("{ $.a NOT THERE }", 10, "EXISTS"),
        ("{ $.a EXISTS }", 6, "operator"),
        ("{ $[0] = 1 }", 3, "must follow a property"),
        ("{ $.a[x] = 1 }", 6, "array index"),
        ("{ ($.a = 1 }", 2, "')'"),
        ("{ $.a = 1 } extra", 12, "after the closing"),
        ("{ $.a = 1 ; $.b = 2 }", 10, "'&&', '||' or '}'"),
        ("ERROR:", 5, "double quotes"),
        ("ERROR %x%", 6, "whole pattern"),
        ("[a, b", 5, "not closed"),
        ("[a, a]", 4, "named twice"),
        ("[a, ..., b, ...]", 12, "only one"),
        ("[a, b = ]", 8, "expected a value"),
        ("%é%", 1, "multi-byte"),
        ("%[a%", 1, "invalid regex"),
    ],
)
def test_refusals_name_the_offset(pattern: str, offset: int, words: str) -> None:
    with pytest.raises(QuerySyntaxError) as err:
        parse(pattern)
    assert err.value.offset == offset, str(err.value)
    assert words in str(err.value)
    assert err.value.query == pattern


def test_pattern_length_limit() -> None:
    body = "{ $.a = " + '"' + "x" * 1100 + '" }'
    with pytest.raises(QuerySyntaxError) as err:
        parse(body)
    assert err.value.offset == 1024
    assert parse("{ $.a = " + '"' + "x" * 1000 + '" }') is not None


def test_regex_inside_json_and_delimited() -> None:
    events = [json.dumps({"code": "ThrottlingException"}), json.dumps({"code": "AccessDenied"})]
    assert matches("{ $.code = %Exception$% }", events) == [True, False]
    assert matches("{ $.code != %Exception$% }", events) == [False, True]
    assert matches("[a, b = %^4[0-9]{2}$%]", ["x 404", "x 200", "x 4040"]) == [True, False, False]


def test_term_modes_mix() -> None:
    events = ["ERROR disk full", "WARN disk full", "ERROR net down", "INFO ok"]
    assert matches("?ERROR ?WARN -net", events) == [True, True, False, False]
    assert matches("disk ?ERROR ?WARN", events) == [True, True, False, False]


def test_matching_is_case_sensitive() -> None:
    assert matches("ERROR", ["error", "ERROR"]) == [False, True]
    assert matches("{ $.a = Bar }", [json.dumps({"a": "bar"})]) == [False]
