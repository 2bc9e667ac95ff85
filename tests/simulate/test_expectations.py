"""truth.json's expectations name things that exist: notebooks the registry knows (and exactly those whose
question covers the scenario), and catalogue entries that exist (MF/CI ids are deployables, not entries)."""

from __future__ import annotations

import aiaudit.catalog as catalog
from aiaudit.notebooks.questions import QUESTIONS
from aiaudit.notebooks.questions import SCENARIOS as NOTEBOOK_SCENARIOS
from aiaudit.simulate.scenarios import SCENARIOS


def test_expected_notebooks_match_the_notebook_registry():
    for name, spec in SCENARIOS.items():
        notebooks = set(spec[5])
        assert notebooks <= set(QUESTIONS), name
        assert notebooks == {nb for nb, covered in NOTEBOOK_SCENARIOS.items() if name in covered}, name


def test_expected_catalogue_ids_exist():
    for name, spec in SCENARIOS.items():
        entries = [i for i in spec[4] if not i.startswith(("MF", "CI"))]
        assert entries, f"{name} names no catalogue entry"
        assert [i for i in entries if i not in catalog] == [], name
