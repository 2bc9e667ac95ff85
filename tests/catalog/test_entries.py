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
    """Views and detections here; the deployable kinds (MF, AL, CI, SEL) in tests/deployable."""
    ours = [i for i in catalog if catalog[i].kind in ("view", "detection")]
    assert sorted(records.GOLDEN) == sorted(ours)


def _row_mentions(row: dict, marker: str) -> bool:
    return any(marker in str(value) for value in row.values() if value is not None)


@pytest.mark.parametrize("entry_id", sorted(i for i in records.GOLDEN if catalog[i].kind == "view"))
def test_view_shows_and_does_not_show(entry_id: str, src: object, tr: object) -> None:
    """A view's rows name its must-match record and never its must-not-match record."""
    must, must_not = records.GOLDEN[entry_id]
    rows = catalog[entry_id].run(src, tr).frame.astype(object).to_dict(orient="records")
    for marker in must:
        assert any(_row_mentions(r, marker) for r in rows), f"{entry_id} does not show {marker}"
    for marker in must_not:
        assert not any(_row_mentions(r, marker) for r in rows), f"{entry_id} wrongly shows {marker}"


@pytest.mark.parametrize("entry_id", sorted(i for i in records.GOLDEN if catalog[i].kind == "detection"))
def test_entry_matches_and_does_not_match(entry_id: str, found: dict[str, list[Finding]]) -> None:
    must, must_not = records.GOLDEN[entry_id]
    results = found[entry_id]
    for marker in must:
        assert any(_mentions(f, marker) for f in results), f"{entry_id} does not report {marker}"
    for marker in must_not:
        hits = [f.title for f in results if _mentions(f, marker)]
        assert not hits, f"{entry_id} wrongly reports {marker}: {hits}"


@pytest.mark.parametrize("entry_id", sorted(i for i in records.GOLDEN if catalog[i].kind == "detection"))
def test_findings_carry_the_entry_and_its_severity(entry_id: str, found: dict[str, list[Finding]]) -> None:
    entry = catalog[entry_id]
    assert found[entry_id], f"{entry_id} reported nothing"
    for f in found[entry_id]:
        assert f.rule_id == entry_id
        assert f.severity in (entry.severity, "medium", "high")  # X04/X05 may grade a finding itself
        assert f.time_start is not None and f.title
