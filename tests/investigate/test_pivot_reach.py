"""The figure of issue 15 item 7, on simulations: a pivot with default settings from each planted incident's
first principal (truth.json ``incidents[*].principals[0]``) reaches every request id truth lists for it.

Printed per seed (``pytest -s``; ``bench/pivot_reach.py`` prints the same with per-incident rows and times).
Before the resource links (guardrail_change, blinded_window, session_runtime, gateway_runtime on by default,
gateway_call, unauthenticated_ip) the same pivots fully reached 4 of 10 incidents per seed at this scale."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import aiaudit
from aiaudit.cli import main
from aiaudit.simulate import simulate
from aiaudit.simulate.reach import pivot_reach, reach_summary
from aiaudit.simulate.score import load_truth

SEEDS = (7, 11, 23)


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Path]:
    """A simulation per seed, made once when first asked for."""
    made: dict[int, Path] = {}

    def world(seed: int) -> Path:
        if seed not in made:
            made[seed] = tmp_path_factory.mktemp(f"reach{seed}")
            simulate(made[seed], days=3, scale=0.1, seed=seed)
        return made[seed]

    return world


def _carried(src: object) -> set[str]:
    """Every request id a record of the simulation carries as its own."""
    span = src.data_span()  # type: ignore[attr-defined]
    ids = set(src.cloudtrail(span)["request_id"].dropna())  # type: ignore[attr-defined]
    ids |= set(src.invocations(span)["request_id"].dropna())  # type: ignore[attr-defined]
    spans = src.spans(span)  # type: ignore[attr-defined]
    ids |= set(spans.loc[spans["request_id_source"] == "own", "request_id"].dropna())
    return {i.lower() for i in ids}


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
def test_each_incident_is_fully_reached_from_its_first_principal(worlds, seed):
    root = worlds(seed)
    truth = load_truth(root)
    with aiaudit.connect("local:" + str(root)) as src:
        # truth lists only request ids some record carries (a suppressed record's id would be unreachable)
        listed = {r.lower() for inc in truth["incidents"] for r in inc["request_ids"]}
        assert listed - _carried(src) == set()
        table = pivot_reach(src, truth)
    s = reach_summary(table)
    print(
        f"\nseed {seed}: {s['fully_reached']}/{s['incidents']} incidents fully reached; "
        f"{s['request_ids_reached']}/{s['request_ids_listed']} request ids"
    )
    assert s["incidents"] == 14  # every incident but the silent telemetry gap, which has no principal
    missing = {row.id: row.missing for row in table.itertuples() if row.missing}
    assert missing == {}
    assert s["fully_reached"] == s["incidents"]


@pytest.mark.slow
def test_the_cli_pivot_reaches_the_same(worlds, capsys):
    """The command line, on seed 7, for the incidents that need a resource link."""
    root = worlds(7)
    truth = json.loads((root / "truth.json").read_text())
    # the incidents that need a resource link: guardrail change, logging change, gateway caller
    for incident in truth["incidents"]:
        if incident["scenario"] not in ("guardrail-weakened", "audit-tampering", "gateway-credentials"):
            continue
        status = main(["pivot", incident["principals"][0], "--source", "local:" + str(root), "--format", "json"])
        out, _ = capsys.readouterr()
        assert status == 0
        rows = pd.DataFrame(json.loads(out))
        reached = {r.lower() for r in rows["request_id"].dropna()}
        assert [r for r in incident["request_ids"] if r.lower() not in reached] == [], incident["id"]
