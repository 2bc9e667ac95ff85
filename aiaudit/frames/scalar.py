"""One value through the projections' SQL: the Python face of the vectorised normalisers.

Why: a normalisation rule is written once, as the SQL the projection evaluates over millions of rows.
Values users type (a focus principal, a baseline's role, a pivot's ARN) need the same rule one at a
time; they go through this process-wide in-memory DuckDB connection (serialised by a lock, since a
connection must not be used by two threads at once). A call costs about 0.2 ms; callers cache.
"""

from __future__ import annotations

import threading
from typing import Any

import duckdb

_LOCK = threading.Lock()
_CON: duckdb.DuckDBPyConnection | None = None


def connection() -> duckdb.DuckDBPyConnection:
    """A private in-memory connection (UTC, one thread) for small evaluations; use under :data:`_LOCK`."""
    global _CON
    if _CON is None:
        from aiaudit.derive.expr import install

        _CON = duckdb.connect(config={"threads": 1})
        _CON.execute("SET TimeZone = 'UTC'")
        install(_CON)
    return _CON


def scalar_row(sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    """The first row of ``sql`` (``?`` placeholders bound to ``params``)."""
    with _LOCK:
        row = connection().execute(sql, list(params)).fetchone()
    assert row is not None
    return tuple(row)


def evaluate(graph: Any, value: str, names: list[str]) -> tuple[Any, ...]:
    """``names`` of a :class:`~aiaudit.derive.expr.Graph` evaluated for one input text ``v``."""
    from aiaudit.derive.expr import layered

    sql = layered("SELECT ?::VARCHAR AS v", graph.layers())
    return scalar_row(f"SELECT {', '.join(names)} FROM ({sql})", (value,))
