"""One store with every entry's hand-built records (records.py), shared by the whole session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aiaudit.catalog.run import Context
from aiaudit.core.config import Environment
from aiaudit.core.timerange import TimeRange

from . import records

ENVIRONMENT = Environment(expected_regions=("us-east-1",), agent_tools={"x09agent": ("lookup",)})


@pytest.fixture(scope="session")
def catalog_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return records.write_files(tmp_path_factory.mktemp("catalog-records"))


@pytest.fixture(scope="session")
def src(catalog_dir: Path) -> Iterator[object]:
    import aiaudit

    source = aiaudit.connect("local:" + str(catalog_dir))
    yield source
    source.close()


@pytest.fixture(scope="session")
def tr() -> TimeRange:
    return TimeRange.from_dict({"start": records.RANGE[0], "end": records.RANGE[1]})


@pytest.fixture(scope="session")
def lookback() -> TimeRange:
    return TimeRange.from_dict({"start": records.LOOKBACK[0], "end": records.LOOKBACK[1]})


@pytest.fixture(scope="session")
def ctx(src: object, tr: TimeRange, lookback: TimeRange) -> Context:
    return Context.make(src, tr, lookback=lookback, environment=ENVIRONMENT)
