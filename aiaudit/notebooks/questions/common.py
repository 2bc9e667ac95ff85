"""What every question function shares: the answer shape, findings built from rows, focus plumbing.

Why here and not in the notebooks: a notebook step is one call, so the rules that turn rows into
findings (which columns name the principal, which pointers are evidence, how focus reaches each
pipeline) must live in one tested place; :mod:`aiaudit.investigate` stays generic and this package holds
the per-question judgement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aiaudit.core.findings import Finding

#: Evidence pointers kept per finding (the rest are counted in the summary).
MAX_EVIDENCE = 50
#: Request ids kept per finding; enough for coverage and pivots, small enough to read.
MAX_IDS = 500


@dataclass
class Answer:
    """One question's result: tables to read, figures to look at, findings to publish, notes on gaps."""

    question: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def summary(self) -> pd.DataFrame:
        """Findings per severity and rule (what the notebook's last step shows first)."""
        rows = [{"rule_id": f.rule_id, "severity": f.severity, "title": f.title} for f in self.findings]
        frame = pd.DataFrame(rows, columns=["rule_id", "severity", "title"])
        return frame.groupby(["severity", "rule_id"]).size().rename("findings").reset_index()


def values(frame: pd.DataFrame, columns: Iterable[str]) -> list[str]:
    """Distinct non-empty values of the columns that exist (list columns flattened), in first-seen order."""
    out: dict[str, None] = {}
    for column in columns:
        if column not in frame.columns:
            continue
        for value in frame[column].tolist():
            items = value if isinstance(value, list | tuple) else [value]
            for item in items:
                if item is None or item is pd.NA or (isinstance(item, float) and item != item):
                    continue
                text = str(item)
                if text and text != "<NA>":
                    out[text] = None
    return list(out)


def span_of(frame: pd.DataFrame, columns: Iterable[str] = ("time",)) -> tuple[Any, Any]:
    """Earliest and latest time over the given columns (None when there is none)."""
    stamps = pd.concat([pd.to_datetime(frame[c], utc=True) for c in columns if c in frame.columns] or [pd.Series()])
    stamps = stamps.dropna()
    if stamps.empty:
        return None, None
    return stamps.min().to_pydatetime(), stamps.max().to_pydatetime()


def finding_from(
    rows: pd.DataFrame,
    *,
    rule: str,
    severity: str,
    title: str,
    summary: str = "",
    principals: Iterable[str] = ("principal",),
    source_ips: Iterable[str] = ("source_ips", "source_ip"),
    request_ids: Iterable[str] = ("request_id",),
    session_ids: Iterable[str] = ("session_id",),
    resources: Iterable[str] = (),
    times: Iterable[str] = ("time",),
    evidence: Iterable[str] = ("@ptr",),
    extra_principals: Iterable[str] = (),
    extra_request_ids: Iterable[str] = (),
    extra_resources: Iterable[str] = (),
) -> Finding:
    """A finding whose facts are read from ``rows`` (column names per fact; missing columns ignored)."""
    start, end = span_of(rows, times)
    ptrs = values(rows, evidence)
    if len(ptrs) > MAX_EVIDENCE:
        summary = f"{summary} ({len(ptrs)} records; the first {MAX_EVIDENCE} cited)".strip()
    return Finding(
        rule_id=rule,
        severity=severity,
        title=title,
        summary=summary,
        time_start=start,
        time_end=end,
        principals=[*values(rows, principals), *extra_principals],
        source_ips=values(rows, source_ips),
        request_ids=[*values(rows, request_ids), *extra_request_ids][:MAX_IDS],
        session_ids=values(rows, session_ids),
        resources=[*values(rows, resources), *extra_resources],
        evidence=ptrs[:MAX_EVIDENCE],
    )


def flag(text: Any, patterns: dict[str, re.Pattern[str]]) -> list[str]:
    """Names of the patterns that match ``text`` (names only: the matched text is attacker-controlled)."""
    if not isinstance(text, str) or not text:
        return []
    return [name for name, pattern in patterns.items() if pattern.search(text)]


def agent_name(value: Any) -> str | None:
    """``support_agent`` from a span service (``support_agent.DEFAULT``) or a runtime ARN
    (``...:runtime/support_agent-32Fh1w4yl6``): the name the environment's allow-lists use."""
    if not isinstance(value, str) or not value:
        return None
    if ":runtime/" in value:
        name = value.split(":runtime/", 1)[1].split("/", 1)[0]
        return name.rsplit("-", 1)[0] if "-" in name else name
    return value.split(".", 1)[0]


def runtime_principals(cloudtrail: pd.DataFrame) -> pd.DataFrame:
    """Runtime ARN → the IAM role its credentials belong to (``inScopeOf.credentialsIssuedTo``), with the
    agent name; one row per pair seen in CloudTrail."""
    cols = ["runtime_arn", "principal", "agent"]
    if cloudtrail.empty or "issuer_type" not in cloudtrail:
        return pd.DataFrame(columns=cols)
    scoped = cloudtrail[cloudtrail["issuer_type"].astype("string").str.contains("Runtime", na=False)]
    pairs = scoped[["runtime_arn", "principal"]].dropna().drop_duplicates()
    pairs = pairs.assign(agent=pairs["runtime_arn"].map(agent_name))
    return pairs.reset_index(drop=True)[cols]


def not_null(frame: pd.DataFrame, column: str) -> pd.Series:
    """Boolean mask of present values (works for nullable dtypes and absent columns)."""
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[column].notna()


def truthy(frame: pd.DataFrame, column: str) -> pd.Series:
    """Boolean mask of a nullable boolean column (missing = False)."""
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[column].fillna(False).astype(bool)


def principal_focus(inv: Any) -> dict[str, str]:
    """The focus keys CloudTrail and invocation logs understand."""
    return {k: v for k, v in inv.focus.items() if k in ("principal", "request_id")}


def session_requests(inv: Any) -> list[str]:
    """Request ids carried by the focused session's spans (how a session focus reaches CloudTrail)."""
    session = inv.focus.get("session_id")
    if not session:
        return []
    spans = inv.tel.projection("spans", inv.time_range, session_id=session)
    return values(spans, ("request_id",))
