"""Small simulated datasets shared by the simulator tests (one day, low scale: seconds, not minutes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiaudit.simulate import SimulationSummary, simulate

SMALL = {"days": 1, "scale": 0.05, "end": "2026-11-20T00:00:00Z"}


@pytest.fixture(scope="session")
def sim_all(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SimulationSummary]:
    out = tmp_path_factory.mktemp("sim_all")
    return out, simulate(out, seed=7, **SMALL)


@pytest.fixture(scope="session")
def sim_none(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SimulationSummary]:
    out = tmp_path_factory.mktemp("sim_none")
    return out, simulate(out, seed=7, scenarios=("none",), **SMALL)


def read_records(out: Path) -> tuple[dict[str, list[dict]], list[tuple[str, int, str]], list[str]]:
    """Every record under ``out`` through the project's readers: (records per pipeline, skipped, ignored paths)."""
    from aiaudit.readers import read_tree

    records: dict[str, list[dict]] = {"cloudtrail": [], "invocations": [], "spans": [], "runtime_logs": []}
    skipped: list[tuple[str, int, str]] = []
    ignored: list[str] = []
    for load in read_tree(out):
        rel = load.path.relative_to(out).as_posix()
        if rel.startswith(".aiaudit"):
            continue
        for rec in load.records:
            records[rec.pipeline].append(rec.data if rec.data else {"@message": rec.message})
        skipped += [(rel, s.line, s.reason) for s in load.skipped]
        if load.ignored:
            ignored.append(rel)
    return records, skipped, ignored
