"""Pivots: what a value is taken for, and exactly which records each pivot reaches."""

from __future__ import annotations

import pytest

from aiaudit.core.errors import InputError
from aiaudit.investigate import classify, pivot

from . import story as S

CLASSIFY = [
    (S.MALLORY, "principal"),
    (S.APP_SESSION, "principal"),
    ("arn:aws:iam::111122223333:root", "principal"),
    ("jwt:https://idp.example.com#client-7", "principal"),
    (S.MALLORY_KEY, "access_key_id"),
    ("ASIAEXAMPLESESSION01", "access_key_id"),
    (S.MALLORY_IP, "ip"),
    ("2001:db8::7", "ip"),
    (S.T1, "trace_id"),
    ("1-5759e988-bd862e3fe1be46a994272793", "trace_id"),
    (S.R1, "uuid"),
    (S.RT_ENDPOINT, "runtime_arn"),
    (S.GR_ARN, "resource_arn"),
    ("arn:aws:s3:::finance-reports/q4.xlsx", "resource_arn"),
    (S.MODEL, "model_id"),
    ("us.anthropic.claude-3-haiku-20240307-v1:0", "model_id"),
    ("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0", "model_id"),
    (S.S2, "text"),
]


@pytest.mark.parametrize(("value", "kind"), CLASSIFY)
def test_classify(value, kind):
    assert classify(value) == kind


def test_classify_empty_is_an_error():
    with pytest.raises(InputError):
        classify("  ")


def _ids(result) -> dict[str, set[str]]:
    """Records reached, named by a field of their own (not by @ptr, which differs between backends)."""
    out: dict[str, set[str]] = {}
    for pipeline, frame in result.frames.items():
        col = {"cloudtrail": "eventID", "invocations": "requestId", "spans": "spanId", "runtime_logs": "spanId"}
        out[pipeline] = set(frame[col[pipeline]])
    return {k: v for k, v in out.items() if v}


EV = {i: f"e0000001-0000-4000-8000-00000000000{i}" for i in range(1, 8)}
S1_SPANS = {"a000000000000001", "a000000000000002", "a000000000000003", "a000000000000004"}
S2_SPANS = {"b000000000000001", "b000000000000002"}

PIVOTS = [
    # value, expected records reached (hand-derived from the story). Mallory's UpdateGuardrail (10:20) reaches
    # r4 (10:25, guardrail GR, no CloudTrail event), made under it; not r1 (GR, 10:00, before the change).
    (S.MALLORY, {"cloudtrail": {EV[4], EV[5], EV[6]}, "invocations": {S.R4}}),
    (S.MALLORY_IP, {"cloudtrail": {EV[4], EV[5], EV[6]}, "invocations": {S.R4}}),
    (S.MALLORY_KEY, {"cloudtrail": {EV[4], EV[5], EV[6]}, "invocations": {S.R4}}),
    (S.APP_SESSION, {"cloudtrail": {EV[1], EV[7]}, "invocations": {S.R1, S.R4, S.R5}}),
    # one request id reaches its call, its span, the whole trace, the session and its runtime log
    (
        S.R2,
        {
            "cloudtrail": {EV[2]},
            "invocations": {S.R2},
            "spans": S1_SPANS,
            "runtime_logs": {"a000000000000004"},
        },
    ),
    (S.S1, {"cloudtrail": {EV[2]}, "invocations": {S.R2}, "spans": S1_SPANS, "runtime_logs": {"a000000000000004"}}),
    (S.T2, {"spans": S2_SPANS}),
    (S.S2, {"spans": S2_SPANS}),
    # the runtime ARN (endpoint form) meets CloudTrail's inScopeOf and every span of the runtime
    (
        S.RT_ENDPOINT,
        {
            "cloudtrail": {EV[2], EV[3]},
            "invocations": {S.R2},
            "spans": S1_SPANS | S2_SPANS,
            "runtime_logs": {"a000000000000004"},
        },
    ),
    # the guardrail ARN: the change (resource), invocations that used it, and r1's CloudTrail event
    (S.GR_ARN, {"cloudtrail": {EV[5], EV[1]}, "invocations": {S.R1, S.R4}}),
]


@pytest.mark.parametrize(("value", "expected"), PIVOTS, ids=[str(i) for i in range(len(PIVOTS))])
def test_pivot_reaches_exactly(data, value, expected):
    assert _ids(pivot(data, value)) == expected


def test_pivot_counts_direct_and_linked(data):
    result = pivot(data, S.R2)
    counts = result.counts.set_index("pipeline")
    # direct: the CloudTrail event, the invocation, and three spans carrying r2 (own or inherited)
    assert counts.loc["cloudtrail", "direct"] == 1 and counts.loc["invocations", "direct"] == 1
    assert counts.loc["spans", "direct"] == 3 and counts.loc["spans", "linked"] == 1
    assert counts.loc["runtime_logs", "linked"] == 1
    tool = result.frames["spans"].set_index("spanId").loc["a000000000000004"]
    assert (tool["via"], tool["hop"]) == ("trace_id", 1)
    assert result.events["time"].is_monotonic_increasing


def test_pivot_window_bounds_linked_records(data):
    # from the runtime log's trace with a zero window nothing outside the sighting span is linked
    result = pivot(data, S.T1, around="1s")
    assert result.window is not None
    assert str(result.window.start) == "2026-01-10 10:04:58+00:00"


def test_the_guardrail_change_reaches_its_invocation_by_the_resource_link(data):
    result = pivot(data, S.MALLORY)
    inv = result.frames["invocations"].set_index("requestId")
    assert (inv.loc[S.R4, "via"], inv.loc[S.R4, "hop"]) == ("guardrail_change", 1)
    without = pivot(data, S.MALLORY, follow=("request_id", "trace_id", "session_id"))
    assert "invocations" not in without.frames


def test_pivot_follow_principal_fans_out(data):
    narrow = pivot(data, S.R3)
    wide = pivot(data, S.R3, follow=("request_id", "principal"))
    assert _ids(narrow) == {"cloudtrail": {EV[4]}}
    assert _ids(wide) == {"cloudtrail": {EV[4], EV[5], EV[6]}}


def test_pivot_unknown_value_is_empty_with_a_note(data):
    result = pivot(data, "198.51.100.77")
    assert result.frames == {} and result.window is None
    assert result.notes and "no record mentions" in result.notes[0]
    assert result.counts["total"].sum() == 0


def test_pivot_session_arn_note(data):
    assert "every session" in pivot(data, S.APP_SESSION).notes[0]
