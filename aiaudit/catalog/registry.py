"""The registry of detection code: catalogue id → the Python function that implements it.

Why a module of its own: a detection's metadata lives in its YAML file and its logic in the ``detect.py``
beside it (``entries/<topic>/``); the code registers itself here with :func:`detection`. Keeping the
registry apart from the catalogue loader and the runner means neither has to import the other, and a
new topic folder needs no edit anywhere else: :func:`implementation` imports every
``entries/*/detect.py`` it finds.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable
from functools import cache

from aiaudit.catalog import entries
from aiaudit.core.errors import InputError
from aiaudit.core.findings import Finding

Detection = Callable[..., list[Finding]]

DETECTIONS: dict[str, Detection] = {}


def detection(entry_id: str) -> Callable[[Detection], Detection]:
    """Register the implementation of catalogue entry ``entry_id`` (``kind: detection``)."""

    def register(fn: Detection) -> Detection:
        if entry_id in DETECTIONS:
            raise InputError(f"detection {entry_id} registered twice", where=fn.__module__)
        DETECTIONS[entry_id] = fn
        return fn

    return register


@cache
def load_implementations() -> tuple[str, ...]:
    """Import every topic's ``detect`` module (they register on import); returns their names."""
    loaded = []
    for topic in pkgutil.iter_modules(entries.__path__):
        if topic.ispkg and importlib.util.find_spec(f"{entries.__name__}.{topic.name}.detect") is not None:
            loaded.append(importlib.import_module(f"{entries.__name__}.{topic.name}.detect").__name__)
    return tuple(loaded)


def implementation(entry_id: str) -> Detection:
    load_implementations()
    if entry_id not in DETECTIONS:
        raise InputError(f"catalogue entry {entry_id} is a detection with no registered implementation", where=entry_id)
    return DETECTIONS[entry_id]
