"""Where a store lives: beside the data, in a named cache dir, or in the user's cache when the data is read-only.

Why a default cache keyed by a hash of the absolute data path: shared, read-only evidence folders are
common in investigations; the store must still be persistent (parse once, answer many times) without
writing next to the evidence, and two different folders must never share a store.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

STORE_DIR = ".aiaudit"
DB_NAME = "store.duckdb"
WORK_NAME = "work.duckdb"
LOCK_NAME = "store.lock"


@dataclass(frozen=True)
class Location:
    """The files of one store."""

    data: Path  # the data root (folder, or a single file)
    folder: Path  # where the database files live
    note: str | None = None  # why the store is not beside the data, for the report

    @property
    def db(self) -> Path:
        return self.folder / DB_NAME

    @property
    def work(self) -> Path:
        """The writer's working copy: published by an atomic rename, kept on interrupt to resume."""
        return self.folder / WORK_NAME

    @property
    def lock(self) -> Path:
        return self.folder / LOCK_NAME


def default_cache_dir(data: Path) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha256(str(data.resolve()).encode()).hexdigest()[:16]
    return base / "aiaudit" / digest


def _beside(data: Path) -> Path:
    if data.is_file():
        return data.parent / STORE_DIR / data.name
    return data / STORE_DIR


def _writable(folder: Path) -> bool:
    """True when ``folder`` exists and is writable, or can be created.

    A folder without any write bit counts as read-only even for root (who may write anyway): evidence
    folders are made read-only on purpose, and the store must not land inside them.
    """
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    return probe.is_dir() and bool(probe.stat().st_mode & 0o222) and os.access(probe, os.W_OK | os.X_OK)


def locate(data: Path, cache_dir: Path | None, *, read_only: bool) -> Location:
    """Pick the store folder (no side effects: nothing is created here)."""
    data = Path(data).expanduser().absolute()
    if cache_dir is not None:
        return Location(data, Path(cache_dir).expanduser().absolute())
    beside = _beside(data)
    if (beside / DB_NAME).exists() or (not read_only and _writable(beside)):
        return Location(data, beside)
    cache = default_cache_dir(data)
    if read_only and not (cache / DB_NAME).exists() and not data.exists():
        return Location(data, beside)  # nothing anywhere: report the primary location
    return Location(data, cache, note=f"data folder {data} is not writable: store kept in {cache}")
