"""Readers: every real on-disk format of the four pipelines (see ``base.py`` for the contract).

``discover(root)`` lists candidate files, ``read_file(path)`` turns one into a :class:`FileLoad`
(records + everything skipped, with line and reason), ``classify(obj)`` names a record's pipeline, and
the ``parse_*`` helpers turn the pipelines' time fields into epoch milliseconds. Formats and rules:
``docs/readers.md``.
"""

from collections.abc import Iterator
from pathlib import Path

from aiaudit.readers.base import PIPELINES, FileLoad, RawRecord, Skipped
from aiaudit.readers.classify import classify, is_digest, unwrap
from aiaudit.readers.paths import discover, path_hints
from aiaudit.readers.reader import read_file
from aiaudit.readers.timeparse import parse_event_time, parse_nanos, parse_time_value, record_time


def read_tree(root: Path, log_groups: dict[str, str] | None = None, *, lazy: bool = False) -> Iterator[FileLoad]:
    """``read_file`` for every file ``discover`` finds under ``root``, in order."""
    for path in discover(root):
        yield read_file(path, root, log_groups, lazy=lazy)


__all__ = [
    "PIPELINES",
    "FileLoad",
    "RawRecord",
    "Skipped",
    "classify",
    "discover",
    "is_digest",
    "parse_event_time",
    "parse_nanos",
    "parse_time_value",
    "path_hints",
    "read_file",
    "read_tree",
    "record_time",
    "unwrap",
]
