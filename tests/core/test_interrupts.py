"""A Ctrl-C inside a DuckDB query stops what is running (``aiaudit.core.interrupts``).

DuckDB 2.0.1 reports a Ctrl-C in the thread running a query as ``RuntimeError('Query interrupted')`` and a
query another thread interrupted as ``duckdb.InterruptException``; code that goes on past one failing part
catches ``Exception`` and used to swallow both (a ``detect`` run went on for 33 minutes after a Ctrl-C).

A Ctrl-C here is real: SIGINT sent to this process while the main thread runs a query, with Python's own
handler installed (a process started in the background inherits SIGINT ignored). DuckDB 2.0.1 now and then
lets a SIGINT pass without stopping the query, and then ignores every later one (two runs in twelve of an
hours-long query hung), so that test runs a query of a few seconds, a few times. Where a test needs the
interrupt at a known place (inside a catalogue entry, inside the query runner), another thread calls
DuckDB's ``interrupt()`` on the query's connection, and the query is hours long (a sum over 10^13 numbers):
a test that returns at all shows it was interrupted."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

import duckdb
import pytest

import aiaudit
from aiaudit.catalog.run import run as run_catalog
from aiaudit.core.errors import QueryFailed
from aiaudit.core.interrupts import is_interrupt, raise_interrupt
from aiaudit.core.timerange import TimeRange
from aiaudit.query.sql.engine import execute_capped
from aiaudit.sources.local.source import LocalSource

HOURS_LONG = "SELECT sum(i) AS v FROM range(10000000000000) t(i)"
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"


def caught(call: Any) -> BaseException:
    try:
        call()
    except BaseException as exc:  # the test inspects what DuckDB raised
        return exc
    raise AssertionError("the call returned")


def test_a_ctrl_c_in_the_querying_thread_is_recognised() -> None:
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    main = threading.main_thread().ident
    assert main is not None
    seen: list[BaseException] = []
    try:
        for _attempt in range(5):  # a few seconds each when DuckDB lets the signal pass
            timer = threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT))
            timer.start()
            try:
                duckdb.connect().sql("SELECT sum(i) FROM range(2500000000) t(i)").fetchall()
            except BaseException as exc:  # the test inspects what DuckDB raised
                seen.append(exc)
                break
            finally:
                timer.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert seen, "no Ctrl-C of five stopped its query"
    assert type(seen[0]) is RuntimeError and str(seen[0]) == "Query interrupted"  # DuckDB's form (2.0.1)
    assert is_interrupt(seen[0])
    with pytest.raises(KeyboardInterrupt):
        raise_interrupt(seen[0])


def test_an_interrupt_from_another_thread_is_recognised() -> None:
    con = duckdb.connect()
    threading.Timer(0.5, con.interrupt).start()
    exc = caught(lambda: con.sql(HOURS_LONG).fetchall())
    assert isinstance(exc, duckdb.InterruptException)
    assert is_interrupt(exc)
    with pytest.raises(KeyboardInterrupt):
        raise_interrupt(exc)


@pytest.mark.parametrize(
    "call",
    [
        lambda: duckdb.connect().sql("SELECT no_such_column"),  # BinderException
        lambda: duckdb.connect().sql("SELECT error('boom')").fetchall(),  # InvalidInputException
        lambda: duckdb.connect().sql("SELECT 1/0::INTEGER, 'x'::INTEGER").fetchall(),  # ConversionException
    ],
    ids=["binder", "error()", "conversion"],
)
def test_other_failures_are_not_interrupts(call: Any) -> None:
    exc = caught(call)
    assert not is_interrupt(exc)
    raise_interrupt(exc)  # returns: not an interrupt
    assert not is_interrupt(RuntimeError("Query interrupted early"))  # only DuckDB's exact message


def test_an_interrupted_query_is_not_a_failed_query() -> None:
    # execute_capped turns a DuckDB failure into QueryFailed: an interrupt must stay an interrupt
    con = duckdb.connect()
    threading.Timer(0.5, con.interrupt).start()
    with pytest.raises(KeyboardInterrupt):
        execute_capped(con, HOURS_LONG, [], 10, "the hours-long query")
    with pytest.raises(QueryFailed):
        execute_capped(duckdb.connect(), "SELECT no_such_column", [], 10, "a bad query")


class LargeStore(LocalSource):
    """The samples, with the first projection taking as long as a very large store's: it first runs an
    hours-long query on the store's own connection, which another thread interrupts half a second in (only
    the first: a run that swallowed the interrupt goes on, and must then end, to fail the test instead of
    hanging it)."""

    slow = True

    def projection(self, *args: Any, **kwargs: Any) -> Any:
        if self.slow:
            self.slow = False
            con = self.store.connection()
            threading.Timer(0.5, con.interrupt).start()
            con.sql(HOURS_LONG).fetchall()
        return super().projection(*args, **kwargs)


def test_an_interrupt_inside_a_detection_stops_the_run(tmp_path: Path) -> None:
    # the run keeps going past an entry that raises; an interrupt inside one of its queries must stop it
    plain = aiaudit.connect(f"local:{SAMPLES / 'cloudtrail'}", cache_dir=str(tmp_path))
    src = LargeStore(plain.spec, plain.config)
    everything = TimeRange.parse(None, start="2000-01-01T00:00:00Z", end="2100-01-01T00:00:00Z")
    with pytest.raises(KeyboardInterrupt):
        run_catalog(src, everything)
