"""Work spread over several DuckDB connections at once, stopped as a whole.

Why one place: the bulk ingest (one part per core) and a large frame (two time slices at once) both run
statements on connections of their own, in threads. DuckDB does not stop a statement another thread runs
when the caller fails or is interrupted: each connection has to be told (``interrupt()``), then the
threads waited for, before the failure goes up. Done once here, so both stop the same way.
"""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, TypeVar

Item = TypeVar("Item")
Out = TypeVar("Out")


def on_connections(
    connections: Sequence[Any],
    work: Callable[[Any, Item], Out],
    items: Sequence[Item],
    done: Callable[[int, Out], None],
    *,
    name: str,
) -> None:
    """``work(connection, item)`` for every item, each on a connection no other item is using at the time;
    ``done(index of the item, result)`` in the calling thread as each finishes. A failing item, a failing
    ``done`` or a Ctrl-C while waiting interrupts every connection's statement, waits for the threads and
    is raised. The connections are closed at the end."""
    free: queue.SimpleQueue[Any] = queue.SimpleQueue()
    for connection in connections:
        free.put(connection)

    def one(item: Item) -> Out:
        connection = free.get()
        try:
            return work(connection, item)
        finally:
            free.put(connection)

    pool = ThreadPoolExecutor(max_workers=len(connections), thread_name_prefix=f"aiaudit-{name}")
    futures = {pool.submit(one, item): index for index, item in enumerate(items)}
    try:
        for future in as_completed(futures):
            done(futures[future], future.result())
    except BaseException:  # a failure or Ctrl-C: stop every statement
        for future in futures:
            future.cancel()
        for connection in connections:
            with contextlib.suppress(Exception):
                connection.interrupt()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for connection in connections:
            with contextlib.suppress(Exception):  # after an interrupt the connection may be unusable
                connection.close()
