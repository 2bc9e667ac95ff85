"""Stream event lists in every form the bodies reader accepts, with the values written by hand.

The reader splits a stream into text deltas (read for their text only) and events read whole (a delta
carrying another key or a guardrail action, starts, stops, metadata); these cases pin the order the texts
are joined in and what each kind of element contributes, whatever way the reader is computed."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from aiaudit.frames.project import project_records

from .helpers import invocation_record

COLUMNS = ["response", "stop_reason", "input_tokens", "output_tokens", "guardrail_action"]


def _frame(events: object) -> dict:
    record = invocation_record(
        "anthropic.claude-3-haiku-20240307-v1:0",
        {"messages": [{"role": "user", "content": "hi"}]},
        events,
        "InvokeModelWithResponseStream",
    )
    row = project_records("invocations", [json.dumps(record)], columns=COLUMNS).iloc[0]
    return {c: (None if pd.isna(row[c]) else row[c]) for c in COLUMNS}


CASES = [
    (
        "every kind of element, in order",
        [
            {"type": "message_start", "message": {"usage": {"input_tokens": 7}}},
            {"type": "content_block_start", "content_block": {"type": "text", "text": "A"}},
            {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "b"}},
            '  {"type": "content_block_delta", "delta": {"text": "c"}}\n',  # an event given as text
            "[DONE]",
            "data: not json",
            7,
            None,
            [1, 2],
            {"contentBlockDelta": {"delta": {"text": "d"}}, "p": "padding"},  # another key: read whole
            {"type": "content_block_delta", "delta": {"text": "e"}, "amazon-bedrock-guardrailAction": "INTERVENED"},
            {"type": "content_block_delta", "delta": {"text": 5}},  # not a string: no text
            {"contentBlockDelta": {"delta": {"text": "f"}}},
            {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 3}},
        ],
        {
            "response": "Abcdef",
            "stop_reason": "end_turn",
            "input_tokens": 7,
            "output_tokens": 3,
            "guardrail_action": "INTERVENED",
        },
    ),
    (
        "text events only",
        ['{"contentBlockDelta": {"delta": {"text": "x"}}}', '{"contentBlockDelta": {"delta": {"text": "y"}}}'],
        {"response": "xy", "stop_reason": None, "input_tokens": None, "output_tokens": None, "guardrail_action": None},
    ),
    (
        "a read-whole event between deltas keeps its place",
        [
            {"contentBlockDelta": {"delta": {"text": "1"}}},
            {"messageStop": {"stopReason": "max_tokens"}, "contentBlockDelta": {"delta": {"text": "2"}}},
            {"contentBlockDelta": {"delta": {"text": "3"}}},
        ],
        {
            "response": "123",
            "stop_reason": "max_tokens",
            "input_tokens": None,
            "output_tokens": None,
            "guardrail_action": None,
        },
    ),
    (
        "nothing but the end marker",
        ["[DONE]"],
        {"response": None, "stop_reason": None, "input_tokens": None, "output_tokens": None, "guardrail_action": None},
    ),
    (
        "an empty stream",
        [],
        {"response": None, "stop_reason": None, "input_tokens": None, "output_tokens": None, "guardrail_action": None},
    ),
]


@pytest.mark.parametrize(("events", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_stream_events(events: object, expected: dict) -> None:
    assert _frame(events) == expected


def test_content_blocks_through_tool_results() -> None:
    """Texts of the last user turn in the order they are written, read through tool results two deep; media
    URIs with a tool result's nested ones before the block's own."""
    messages = [
        {
            "role": "user",
            "content": [{"text": "q1"}, {"document": {"source": {"s3Location": {"uri": "s3://b/doc"}}}}],
        },
        {"role": "assistant", "content": [{"toolUse": {"name": "lookup", "input": {}}}]},
        {
            "role": "user",
            "content": [
                {
                    "toolResult": {
                        "content": [
                            {"text": "r1"},
                            {"json": {"k": 1}},
                            {
                                "toolResult": {
                                    "content": [
                                        {"text": "deep"},
                                        {"image": {"source": {"s3Location": {"uri": "s3://b/img"}}}},
                                    ]
                                }
                            },
                        ]
                    },
                    "image": {"source": {"s3Uri": "s3://b/own"}},
                },
                {"guardContent": {"text": {"text": "guarded"}}},
                "plain",
            ],
        },
    ]
    record = invocation_record(
        "amazon.nova-pro-v1:0",
        {"messages": messages},
        {"output": {"message": {"content": [{"text": "ok"}, 5]}}},
        "Converse",
    )
    row = project_records(
        "invocations", [json.dumps(record)], columns=["prompt", "user_text", "response", "media_uris"]
    )
    assert row["prompt"].iloc[0] == 'r1\n{"k":1}\ndeep\nguarded\nplain'
    assert row["user_text"].iloc[0] == 'q1\nr1\n{"k":1}\ndeep\nguarded\nplain'
    assert row["response"].iloc[0] == "ok"
    assert list(row["media_uris"].iloc[0]) == ["s3://b/doc", "s3://b/img", "s3://b/own"]
