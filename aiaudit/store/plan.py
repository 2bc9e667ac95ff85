"""What an ingest has to do: compare the files on disk with the files the store holds.

Rules (docs/store.md): a path not in the store is *new*; a stored path that is gone is *removed*; a
different size means *changed*; the same size and mtime means *unchanged* without reading the file; the
same size with another mtime is decided by the content hash (a copy or ``touch`` is *touched*:
unchanged, only its mtime is refreshed). When files are removed or changed, stored files that had
CloudTrail duplicates are read again: the copy they deferred to may be gone.

When the data root does not exist at all, nothing is planned: the store is self-contained and keeps
answering after the source folder has been moved away; it never reads that as "every file removed".
"""

from __future__ import annotations

import hashlib
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiaudit.readers import discover
from aiaudit.readers.reader import file_kind


@dataclass
class DiskFile:
    path: Path
    rel: str
    size: int
    mtime_ns: int
    sha256: str | None = None
    problem: str | None = None  # why the file cannot be read (a FIFO, a symlink loop): never opened


@dataclass
class Plan:
    new: list[DiskFile] = field(default_factory=list)
    changed: list[tuple[DiskFile, int]] = field(default_factory=list)  # (file, old file_id)
    reread: list[tuple[DiskFile, int]] = field(default_factory=list)  # duplicates may now be unique
    removed: list[tuple[str, int]] = field(default_factory=list)  # (rel path, file_id)
    touched: list[tuple[DiskFile, int]] = field(default_factory=list)  # same content, new mtime
    unchanged: int = 0
    missing_root: bool = False

    @property
    def to_read(self) -> list[DiskFile]:
        return self.new + [f for f, _ in self.changed] + [f for f, _ in self.reread]

    @property
    def to_delete(self) -> list[int]:
        return [i for _, i in self.changed] + [i for _, i in self.reread] + [i for _, i in self.removed]

    @property
    def needs_work(self) -> bool:
        """Something to read or drop. Touched files alone are not: their new mtime is recorded by the
        next ingest that has real work (until then they are re-hashed when checked)."""
        return bool(self.new or self.changed or self.removed or self.reread)


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def content_hash(f: DiskFile) -> str:
    """``f``'s sha256, or a stand-in naming why it cannot be read (then ``f.problem`` says so too).

    Why never raise: one unreadable file (permissions, a file that vanished) must not fail an ingest of
    thousands; it is stored as an unreadable file with a skipped entry, and re-checked when it changes.
    """
    if f.problem is None:
        try:
            return file_sha256(f.path)
        except OSError as exc:
            f.problem = f"cannot read file: {exc.strerror or exc}"
    return "unreadable:" + hashlib.sha256(f.problem.encode()).hexdigest()[:16]


def relative(path: Path, root: Path) -> str:
    if root.is_file():
        return path.name
    return path.relative_to(root).as_posix()


def scan(root: Path) -> list[DiskFile] | None:
    """Every candidate file under ``root`` with size and mtime; None when ``root`` is gone."""
    if not root.exists():
        return None
    out = []
    for path in discover(root):
        problem = None
        try:
            st = path.stat()
        except OSError as exc:
            try:
                st = path.lstat()  # a symlink loop or a dangling link: reported, not dropped
            except OSError:
                continue  # vanished between listing and stat: the next run sees it as removed
            problem = f"cannot read file: {exc.strerror or exc}"
        else:
            if not stat.S_ISREG(st.st_mode):  # a FIFO would block the ingest forever
                problem = f"not a regular file ({file_kind(st.st_mode)})"
        out.append(DiskFile(path, relative(path, root), st.st_size, st.st_mtime_ns, problem=problem))
    return out


def make_plan(root: Path, stored: list[tuple[Any, ...]]) -> Plan:
    """``stored``: rows ``(file_id, path, size, mtime_ns, sha256, duplicates)`` from ``_files``."""
    plan = Plan()
    disk = scan(root)
    if disk is None:
        plan.missing_root = True
        plan.unchanged = len(stored)
        return plan
    known = {row[1]: row for row in stored}
    seen: set[str] = set()
    for f in disk:
        seen.add(f.rel)
        row = known.get(f.rel)
        if row is None:
            plan.new.append(f)
            continue
        file_id, _, size, mtime_ns, sha, _dups = row
        if size != f.size:
            plan.changed.append((f, file_id))
        elif mtime_ns == f.mtime_ns:
            plan.unchanged += 1
        else:
            f.sha256 = content_hash(f)
            if f.sha256 == sha:
                plan.touched.append((f, file_id))
            else:
                plan.changed.append((f, file_id))
    plan.removed = [(row[1], row[0]) for rel, row in known.items() if rel not in seen]
    if plan.removed or plan.changed:
        on_disk = {f.rel: f for f in disk}
        redo = {i for _, i in plan.changed}
        for rel, row in known.items():
            if row[5] and rel in on_disk and row[0] not in redo:
                plan.reread.append((on_disk[rel], row[0]))
        plan.unchanged -= sum(1 for f, _ in plan.reread if f.rel in known and known[f.rel][3] == f.mtime_ns)
        touched_ids = {i for _, i in plan.reread}
        plan.touched = [(f, i) for f, i in plan.touched if i not in touched_ids]
    return plan
