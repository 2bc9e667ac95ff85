"""What a store holds: per log group, per file, and every skipped item (``Source.sources()``).

Why frames plus a text table: notebooks filter and plot the frames; the CLI prints ``str(inventory)``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aiaudit.core.timerange import TimeRange
from aiaudit.store.schema import FILES_TABLE, PIPELINE_TABLES, SKIPPED_TABLE
from aiaudit.store.tables import q

GROUP_COLUMNS = ["log_group", "pipeline", "records", "first_time", "last_time", "files", "duplicates", "skipped"]
FILE_COLUMNS = [
    "path",
    "format",
    "pipeline",
    "records_read",
    "records_kept",
    "duplicates",
    "skipped",
    "first_time",
    "last_time",
    "fast_path",
    "notes",
]
SKIPPED_COLUMNS = ["file", "line", "reason", "excerpt"]


@dataclass
class Inventory:
    """Frames ``groups``, ``files``, ``skipped`` and the overall ``span`` of event times."""

    groups: pd.DataFrame
    files: pd.DataFrame
    skipped: pd.DataFrame
    span: TimeRange | None
    store: str = ""
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"store: {self.store}"] + [f"note: {n}" for n in self.notes]
        if self.span is not None:
            lines.append(f"span: {self.span.start.isoformat()} .. {self.span.end.isoformat()}")
        if self.groups.empty:
            lines.append("no records")
        else:
            shown = self.groups.copy()
            for col in ("first_time", "last_time"):
                shown[col] = shown[col].map(lambda t: "" if pd.isna(t) else t.strftime("%Y-%m-%dT%H:%M:%SZ"))
            lines.append(shown.to_string(index=False))
        ignored = int((self.files["pipeline"].isna()).sum()) if not self.files.empty else 0
        lines.append(
            f"{len(self.files)} files ({ignored} without records), {len(self.skipped)} skipped items"
            + (" (aiaudit sources --skipped lists them)" if len(self.skipped) else "")
        )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = html.escape(f"store: {self.store}")
        span = html.escape(f"span: {self.span.start.isoformat()} .. {self.span.end.isoformat()}") if self.span else ""
        return (
            f"<p>{head}<br>{span}</p>{self.groups.to_html(index=False)}"
            f"<p>{len(self.files)} files, {len(self.skipped)} skipped items</p>"
        )


def build(con: Any, store: str, notes: list[str] | None = None) -> Inventory:
    parts = []
    for pipeline, table in PIPELINE_TABLES.items():
        parts.append(
            f"""SELECT "@log" AS log_group, '{pipeline}' AS pipeline, count(*) AS records,
                min("@timestamp") AS first_time, max("@timestamp") AS last_time,
                count(DISTINCT _file_id) AS files FROM {q(table)} GROUP BY 1"""
        )
    groups = con.execute(" UNION ALL ".join(parts) + " ORDER BY pipeline, log_group").fetch_df()
    per_pipeline = con.execute(
        f"SELECT pipeline, sum(duplicates)::BIGINT AS d, sum(skipped)::BIGINT AS s FROM {q(FILES_TABLE)} GROUP BY 1"
    ).fetchall()
    dups = {p: int(d or 0) for p, d, _ in per_pipeline}
    skips = {p: int(s or 0) for p, _, s in per_pipeline}
    # duplicates and skipped items are counted per file; a group gets its pipeline's (one group per
    # pipeline is the common case; with several, the first group of the pipeline carries the count)
    seen: set[str] = set()
    d_col, s_col = [], []
    for pipeline in groups["pipeline"]:
        first = pipeline not in seen
        seen.add(pipeline)
        d_col.append(dups.get(pipeline, 0) if first else 0)
        s_col.append(skips.get(pipeline, 0) if first else 0)
    groups["duplicates"] = d_col
    groups["skipped"] = s_col
    groups["records"] = groups["records"].astype("int64")
    groups["files"] = groups["files"].astype("int64")
    groups = groups[GROUP_COLUMNS]
    files = con.execute(
        f"SELECT {', '.join(q(c) for c in FILE_COLUMNS)} FROM {q(FILES_TABLE)} ORDER BY path"
    ).fetch_df()
    skipped = con.execute(
        f"""SELECT f.path AS file, s.line, s.reason, s.excerpt FROM {q(SKIPPED_TABLE)} s
            JOIN {q(FILES_TABLE)} f USING (file_id) ORDER BY f.path, s.line"""
    ).fetch_df()
    unattributed = int(skips.get(None, 0)) if None in skips else 0  # type: ignore[call-overload]
    notes = list(notes or [])
    if unattributed:
        notes.append(f"{unattributed} skipped items are in files without records (see the skipped frame)")
    return Inventory(groups, files, skipped, span(con), store, notes)


def span(con: Any) -> TimeRange | None:
    parts = [f'SELECT min("@timestamp") AS a, max("@timestamp") AS b FROM {q(t)}' for t in PIPELINE_TABLES.values()]
    lo, hi = con.execute(f"SELECT min(a), max(b) FROM ({' UNION ALL '.join(parts)})").fetchone()
    if lo is None:
        return None
    return TimeRange(pd.Timestamp(lo).floor("s").to_pydatetime(), pd.Timestamp(hi).floor("s").to_pydatetime())
