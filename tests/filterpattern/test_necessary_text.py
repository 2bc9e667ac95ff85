"""The pre-filter a remote engine runs before the exact match must never drop an event the pattern matches."""

from __future__ import annotations

from aiaudit.query.filterpattern.compile import Necessary, necessary_text

from .test_aws_doc_examples import COMPOUND_CASES, COMPOUND_EVENT, JSON_EVENT, JSON_MATCHING, OR_CASES, OR_EVENTS


def _holds(need: Necessary, text: str) -> bool:
    if need is None:
        return True
    if isinstance(need, str):
        return need in text
    kind, parts = need
    results = [_holds(part, text) for part in parts]
    return all(results) if kind == "and" else any(results)


def test_examples() -> None:
    assert necessary_text('{ $.eventSource = "bedrock.amazonaws.com" && $.errorCode = "AccessDenied*" }') == (
        "and",
        ["bedrock.amazonaws.com", "AccessDenied"],
    )
    assert necessary_text("{ $.a = x || $.b != y }") is None  # one side requires nothing
    assert necessary_text("{ $.code = 401 }") is None  # numbers are not text conditions
    assert necessary_text("ERROR ?WARN ?INFO -debug") == ("and", ["ERROR", ("or", ["WARN", "INFO"])])
    assert necessary_text("%^ab%") is None


def test_never_drops_a_documented_match() -> None:
    for pattern in JSON_MATCHING:
        assert _holds(necessary_text(pattern), JSON_EVENT)
    for pattern, expected in COMPOUND_CASES:
        if expected:
            assert _holds(necessary_text(pattern), COMPOUND_EVENT)
    for pattern, expected in OR_CASES:
        for event, hit in zip(OR_EVENTS, expected):
            if hit:
                assert _holds(necessary_text(pattern), event)
