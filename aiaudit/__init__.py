"""aiaudit: security and operations investigations of AI workloads on AWS.

``aiaudit.connect(spec)`` opens a source (the local engine over exported logs, or CloudWatch Logs
Insights); every query returns a :class:`Result`; detections, notebooks and playbooks report
:class:`Finding` objects.
"""

from __future__ import annotations

import warnings
from typing import Any

from aiaudit.core.errors import AiauditError, InputError, QueryFailed, QuerySyntaxError, SourceError
from aiaudit.core.findings import Finding
from aiaudit.core.result import QueryStats, Result
from aiaudit.core.timerange import TimeRange
from aiaudit.sources.base import Source
from aiaudit.sources.connect import connect

__version__ = "0.1.0"

# DuckDB's fetch_df() calls DataFrame.drop(inplace=True), which pandas 3 deprecates; every query would
# otherwise print this warning into notebooks. Narrow on purpose: only this message is silenced.
warnings.filterwarnings("ignore", message="The inplace keyword in DataFrame.drop is deprecated")

__all__ = [
    "AiauditError",
    "Finding",
    "InputError",
    "QueryFailed",
    "QueryStats",
    "QuerySyntaxError",
    "Result",
    "Source",
    "SourceError",
    "TimeRange",
    "__version__",
    "catalog",
    "connect",
]


def __getattr__(name: str) -> Any:
    # The catalogue loads its entries from files: import it only when asked for. The package module is
    # itself subscriptable (aiaudit.catalog["Q18"]), so the name means the same before and after import.
    if name == "catalog":
        import importlib

        return importlib.import_module("aiaudit.catalog")
    raise AttributeError(f"module 'aiaudit' has no attribute {name!r}")
