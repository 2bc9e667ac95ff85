"""Stores of hand-written CloudTrail events (records.py), written as CloudTrail's S3 delivery, shared per session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import records


def write_trail(root: Path, events: list[dict[str, Any]]) -> Path:
    """``events`` as one CloudTrail S3 delivery file under ``root``."""
    folder = root / "cloudtrail" / "AWSLogs" / records.ACCOUNT / "CloudTrail" / records.REGION / "2026" / "03" / "02"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{records.ACCOUNT}_CloudTrail_{records.REGION}_20260302T2355Z_deployable.json"
    (folder / name).write_text(json.dumps({"Records": events}), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def cases_src(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Every metric-filter and Contributor Insights case in one store."""
    import aiaudit

    events = [e for hits, misses in records.MF_CASES.values() for e in hits + misses]
    events += [e for hit, _, miss in records.CI_CASES.values() for e in (hit, miss)]
    source = aiaudit.connect("local:" + str(write_trail(tmp_path_factory.mktemp("deployable-cases"), events)))
    yield source
    source.close()
