"""Every entry reports its must-match record and never its must-not-match record (records.GOLDEN)."""

from __future__ import annotations

import pytest

from aiaudit.catalog import catalog
from aiaudit.core.findings import Finding

from . import records


def _mentions(finding: Finding, marker: str) -> bool:
    keys = finding.principals + finding.request_ids + finding.session_ids + finding.resources
    return any(marker in key for key in keys)


def test_every_entry_has_a_golden_case() -> None:
    assert sorted(records.GOLDEN) == sorted(catalog)


@pytest.mark.parametrize("entry_id", sorted(records.GOLDEN))
def test_entry_matches_and_does_not_match(entry_id: str, found: dict[str, list[Finding]]) -> None:
    must, must_not = records.GOLDEN[entry_id]
    results = found[entry_id]
    for marker in must:
        assert any(_mentions(f, marker) for f in results), f"{entry_id} does not report {marker}"
    for marker in must_not:
        hits = [f.title for f in results if _mentions(f, marker)]
        assert not hits, f"{entry_id} wrongly reports {marker}: {hits}"


@pytest.mark.parametrize("entry_id", sorted(records.GOLDEN))
def test_findings_carry_the_entry_and_its_severity(entry_id: str, found: dict[str, list[Finding]]) -> None:
    entry = catalog[entry_id]
    assert found[entry_id], f"{entry_id} reported nothing"
    for f in found[entry_id]:
        assert f.rule_id == entry_id
        assert f.severity in (entry.severity, "medium", "high")  # X04/X05 may grade a finding itself
        assert f.time_start is not None and f.title
