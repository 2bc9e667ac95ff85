"""One ingest run: lock, working copy, batches of files in transactions, de-duplication, publish.

Why a working copy published by rename (``work.duckdb`` → ``store.duckdb``): DuckDB lets one process
open a database read-write *or* many processes open it read-only, never both. Readers therefore only
ever open the published file read-only, and the single writer (under :class:`WriterLock`) works on its
own copy, then swaps it in with an atomic ``os.replace``. A reader that opened the old file keeps a
consistent old snapshot (the inode lives while it is open); the next ``Store.connection()`` sees the new
one. Readers are never blocked by an ingest, and never see half a file: unpublished work is invisible.

Each batch (its rows, the ``_files`` rows and ``_skipped`` rows of its files) is one transaction in the
working copy. Ctrl-C (or a kill) leaves the working copy at the last committed batch; the published store
is untouched. The next run finds the working copy, continues from it (only files not yet in its
``_files`` are read) and publishes. The copy costs one file copy per ingest that changes anything; an
ingest with nothing to do copies nothing.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from tqdm import tqdm

from aiaudit.core.config import DEFAULT_LOG_GROUPS
from aiaudit.core.errors import SourceError
from aiaudit.core.interrupts import raise_interrupt
from aiaudit.derive import stored
from aiaudit.readers import read_file
from aiaudit.readers.base import FileLoad, Skipped
from aiaudit.store import fastpath, pyload
from aiaudit.store.location import Location
from aiaudit.store.lock import WriterLock
from aiaudit.store.parallel import on_connections
from aiaudit.store.plan import DiskFile, Plan, content_hash, make_plan
from aiaudit.store.report import GroupCounts, IngestReport
from aiaudit.store.schema import FILES_TABLE, HOT_COLUMNS, PIPELINE_TABLES, SKIPPED_TABLE
from aiaudit.store.tables import (
    FILES_COLUMNS,
    LAYOUT_VERSION,
    META_TABLE,
    SKIPPED_COLUMNS,
    ddl,
    insert_rows,
    install_rules,
    q,
)

#: A bulk batch: at most this many files or compressed bytes per statement (bounds memory, keeps
#: transactions short enough that Ctrl-C loses little work).
FAST_BATCH_FILES = 64
FAST_BATCH_BYTES = 24 * 1024 * 1024
PY_BATCH_FILES = 512
PY_BATCH_BYTES = 32 * 1024 * 1024
#: Memory of the writer's DuckDB per bulk part running at once: each sorts up to
#: :data:`aiaudit.store.fastpath.SORTED_FILES` files' records by caller (their text, before their columns
#: exist) besides its reads and row groups. One limit for every core count spilled the sorts of a
#: machine with many cores; 1 GB minimum, the figure of a two-core run.
MEMORY_PER_PART = 512 << 20
MEMORY_FLOOR = 1 << 30


def memory_limit() -> str:
    """The writer's DuckDB ``memory_limit``: ``AIAUDIT_STORE_MEMORY`` if set, else 512 MB per bulk part
    (one per core), at least 1 GB and at most half of the machine's memory."""
    if os.environ.get("AIAUDIT_STORE_MEMORY"):
        return os.environ["AIAUDIT_STORE_MEMORY"]
    wanted = max(MEMORY_PER_PART * threads(), MEMORY_FLOOR)
    with contextlib.suppress(AttributeError, ValueError, OSError):  # no sysconf (Windows)
        wanted = min(wanted, os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
    return f"{wanted >> 20}MB"


#: DuckDB's default number of row-group merge tasks per checkpoint (used when a run compacts).
VACUUM_TASKS = 100


@functools.cache
def _hash_probe() -> str:
    """DuckDB's ``hash()`` of a fixed text: ``_hash`` values are only comparable while this is unchanged."""
    con = duckdb.connect()
    try:
        return str(con.execute("SELECT hash('aiaudit _hash probe')").fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


def layout_fingerprint(log_groups: dict[str, str]) -> dict[str, str]:
    """What a store must agree with to be reused; anything else means a rebuild (including a DuckDB whose
    ``hash()`` differs from the one that filled ``_hash``: duplicates would go unnoticed otherwise)."""
    hot = hashlib.sha256(json.dumps(HOT_COLUMNS, sort_keys=True).encode()).hexdigest()[:16]
    return {
        "layout": LAYOUT_VERSION,
        "hot": hot,
        "ingest_values": stored.fingerprint(),
        "log_groups": json.dumps(log_groups, sort_keys=True),
        "hash_probe": _hash_probe(),
    }


def resolve_groups(log_groups: dict[str, str] | None) -> dict[str, str]:
    return {**DEFAULT_LOG_GROUPS, **(log_groups or {})}


def threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def open_writer(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(
        str(path),
        config={
            "threads": threads(),
            "memory_limit": memory_limit(),
            "preserve_insertion_order": False,
            "temp_directory": str(path.parent / "tmp"),
            # no row-group merging at CHECKPOINT: with it, every batch's partial row groups made the final
            # checkpoint rewrite (decompress + zstd again) nearly the whole table (27-43 s of 100 s at 1M)
            "max_vacuum_tasks": 0,
        },
    )
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    install_rules(con)  # the rules of the values computed at ingest call macros
    return con


def stored_files(con: Any) -> list[tuple[Any, ...]]:
    return con.execute(f"SELECT file_id, path, size, mtime_ns, sha256, duplicates FROM {q(FILES_TABLE)}").fetchall()


def meta(con: Any) -> dict[str, str]:
    try:
        return dict(con.execute(f"SELECT key, value FROM {META_TABLE}").fetchall())
    except duckdb.CatalogException:
        return {}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class _FileInfo:
    disk: DiskFile
    file_id: int
    ptr_prefix: str
    format: str = "unknown"
    pipeline: str | None = None
    records_read: int = 0
    duplicates: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ignored: bool = False
    fast: bool = False


class Ingest:
    """One run; construct, then :meth:`run`."""

    def __init__(
        self, loc: Location, log_groups: dict[str, str], *, progress: bool, lock_timeout: float, bulk: bool = True
    ) -> None:
        self.loc = loc
        self.bulk = bulk
        self.groups = log_groups
        self.progress = progress
        self.lock_timeout = lock_timeout
        self.report = IngestReport(store=loc.db, note=loc.note)
        now = datetime.now(UTC)
        self.ingest_time = now
        self.ingest_ms = int(now.timestamp() * 1000)
        self.con: Any = None
        self.next_id = 1
        self.first_id = 1
        self.deleted_rows = 0  # rows this run deleted from the pipeline tables (decides on compaction)
        self.dedupe_from = "1"

    # -- entry ------------------------------------------------------------------------------------
    def run(self) -> IngestReport:
        started = time.monotonic()
        with WriterLock(self.loc.lock, self.lock_timeout):
            try:
                self._run()
            except (duckdb.Error, OSError) as exc:
                self._abandon()
                raise_interrupt(exc)
                # a full disk, a failing device: say so precisely; the published store is untouched
                raise SourceError(
                    f"ingest of {self.loc.data} stopped: {exc}. The published store {self.loc.db} is unchanged and"
                    " still answers; the next ingest resumes from the last committed batch"
                ) from exc
            except BaseException as exc:
                self._abandon()
                raise_interrupt(exc)
                raise
        self.report.elapsed_s = time.monotonic() - started
        return self.report

    def _run(self) -> None:
        loc = self.loc
        want = layout_fingerprint(self.groups)
        self.report.resumed = loc.work.exists()
        if not self.report.resumed:
            if loc.db.exists() and not self._published_needs_work(want):
                return
            for stale in (loc.work.with_name(loc.work.name + ".wal"),):
                stale.unlink(missing_ok=True)
            if loc.db.exists():
                shutil.copyfile(loc.db, loc.work)
        self.con = open_writer(loc.work)
        have = meta(self.con)
        if have and any(have.get(k) != v for k, v in want.items()):
            self.report.notes.append("store layout or log-group names changed: rebuilt from the data")
            self.con.close()
            loc.work.unlink()
            self.con = open_writer(loc.work)
        for statement in ddl():
            self.con.execute(statement)
        for key, value in want.items():
            self.con.execute(f"INSERT OR REPLACE INTO {META_TABLE} VALUES (?, ?)", [key, value])
        plan = make_plan(loc.data, stored_files(self.con))
        self._account(plan)
        if not plan.missing_root:
            self._delete(plan)
            self.con.execute(
                f"INSERT INTO {META_TABLE} VALUES ('dedupe_from', ?) ON CONFLICT DO NOTHING", [str(self.first_id)]
            )
            self.dedupe_from = meta(self.con)["dedupe_from"]
            self._read(plan.to_read)
        self._totals()
        self.con.execute(f"INSERT OR REPLACE INTO {META_TABLE} VALUES ('data_root', ?)", [str(loc.data)])
        self._compact_if_worth_it()
        self.con.execute("CHECKPOINT")
        self.con.close()
        self.con = None
        _fsync(loc.work)
        os.replace(loc.work, loc.db)
        _fsync(loc.folder)

    def _compact_if_worth_it(self) -> None:
        """Let the final CHECKPOINT merge row groups only when this run deleted a tenth of the rows or more.

        Row-group merging (DuckDB's vacuum) is off for the writer: every batch leaves a partial row group per
        thread, and merging them rewrites (decompresses and compresses again) most of the table, which cost
        a third of a 1M-event ingest. Row groups whose rows are all deleted are dropped without it; only
        partly deleted ones keep their dead rows until a run deletes enough to make a rewrite worth it.
        """
        total = sum(
            int(self.con.execute(f"SELECT count(*) FROM {q(table)}").fetchone()[0])
            for table in PIPELINE_TABLES.values()
        )
        if self.deleted_rows and self.deleted_rows * 10 >= total + self.deleted_rows:
            self.con.execute(f"SET max_vacuum_tasks = {VACUUM_TASKS}")

    def _published_needs_work(self, want: dict[str, str]) -> bool:
        """Look at the published store read-only: is there anything to do at all?"""
        con = duckdb.connect()
        try:
            con.execute(f"ATTACH '{self.loc.db}' AS s (READ_ONLY)")
            con.execute("USE s")
            have = meta(con)
            if any(have.get(k) != v for k, v in want.items()):
                return True
            plan = make_plan(self.loc.data, stored_files(con))
        finally:
            con.close()
        self._account(plan)
        if plan.missing_root:
            self.report.missing_root = True
        return plan.needs_work

    def _abandon(self) -> None:
        """Interrupted: drop the uncommitted batch, keep the working copy for the next run to resume."""
        if self.con is not None:
            with contextlib.suppress(Exception):  # closing after an interrupt; the next run recovers the copy
                self.con.close()
            self.con = None

    # -- plan -------------------------------------------------------------------------------------
    def _account(self, plan: Plan) -> None:
        r = self.report
        r.files_new = len(plan.new)
        r.files_changed = len(plan.changed)
        r.files_removed = len(plan.removed)
        r.files_unchanged = plan.unchanged
        r.files_touched = len(plan.touched)
        r.files_reread = len(plan.reread)
        r.missing_root = plan.missing_root

    def _delete(self, plan: Plan) -> None:
        con = self.con
        con.begin()
        ids = plan.to_delete
        if ids:
            for table in [*PIPELINE_TABLES.values(), SKIPPED_TABLE]:
                column = "_file_id" if table in PIPELINE_TABLES.values() else "file_id"
                done = con.execute(f"DELETE FROM {q(table)} WHERE {column} IN (SELECT unnest(?::INTEGER[]))", [ids])
                if table in PIPELINE_TABLES.values():
                    self.deleted_rows += int(done.fetchone()[0])
            con.execute(f"DELETE FROM {q(FILES_TABLE)} WHERE file_id IN (SELECT unnest(?::INTEGER[]))", [ids])
        for f, file_id in plan.touched:
            con.execute(f"UPDATE {q(FILES_TABLE)} SET mtime_ns = ? WHERE file_id = ?", [f.mtime_ns, file_id])
        con.commit()
        self.next_id = self.first_id = (
            con.execute(f"SELECT max(file_id) FROM {q(FILES_TABLE)}").fetchone()[0] or 0
        ) + 1

    # -- reading ----------------------------------------------------------------------------------
    def _info(self, f: DiskFile) -> _FileInfo:
        info = _FileInfo(f, self.next_id, "")
        self.next_id += 1
        return info

    def _read(self, files: list[DiskFile]) -> None:
        root = self.loc.data
        fast = [f for f in files if self.bulk and f.problem is None and fastpath.eligible(f.path, root)]
        fast.sort(key=lambda f: fastpath.delivery_order(f.path, root, f.rel))
        fast_ids = {id(f) for f in fast}
        slow = [f for f in files if id(f) not in fast_ids]
        bar = None
        if self.progress:
            bar = tqdm(total=sum(f.size for f in files), unit="B", unit_scale=True, desc="ingest", leave=True)

        def advance(infos: list[_FileInfo]) -> None:
            if bar is not None:
                bar.update(sum(i.disk.size for i in infos))

        leftovers = self._read_fast([self._info(f) for f in fast], advance)
        for batch in _batches([*leftovers, *(self._info(f) for f in slow)], PY_BATCH_FILES, PY_BATCH_BYTES):
            self._python_batch(batch)
            advance(batch)
        self._dedupe()
        if bar is not None:
            bar.close()

    def _read_fast(self, infos: list[_FileInfo], advance: Any) -> list[_FileInfo]:
        """Bulk-path parts on every core at once; returns the files the bulk path handed back.

        Why one statement per core rather than one statement on all cores: DuckDB reads a list of gzip
        JSON files on a single thread (measured: ``threads=2`` gave no speed-up), so the whole pipeline
        behind that scan ran on one core. Each part is its own transaction on its own cursor, with
        ``threads=1`` so parts do not compete for the scheduler (two cursors at ``threads=2`` were slower
        than one). Parts never overlap in file ids; duplicates across parts are removed by :meth:`_dedupe`.
        """
        if not infos:
            return []
        workers = threads()
        parts = _batches(infos, FAST_BATCH_FILES, FAST_BATCH_BYTES)
        cursors = []
        for _ in range(min(workers, len(parts))):
            cursor = self.con.cursor()
            cursor.execute("SET TimeZone = 'UTC'")
            cursors.append(cursor)
        self.con.execute("SET threads = 1")
        leftovers: list[_FileInfo] = []

        def done(_index: int, result: tuple[list[_FileInfo], list[_FileInfo]]) -> None:
            accepted, rejected = result
            leftovers.extend(rejected)
            self._count(accepted)
            advance(accepted)

        try:  # a failure or Ctrl-C stops the other parts, which roll back
            on_connections(cursors, self._fast_part, parts, done, name="ingest")
        finally:
            with contextlib.suppress(Exception):  # after an interrupt the connection may be unusable
                self.con.execute(f"SET threads = {workers}")
        leftovers.sort(key=lambda i: i.file_id)
        return leftovers

    def _fast_part(self, con: Any, infos: list[_FileInfo]) -> tuple[list[_FileInfo], list[_FileInfo]]:
        """One part in its own transaction. A part DuckDB refuses is retried file by file, each file with
        its line end detected (the first try names it: :data:`aiaudit.store.fastpath.LINE_END`), so a
        Windows line end stays on the bulk path and a bad file goes alone to the readers."""
        for info in infos:
            self._hash(info)
        try:
            return self._fast_transaction(con, infos, fastpath.LINE_END)
        except fastpath.BatchFailed:
            pass
        accepted: list[_FileInfo] = []
        rejected: list[_FileInfo] = []
        for info in infos:
            try:
                ok, bad = self._fast_transaction(con, [info], None)
            except fastpath.BatchFailed:
                ok, bad = [], [info]
            accepted += ok
            rejected += bad
        return accepted, rejected

    def _fast_transaction(
        self, con: Any, infos: list[_FileInfo], line_end: str | None
    ) -> tuple[list[_FileInfo], list[_FileInfo]]:
        lo, hi = infos[0].file_id, infos[-1].file_id
        con.begin()
        try:
            batch = [fastpath.FastFile(i.disk.path, i.file_id, i.ptr_prefix, _stream(i, self.loc.data)) for i in infos]
            group = self.groups["cloudtrail"]
            rejected_ids = {b.file_id for b in fastpath.load_batch(con, batch, group, self.ingest_time, line_end)}
            read = dict(
                con.execute(
                    f"SELECT _file_id, count(*) FROM {q('cloudtrail')} WHERE _file_id BETWEEN ? AND ? GROUP BY 1",
                    [lo, hi],
                ).fetchall()
            )
            accepted = [i for i in infos if i.file_id not in rejected_ids]
            for info in accepted:
                info.fast, info.format, info.pipeline = True, "cloudtrail-s3", "cloudtrail"
                info.records_read = int(read.get(info.file_id, 0))
            if accepted:
                self._bookkeeping(con, accepted)
            con.commit()
        except BaseException:
            with contextlib.suppress(Exception):  # the connection may already be gone after an interrupt
                con.rollback()
            raise
        return accepted, [i for i in infos if i.file_id in rejected_ids]

    def _hash(self, info: _FileInfo) -> None:
        f = info.disk
        f.sha256 = f.sha256 or content_hash(f)
        info.ptr_prefix = hashlib.sha256(f"{f.rel}\0{f.sha256}".encode()).hexdigest()[:12]

    def _python_batch(self, infos: list[_FileInfo]) -> None:
        """Files for the readers: one transaction, rows of all files inserted together (few statements)."""
        con = self.con
        con.begin()
        try:
            loader = pyload.BatchLoader(con, self.ingest_ms)
            for info in infos:
                self._hash(info)
                if info.disk.problem is not None:  # never opened (a FIFO would block): reported as unreadable
                    load = FileLoad(info.disk.path, "unreadable", None, skipped=[Skipped(0, info.disk.problem)])
                else:
                    load = read_file(info.disk.path, self.loc.data, self.groups, lazy=True)
                result = loader.add_file(load, info.file_id, info.ptr_prefix)
                info.format = load.format
                info.pipeline = load.pipeline
                info.records_read = result.records
                info.skipped = list(load.skipped)
                info.notes = list(load.notes)
                info.ignored = load.ignored
            loader.flush()
            self._bookkeeping(con, infos)
            con.commit()
        except BaseException:
            with contextlib.suppress(Exception):  # the connection may already be gone after an interrupt
                con.rollback()
            raise
        self._count(infos)

    def _count(self, infos: list[_FileInfo]) -> None:
        r = self.report
        for info in infos:
            r.files_fast += info.fast
            r.files_python += not info.fast
            r.files_ignored += info.ignored
            r.records_read += info.records_read
            r.skipped += len(info.skipped)

    def _dedupe(self) -> None:
        """CloudTrail re-deliveries: the first stored copy of (eventID, content hash) wins.

        Done once per run, after all parts committed, because parts run in concurrent transactions that
        cannot see each other's rows. ``dedupe_from`` in ``_meta`` (committed before any part) marks
        the first file id not yet checked, so a run resumed after an interrupt checks the earlier run's
        rows too; it is removed in the transaction that deletes the duplicates.
        """
        con = self.con
        ct = q("cloudtrail")
        start = int(self.dedupe_from)
        con.begin()
        # cheap screen first (only the hash column): a repeated hash among the new rows, or a new hash
        # already stored; the exact query below reads five columns of the whole table
        screen = con.execute(
            f"""SELECT EXISTS (SELECT 1 FROM {ct} WHERE _file_id >= $s GROUP BY _hash HAVING count(*) > 1)
                OR EXISTS (SELECT 1 FROM {ct} WHERE _file_id < $s
                           AND _hash IN (SELECT _hash FROM {ct} WHERE _file_id >= $s))""",
            {"s": start},
        ).fetchone()
        rows = []
        if screen and screen[0]:
            rows = con.execute(
                f"""SELECT DISTINCT n."@ptr", n._file_id
                    FROM (SELECT "@ptr", _file_id, _line, "eventID", _hash FROM {ct} WHERE _file_id >= ?) AS n
                    JOIN {ct} AS o ON o._hash = n._hash AND o."eventID" IS NOT DISTINCT FROM n."eventID"
                    WHERE o._file_id < n._file_id OR (o._file_id = n._file_id
                          AND (o._line < n._line OR (o._line = n._line AND o."@ptr" < n."@ptr")))""",
                [start],
            ).fetchall()
        if rows:
            con.execute(f'DELETE FROM {ct} WHERE "@ptr" IN (SELECT unnest(?::VARCHAR[]))', [[r[0] for r in rows]])
            self.deleted_rows += len(rows)
            by_file: dict[int, int] = {}
            for _, file_id in rows:
                by_file[file_id] = by_file.get(file_id, 0) + 1
            con.executemany(
                f"UPDATE {q(FILES_TABLE)} SET duplicates = duplicates + ?, records_kept = records_kept - ?"
                " WHERE file_id = ?",
                [(n, n, file_id) for file_id, n in sorted(by_file.items())],
            )
            self.report.duplicates += len(rows)
        con.execute(f"DELETE FROM {META_TABLE} WHERE key = 'dedupe_from'")
        con.commit()

    def _bookkeeping(self, con: Any, infos: list[_FileInfo]) -> None:
        """``_files`` and ``_skipped`` rows of ``infos``, in the caller's transaction (row counts and time
        span per file come from the rows just inserted)."""
        lo = min(i.file_id for i in infos)
        hi = max(i.file_id for i in infos)
        spans: dict[int, tuple[int, Any, Any]] = {}
        for table in PIPELINE_TABLES.values():
            for file_id, n, first, last in con.execute(
                f'SELECT _file_id, count(*), min("@timestamp"), max("@timestamp") FROM {q(table)} '
                "WHERE _file_id BETWEEN ? AND ? GROUP BY 1",
                [lo, hi],
            ).fetchall():
                old = spans.get(file_id)
                if old is None:
                    spans[file_id] = (n, first, last)
                else:
                    spans[file_id] = (old[0] + n, min(old[1], first), max(old[2], last))
        rows = []
        for i in infos:
            kept, first, last = spans.get(i.file_id, (0, None, None))
            d = i.disk
            rows.append(
                (
                    i.file_id, d.rel, d.size, d.mtime_ns, d.sha256, i.format, i.pipeline, i.records_read, kept,
                    i.duplicates, len(i.skipped), first, last, "; ".join(i.notes) or None, i.ignored, i.fast,
                    self.ingest_time,
                )
            )  # fmt: skip
        insert_rows(con, FILES_TABLE, [name for name, _ in FILES_COLUMNS], rows)
        skipped = [(i.file_id, s.line, s.reason, s.excerpt) for i in infos for s in i.skipped]
        insert_rows(con, SKIPPED_TABLE, [name for name, _ in SKIPPED_COLUMNS], skipped)

    def _totals(self) -> None:
        con = self.con
        r = self.report
        for pipeline, table in PIPELINE_TABLES.items():
            for log, added, total in con.execute(
                f'SELECT "@log", count(*) FILTER (WHERE _file_id >= ?), count(*) FROM {q(table)} GROUP BY 1',
                [self.first_id],
            ).fetchall():
                r.groups[log] = GroupCounts(pipeline, int(added), 0, int(total))
                r.records_kept += int(added)
        dups = con.execute(
            f"SELECT sum(duplicates) FROM {q(FILES_TABLE)} WHERE file_id >= ? AND pipeline = 'cloudtrail'",
            [self.first_id],
        ).fetchone()[0]
        ct_group = self.groups["cloudtrail"]
        if dups and ct_group in r.groups:
            r.groups[ct_group].duplicates = int(dups)


def _stream(info: _FileInfo, root: Path) -> str | None:
    return fastpath.stream_of(info.disk.path, root)


def _batches(infos: list[_FileInfo], max_files: int, max_bytes: int) -> list[list[_FileInfo]]:
    out: list[list[_FileInfo]] = []
    current: list[_FileInfo] = []
    size = 0
    for info in infos:
        if current and (len(current) >= max_files or size + info.disk.size > max_bytes):
            out.append(current)
            current, size = [], 0
        current.append(info)
        size += info.disk.size
    if current:
        out.append(current)
    return out


def run_ingest(
    loc: Location,
    log_groups: dict[str, str] | None,
    *,
    progress: bool = False,
    lock_timeout: float = 600.0,
    bulk: bool = True,
) -> IngestReport:
    """Bring the store at ``loc`` up to date with its data folder (``bulk=False``: readers only)."""
    groups = resolve_groups(log_groups)
    return Ingest(loc, groups, progress=progress, lock_timeout=lock_timeout, bulk=bulk).run()
