"""Resource links of a pivot, exactly: which records each link reaches and which it must not, hand-derived
from resource_story.py (see its docstring for the timeline), on the local store and on raw frames."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aiaudit.investigate import Telemetry, pivot
from aiaudit.investigate.blinded import blinded_windows

from . import resource_story as R

STRONG = ("request_id", "trace_id", "session_id")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    import aiaudit

    root: Path = R.write_files(tmp_path_factory.mktemp("resources"))
    src = aiaudit.connect("local:" + str(root))
    yield src
    src.close()


@pytest.fixture(scope="module", params=["store", "frames"])
def data(request: pytest.FixtureRequest, store: object) -> Telemetry:
    if request.param == "store":
        return Telemetry.of(store)  # type: ignore[arg-type]
    return Telemetry.from_raw(R.raw_frames())


def _reached(result) -> dict[tuple[str, int], set[str]]:
    """Records reached, by (via, hop): CloudTrail by eventID, invocations by tag, spans by span id."""
    out: dict[tuple[str, int], set[str]] = {}
    for pipeline, frame in result.frames.items():
        for via, hop, row in zip(frame["via"], frame["hop"], frame.to_dict("records"), strict=True):
            if pipeline == "cloudtrail":
                name = row["eventID"]
            elif pipeline == "invocations":
                name = R.TAGS[row["requestId"]]
            else:
                name = row["spanId"]
            out.setdefault((via, int(hop)), set()).add(name)
    return out


# -- guardrail_change --------------------------------------------------------------------------------


def test_a_guardrail_change_reaches_the_invocations_made_under_it(data):
    # trudy's window 08:30–10:35. G1: i2 (09:40) and i4 (09:50, G1 named by ARN) pair with her CreateGuardrailVersion;
    # not i1 (09:00, before), not i5 (10:10: the admin changed G1 at 10:00). G3: i6 (10:20); not i7 (10:50, after
    # the window). Not i3 (G2). Hop 2: i2's CloudTrail Converse event a4, by its request id.
    assert _reached(pivot(data, R.TRUDY)) == {
        ("value", 0): {"a1", "a2", "a3"},
        ("guardrail_change", 1): {"i2", "i4", "i6"},
        ("request_id", 2): {"a4"},
    }


def test_the_next_change_of_the_guardrail_owns_what_follows_it(data):
    # the admin's window 09:00–11:00: i5 only (i2/i4 were made under trudy's change, before the admin's)
    assert _reached(pivot(data, R.GUARD_ADMIN)) == {("value", 0): {"a5"}, ("guardrail_change", 1): {"i5"}}


def test_without_the_link_a_guardrail_change_reaches_nothing_else(data):
    assert _reached(pivot(data, R.TRUDY, follow=STRONG)) == {("value", 0): {"a1", "a2", "a3"}}


# -- blinded_window ----------------------------------------------------------------------------------


def test_logging_changes_reach_what_went_unlogged_while_they_lasted(data):
    # oscar's window 07:00–11:30. Invocation logging off in A/us-west-2 08:00–08:30: b2 only (b3 is account B,
    # b4 has its log m2, b5 is us-east-1, b6 failed, b8 came after the restore b7). main-trail stopped
    # 10:00–10:30: v1 and the S3 span s1 have no CloudTrail event (not v0, before; not v3, after StartLogging;
    # not v2: main-trail is not an organization trail, so account B is not its scope).
    assert _reached(pivot(data, R.OSCAR)) == {
        ("value", 0): {"b1", "b10", "b11"},
        ("blinded_window", 1): {"b2", "v1", "d000000000000001"},
    }


def test_a_trail_made_single_region_blinds_the_other_regions_of_every_member_account(data):
    # mike's window 13:00–15:00: org-trail (an organization trail, home us-east-1) went single-Region at 14:00:
    # w1 (account B, eu-west-1); not w2 (us-east-1 still logged), not w3 (15:30, after the window)
    assert _reached(pivot(data, R.MIKE)) == {("value", 0): {"c1"}, ("blinded_window", 1): {"w1"}}


def test_the_blinded_windows_are_said_in_the_notes(data):
    notes = pivot(data, R.OSCAR).notes
    assert (
        "DeleteModelInvocationLoggingConfiguration (model invocation logging 111122223333 us-west-2) at "
        "2026-03-06T08:00:00Z blinded invocations until PutModelInvocationLoggingConfiguration at "
        "2026-03-06T08:30:00Z: 1 CloudTrail model call(s) without an invocation log" in notes
    )
    assert (
        "StopLogging (trail main-trail (111122223333)) at 2026-03-06T10:00:00Z blinded cloudtrail until "
        "StartLogging at 2026-03-06T10:30:00Z: 1 invocation log record(s) and 1 AWS-call span(s) without a "
        "CloudTrail event" in notes
    )
    mike = pivot(data, R.MIKE).notes
    assert (
        "UpdateTrail (trail org-trail (111122223333)) at 2026-03-06T14:00:00Z blinded cloudtrail until the window's "
        "end 2026-03-06T15:00:00Z: 1 invocation log record(s) without a CloudTrail event (every account: an "
        "organization trail) (Regions other than us-east-1: the trail became single-Region)" in mike
    )


def test_blinded_windows_table(data):
    windows = blinded_windows(data, None).set_index("@ptr")
    by_event = {(w.eventName, w.until_event) for w in windows.itertuples()}
    # the admin's UpdateTrail b9 blinds main-trail until oscar's StopLogging (the next change of that trail)
    assert by_event == {
        ("DeleteModelInvocationLoggingConfiguration", "PutModelInvocationLoggingConfiguration"),
        ("PutModelInvocationLoggingConfiguration", None),
        ("UpdateTrail", "StopLogging"),
        ("StopLogging", "StartLogging"),
        ("UpdateTrail", None),
    }
    scopes = {w.resource: (w.accounts, w.regions, w.other_regions_than, w.organization) for w in windows.itertuples()}
    assert scopes["trail main-trail (111122223333)"] == (("111122223333",), None, None, False)
    assert scopes["trail org-trail (111122223333)"] == (None, None, "us-east-1", True)
    assert scopes["model invocation logging 111122223333 us-west-2"] == (("111122223333",), ("us-west-2",), None, None)


# -- session_runtime and gateway_call ---------------------------------------------------------------


SPANS_T = {f"c00000000000000{i}" for i in range(1, 7)}


def test_an_agent_turn_reaches_its_caller_its_runtime_events_and_the_gateway_call_it_made(data):
    # the request id RA: d2 and the Converse span p4 with its ancestors p1–p3 (they inherit RA). Hop 1: the rest
    # of trace T (p5, p6); session_runtime: RT's events during the turn (09:00:00.1–06.0 ± 2 s): the caller's
    # InvokeAgentRuntime d1 and the token fetch d3 — not d7 (09:00:30), not RT2's d8. Hop 2: p6 called the
    # helpdesk gateway at 04.2–04.6: d4 — not d5 (another gateway), not d6 (09:00:09).
    result = pivot(data, R.rid("RA"))
    assert _reached(result) == {
        ("value", 0): {"d2", "c000000000000001", "c000000000000002", "c000000000000003", "c000000000000004"},
        ("trace_id", 1): {"c000000000000005", "c000000000000006"},
        ("session_runtime", 1): {"d1", "d3"},
        ("gateway_call", 2): {"d4"},
    }
    assert any("TICKETSTGT" in n and "not linked to a runtime" in n for n in result.notes)


def test_the_caller_reaches_the_turn_it_invoked(data):
    # from the caller's InvokeAgentRuntime (runtime RT, 09:00:00) to the spans of RT's turn then, and on
    assert _reached(pivot(data, R.HELPDESK_API)) == {
        ("value", 0): {"d1"},
        ("session_runtime", 1): SPANS_T,
        ("request_id", 2): {"d2"},
        ("session_runtime", 2): {"d3"},
        ("gateway_call", 2): {"d4"},
    }


def test_without_the_links_the_turn_stays_on_its_ids(data):
    result = pivot(data, R.rid("RA"), follow=STRONG)
    assert _reached(result) == {
        ("value", 0): {"d2", "c000000000000001", "c000000000000002", "c000000000000003", "c000000000000004"},
        ("trace_id", 1): {"c000000000000005", "c000000000000006"},
    }
