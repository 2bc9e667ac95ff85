"""Peer parity: every behaviour other tools alert on (peers.yaml, P01-P28) is covered by an entry that names
it in its references, and docs/catalog.md shows the table those references generate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiaudit.catalog import catalog
from aiaudit.catalog.cases import cases_file
from aiaudit.catalog.peers import markdown, peer_refs, peer_rows, peer_table
from aiaudit.cli import main

DOC = Path(__file__).parents[2] / "docs" / "catalog.md"


def test_the_peer_rows_are_p01_to_p28() -> None:
    assert list(peer_rows()) == [f"P{n:02d}" for n in range(1, 29)]


def test_every_peer_row_maps_to_an_entry_with_inline_tests() -> None:
    table = peer_table(catalog)
    uncovered = table[table["entries"] == ""]["id"].tolist()
    assert not uncovered, f"peer rows with no catalogue entry: {uncovered}"
    for row in table.itertuples(index=False):
        for entry_id in row.entries.split(","):
            assert catalog[entry_id].kind == "detection", f"{row.id} -> {entry_id} is not a detection"
            assert cases_file(catalog[entry_id].path).is_file(), f"{entry_id} ({row.id}) has no inline tests"


def test_references_name_rows_that_exist_and_say_how_aiaudit_covers_them() -> None:
    for entry_id in catalog:
        for ref in catalog[entry_id].references:
            if ref[:1] == "P" and ref[1:3].isdigit():
                assert ref[:3] in peer_rows(), f"{entry_id} references unknown {ref[:3]}"
                assert len(ref) > 20, f"{entry_id}: '{ref}' should name the peer rule"
    assert peer_refs(catalog["X17"]) == ["P05"]
    assert set(peer_refs(catalog["X16"])) == {"P04", "P10"}


def test_docs_show_the_generated_peer_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert markdown(catalog) in text, "docs/catalog.md's peer table is stale: catalog list --peer --format markdown"


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_catalog_list_peer(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    assert main(["catalog", "list", "--peer", "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        rows = {r["id"]: r for r in json.loads(out)}
        assert rows["P13"]["entries"] == "X23" and "Elastic" in rows["P13"]["peers"]
    else:
        assert "| P11 |" in out and "`X22`" in out
