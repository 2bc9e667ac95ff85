"""The acceptance figures of the real-accounts issue, on simulations (``aiaudit simulate --days 3``).

Per seed 7, 11 and 23, over what an analyst sees (the merged findings at ``low`` and above, with the
simulation's ``[environment]`` baseline): every planted incident covered; of the findings at ``medium``
and above, at least 95 % cover an incident or a posture condition truth lists; at most 150 findings; no
entry missing an incident truth expects it to find; no entry error. No entry is exempt. The same figures
are printed without the baseline (no target: it must only complete). ``bench/detect_figures.py`` prints
the table the README shows. A baseline-only simulation (seed 404, no scenario) has no finding at medium
or above once the baseline names the planned change makers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import aiaudit
from aiaudit.catalog import catalog
from aiaudit.catalog.run import run
from aiaudit.core.config import Environment
from aiaudit.core.timerange import TimeRange
from aiaudit.simulate import simulate
from aiaudit.simulate.score import MAX_FINDINGS, MIN_PRECISION, figures, load_truth, problems, score

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    made: dict[tuple[int, str], Path] = {}

    def world(seed: int, scenarios: str = "all") -> Path:
        if (seed, scenarios) not in made:
            out = tmp_path_factory.mktemp(f"sim{seed}{scenarios}")
            simulate(out, days=3, seed=seed, scenarios=(scenarios,))
            made[(seed, scenarios)] = out
        return made[(seed, scenarios)]

    return world


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_figures_hold(seed: int, worlds) -> None:  # type: ignore[no-untyped-def]
    root = worlds(seed)
    truth = load_truth(root)
    with aiaudit.connect(f"local:{root}") as src:
        result = run(src, TimeRange.from_dict(truth["window"]))
        bare = run(src, TimeRange.from_dict(truth["window"]), environment=Environment())
    assert result.errors == [] and bare.errors == []
    totals = figures(result.findings("low"), truth)
    print(f"\nseed {seed}: {totals.text()}")
    print(f"seed {seed} without [environment]: {figures(bare.findings('low'), truth).text()}")
    assert totals.missed == []
    assert totals.precision >= MIN_PRECISION
    assert totals.findings_low_up <= MAX_FINDINGS
    assert problems(score(result.found, truth, catalog), totals) == []


def test_a_quiet_organisation_raises_nothing_at_medium(worlds) -> None:  # type: ignore[no-untyped-def]
    root = worlds(404, "none")
    truth = load_truth(root)
    assert truth["incidents"] == []
    with aiaudit.connect(f"local:{root}") as src:
        result = run(src, TimeRange.from_dict(truth["window"]))
    loud = [f"{f.rule_id}: {f.title}" for f in result.findings("medium")]
    assert loud == []
