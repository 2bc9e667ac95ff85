"""A query detection's rows → findings, through the one findings builder (:mod:`aiaudit.core.grouping`).

An entry's ``findings:`` block says which result columns hold each fact (principal, source address,
request and session ids, resource, start and end time, evidence pointer), what one finding is about
(``subject``: principal by default; session, resource or source_ip) and how long its activity window
is (``window``, default ``1h``), with a title template whose ``{column}`` lists the distinct values of
that column in the finding (``"{eventName} by {subject}"``); ``severity`` names a column that grades
each row (a finding takes its rows' highest; a row without one has the entry's severity). Rows whose
``unless`` column is present, or whose ``require`` column is missing, are not findings. Principals are
normalised as the frames do (a session ARN becomes its role), so a finding from a query and one from a
projection name the same principal — which is also what merging related findings keys on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from aiaudit.core.config import Environment
from aiaudit.core.findings import SEVERITIES, Finding, severity_rank
from aiaudit.core.grouping import Facts, Group, findings, values
from aiaudit.frames import principal_key

#: Columns read by default when an entry's ``findings`` block does not name one.
DEFAULT_COLUMNS = {
    "principal": ("principal", "caller", "role_arn", "changed_by", "model_caller"),
    "source_ip": ("source_ip", "sourceIPAddress", "external_ip"),
    "request_id": ("request_id", "requestID", "requestId"),
    "session_id": ("session_id",),
    "resource": ("resource_arn", "gateway_arn", "runtime_arn", "tool_arn", "memory_arn", "session_arn"),
    "time_start": ("first_seen", "@timestamp", "event_time", "change_time", "gateway_time", "denial_time"),
    "time_end": ("last_seen",),
    "evidence": ("@ptr", "ct_ptr", "inv_ptr"),
}
_FACTS = Facts(
    principals=("_principal",),
    source_ips=("_source_ip",),
    request_ids=("_request_id",),
    session_ids=("_session_id",),
    resources=("_resource",),
    evidence=("_evidence",),
    time="_time_start",
    time_end="_time_end",
)
_SUBJECT_COLUMN = {
    "principal": "_principal",
    "session": "_session_id",
    "resource": "_resource",
    "source_ip": "_source_ip",
}
PLANNED = " (planned: a change role)"


def _column(frame: pd.DataFrame, named: str | None, defaults: tuple[str, ...]) -> pd.Series:
    """The named column, else the first default column present (missing → all null)."""
    for column in (named,) if named else defaults:
        if column and column in frame.columns:
            return frame[column]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _in_row_order(rows: pd.DataFrame, evidence: str | None, starts: pd.Series) -> pd.DataFrame:
    """The rows by start time, then by their values (pointer columns aside): a query's own order leaves
    ties (an ``ORDER BY count DESC``, an aggregation's output) in whatever order the engine met the rows,
    which differs between two copies of the same events (a local folder and a fetched run-local store), and
    the facts, titles and evidence of a finding list values in row order."""
    pointers = {"@log", "@logStream", evidence, *DEFAULT_COLUMNS["evidence"]}
    keys = pd.DataFrame({"_start": starts}, index=rows.index)
    for number, column in enumerate(c for c in rows.columns if c not in pointers):
        keys[f"_{number}"] = rows[column].map(_text)
    return keys.sort_values(list(keys.columns), kind="stable", na_position="last")


def _text(value: Any) -> str:
    """A cell as sortable text (missing: empty; lists and arrays by their printed form)."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _present(series: pd.Series) -> pd.Series:
    text = series.astype("object")
    return series.notna() & text.map(lambda v: v != "")


def findings_from_rows(entry: Any, frame: pd.DataFrame, *, capped: bool = False) -> list[Finding]:
    """The findings of query detection ``entry`` over its result ``frame``."""
    spec = entry.findings_spec
    rows = frame.reset_index(drop=True)
    if spec.get("unless") and spec["unless"] in rows.columns:
        rows = rows[~_present(rows[spec["unless"]])]
    if spec.get("require") and spec["require"] in rows.columns:
        rows = rows[_present(rows[spec["require"]])]
    work = rows.copy()
    principals = _column(rows, spec.get("principal"), DEFAULT_COLUMNS["principal"]).astype("object")
    work["_principal"] = principals.map(
        lambda v: (principal_key(str(v)) or str(v)) if pd.notna(v) and v != "" else None
    )
    for fact in ("source_ip", "request_id", "session_id", "resource", "evidence"):
        work[f"_{fact}"] = _column(rows, spec.get(fact), DEFAULT_COLUMNS[fact]).astype("object")
    work["_time_start"] = pd.to_datetime(_column(rows, spec.get("time_start"), DEFAULT_COLUMNS["time_start"]), utc=True)
    work["_time_end"] = pd.to_datetime(_column(rows, spec.get("time_end"), DEFAULT_COLUMNS["time_end"]), utc=True)
    work = work.loc[_in_row_order(rows, spec.get("evidence"), work["_time_start"]).index]
    subject = spec.get("subject", "principal")
    graded = spec.get("severity")
    work["_severity"] = rows[graded].astype("object") if graded and graded in rows.columns else None
    note = " The query stopped at its row limit: this finding may be incomplete." if capped else ""
    return findings(
        work,
        rule_id=entry.id,
        severity=lambda g: _grade(g, entry.severity),
        title=spec.get("title", entry.title + " ({count} rows) by {subject}"),
        summary=spec.get("summary", entry.purpose) + note,
        subject=_SUBJECT_COLUMN[subject],
        subject_kind=subject,
        window=spec.get("window", "1h"),
        facts=_FACTS,
    )


def _grade(group: Group, default: str) -> str:
    """The highest of the rows' own severities (a row without one has the entry's)."""
    ranks = [severity_rank(str(v)) for v in group.rows["_severity"].tolist() if isinstance(v, str) and v]
    if group.rows["_severity"].isna().any() or not ranks:
        ranks.append(severity_rank(default))
    return SEVERITIES[max(ranks)]


def mark_planned(found: Iterable[Finding], environment: Environment) -> list[Finding]:
    """Changes made only by roles the baseline names as planned change makers (``[environment]
    change_roles``) are ``info``, and say so in the title; everything else is unchanged."""
    planned = {principal_key(r) or r for r in environment.change_roles}
    out = []
    for f in found:
        mine = {principal_key(p) or p for p in f.principals}
        if planned and mine and mine <= planned and f.severity != "info":
            f.severity = "info"
            f.title = f.title + PLANNED
        out.append(f)
    return out


__all__ = ["DEFAULT_COLUMNS", "Group", "findings_from_rows", "mark_planned", "values"]
