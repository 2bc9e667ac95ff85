"""What every query returns, on both backends: a typed frame plus the facts that make it trustworthy.

Why more than a DataFrame: peers throw ``statistics`` away and return capped or partial results as if
complete (awswrangler, the awsdocs large-query sample). A ``Result`` carries what was scanned, what it
cost, whether it is complete, and every warning (capped, split, fields never seen, masked data).
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from aiaudit.core.timerange import TimeRange

#: us-east-1 list price of Logs Insights per GB scanned (configurable on the AWS backend).
DEFAULT_PRICE_PER_GB = 0.005


@dataclass
class ChunkStats:
    """Statistics of one executed query (one chunk, one region)."""

    time_range: TimeRange | None = None
    region: str | None = None
    query_id: str | None = None
    status: str = "Complete"
    records_scanned: float = 0.0
    records_matched: float = 0.0
    bytes_scanned: float = 0.0
    rows: int = 0
    elapsed_s: float = 0.0
    capped: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["time_range"] = self.time_range.to_dict() if self.time_range else None
        return data


@dataclass
class QueryStats:
    """Summed over chunks; ``chunks`` keeps each one."""

    records_scanned: float = 0.0
    records_matched: float = 0.0
    bytes_scanned: float = 0.0
    estimated_cost_usd: float = 0.0
    elapsed_s: float = 0.0
    chunks: list[ChunkStats] = field(default_factory=list)
    messages_refetched: int = 0  # AWS: cut @message values fetched whole with GetLogRecord

    @classmethod
    def from_chunks(
        cls, chunks: list[ChunkStats], *, elapsed_s: float, price_per_gb: float = DEFAULT_PRICE_PER_GB
    ) -> QueryStats:
        scanned = sum(c.bytes_scanned for c in chunks)
        return cls(
            records_scanned=sum(c.records_scanned for c in chunks),
            records_matched=sum(c.records_matched for c in chunks),
            bytes_scanned=scanned,
            estimated_cost_usd=scanned / 1e9 * price_per_gb,
            elapsed_s=elapsed_s,
            chunks=list(chunks),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "records_scanned": self.records_scanned,
            "records_matched": self.records_matched,
            "bytes_scanned": self.bytes_scanned,
            "estimated_cost_usd": self.estimated_cost_usd,
            "elapsed_s": self.elapsed_s,
            "messages_refetched": self.messages_refetched,
            "chunks": [c.to_dict() for c in self.chunks],
        }


@dataclass
class Result:
    """A query's answer. ``complete`` is False only when rows are known to be missing; the reason is in
    ``warnings``."""

    frame: pd.DataFrame
    stats: QueryStats = field(default_factory=QueryStats)
    warnings: list[str] = field(default_factory=list)
    query: str = ""
    language: str = "sql"
    time_range: TimeRange | None = None
    source: str = ""
    query_ids: list[str] = field(default_factory=list)
    complete: bool = True

    def __len__(self) -> int:
        return len(self.frame)

    def _repr_html_(self) -> str:  # notebooks: show the warnings above the rows, escaped by pandas

        notes = "".join(f"<li>{html.escape(w)}</li>" for w in self.warnings)
        header = (
            f"<p><b>{len(self.frame)} rows</b> · {html.escape(self.language)} · "
            f"{html.escape(str(self.time_range or ''))} · {self.stats.bytes_scanned / 1e6:.1f} MB scanned"
            f"{'' if self.complete else ' · <b>INCOMPLETE</b>'}</p>"
        )
        return header + (f"<ul>{notes}</ul>" if notes else "") + self.frame.head(50).to_html(escape=True)

    def summary(self) -> dict[str, Any]:
        """JSON-ready description (manifests and evidence record this, never the frame)."""
        return {
            "query": self.query,
            "language": self.language,
            "time_range": self.time_range.to_dict() if self.time_range else None,
            "source": self.source,
            "rows": len(self.frame),
            "complete": self.complete,
            "warnings": list(self.warnings),
            "query_ids": list(self.query_ids),
            "stats": self.stats.to_dict(),
        }
