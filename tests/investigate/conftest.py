"""Fixtures: the hand-built story (story.py) on the local store, and the same records as raw frames."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aiaudit.core.timerange import TimeRange
from aiaudit.investigate import Telemetry

from . import story


@pytest.fixture(scope="module")
def story_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return story.write_files(tmp_path_factory.mktemp("story"))


@pytest.fixture(scope="module")
def store(story_dir: Path) -> Iterator[object]:
    import aiaudit

    src = aiaudit.connect("local:" + str(story_dir))
    yield src
    src.close()


@pytest.fixture(scope="module", params=["store", "frames"])
def data(request: pytest.FixtureRequest, store: object) -> object:
    """Both ways in: the local store over exported files, and raw frames through the same projections.
    Shared per module (projections are cached per Telemetry; no test changes the data)."""
    if request.param == "store":
        return Telemetry.of(store)  # type: ignore[arg-type]
    return Telemetry.from_raw(story.raw_frames())


@pytest.fixture
def tr() -> TimeRange:
    return TimeRange(*story.TIME_RANGE)
