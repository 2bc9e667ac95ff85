"""The who_asked_what notebook and detections X10/X11 judge the same text with the same lists.

Before the one vocabulary, for one window X10 reported five injection prompts while the notebook's flagged
table was empty: two indicator lists. This runs both on the demo's data (``make demo``: three simulated
days, seed 7, the last 24 hours) and compares the request ids each flags.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import aiaudit
from aiaudit.catalog.run import run
from aiaudit.notebooks import questions
from aiaudit.notebooks.investigation import start
from aiaudit.simulate import simulate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    simulate(out, days=3, seed=7)
    return out


def test_notebook_flags_exactly_what_x10_and_x11_match(demo: Path) -> None:
    inv = start("who_asked_what", source=f"local:{demo}", since="24h", anchor="data-end")
    answer = questions.answer("who_asked_what", inv)
    flagged = set(answer.tables["flagged"]["request_id"].dropna())
    with aiaudit.connect(f"local:{demo}") as src:
        result = run(src, inv.time_range, ids=["X10", "X11"])
    matched = {r for found in result.found.values() for f in found for r in f.request_ids}
    assert flagged, "the demo plants injected prompts in its last day: the notebook must flag some"
    assert flagged == matched
    # and the notebook names the indicators by the vocabulary's names, as the detections' summaries do
    names = {n for v in answer.tables["flagged"]["injection"] for n in v.split(", ") if n}
    cited = " ".join(f.summary for found in result.found.values() for f in found)
    assert names and all(name in cited for name in names)
