"""``Store``: the persistent DuckDB database over one data folder, for readers and the one writer.

Why readers ATTACH the file into a private in-memory database instead of ``duckdb.connect(path)``:
DuckDB caches database instances by path inside a process, so after the writer has swapped a new file
in, ``connect(path)`` would hand back the old, cached snapshot for as long as any connection to it
lives. An ATTACH in a fresh in-memory instance always opens the file that is at the path now.
``connection()`` re-attaches when the published file changed (another process ingested), so a long-lived
notebook sees new data on its next query without re-opening anything.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from aiaudit.core.errors import InputError, SourceError
from aiaudit.core.timerange import TimeRange
from aiaudit.store import inventory as inventory_mod
from aiaudit.store.inventory import Inventory
from aiaudit.store.location import locate
from aiaudit.store.plan import make_plan
from aiaudit.store.report import IngestReport
from aiaudit.store.schema import PIPELINE_TABLES, columns
from aiaudit.store.tables import q
from aiaudit.store.writer import layout_fingerprint, meta, resolve_groups, run_ingest, stored_files, threads


class Store:
    """The store of ``data_path`` (see docs/store.md for layout, incremental rules and locking)."""

    def __init__(
        self,
        data_path: Path | str,
        *,
        cache_dir: Path | str | None = None,
        read_only: bool = False,
        log_groups: dict[str, str] | None = None,
        lock_timeout: float = 600.0,
        bulk: bool = True,
    ) -> None:
        self.data_path = Path(data_path).expanduser()
        self.read_only = read_only
        self.log_groups = resolve_groups(log_groups)
        self.lock_timeout = lock_timeout
        self.bulk = bulk  # False: every file through the Python readers (to compare the two paths)
        self.location = locate(self.data_path, Path(cache_dir) if cache_dir is not None else None, read_only=read_only)
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened: tuple[int, int] | None = None
        self._con_lock = threading.Lock()
        if read_only and not self.location.db.exists():
            raise SourceError(
                f"no store for {self.data_path} at {self.location.db}: ingest it once without read-only "
                f"(aiaudit ingest local:{self.data_path})"
            )
        if not self.data_path.exists() and not self.location.db.exists():
            raise SourceError(f"no data at {self.data_path} and no store at {self.location.db}")

    @property
    def db_path(self) -> Path:
        return self.location.db

    # -- writing ----------------------------------------------------------------------------------
    def needs_ingest(self) -> bool:
        """True when a file is new, changed or removed (or an interrupted ingest waits to be resumed)."""
        if self.location.work.exists() or not self.location.db.exists():
            return not self.read_only
        con = self.connection()
        if any(meta(con).get(k) != v for k, v in layout_fingerprint(self.log_groups).items()):
            return True
        plan = make_plan(self.location.data, stored_files(con))
        return plan.needs_work and not plan.missing_root

    def ingest(self, progress: bool = False) -> IngestReport:
        """Parse new and changed files, drop removed ones, publish; waits for another writer's lock."""
        if self.read_only:
            raise SourceError(f"store {self.location.db} was opened read-only: it cannot ingest")
        self._drop_reader()
        return run_ingest(
            self.location, self.log_groups, progress=progress, lock_timeout=self.lock_timeout, bulk=self.bulk
        )

    # -- reading ----------------------------------------------------------------------------------
    def connection(self) -> duckdb.DuckDBPyConnection:
        """A read-only cursor on the latest published store (``TimeZone`` UTC), one per call.

        Call it per query rather than keeping the result: it follows new publications. Each call returns
        its own cursor because DuckDB connections must not be shared between threads (the emulator and
        notebooks query from several threads at once).
        """
        with self._con_lock:
            base = self._base_connection()
            cursor = base.cursor()
        cursor.execute("SET TimeZone = 'UTC'")
        cursor.execute("USE aiaudit_store")
        return cursor

    def _base_connection(self) -> duckdb.DuckDBPyConnection:
        db = self.location.db
        try:
            st = os.stat(db)
        except FileNotFoundError:
            raise SourceError(f"no store at {db}: ingest {self.data_path} first") from None
        stamp = (st.st_ino, st.st_mtime_ns)
        if self._con is None or stamp != self._opened:
            con = duckdb.connect(config={"threads": threads()})
            con.execute("SET TimeZone = 'UTC'")
            path = str(db).replace("'", "''")
            try:
                con.execute(f"ATTACH '{path}' AS aiaudit_store (READ_ONLY)")
            except duckdb.Error as exc:
                con.close()
                raise SourceError(f"cannot open the store {db}: {exc}") from exc
            con.execute("USE aiaudit_store")
            self._con, self._opened = con, stamp
        return self._con

    def select_raw(
        self,
        pipeline: str,
        time_range: TimeRange | None,
        *,
        where: str | None = None,
        args: list[Any] | None = None,
    ) -> pd.DataFrame:
        """Every column of ``pipeline``'s table for records in ``time_range`` (inclusive whole seconds),
        optionally narrowed by a SQL ``where`` fragment with ``?`` placeholders bound to ``args``."""
        table = _table(pipeline)
        clauses: list[str] = []
        params: list[Any] = []
        if time_range is not None:
            clauses.append('"@timestamp" >= ? AND "@timestamp" < ?')
            params += [time_range.start, time_range.end + timedelta(seconds=1)]
        if where:
            clauses.append(f"({where})")
            params += list(args or [])
        cols = ", ".join(q(name) for name, _ in columns(pipeline))
        sql = f"SELECT {cols} FROM {q(table)}"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        # ties in time by the record's own text, not by @ptr: a pointer names where this copy keeps the row
        # (file and line), so another copy of the same events (a fetched run-local store) would order them
        # differently and every "first N" downstream (evidence capped per finding) would pick other rows
        sql += ' ORDER BY "@timestamp", "@message", "@ptr"'
        return self.connection().execute(sql, params).fetch_df()

    def count(self, pipeline: str) -> int:
        return int(self.connection().execute(f"SELECT count(*) FROM {q(_table(pipeline))}").fetchone()[0])  # type: ignore[index]

    def record(self, ptr: str) -> dict[str, Any]:
        """The raw event behind ``@ptr`` (its JSON; a text record comes back as ``{"@message": text}``)."""
        con = self.connection()
        for table in PIPELINE_TABLES.values():
            row = con.execute(f'SELECT "@message" FROM {q(table)} WHERE "@ptr" = ? LIMIT 1', [ptr]).fetchone()
            if row is not None:
                try:
                    value = json.loads(row[0])
                except ValueError:
                    return {"@message": row[0]}
                return value if isinstance(value, dict) else {"@message": row[0]}
        raise InputError(f"no record with @ptr {ptr!r} in the store {self.location.db}", where="ptr")

    def inventory(self) -> Inventory:
        notes = [self.location.note] if self.location.note else []
        return inventory_mod.build(self.connection(), str(self.location.db), notes)

    def data_span(self) -> TimeRange | None:
        return inventory_mod.span(self.connection())

    # -- lifecycle --------------------------------------------------------------------------------
    def _drop_reader(self) -> None:
        if self._con is not None:
            self._con.close()
        self._con, self._opened = None, None

    def close(self) -> None:
        self._drop_reader()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.data_path)!r}, db={str(self.location.db)!r}, read_only={self.read_only})"


def _table(pipeline: str) -> str:
    if pipeline not in PIPELINE_TABLES:
        raise InputError(f"unknown pipeline {pipeline!r} (one of {', '.join(PIPELINE_TABLES)})", where="pipeline")
    return PIPELINE_TABLES[pipeline]
