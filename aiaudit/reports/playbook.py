"""Playbooks: named investigations (notebooks + parameters) rendered into a shareable report folder.

``playbooks/*.yaml`` are validated against ``schema.json`` (unknown keys are errors). The runner
ingests once, executes the notebooks with papermill (in parallel where the store allows), redacts
every artefact with one key, renders self-contained HTML, and writes ``findings.json``,
``manifest.json`` and ``index.html``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from aiaudit.core.errors import InputError
from aiaudit.core.yamlfile import load_validated

HERE = Path(__file__).parent
PROJECT = HERE.parent.parent


def playbook_dir() -> Path:
    """``./playbooks`` when run from a checkout, else the copy next to the package."""
    for candidate in (Path.cwd() / "playbooks", PROJECT / "playbooks"):
        if candidate.is_dir():
            return candidate
    raise InputError("no playbooks folder found (run from the project folder)", where="playbooks")


def notebook_dir() -> Path:
    for candidate in (Path.cwd() / "notebooks", PROJECT / "notebooks"):
        if candidate.is_dir():
            return candidate
    raise InputError("no notebooks folder found (run from the project folder)", where="notebooks")


@cache
def schema() -> dict[str, Any]:
    return json.loads((HERE / "playbook.schema.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class NotebookStep:
    notebook: str
    title: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Playbook:
    name: str
    description: str
    steps: tuple[NotebookStep, ...]
    since: str = "24h"
    fail_on: str | None = None
    min_severity: str = "info"
    parameters: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None


def load_playbook(path: Path) -> Playbook:
    """Read and validate one playbook file; errors name the file and the field."""
    raw = load_validated(path, schema())
    if raw["name"] != path.stem:
        raise InputError(f"name {raw['name']!r} does not match the file name", where=str(path))
    policy = raw.get("severity_policy") or {}
    steps = tuple(
        NotebookStep(
            notebook=item["notebook"],
            title=item.get("title", item["notebook"].replace("_", " ")),
            parameters=dict(item.get("parameters") or {}),
        )
        for item in raw["notebooks"]
    )
    return Playbook(
        name=raw["name"],
        description=raw["description"],
        steps=steps,
        since=raw.get("since", "24h"),
        fail_on=policy.get("fail_on"),
        min_severity=policy.get("min_severity", "info"),
        parameters=dict(raw.get("parameters") or {}),
        path=path,
    )


def list_playbooks(folder: Path | None = None) -> dict[str, Playbook]:
    base = folder or playbook_dir()
    return {p.stem: load_playbook(p) for p in sorted(base.glob("*.yaml"))}


def get_playbook(name: str, folder: Path | None = None) -> Playbook:
    books = list_playbooks(folder)
    if name not in books:
        raise InputError(f"no playbook {name!r} (known: {', '.join(books) or 'none'})", where="playbook")
    return books[name]
