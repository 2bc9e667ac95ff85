"""Same seed, same bytes; another seed, another organisation."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from aiaudit.simulate import simulate

ARGS = {"days": 1, "scale": 0.03, "end": "2026-11-20T00:00:00Z"}


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_whatever_the_workers(tmp_path):
    simulate(tmp_path / "a", seed=11, workers=1, **ARGS)
    simulate(tmp_path / "b", seed=11, workers=2, **ARGS)
    a, b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert a == b
    assert len(a) > 50


def test_rerun_into_the_same_folder_replaces_it(tmp_path):
    simulate(tmp_path, seed=11, **ARGS)
    first = _tree(tmp_path)
    simulate(tmp_path, seed=11, **ARGS)
    assert _tree(tmp_path) == first


def test_different_seeds_differ(tmp_path):
    simulate(tmp_path / "a", seed=1, **ARGS)
    simulate(tmp_path / "b", seed=2, **ARGS)
    a = json.loads((tmp_path / "a" / "truth.json").read_text())["baseline"]
    b = json.loads((tmp_path / "b" / "truth.json").read_text())["baseline"]
    assert a["organization_id"] != b["organization_id"]
    assert {x["id"] for x in a["accounts"]}.isdisjoint({x["id"] for x in b["accounts"]})
    assert set(_tree(tmp_path / "a")) != set(_tree(tmp_path / "b"))
