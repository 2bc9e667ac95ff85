"""Fixtures for the classic-QL tests: the conformance records in a tiny store (the schema.py layout
filled directly, shared with the SQL suite's ``sqlkit``) and a runner that prints values as AWS does."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "sql"))  # sqlkit: the SQL suite's tiny store

from data import EVENTS, NATURAL, RUNTIME, SPANS
from sqlkit import TinyStore


@pytest.fixture(scope="session")
def store():
    return TinyStore({"cloudtrail": EVENTS, "runtime_logs": RUNTIME, "spans": SPANS})


@pytest.fixture(scope="session")
def natural_store():
    records = [
        {"eventTime": f"2026-01-01T00:{59 - index:02d}:00Z", "label": label} for index, label in enumerate(NATURAL)
    ]
    return TinyStore({"cloudtrail": records})
