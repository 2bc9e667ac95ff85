"""The local backend: the embedded DuckDB store over exported log files.

Thin glue, on purpose: ingest lives in :mod:`aiaudit.store`, the SQL dialect in :mod:`aiaudit.query.sql`,
classic queries in :mod:`aiaudit.query.cwli`, projections in :mod:`aiaudit.frames`. This class only wires
them to the :class:`~aiaudit.sources.base.Source` contract so both backends answer identically.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from aiaudit.core.config import Config
from aiaudit.core.errors import InputError, SourceError
from aiaudit.core.result import ChunkStats, QueryStats, Result
from aiaudit.core.timerange import TimeRange
from aiaudit.frames import apply_focus, prefilter, project
from aiaudit.query.cwli import run_cwli
from aiaudit.query.sql import run_sql
from aiaudit.sources.aws.rows import retype
from aiaudit.sources.base import Source, check_focus, check_language, check_pipeline
from aiaudit.sources.spec import SourceSpec
from aiaudit.store import Store


class LocalSource(Source):
    """``local:PATH``: queries run on a DuckDB store built from the files under PATH."""

    def __init__(self, spec: SourceSpec, config: Config, *, read_only: bool = False, ingest: bool = True) -> None:

        if spec.path is None:
            raise InputError("a local source needs a path", where="source")
        self.spec = spec
        self.config = config
        groups = config.log_groups(spec.name)
        groups.update(spec.log_groups)
        self.log_group_names = groups
        self.store = Store(spec.path, cache_dir=spec.cache_dir, read_only=read_only, log_groups=groups)
        self.last_ingest = None
        if ingest and not read_only and self.store.needs_ingest():
            self.last_ingest = self.store.ingest()

    # -- queries ----------------------------------------------------------------------------------
    def query(
        self,
        q: str,
        time_range: TimeRange | None = None,
        *,
        language: str = "sql",
        params: Mapping[str, Any] | None = None,
        log_groups: Sequence[str] | None = None,
    ) -> Result:
        lang = check_language(language)
        if lang == "ppl":
            raise SourceError("PPL runs on AWS only; the local engine speaks SQL and Logs Insights QL (cwli)")
        if lang == "cwli":
            result = run_cwli(self.store, q, self.window(time_range), params=params, log_groups=log_groups)
            # typed as GetQueryResults rows are on the AWS backend, so both backends return the same frame
            result.frame = retype(result.frame)
        else:
            result = run_sql(self.store, q, self.window(time_range), params=params)
        result.source = self.spec.text
        return result

    def projection(self, pipeline: str, time_range: TimeRange | None = None, **focus: Any) -> pd.DataFrame:

        check_pipeline(pipeline)
        wanted = check_focus(focus)
        time_range = self.window(time_range)
        started = time.monotonic()
        where, args = prefilter(pipeline, wanted)
        raw = self.store.select_raw(pipeline, time_range, where=where, args=args)
        frame = apply_focus(project(pipeline, raw, data_root=self.spec.path), wanted)
        elapsed = time.monotonic() - started
        chunk = ChunkStats(
            time_range=time_range,
            records_scanned=float(self.store.count(pipeline)),
            records_matched=float(len(raw)),
            bytes_scanned=float(raw["@message"].str.encode("utf-8").str.len().sum()) if len(raw) else 0.0,
            rows=len(frame),
            elapsed_s=elapsed,
        )
        result = Result(
            frame=frame,
            stats=QueryStats.from_chunks([chunk], elapsed_s=elapsed),
            query=f"projection {pipeline} focus={wanted}",
            language="projection",
            time_range=time_range,
            source=self.spec.text,
        )
        frame.attrs["aiaudit"] = result.summary()
        return frame

    # -- records and inventory --------------------------------------------------------------------
    def record(self, ptr: str) -> dict[str, Any]:
        return self.store.record(ptr)

    def sources(self) -> Any:
        return self.store.inventory()

    def data_span(self) -> TimeRange | None:
        return self.store.data_span()

    def ingest(self, *, progress: bool = False) -> Any:
        self.last_ingest = self.store.ingest(progress=progress)
        return self.last_ingest

    def close(self) -> None:
        self.store.close()
