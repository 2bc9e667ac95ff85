"""The ``Source`` API: the same methods, and the same results, on the local engine and on AWS.

Notebooks, the catalogue and playbooks are written against this class only; the backend is chosen by
the spec string given to :func:`aiaudit.sources.connect`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from aiaudit.core.config import CONFIG_NAME, PIPELINES, Config, Environment, load_config
from aiaudit.core.errors import InputError
from aiaudit.core.result import Result
from aiaudit.core.timerange import TimeRange, default_window
from aiaudit.sources.spec import SourceSpec

LANGUAGES = ("sql", "cwli", "ppl")

#: Focus filters every standard projection accepts (values or lists of values), pushed down into the
#: query as a superset filter and then applied exactly on the normalised columns.
FOCUS_KEYS = (
    "principal",
    "source_ip",
    "request_id",
    "session_id",
    "trace_id",
    "event_name",
    "model_id",
    "region",
    "account",
)


def check_language(language: str) -> str:
    lang = (language or "").lower()
    if lang not in LANGUAGES:
        raise InputError(f"unknown query language {language!r} (sql, cwli or ppl)", where="language")
    return lang


def check_focus(focus: Mapping[str, Any]) -> dict[str, list[str]]:
    """Validate focus keywords; every value becomes a list of strings (empty/None values dropped)."""
    out: dict[str, list[str]] = {}
    for key, value in focus.items():
        if key not in FOCUS_KEYS:
            raise InputError(f"unknown focus {key!r} (one of {', '.join(FOCUS_KEYS)})", where="focus")
        if value is None or value == "" or value == []:
            continue
        values = [value] if isinstance(value, str) or not isinstance(value, Sequence) else list(value)
        out[key] = [str(v) for v in values if v is not None and str(v) != ""]
    return {k: v for k, v in out.items() if v}


def check_pipeline(name: str) -> str:
    if name not in PIPELINES:
        raise InputError(f"unknown pipeline {name!r} (one of {', '.join(PIPELINES)})", where="pipeline")
    return name


class Source(ABC):
    """A place telemetry can be queried: the local store, or CloudWatch Logs in one or more regions."""

    spec: SourceSpec
    config: Config
    _environment: Environment | None = None
    _environment_origin: str = "none"

    # -- queries ----------------------------------------------------------------------------------
    @abstractmethod
    def query(
        self,
        q: str,
        time_range: TimeRange | None = None,
        *,
        language: str = "sql",
        params: Mapping[str, Any] | None = None,
        log_groups: Sequence[str] | None = None,
    ) -> Result:
        """Run a query. SQL names its log groups (or pipeline names) in ``FROM``; a classic (CWLI) query
        takes them from ``log_groups`` or a ``SOURCE`` command, as StartQuery does. ``params`` bind
        ``:name`` (SQL) or ``{{name}}`` (CWLI) through :mod:`aiaudit.query.quoting`. Without
        ``time_range``, :meth:`window` (the same on every backend)."""

    # -- standard projections (DESIGN §3; columns in docs/frames.md) ------------------------------
    def cloudtrail(self, time_range: TimeRange | None = None, **focus: Any) -> pd.DataFrame:
        return self.projection("cloudtrail", time_range, **focus)

    def invocations(self, time_range: TimeRange | None = None, **focus: Any) -> pd.DataFrame:
        return self.projection("invocations", time_range, **focus)

    def spans(self, time_range: TimeRange | None = None, **focus: Any) -> pd.DataFrame:
        return self.projection("spans", time_range, **focus)

    def runtime_logs(self, time_range: TimeRange | None = None, **focus: Any) -> pd.DataFrame:
        return self.projection("runtime_logs", time_range, **focus)

    @abstractmethod
    def projection(self, pipeline: str, time_range: TimeRange | None = None, **focus: Any) -> pd.DataFrame:
        """The standard projection of one pipeline (without ``time_range``: :meth:`window`). The returned
        frame's ``attrs['aiaudit']`` holds the summary of the query that produced it (stats, warnings,
        completeness)."""

    # -- the baseline ------------------------------------------------------------------------------
    @property
    def environment(self) -> Environment:
        """The ``[environment]`` baseline every detection, notebook and investigation of this source reads.

        The one place it is resolved: the loaded ``aiaudit.toml``'s, else (when that declares none) the
        ``aiaudit.toml`` inside a local source's folder — a simulation or an export carries its own — else
        an empty baseline. :attr:`environment_origin` says which, for notes and reports."""
        if self._environment is None:
            self._environment, self._environment_origin = self._resolve_environment()
        return self._environment

    def _resolve_environment(self) -> tuple[Environment, str]:
        if self.config.environment != Environment():
            return self.config.environment, str(self.config.path) if self.config.path else "the loaded configuration"
        root = getattr(self.spec, "path", None)
        beside = Path(str(root)) / CONFIG_NAME if root else None
        if beside is not None and beside.is_file():
            return load_config(beside).environment, str(beside)
        return Environment(), "none"

    @property
    def environment_origin(self) -> str:
        """The file the ``[environment]`` baseline came from, or ``none``."""
        _ = self.environment
        return self._environment_origin

    # -- records and inventory --------------------------------------------------------------------
    @abstractmethod
    def record(self, ptr: str) -> dict[str, Any]:
        """The whole raw event behind a ``@ptr`` (like ``GetLogRecord``)."""

    @abstractmethod
    def sources(self) -> Any:
        """Inventory: log groups, files or regions, counts, time span, skipped input."""

    @abstractmethod
    def data_span(self) -> TimeRange | None:
        """The time span of the data (first to last ``@timestamp``); resolves ``--anchor data-end``."""

    def window(self, time_range: TimeRange | None = None) -> TimeRange:
        """``time_range``, or what "no range" means on every backend (:func:`aiaudit.core.timerange.default_window`):
        ``[environment] default_lookback`` ending at this source's newest record."""
        if time_range is not None:
            return time_range
        return default_window(self.data_span(), self.environment.default_lookback)

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec.text}>"
