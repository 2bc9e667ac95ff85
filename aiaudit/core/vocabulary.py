"""The one vocabulary: every word list aiaudit judges by, read from ``vocabulary.yaml``.

Why one file: the guide's own artefacts disagree with each other (metric filter 4 and query 8 list
different guardrail events; metric filter 10 and query 4 different denial codes), and so did this
project's (a notebook and a detection judged the same prompts with two indicator lists). Detections,
catalogue parameters (``default: {concept: NAME}``), notebooks, investigation functions and frames all
read their lists here, so a team that adds an injection marker or a denial code changes every consumer at
once. Pattern lists are regular expressions, matched case-insensitively; :func:`patterns` compiles them
and :func:`matching` names which fired (names only — the matched text is attacker-controlled).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from aiaudit.core.errors import InputError

FILE = Path(__file__).with_name("vocabulary.yaml")


@cache
def _raw() -> dict[str, Any]:
    return yaml.safe_load(FILE.read_text(encoding="utf-8"))


@cache
def concepts() -> dict[str, list[str]]:
    """Every list by name (denial codes, invoke operations, injection markers as regular expressions ...)."""
    return {name: [_text(v) for v in spec["values"]] for name, spec in _raw().items()}


def _text(value: Any) -> str:
    return str(value["pattern"]) if isinstance(value, dict) else str(value)


@cache
def pattern_names() -> dict[str, str]:
    """Regular expression → its name, over every named pattern of the vocabulary."""
    return {
        str(v["pattern"]): str(v["name"]) for spec in _raw().values() for v in spec["values"] if isinstance(v, dict)
    }


@cache
def descriptions() -> dict[str, str]:
    return {name: str(spec.get("description", "")) for name, spec in _raw().items()}


def words(name: str) -> tuple[str, ...]:
    """One list, as a tuple (an unknown name is an error naming the file)."""
    lists = concepts()
    if name not in lists:
        raise InputError(f"no word list {name!r} in the vocabulary", where=str(FILE))
    return tuple(lists[name])


def compile_patterns(values: Iterable[str], what: str) -> list[re.Pattern[str]]:
    """Regular expressions, case-insensitive; a bad one is an error naming ``what`` and the pattern."""
    out = []
    for pattern in values:
        try:
            out.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            raise InputError(f"{what}: invalid pattern {pattern!r}: {exc}", where=what) from None
    return out


@cache
def patterns(name: str) -> tuple[re.Pattern[str], ...]:
    """A pattern list of the vocabulary, compiled."""
    return tuple(compile_patterns(words(name), name))


def matching(text: Any, compiled: Iterable[re.Pattern[str]]) -> list[str]:
    """The names of the patterns that match ``text`` (a pattern without a name in the vocabulary is named
    by itself); nothing for missing or non-text values."""
    if not isinstance(text, str) or not text:
        return []
    names = pattern_names()
    return [names.get(p.pattern, p.pattern) for p in compiled if p.search(text)]
