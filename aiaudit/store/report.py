"""The load report of one ingest: what was read, kept, de-duplicated and skipped, per log group.

Why printable: ``aiaudit ingest`` and notebooks show it as is; nothing skipped may go unmentioned, so
the summary always states the skipped count and where to see each item (``aiaudit sources --skipped``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class GroupCounts:
    pipeline: str
    records: int = 0  # kept by this ingest
    duplicates: int = 0
    total: int = 0  # in the store after this ingest


@dataclass
class IngestReport:
    """Summary of one ``Store.ingest()``."""

    store: Path
    note: str | None = None  # e.g. why the store lives in a cache dir
    files_new: int = 0
    files_changed: int = 0
    files_removed: int = 0
    files_unchanged: int = 0
    files_touched: int = 0  # same content, new mtime: not re-read
    files_reread: int = 0  # re-read because a file they had duplicates of changed or went away
    files_fast: int = 0  # parsed by the DuckDB bulk path
    files_python: int = 0  # parsed by the Python readers
    files_ignored: int = 0  # not telemetry (digest files, README, ...)
    records_read: int = 0
    records_kept: int = 0
    duplicates: int = 0
    skipped: int = 0
    groups: dict[str, GroupCounts] = field(default_factory=dict)
    elapsed_s: float = 0.0
    resumed: bool = False  # continued an interrupted ingest
    missing_root: bool = False  # the data folder is gone; the store was left as is
    notes: list[str] = field(default_factory=list)

    @property
    def changed_anything(self) -> bool:
        return bool(self.files_new or self.files_changed or self.files_removed or self.files_reread)

    def __str__(self) -> str:
        rate = f", {self.records_read / self.elapsed_s:,.0f} records/s" if self.elapsed_s and self.records_read else ""
        lines = [f"store: {self.store}"]
        if self.note:
            lines.append(f"note: {self.note}")
        if self.missing_root:
            lines.append("data folder not found: the store was kept as it is (queries still answer)")
        if self.resumed:
            lines.append("resumed an interrupted ingest")
        lines.append(
            f"files: {self.files_new} new, {self.files_changed} changed, {self.files_removed} removed, "
            f"{self.files_unchanged} unchanged"
            + (f", {self.files_touched} touched (same content)" if self.files_touched else "")
            + (f", {self.files_reread} re-read (their duplicates' originals changed)" if self.files_reread else "")
            + (f", {self.files_ignored} not telemetry" if self.files_ignored else "")
        )
        if self.files_fast or self.files_python:
            lines.append(f"parsed: {self.files_fast} files on the bulk path, {self.files_python} by the readers")
        lines.append(
            f"records: {self.records_read:,} read, {self.records_kept:,} kept, {self.duplicates:,} duplicates, "
            f"{self.skipped:,} skipped"
            + (" (list: aiaudit sources --skipped)" if self.skipped else "")
            + f" in {self.elapsed_s:.1f} s{rate}"
        )
        if self.groups:
            width = max(len(g) for g in self.groups)
            lines.append(f"  {'log group'.ljust(width)}  {'pipeline':<12} {'added':>10} {'dups':>8} {'in store':>10}")
            for name in sorted(self.groups):
                g = self.groups[name]
                lines.append(
                    f"  {name.ljust(width)}  {g.pipeline:<12} {g.records:>10,} {g.duplicates:>8,} {g.total:>10,}"
                )
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:

        return f"<pre>{html.escape(str(self))}</pre>"
