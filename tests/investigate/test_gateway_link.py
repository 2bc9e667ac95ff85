"""``follow=("gateway_runtime",)``: from a gateway caller to the credentials of the runtime behind the target
it called, and back — exact records, hand-derived from gateway_story.py, on the store and on raw frames."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aiaudit.core.errors import InputError
from aiaudit.core.timerange import TimeRange
from aiaudit.investigate import Telemetry, pivot
from aiaudit.investigate.gateway import gateway_id, runtime_in, target_changes

from . import gateway_story as G


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    import aiaudit

    root: Path = G.write_files(tmp_path_factory.mktemp("gateway"))
    src = aiaudit.connect("local:" + str(root))
    yield src
    src.close()


@pytest.fixture(scope="module", params=["store", "frames"])
def data(request: pytest.FixtureRequest, store: object) -> Telemetry:
    if request.param == "store":
        return Telemetry.of(store)  # type: ignore[arg-type]
    return Telemetry.from_raw(G.raw_frames())


def _reached(result) -> dict[str, set[str]]:
    """eventID of the rows reached, by how they were reached (``value`` or the key that linked them)."""
    frame = result.frames.get("cloudtrail")
    out: dict[str, set[str]] = {}
    for via, event_id in zip(frame["via"], frame["eventID"], strict=True):
        out.setdefault(via, set()).add(event_id)
    return out


def test_caller_reaches_the_runtime_behind_the_target_and_its_credentials(data):
    result = pivot(data, G.EVE, around="1h", follow=("gateway_runtime",))
    # window 09:01-11:07: g3 was served by RT_A (c1 at 08:00); RT_A's retrievals k1, k2 and partner's g5 on
    # the same target follow; not RT_B's k3, not RT_A's S3 read x1, not k4 (14:00), not the Lambda calls
    assert _reached(result) == {"value": {"g2", "g3", "g7"}, "gateway_runtime": {"k1", "k2", "g5"}}
    assert any("UNKNOWNT01" in note and "not linked" in note for note in result.notes)


def test_runtime_role_reaches_the_gateway_calls_its_target_served_then(data):
    result = pivot(data, G.ROLE_A, around="1h", follow=("gateway_runtime",))
    # window 09:03-15:00: g6 (12:30) is in it but RTTARGET01 pointed at RT_B from 12:00 (c3)
    assert _reached(result) == {"value": {"k1", "k2", "x1", "k4"}, "gateway_runtime": {"g3", "g5"}}


def test_the_later_configuration_wins_for_later_calls(data):
    result = pivot(data, G.ROLE_B, around="1h", follow=("gateway_runtime",))
    assert _reached(result) == {"value": {"k3", "k5"}, "gateway_runtime": {"g6"}}


def test_without_the_link_the_caller_stays_on_its_own_calls(data):
    strong = ("request_id", "trace_id", "session_id")
    assert _reached(pivot(data, G.EVE, around="1h", follow=strong)) == {"value": {"g2", "g3", "g7"}}


def test_by_default_the_caller_reaches_the_runtime_credentials_and_its_401(data):
    # gateway_runtime is on by default (the data names RTTARGET01's runtime); unauthenticated_ip adds the 401
    # g1 from eve's address, which carries no claims (principal ip:198.51.100.7) — not partner's calls
    assert _reached(pivot(data, G.EVE, around="1h")) == {
        "value": {"g2", "g3", "g7"},
        "gateway_runtime": {"k1", "k2", "g5"},
        "unauthenticated_ip": {"g1"},
    }


def test_with_address_fan_out_the_401_joins_too(data):
    result = pivot(data, G.EVE, around="1h", follow=("source_ip", "gateway_runtime"))
    # hop 1: eve's address → the 401 g1; RT_A → k1, k2, g5. hop 2: the runtimes' address 10.0.2.7 → x1 and
    # RT_B's k3 (a fan-out: same NAT), partner's address → g4; RT_B's calls in the window: none (g6 is 12:30)
    assert _reached(result) == {
        "value": {"g2", "g3", "g7"},
        "source_ip": {"g1", "x1", "k3", "g4"},
        "gateway_runtime": {"k1", "k2", "g5"},
    }


def test_unknown_follow_key_names_the_derived_one():
    with pytest.raises(InputError, match="gateway_runtime"):
        pivot({}, G.EVE, follow=("gateway",))


def test_target_changes_read_from_the_configuration_events(data):
    changes = target_changes(data)
    got = [(c.target_id, c.runtime_arn, c.eventName) for c in changes.itertuples(index=False)]
    assert got == [
        ("RTTARGET01", G.RT_A, "UpdateGatewayTarget"),
        ("LAMTARGET1", None, "UpdateGatewayTarget"),
        ("RTTARGET01", G.RT_B, "UpdateGatewayTarget"),
    ]
    assert set(changes["gateway_id"]) == {"ops-gw-abcdefghij"}


@pytest.mark.parametrize(
    ("config", "runtime"),
    [
        ({"mcp": {"mcpServer": {"endpoint": "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/"
          "arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A111122223333%3Aruntime%2Fmcp_srv-Q1W2E3R4T5/invocations"
          "?qualifier=DEFAULT"}}}, "arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/mcp_srv-Q1W2E3R4T5"),
        ({"http": {"agentcoreRuntime": {"arn": "arn:aws:bedrock-agentcore:eu-west-1:111122223333:runtime/a-ZZZZZZZZZZ",
                                        "qualifier": "DEFAULT"}}},
         "arn:aws:bedrock-agentcore:eu-west-1:111122223333:runtime/a-ZZZZZZZZZZ"),
        ({"mcp": {"lambda": {"lambdaArn": "arn:aws:lambda:us-east-1:111122223333:function:x"}}}, None),
        ({"mcp": {"mcpServer": {"endpoint": "https://mcp.example.com/mcp"}}}, None),
        (None, None),
    ],
)  # fmt: skip
def test_runtime_in_a_target_configuration(config, runtime):
    assert runtime_in(config) == runtime


def test_gateway_id_from_id_or_arn():
    assert gateway_id(G.GW) == "ops-gw-abcdefghij"
    assert gateway_id("ops-gw-abcdefghij") == "ops-gw-abcdefghij"
    assert gateway_id(None) is None


def test_a_call_to_an_unconfigured_target_is_noted_even_when_nothing_follows(data):
    # only g7 (10:07, target UNKNOWNT01) is sighted: the link resolves nothing, the pivot stops at hop 1,
    # and the note still says why
    only_g7 = TimeRange(f"{G.DAY}T10:07:00Z", f"{G.DAY}T10:07:00Z")
    result = pivot(data, G.EVE, around="1s", time_range=only_g7, follow=("gateway_runtime",))
    assert _reached(result) == {"value": {"g7"}}
    assert any("UNKNOWNT01" in note and "not linked" in note for note in result.notes)
