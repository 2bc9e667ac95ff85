"""On-disk cache of complete Logs Insights answers, so re-rendering a report does not re-scan (and re-pay).

Keyed on what determines the answer: the rendered query text, the language, the log groups, the
region, the time range and the row limit. Only complete answers are stored, and only for ranges that
ended long enough ago for late-arriving events to have landed (``cache_settle_s``). Each entry is a
parquet file (the frame, types kept) beside a JSON file (stats, warnings, query ids); the JSON is
written last, so a half-written entry is never read.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from aiaudit.core.timerange import TimeRange, utc_now

VERSION = 1


def cache_key(
    *, query: str, language: str, groups: Sequence[str] | None, region: str, time_range: TimeRange, limit: int | None
) -> str:
    material = json.dumps(
        {
            "v": VERSION,
            "query": query,
            "language": language,
            "groups": sorted(groups or []),
            "region": region,
            "start": time_range.start_epoch,
            "end": time_range.end_epoch,
            "limit": limit,
        },
        sort_keys=True,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass
class Entry:
    frame: pd.DataFrame
    meta: dict[str, Any]


class ResultCache:
    def __init__(self, root: Path, *, settle_s: int = 900) -> None:
        self.root = Path(root)
        self.settle = timedelta(seconds=settle_s)

    def cacheable(self, time_range: TimeRange) -> bool:
        return time_range.end + self.settle < utc_now()

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.parquet", folder / f"{key}.json"

    def get(self, key: str) -> Entry | None:
        data_path, meta_path = self._paths(key)
        if not meta_path.is_file() or not data_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            frame = pd.read_parquet(data_path)
        except (OSError, ValueError):
            return None  # a damaged entry is a miss, and is overwritten by the next put
        return Entry(frame=frame, meta=meta)

    def put(self, key: str, frame: pd.DataFrame, meta: dict[str, Any]) -> None:
        data_path, meta_path = self._paths(key)
        data_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = data_path.with_suffix(f".{os.getpid()}.tmp")
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, data_path)
        tmp_meta = meta_path.with_suffix(f".{os.getpid()}.tmp")
        tmp_meta.write_text(json.dumps(meta, default=str, indent=1), encoding="utf-8")
        os.replace(tmp_meta, meta_path)
