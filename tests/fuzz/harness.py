"""One fuzzing harness that every parser of aiaudit registers with.

A *target* is a function that takes the fuzzer's bytes, feeds them to one parser and lets it raise
only the error types that parser documents (``aiaudit.core.errors``: ``QuerySyntaxError`` for a query
that does not parse, ``InputError`` for a bad value; the readers document none, since a reader never
raises on content). Anything else (``IndexError``, ``RecursionError``, ``TypeError`` ...) is a crash.

The same targets run three ways:

* ``tests/fuzz/test_fuzz.py`` — hypothesis property tests, derandomised (fixed seed), in ``make test``;
* ``tests/fuzz/test_fuzz.py::test_atheris_short_run`` — a short coverage-guided atheris run per
  target with a fixed seed, in ``make test``;
* ``make fuzz`` (``python -m tests.fuzz.run_atheris TARGET --seconds N``) — the long run; crashing
  inputs are written to ``.fuzz/crashes/<target>/`` and the executions counted for docs/reliability.md.

Joining (a parser that lands later, e.g. the classic-QL parser or the filter-pattern parser), in
``tests/fuzz/targets.py``::

    @register("cwli-parser", allowed=(QuerySyntaxError,), seeds=[b"fields @message | limit 5"])
    def _cwli(data: bytes) -> None:
        parse_cwli(text(data))

That is all: the hypothesis test, the atheris short run and ``make fuzz`` pick it up by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Target:
    name: str
    run: Callable[[bytes], object]
    allowed: tuple[type[BaseException], ...]  # documented errors; anything else is a crash
    seeds: list[bytes] = field(default_factory=list)  # starting inputs (valid ones reach deeper code)
    grammar: list[str] = field(default_factory=list)  # tokens hypothesis recombines into text inputs


TARGETS: dict[str, Target] = {}


def register(
    name: str,
    *,
    allowed: tuple[type[BaseException], ...] = (),
    seeds: list[bytes] | None = None,
    grammar: list[str] | None = None,
) -> Callable[[Callable[[bytes], object]], Callable[[bytes], object]]:
    """Decorator: add a target under ``name`` (names are unique)."""

    def add(run: Callable[[bytes], object]) -> Callable[[bytes], object]:
        if name in TARGETS:
            raise ValueError(f"fuzz target {name!r} registered twice")
        TARGETS[name] = Target(name, run, allowed, list(seeds or []), list(grammar or []))
        return run

    return add


def text(data: bytes) -> str:
    """Fuzzer bytes as text, the way a user's input reaches a parser (undecodable bytes replaced)."""
    return data.decode("utf-8", "replace")


class Crash(AssertionError):
    """An input made a target raise something it does not document."""


def check(target: Target, data: bytes) -> None:
    """Run ``target`` on ``data``; raise :class:`Crash` (with the input) on an undocumented exception."""
    try:
        target.run(data)
    except target.allowed:
        return
    except Exception as exc:  # the point of fuzzing: every other exception type is a finding
        raise Crash(f"{target.name}: {type(exc).__name__}: {exc} on input {data[:300]!r}") from exc


def load_targets() -> dict[str, Target]:
    """Import the modules that register targets (importing twice registers nothing twice)."""
    from . import targets  # noqa: F401  (registration happens on import)

    return TARGETS
