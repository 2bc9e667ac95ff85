"""Correlation joins on the hand-built story: exact rows, matched/unmatched counts and multiplication."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from aiaudit.investigate import change_then_effect, correlate_requests, correlate_sessions, guardrail_change_effects

from . import story as S


def test_requests_cloudtrail_invocations_spans(data, tr):
    c = correlate_requests(data, tr)
    assert dict(zip(c.frame["request_id"], c.frame["matched"])) == {
        S.R1: "ct+inv",
        S.R2: "ct+inv+span",
        S.R3: "ct",
        S.R5: "ct+inv",
    }
    first, second = c.reports
    # CloudTrail model calls r1 r2 r3 r5; invocation logs r1 r2 r4 r5
    assert (first.left_rows, first.left_matched, first.left_unmatched) == (4, 3, 1)
    assert (first.right_rows, first.right_matched, first.right_unmatched) == (4, 3, 1)
    assert first.cardinality == "1:1" and first.rows_out == 4
    # spans carrying their own request id: r2 (session S1) and r6 (S2)
    assert (second.right_rows, second.right_matched, second.right_unmatched) == (2, 1, 1)
    assert second.rows_out == 4 and second.multiplication == 1.0
    row = c.frame.set_index("request_id").loc[S.R2]
    assert row["ct.principal"] == S.AGENT_ROLE and row["inv.prompt"] == "summarise the q4 report"
    assert row["span.name"] == "Bedrock Runtime.Converse"


def test_requests_any_span_multiplies_and_says_so(data, tr):
    c = correlate_requests(data, tr, spans="any")
    second = c.reports[1]
    # r2 is carried by the Converse span and inherited by chat and invoke_agent: 3 rows for one call
    assert second.cardinality == "1:n"
    assert (second.right_rows, second.right_matched) == (5, 3)
    assert second.rows_out == 6 and second.multiplication == pytest.approx(1.5)
    assert any("multiplied" in note for note in second.notes)
    assert (c.frame["request_id"] == S.R2).sum() == 3


def test_requests_outer_keeps_every_side(data, tr):
    c = correlate_requests(data, tr, how="outer")
    assert dict(zip(c.frame["request_id"], c.frame["matched"])) == {
        S.R1: "ct+inv",
        S.R2: "ct+inv+span",
        S.R3: "ct",
        S.R4: "inv",
        S.R5: "ct+inv",
        S.R6: "span",
    }


def test_requests_focus_narrows_cloudtrail_and_the_other_sides(data, tr):
    c = correlate_requests(data, tr, principal=S.APP_ROLE)
    assert sorted(c.frame["request_id"]) == [S.R1, S.R5]
    assert c.reports[0].right_rows == 2 and c.reports[0].right_unmatched == 0


def test_sessions_link_by_request_id_and_by_runtime_within_window(data, tr):
    c = correlate_sessions(data, tr, window="5m")
    sessions = c.frame.set_index("session_id")
    assert sessions.loc[S.S1, "runtime_arn"] == S.RT
    assert sessions.loc[S.S1, "spans"] == 4 and sessions.loc[S.S1, "errors"] == 1
    assert sessions.loc[S.S1, "request_ids"] == [S.R2]
    links = c.frames["cloudtrail"]
    assert sorted(zip(links["eventName"], links["session_id"], links["link"])) == [
        ("Converse", S.S1, "request_id"),
        ("GetObject", S.S1, "runtime_arn+time"),
    ]
    assert list(c.frames["invocations"]["request_id"]) == [S.R2]
    rt = c.frames["runtime_logs"]
    assert list(zip(rt["session_id"], rt["link"])) == [(S.S1, "trace_id")]
    rep = c.reports[0]
    assert (rep.left_rows, rep.left_matched, rep.left_unmatched) == (2, 1, 1)
    assert (rep.right_rows, rep.right_matched, rep.right_unmatched) == (2, 2, 0)


def test_sessions_window_too_short_drops_the_time_link(data, tr):
    c = correlate_sessions(data, tr, window="1m")  # the denial is 87 s after the session ended
    assert list(c.frames["cloudtrail"]["eventName"]) == ["Converse"]
    assert c.reports[0].right_unmatched == 1


def test_guardrail_change_pairs_later_invocations_of_that_guardrail(data, tr):
    c = guardrail_change_effects(data, tr, within="1h")
    paired = c.frame.set_index("request_id")
    assert pd.isna(paired.loc[S.R1, "change.eventName"])  # before the change
    assert paired.loc[S.R4, "change.eventName"] == "UpdateGuardrail"
    assert paired.loc[S.R4, "change_lag"] == pd.Timedelta(minutes=5)
    assert pd.isna(paired.loc[S.R5, "change.eventName"])  # another guardrail
    rep = c.reports[0]
    assert (rep.left_rows, rep.left_matched, rep.left_unmatched) == (3, 1, 2)
    assert (rep.right_rows, rep.right_matched, rep.right_unmatched) == (1, 1, 0)


def _t(minute: int) -> pd.Timestamp:
    return pd.Timestamp("2026-01-01T00:00:00Z") + pd.Timedelta(minutes=minute)


def test_change_then_effect_latest_change_within_bound_and_same_key():
    changes = pd.DataFrame(
        {"time": [_t(0), _t(10), _t(5), _t(1)], "key": ["a", "a", "b", None], "@ptr": ["c0", "c10", "c5b", "cx"]}
    )
    effects = pd.DataFrame(
        {
            "time": [_t(12), _t(3), _t(40), _t(6), _t(7), _t(8)],
            "key": ["a", "a", "a", "b", None, "c"],
            "@ptr": ["e12", "e3", "e40", "e6b", "enull", "ec"],
        }
    )
    out, rep = change_then_effect(changes, effects, by="key", within=timedelta(minutes=20))
    assert list(out["@ptr"]) == ["e12", "e3", "e40", "e6b", "enull", "ec"]  # effect order kept
    assert [None if pd.isna(v) else v for v in out["change.@ptr"]][:4] == ["c10", "c0", None, "c5b"]
    assert out["change.@ptr"].iloc[4:].isna().all()
    assert (rep.left_rows, rep.left_matched, rep.left_unmatched, rep.left_null_keys) == (6, 3, 3, 1)
    assert (rep.right_rows, rep.right_matched, rep.right_unmatched, rep.right_null_keys) == (4, 3, 1, 1)
    assert rep.rows_out == 6 and rep.cardinality == "1:1"


def test_change_then_effect_without_key_and_many_effects_per_change():
    changes = pd.DataFrame({"time": [_t(0)], "@ptr": ["c0"]})
    effects = pd.DataFrame({"time": [_t(1), _t(2), _t(-1)], "@ptr": ["e1", "e2", "e-1"]})
    out, rep = change_then_effect(changes, effects)
    assert out["change.@ptr"].tolist()[:2] == ["c0", "c0"] and pd.isna(out["change.@ptr"].iloc[2])
    assert rep.cardinality == "n:1" and rep.rows_out == 3
