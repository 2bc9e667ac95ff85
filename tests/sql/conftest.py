"""Fixtures for the SQL engine tests: the golden store (``golden.py``), built two ways.

``tiny``: the schema.py table layout filled directly (sqlkit.py), so the engine's reading is checked
against records the test controls; ``store``: the same records written in real on-disk formats and
ingested by the real :class:`aiaudit.store.Store`, so the cases also hold on real formats.
"""

from __future__ import annotations

import pytest
from golden import CT, INV, RT, SPANS, write_files
from sqlkit import TinyStore

from aiaudit.store import Store


@pytest.fixture(scope="session", params=["tiny", "store"])
def golden_store(request, tmp_path_factory):
    if request.param == "tiny":
        return TinyStore({"cloudtrail": CT, "invocations": INV, "spans": SPANS, "runtime_logs": RT})
    data = write_files(tmp_path_factory.mktemp("golden") / "data")
    store = Store(data, cache_dir=data.parent / "cache")
    report = store.ingest()
    assert store.count("cloudtrail") == len(CT) and store.count("runtime_logs") == len(RT), str(report)
    return store
