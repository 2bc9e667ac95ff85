"""The DuckDB store: incremental ingest, one writer under a lock, many readers (docs/store.md).

``schema.py`` is the table contract shared with the SQL engine and the frames.
"""

from aiaudit.store.inventory import Inventory
from aiaudit.store.report import IngestReport
from aiaudit.store.store import Store

__all__ = ["IngestReport", "Inventory", "Store"]
