"""Every notebook, executed headlessly on simulated data: it finishes, publishes findings, covers its
question's planted incidents (DESIGN §6 ``covers``) and reports nothing at medium+ from baseline activity."""

from __future__ import annotations

import json

import nbformat
import pytest

from aiaudit.core.findings import covers, severity_rank
from aiaudit.frames import principal_key
from aiaudit.notebooks.questions import BASELINE_EXCEPTIONS, QUESTIONS, SCENARIOS

from .conftest import DATASETS, NAMES, NOTEBOOKS, load_findings, truth

WITH_INCIDENTS = [d for d, (_, scenarios) in DATASETS.items() if scenarios != ("none",)]


def test_the_ten_notebooks_exist_and_match_the_registry() -> None:
    assert NAMES == sorted(QUESTIONS) == sorted(SCENARIOS)
    assert len(NAMES) == 10


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_clean_with_a_parameters_cell(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["language_info"]["name"] == "python"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    namespace: dict[str, object] = {}
    exec(tagged[0].source, namespace)  # plain values only
    for key in ("source", "since", "start", "end", "anchor", "findings_out", "principal", "session_id", "request_id"):
        assert isinstance(namespace[key], str), key
    assert namespace["read_only"] is False and namespace["interactive"] is True and namespace["max_text"] == 500
    assert "inv.publish()" in code[-1].source
    assert any(c.cell_type == "markdown" for c in nb.cells[1:])


@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_headless_and_publishes(runs: dict, dataset: str, name: str) -> None:
    run = runs[(dataset, name)]
    assert run.error == "", run.error
    payload = json.loads(run.findings.read_text(encoding="utf-8"))
    assert payload["notebook"] == name and payload["focus"] == {}
    executed = nbformat.read(run.output, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []


@pytest.mark.parametrize("dataset", WITH_INCIDENTS)
@pytest.mark.parametrize("name", NAMES)
def test_findings_cover_the_questions_incidents(runs: dict, dataset: str, name: str) -> None:
    run = runs[(dataset, name)]
    findings = load_findings(run)
    incidents = [i for i in truth(run)["incidents"] if i["scenario"] in SCENARIOS[name]]
    assert len(incidents) == len(SCENARIOS[name])
    missed = [i["id"] for i in incidents if not any(covers(f, i, normalise=principal_key) for f in findings)]
    assert missed == [], f"{name} on {dataset} missed {missed}"


@pytest.mark.parametrize("dataset", WITH_INCIDENTS)
@pytest.mark.parametrize("name", [n for n in NAMES if n not in BASELINE_EXCEPTIONS])
def test_every_serious_finding_is_a_planted_incident(runs: dict, dataset: str, name: str) -> None:
    run = runs[(dataset, name)]
    incidents = truth(run)["incidents"]
    stray = [
        f.title
        for f in load_findings(run)
        if f.severity_rank >= severity_rank("medium")
        and not any(covers(f, i, normalise=principal_key) for i in incidents)
    ]
    assert stray == []


@pytest.mark.parametrize("name", [n for n in NAMES if n not in BASELINE_EXCEPTIONS])
def test_baseline_activity_gives_no_serious_findings(runs: dict, name: str) -> None:
    findings = load_findings(runs[("none", name)])
    assert [f.title for f in findings if f.severity_rank >= severity_rank("medium")] == []
