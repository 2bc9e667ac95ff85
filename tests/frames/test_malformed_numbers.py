"""Malformed numbers in real-shaped records become missing values; they never take a projection down.

Why: an attacker-written (or simply broken) record with ``"inputTokenCount": 1e400`` or an integer wider
than 64 bits used to make ``project()`` raise ``OverflowError`` for the whole frame, losing every other
row. The records below are real samples (``../shared/samples``) with one number replaced; the expected
values are the sample's own fields, read by hand.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from aiaudit.frames import project

from .helpers import SAMPLES, ndjson, raw_frame

ELASTIC = SAMPLES / "invocations" / "elastic-test-aws-bedrock-1-16.log"
SPAN = SAMPLES / "spans" / "aws_observability_doc_sample_model_call_span.json"

WIDE = 2**64 + 7  # wider than Int64
HUGE = 10**400  # wider than a float, too


def _invocation(**metrics: object) -> str:
    """The first elastic invocation record with its ``input``/``output`` token counts replaced as JSON text."""
    record = ndjson(ELASTIC)[0]
    text = json.dumps(record)
    for key, value in metrics.items():
        old = f'"{key}": {record["input" if key.startswith("input") else "output"][key]}'
        assert old in text, key
        text = text.replace(old, f'"{key}": {value}')
    return text


@pytest.mark.parametrize(
    "bad",
    [
        {"inputTokenCount": "Infinity"},
        {"inputTokenCount": "-Infinity"},
        {"inputTokenCount": "NaN"},
        {"inputTokenCount": str(WIDE)},
        {"inputTokenCount": str(HUGE)},
        {"inputTokenCount": "1e400"},
        {"inputTokenCount": str(-WIDE)},
    ],
    ids=lambda b: next(iter(b.values()))[:12],
)
def test_bad_token_count_is_missing_and_other_rows_survive(bad: dict[str, str]) -> None:
    good = json.dumps(ndjson(ELASTIC)[0])
    frame = project("invocations", raw_frame([_invocation(**bad), good]))
    assert len(frame) == 2
    assert pd.isna(frame["input_tokens"].iloc[0])
    # the sample's own counts (inputTokenCount 571, outputTokenCount 281), on both rows where untouched
    assert frame["output_tokens"].tolist() == [281, 281]
    assert frame["input_tokens"].iloc[1] == 571
    assert str(frame["input_tokens"].dtype) == "Int64"


def test_bad_output_token_count_and_latency() -> None:
    record = ndjson(ELASTIC)[0]
    record["output"]["outputTokenCount"] = WIDE
    frame = project("invocations", raw_frame([record]))
    assert pd.isna(frame["output_tokens"].iloc[0])
    assert frame["input_tokens"].iloc[0] == 571


def test_span_with_a_duration_wider_than_64_bits() -> None:
    span = json.loads(SPAN.read_text())
    good = json.dumps(span)  # durationNano 2644916837 in the sample
    span["durationNano"] = WIDE
    frame = project("spans", raw_frame([json.dumps(span), good]))
    assert frame["traceId"].tolist() == ["a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"] * 2
    assert pd.isna(frame["duration_ms"].iloc[0])
    assert frame["duration_ms"].iloc[1] == pytest.approx(2644.916837)
