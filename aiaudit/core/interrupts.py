"""A Ctrl-C that lands inside a DuckDB query, recognised as the interrupt it is.

Why: DuckDB's Python client (2.0.1) reports a Ctrl-C in the thread running a query as
``RuntimeError('Query interrupted')``, not ``KeyboardInterrupt``, and a query another thread stopped with
``interrupt()`` as ``duckdb.InterruptException``. The places that keep going past one failing part (a
catalogue entry, a query, an alarm's back-test) catch ``Exception``, so a Ctrl-C there cost one rule and the
run went on: two ``aiaudit detect`` runs over a million events were still running 33 minutes after it.
Those places call :func:`raise_interrupt` first; the CLI and the store's writer do too.
"""

from __future__ import annotations

import duckdb

#: The message of the ``RuntimeError`` DuckDB raises when a signal interrupts a query in its thread.
QUERY_INTERRUPTED = "Query interrupted"


def is_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is a Ctrl-C (or an ``interrupt()``), in any of the forms DuckDB reports it."""
    if isinstance(exc, KeyboardInterrupt | duckdb.InterruptException):
        return True
    return type(exc) is RuntimeError and str(exc) == QUERY_INTERRUPTED


def raise_interrupt(exc: BaseException) -> None:
    """Raise ``KeyboardInterrupt`` when ``exc`` is DuckDB's report of one; return otherwise (a
    ``KeyboardInterrupt`` itself is left to the caller to re-raise, with its own traceback)."""
    if is_interrupt(exc) and not isinstance(exc, KeyboardInterrupt):
        raise KeyboardInterrupt from exc
