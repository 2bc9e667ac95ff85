"""The query catalogue: the reference guide's queries (and detections beyond it) as tested data.

Why data and not code: security teams review, diff and extend queries; a YAML file per entry with a
JSON schema (``schema.json``) keeps metadata and query together, and the one vocabulary
(:mod:`aiaudit.core.vocabulary`) keeps related entries consistent — the guide's own artefacts disagree
with each other (MF4 vs Q8, MF10 vs Q4, Q18 vs Q20), aiaudit's do not.

Entries live in topic folders, ``entries/<topic>/<ID>.yaml``, with the topic's detection code beside them
(``entries/<topic>/detect.py``). ``aiaudit.catalog["Q18"].run(src, time_range, **params)`` runs an
entry; ``dry_run`` renders it; ``detect`` gives a detection's findings; :mod:`aiaudit.catalog.run` runs
them all (``run_all``).
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd

from aiaudit.catalog.entry import Entry, Parameter, load_entry, schema  # noqa: F401 - the public names
from aiaudit.core.vocabulary import concepts

HERE = Path(__file__).parent
ENTRIES = HERE / "entries"
#: inline tests sit beside an entry as ``<ID>.tests.yaml`` (see :mod:`aiaudit.catalog.cases`)
TESTS_SUFFIX = ".tests.yaml"


#: Families in DESIGN §7's order: the guide's queries, its dashboards' queries, then the deployable
#: kinds, then detections beyond the guide.
_FAMILIES = ("Q", "D", "MF", "AL", "CI", "SEL", "X", "P")


def _id_order(entry_id: str) -> tuple[int, str]:
    family = re.match(r"[A-Z]+", entry_id)
    name = family.group() if family else ""
    rank = _FAMILIES.index(name) if name in _FAMILIES else (0 if name == "QAGG" else len(_FAMILIES))
    return rank, entry_id


def entry_files(folder: Path = ENTRIES) -> list[Path]:
    """Every entry file under ``folder`` (``<topic>/<ID>.yaml``; inline test files are not entries)."""
    paths = (p for p in folder.glob("*/*.yaml") if not p.name.endswith(TESTS_SUFFIX))
    return sorted(paths, key=lambda p: _id_order(p.stem))


class Catalog(Mapping[str, Entry]):
    """All entries by id, loaded once."""

    def __init__(self, folder: Path = ENTRIES) -> None:
        self._folder = folder
        self._entries: dict[str, Entry] | None = None

    def _load(self) -> dict[str, Entry]:
        if self._entries is None:
            self._entries = {p.stem: load_entry(p) for p in entry_files(self._folder)}
        return self._entries

    def __getitem__(self, key: str) -> Entry:
        entries = self._load()
        if key not in entries:
            raise KeyError(f"no catalogue entry {key!r} (see aiaudit catalog list)")
        return entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def frame(self) -> pd.DataFrame:
        """One row per entry, for ``aiaudit catalog list`` and notebooks."""
        rows = [
            {
                "id": e.id,
                "kind": e.kind,
                "severity": e.severity,
                "pipelines": ",".join(e.pipelines),
                "dimension": e.dimension,
                "change_alarm": e.change_alarm,
                "title": e.title,
            }
            for e in self._load().values()
        ]
        return pd.DataFrame(rows, columns=["id", "kind", "severity", "pipelines", "dimension", "change_alarm", "title"])


catalog = Catalog()

__all__ = ["Catalog", "Entry", "Parameter", "catalog", "concepts", "entry_files", "load_entry"]


class _CatalogModule(types.ModuleType):
    """Lets ``aiaudit.catalog["Q18"]`` work although ``aiaudit.catalog`` is also this package."""

    def __getitem__(self, key: str) -> Entry:
        return catalog[key]

    def __iter__(self) -> Iterator[str]:
        return iter(catalog)

    def __len__(self) -> int:
        return len(catalog)

    def __contains__(self, key: object) -> bool:
        return key in catalog


sys.modules[__name__].__class__ = _CatalogModule
