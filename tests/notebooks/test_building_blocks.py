"""The notebook building blocks: frames read in visible cells → the join → the library's answer.

A notebook spells out what ``questions.answer(name, inv)`` does inside; both must give the same answer,
and an analyst's filter on a frame must reach every step below it. The question notebooks also carry the
detections' findings for their question, with the same ``finding_id`` as the detections notebook.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from aiaudit.investigate import correlate_requests, correlate_sessions, guardrail_change_effects
from aiaudit.notebooks import questions
from aiaudit.notebooks.investigation import start
from aiaudit.notebooks.questions.detected import RELATED
from aiaudit.simulate import simulate

from .conftest import NOTEBOOKS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("blocks")
    simulate(out, days=3, seed=7, scale=0.2)
    return out


def _inv(data: Path, name: str):
    return start(name, source=f"local:{data}", since="24h", anchor="data-end")


def _ids(answer) -> list[str]:
    return sorted(f.finding_id for f in answer.findings)


def test_the_visible_cells_give_the_answer_of_the_one_call(data: Path) -> None:
    inv = _inv(data, "who_asked_what")
    ct, calls, spans = inv.cloudtrail(), inv.invocations(margin="5m"), inv.spans(margin="5m")
    view = inv.over(cloudtrail=ct, invocations=calls, spans=spans)
    joined = correlate_requests(view.tel, inv.time_range, how="outer", **questions.request_focus(view))
    cells = questions.answer("who_asked_what", view, joined)
    whole = questions.answer("who_asked_what", _inv(data, "who_asked_what"))
    assert len(cells.tables["requests"]) == len(whole.tables["requests"]) > 0
    assert _ids(cells) == _ids(whole) and cells.findings


def test_a_filter_on_a_frame_reaches_the_join_and_the_findings(data: Path) -> None:
    inv = _inv(data, "who_asked_what")
    whole = questions.answer("who_asked_what", inv)
    flagged = whole.tables["flagged"]
    assert len(flagged), "the simulation plants injected prompts in its last day"
    dropped = set(flagged["request_id"].dropna())
    calls = inv.invocations(margin="5m")
    calls = calls[~calls["request_id"].isin(dropped)]  # the analyst removes the flagged invocations
    view = inv.over(cloudtrail=inv.cloudtrail(), invocations=calls, spans=inv.spans(margin="5m"))
    joined = correlate_requests(view.tel, inv.time_range, how="outer", **questions.request_focus(view))
    after = questions.answer("who_asked_what", view, joined)
    assert after.tables["flagged"].empty
    assert not dropped & set(after.tables["requests"].dropna(subset=["prompt"])["request_id"])
    assert not [f for f in after.findings if f.rule_id == "nb:who_asked_what"]


@pytest.mark.parametrize("name", ["agent_failure_triage", "least_privilege"])
def test_session_questions_answer_the_same_from_their_cells(data: Path, name: str) -> None:
    inv = _inv(data, name)
    spans, ct = inv.spans(), inv.cloudtrail(margin="5m")
    view = inv.over(spans=spans, cloudtrail=ct, invocations=inv.invocations(margin="5m"))
    joined = correlate_sessions(view.tel, inv.time_range, window="5m", **questions.session_focus(view))
    assert _ids(questions.answer(name, view, joined)) == _ids(questions.answer(name, _inv(data, name)))


def test_guardrail_question_answers_the_same_from_its_cells(data: Path) -> None:
    inv = _inv(data, "guardrail_weakened")
    view = inv.over(cloudtrail=inv.cloudtrail(before="24h"), invocations=inv.invocations())
    joined = guardrail_change_effects(view.tel, inv.time_range, within="24h")
    whole = questions.answer("guardrail_weakened", _inv(data, "guardrail_weakened"))
    assert _ids(questions.answer("guardrail_weakened", view, joined)) == _ids(whole)


def test_questions_reuse_the_detections_findings_with_their_ids(data: Path) -> None:
    detections = {f.finding_id: f for f in questions.answer("detections", _inv(data, "detections")).findings}
    answer = questions.answer("who_asked_what", _inv(data, "who_asked_what"))
    reused = [f for f in answer.findings if set(f.rule_ids) & set(RELATED["who_asked_what"])]
    assert reused, "X10/X11 fire on the planted injection in the last day"
    assert all(f.finding_id in detections for f in reused)
    assert list(answer.tables["detections"]["finding_id"]) == [f.finding_id for f in reused]
    # the notebook's own findings never restate a detection finding about the same session or request
    own = [f for f in answer.findings if f.rule_id == "nb:who_asked_what"]
    for f in own:
        assert not any(
            set(f.session_ids) & set(r.session_ids) or set(f.request_ids) & set(r.request_ids) for r in reused
        )


@pytest.mark.parametrize("name", sorted(questions.JOINS))
def test_join_notebooks_spell_out_frames_and_join_in_their_own_cells(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    frames = next(i for i, s in enumerate(code) if "= inv.cloudtrail(" in s or "= inv.spans(" in s)
    join = next(i for i, s in enumerate(code) if "inv.over(" in s)
    answer = next(i for i, s in enumerate(code) if f'questions.answer("{name}", data, joined)' in s)
    assert frames < join < answer
    assert any(fn in code[join] for fn in ("correlate_requests(", "correlate_sessions(", "guardrail_change_effects("))
    assert all(len(s.splitlines()) <= 12 for s in code[frames : answer + 1]), "cells stay short"
