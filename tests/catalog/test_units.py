"""Pieces of the detections with hand-written expectations."""

from __future__ import annotations

import pytest

from aiaudit.catalog.entries.coverage.detect import ai_coverage
from aiaudit.core.errors import InputError
from aiaudit.investigate.content import has_card_number, luhn


@pytest.mark.parametrize(
    ("digits", "valid"), [("4111111111111111", True), ("4111111111111112", False), ("79927398713", True)]
)
def testluhn(digits: str, valid: bool) -> None:
    assert luhn(digits) is valid


def test_card_numbers_need_luhn_and_length() -> None:
    assert has_card_number("card 4111 1111 1111 1111 on file")
    assert not has_card_number("order 4111 1111 1111 1112, phone 555-0100")


def test_ai_coverage_reads_advanced_and_basic_selectors() -> None:
    params = {
        "advancedEventSelectors": [
            {"name": "mgmt", "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]},
            {
                "fieldSelectors": [
                    {"field": "eventCategory", "equals": ["Data"]},
                    {"field": "resources.type", "equals": ["AWS::Bedrock::AgentAlias", "AWS::S3::Object"]},
                ]
            },
        ],
        "eventSelectors": [{"dataResources": [{"type": "AWS::BedrockAgentCore::Gateway", "values": ["arn:aws:x"]}]}],
    }
    assert ai_coverage(params) == {"AWS::Bedrock::AgentAlias", "AWS::BedrockAgentCore::Gateway"}
    assert ai_coverage({}) == set()


def test_bad_pattern_parameter_is_an_error_naming_it(ctx) -> None:
    from aiaudit.catalog import catalog

    with pytest.raises(InputError, match="markers"):
        catalog["X10"].detect(ctx, markers=["(unclosed"])


def test_detection_parameters_change_the_outcome(ctx) -> None:
    from aiaudit.catalog import catalog

    assert catalog["X14"].detect(ctx)  # five denials reach min_denials=5
    assert not catalog["X14"].detect(ctx, min_denials=6)


def test_novelty_needs_history_when_the_lookback_is_empty(src, ctx) -> None:
    """No data before the range: the first 12 hours serve as history, and the context says so."""
    from aiaudit.catalog.run import Context
    from aiaudit.core.timerange import TimeRange

    first_day = TimeRange.from_dict({"start": "2026-03-01T00:00:00Z", "end": "2026-03-01T23:59:59Z"})
    cold = Context.make(src, first_day, lookback="1d")
    assert str(cold.judge_from) == "2026-03-01 12:00:00+00:00"
    assert cold.notes and "serve as history" in cold.notes[0]
    assert str(ctx.judge_from) == "2026-03-02 00:00:00+00:00" and not ctx.notes
