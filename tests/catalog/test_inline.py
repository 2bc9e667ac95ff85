"""Every view and detection carries inline tests beside it (``<ID>.tests.yaml``): at least one record set
that must make it report and one that must not; each case runs in a store of its own, through the
same path ``aiaudit detect`` takes (aiaudit.catalog.cases)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aiaudit.catalog import catalog
from aiaudit.catalog.cases import TESTED_KINDS, Case, cases_file, entry_cases, load_cases, run_case
from aiaudit.core.errors import InputError

TESTED = sorted(i for i in catalog if catalog[i].kind in TESTED_KINDS)
CASES: list[Case] = [case for entry_id in TESTED for case in entry_cases(catalog[entry_id])]


def test_every_view_and_detection_has_inline_tests_that_can_pass_and_fail() -> None:
    missing = [i for i in TESTED if not cases_file(catalog[i].path).is_file()]
    assert not missing, f"entries without an inline tests file (<ID>.tests.yaml): {missing}"
    for entry_id in TESTED:
        cases = entry_cases(catalog[entry_id])
        kinds = {c.expect for c in cases}
        if catalog[entry_id].kind == "view" and "none" not in kinds:
            # a total over the range (D08) is one row even over nothing: its must-not-match case names what the
            # row must not show instead
            shown = [c for c in cases if c.expect == "findings"]
            kinds |= {"none"} if len(shown) >= 2 and any(c.absent for c in shown) else set()
        assert kinds == {"findings", "none"}, f"{entry_id} needs a must-match and a must-not-match case, has {kinds}"


def test_no_tests_file_without_its_entry() -> None:
    orphans = [
        p.name for p in Path(catalog["Q01"].path).parents[1].glob("*/*.tests.yaml") if p.name[:-11] not in catalog
    ]
    assert not orphans


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.entry_id}-{c.name}"[:90])
def test_inline_case(case: Case) -> None:
    outcome = run_case(case)
    assert outcome.passed, outcome.line()


def test_a_case_that_does_not_hold_fails_with_the_reason(tmp_path: Path) -> None:
    """The runner is not a rubber stamp: a must-match case fed the must-not-match records fails, naming why."""
    hit, miss = (next(c for c in entry_cases(catalog["Q05"]) if c.expect == e) for e in ("findings", "none"))
    swapped = Case(**{**hit.__dict__, "records": miss.records})
    outcome = run_case(swapped)
    assert not outcome.passed and "expected findings, got none" in outcome.line()
    loud = Case(**{**miss.__dict__, "records": hit.records})
    assert "expected no finding, got 1" in run_case(loud).line()


def test_a_malformed_tests_file_names_the_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "X99.tests.yaml"
    case = {"name": "one", "expect": "findings", "records": {"cloudtrail": []}}
    path.write_text(yaml.safe_dump({"cases": [case, {**case, "expect": "maybe"}]}))
    with pytest.raises(InputError) as info:
        load_cases(path)
    assert str(path) in str(info.value) and "cases.1.expect" in str(info.value)


def test_catalog_test_verb_reports_each_case(capsys: pytest.CaptureFixture[str]) -> None:
    from aiaudit.cli import main

    assert main(["catalog", "test", "X25"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and all(line.startswith("ok   X25: ") for line in out)
