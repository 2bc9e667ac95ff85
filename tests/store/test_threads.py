"""Queries from several threads on one source (the emulator serves requests in threads; notebooks may
too). Regression: a single shared DuckDB connection mixed up concurrent results ("not enough values to
unpack" inside the SQL engine)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from aiaudit import connect

from .helpers import event, write_s3


def test_concurrent_queries_on_one_source_get_their_own_answers(tmp_path):
    data = tmp_path / "data"
    write_s3(data, "a", [event(n) for n in range(200)])
    src = connect(f"local:{data}")
    queries = {n: f"SELECT requestID FROM `cloudtrail` WHERE requestID = 'req-{n}'" for n in range(0, 200, 5)}

    def ask(n: int) -> list[str]:
        return list(src.query(queries[n]).frame["requestID"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = dict(zip(queries, pool.map(ask, queries)))
    assert answers == {n: [f"req-{n}"] for n in queries}
    src.close()
