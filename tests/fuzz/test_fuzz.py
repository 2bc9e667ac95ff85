"""Fuzzing in ``make test``: hypothesis properties (derandomised) and a short atheris run per target.

Property, for every registered parser: whatever the input, it returns or raises one of the error types
it documents (``tests/fuzz/harness.py``). The long coverage-guided run is ``make fuzz``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .campaign import run_target
from .harness import Target, check, load_targets

TARGETS = load_targets()
FUZZ_SETTINGS = settings(
    max_examples=200, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


def _inputs(target: Target) -> st.SearchStrategy[bytes]:
    """Random bytes, seeds with random damage, and texts recombined from the target's grammar tokens."""
    raw = st.binary(max_size=2048)
    tokens = st.lists(st.sampled_from(target.grammar or ["x"]), max_size=40).map(lambda t: "".join(t).encode())
    seeds = st.sampled_from(target.seeds or [b""])
    cut = st.tuples(seeds, st.integers(0, 4096)).map(lambda s: s[0][: s[1]])
    spliced = st.tuples(seeds, st.integers(0, 4096), raw).map(lambda s: s[0][: s[1]] + s[2] + s[0][s[1] :])
    return st.one_of(raw, tokens, cut, spliced, st.text(max_size=500).map(str.encode))


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_property_only_documented_errors(name: str) -> None:
    target = TARGETS[name]

    @FUZZ_SETTINGS
    @given(_inputs(target))
    def run(data: bytes) -> None:
        check(target, data)

    run()


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_seeds_are_accepted(name: str) -> None:
    """The seeds are valid inputs (so the fuzzers start inside the parser, not at its first error)."""
    target = TARGETS[name]
    for seed in target.seeds:
        target.run(seed)


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris not installed (dev extra)")
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_atheris_short_run(name: str, tmp_path: Path) -> None:
    """A short coverage-guided run with a fixed seed; the long one is ``make fuzz``."""
    result = run_target(name, seconds=None, runs=1000, seed=21, crash_dir=tmp_path)
    assert (result["exit"], result["crashes"]) == (0, []), result["last_error"]
    assert result["executions"] >= 1000
