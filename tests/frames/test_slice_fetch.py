"""Time slices are fetched several at a time (``aiaudit.frames.slices.fetch``), each on its own connection
to the same database: the results must come in the slices' order, each connection must be in the caller's
session (time zone, catalog, schema) and set up like it, and a failure or a Ctrl-C must stop the other
slices' queries instead of waiting for them.

The long query below (a sum over 10^13 numbers) would run for hours: a watchdog interrupts whatever still
runs after a minute and fails the test, so a query that fetch did not stop fails it instead of hanging it.
The frames' equality over many slices is in ``test_time_slices.py``."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from datetime import datetime

import duckdb
import pyarrow as pa
import pytest

from aiaudit.frames import slices as S

HOURS_LONG = "SELECT sum(i) AS v FROM range(10000000000000) t(i)"


class Watchdog:
    """Collects the slices' connections (as their setup); after a minute, interrupts them and notes it."""

    def __init__(self) -> None:
        self.cursors: list[duckdb.DuckDBPyConnection] = []
        self.fired = False
        self.timer = threading.Timer(60, self.fire)

    def prepare(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self.cursors.append(cursor)

    def fire(self) -> None:
        self.fired = True
        for cursor in self.cursors:
            cursor.interrupt()


@pytest.fixture
def watchdog() -> Iterator[Watchdog]:
    dog = Watchdog()
    dog.timer.start()
    yield dog
    dog.timer.cancel()
    assert not dog.fired, "fetch waited for a slice's query instead of stopping it"


def test_results_come_in_the_order_of_the_queries() -> None:
    con = duckdb.connect()
    sqls = [
        "SELECT 'first' AS v, count(*) AS n FROM range(30000000)",  # the slowest, and the first result
        "SELECT 'second' AS v, 2 AS n",
        "SELECT 'third' AS v, 3 AS n",
        "SELECT 'fourth' AS v, 4 AS n",
    ]
    tables = S.fetch(con, sqls, None, lambda cursor: None)
    assert [(t.column("v")[0].as_py(), t.column("n")[0].as_py()) for t in tables] == [
        ("first", 30000000),
        ("second", 2),
        ("third", 3),
        ("fourth", 4),
    ]


def test_every_connection_is_set_up_and_bound_like_the_callers() -> None:
    # a registered Arrow table is the caller connection's own: each slice's connection must register it
    con = duckdb.connect()
    extra = pa.table({"x": [7, 8]})
    sqls = ["SELECT sum(x) + ?::INTEGER AS v FROM _extra", "SELECT max(x) * ?::INTEGER AS v FROM _extra"]
    tables = S.fetch(con, sqls, [10], lambda cursor: cursor.register("_extra", extra))
    assert [t.column("v")[0].as_py() for t in tables] == [25, 80]


def test_a_sibling_connection_is_in_the_callers_session() -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'America/New_York'")
    con.execute("CREATE SCHEMA other")
    con.execute("CREATE TABLE other.t AS SELECT 1 AS x")
    con.execute("USE memory.other")
    sibling = S.sibling(con)
    assert sibling.sql("SELECT current_setting('TimeZone'), current_database(), current_schema()").fetchall() == [
        ("America/New_York", "memory", "other")
    ]
    assert sibling.sql("SELECT x FROM t").fetchall() == [(1,)]  # the unqualified name of the caller's schema
    # noon UTC on 1 January is 07:00 in New York (EST, UTC-5): a cast to wall time follows the session's zone
    cast = "SELECT TIMESTAMPTZ '2026-01-01 12:00:00+00'::TIMESTAMP"
    assert sibling.sql(cast).fetchall() == [(datetime(2026, 1, 1, 7, 0),)]


def test_a_failing_slice_stops_the_others_and_is_raised(watchdog: Watchdog) -> None:
    con = duckdb.connect()
    with pytest.raises(duckdb.Error, match="slice two failed"):
        S.fetch(con, [HOURS_LONG, "SELECT error('slice two failed')"], None, watchdog.prepare)


def test_ctrl_c_while_slices_run_interrupts_them(watchdog: Watchdog) -> None:
    # what a terminal's Ctrl-C does: SIGINT to the process, Python's handler raising KeyboardInterrupt in the
    # main thread (installed here: a process started in the background inherits SIGINT ignored)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    main = threading.main_thread().ident
    assert main is not None
    timer = threading.Timer(0.5, signal.pthread_kill, (main, signal.SIGINT))
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            S.fetch(duckdb.connect(), [HOURS_LONG, HOURS_LONG, HOURS_LONG], None, watchdog.prepare)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
