"""Readers: every real on-disk format of the four pipelines (see ``base.py`` for the contract)."""

from aiaudit.readers.base import PIPELINES, FileLoad, RawRecord, Skipped

__all__ = ["PIPELINES", "FileLoad", "RawRecord", "Skipped"]
