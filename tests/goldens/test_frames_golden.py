"""Today's projections equal the frozen goldens value for value (``freeze.py`` says how they were made).

The comparison is by value, not by dtype: the frames issue moves columns to Arrow-backed dtypes
(``docs/frames.md``), so a string column may be ``string`` or ``string[pyarrow]``, a list column a
Python list or an Arrow list, a time ``datetime64[ns, UTC]`` or ``timestamp[ns, tz=UTC][pyarrow]``.
Every missing marker (None, NA, NaN, NaT) compares as missing.
"""

from __future__ import annotations

import math
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import aiaudit
from aiaudit import TimeRange

from .freeze import PIPELINES, SIM, copy_samples, unwrap_panther

HERE = Path(__file__).resolve().parent
EVERYTHING = TimeRange.parse(None, start="2000-01-01T00:00:00Z", end="2100-01-01T00:00:00Z")


def plain(value: Any) -> Any:
    """One value in a dtype-independent form."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_convert("UTC").value if value.tzinfo else value.value
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy scalars and arrays, Arrow lists
        return plain(value.tolist())
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return round(value, 9)
    return value


def column_values(series: pd.Series) -> list[Any]:
    return [plain(v) for v in series.astype(object).tolist()]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    tmp = tmp_path_factory.mktemp("goldens")
    with tarfile.open(SIM) as tar:
        tar.extractall(tmp, filter="data")
    yield {"samples": copy_samples(tmp), "panther": unwrap_panther(tmp), "sim": tmp / "sim"}


@pytest.mark.parametrize("name", ["samples", "panther", "sim"])
def test_projections_equal_goldens(name: str, inputs: dict[str, Path], tmp_path: Path) -> None:
    src = aiaudit.connect(f"local:{inputs[name]}", cache_dir=str(tmp_path / "cache"))
    try:
        for pipeline in PIPELINES:
            golden = pd.read_parquet(HERE / "frames" / f"{name}.{pipeline}.parquet")
            frame = src.projection(pipeline, EVERYTHING).sort_values("@ptr", kind="stable").reset_index(drop=True)
            assert list(frame.columns) == list(golden.columns), f"{name}.{pipeline}: columns differ"
            assert len(frame) == len(golden), f"{name}.{pipeline}: {len(frame)} rows, golden {len(golden)}"
            for column in golden.columns:
                got, want = column_values(frame[column]), column_values(golden[column])
                if got != want:
                    bad = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w)
                    pytest.fail(
                        f"{name}.{pipeline}.{column} row {bad} (@ptr {golden['@ptr'].iloc[bad]}): "
                        f"{got[bad]!r} != golden {want[bad]!r}"
                    )
    finally:
        src.close()
