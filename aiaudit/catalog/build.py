"""Turning a group of projected rows into one Finding, the same way for every detection.

Why shared: coverage against truth and de-duplication depend on findings carrying the same keys
(normalised principals, request and session ids, ``@ptr`` evidence) whichever detection made them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aiaudit.core.findings import Finding

#: evidence pointers kept per finding (the ids lists are complete; evidence is a sample to open)
MAX_EVIDENCE = 25


def values(frame: pd.DataFrame, *columns: str) -> list[str]:
    """Distinct non-missing values of the first of ``columns`` present (lists are flattened)."""
    out: set[str] = set()
    for column in columns:
        if column not in frame:
            continue
        for value in frame[column]:
            if isinstance(value, list | tuple):
                out.update(str(v) for v in value if v is not None and str(v) != "")
            elif value is not None and not pd.isna(value) and str(value) != "":
                out.add(str(value))
    return sorted(out)


def finding(
    entry: Any,
    rows: pd.DataFrame,
    title: str,
    summary: str,
    *,
    severity: str | None = None,
    principals: list[str] | None = None,
    resources: list[str] | None = None,
    extra_request_ids: list[str] | None = None,
) -> Finding:
    """A finding of ``entry`` (a catalogue Entry) over ``rows`` (one projection's rows)."""
    times = rows["time"].dropna() if "time" in rows else pd.Series([], dtype="datetime64[ns, UTC]")
    return Finding(
        rule_id=entry.id,
        severity=severity or entry.severity,
        title=title,
        summary=summary,
        time_start=times.min().to_pydatetime() if len(times) else None,
        time_end=times.max().to_pydatetime() if len(times) else None,
        principals=principals if principals is not None else values(rows, "principal"),
        source_ips=values(rows, "source_ip"),
        request_ids=values(rows, "request_id") + list(extra_request_ids or []),
        session_ids=values(rows, "session_id"),
        resources=resources or [],
        evidence=values(rows, "@ptr")[:MAX_EVIDENCE],
    )


def successful(frame: pd.DataFrame) -> pd.Series:
    """Rows that did not fail (CloudTrail ``is_error``; invocations ``error_code``)."""
    if "is_error" in frame:
        return ~frame["is_error"].fillna(False).astype(bool)
    if "error_code" in frame:
        return frame["error_code"].isna()
    return pd.Series(True, index=frame.index)
