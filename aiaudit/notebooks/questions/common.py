"""What every question function shares: the answer shape, findings built from rows, focus plumbing.

Why here and not in the notebooks: a notebook step is one call, so the rules that turn rows into
findings (which columns name the principal, which pointers are evidence, how focus reaches each
pipeline) must live in one tested place; :mod:`aiaudit.investigate` stays generic and this package holds
the per-question judgement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aiaudit.core import grouping
from aiaudit.core.findings import Finding


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
    return grouping.values(frame, *columns)


def finding_from(
    rows: pd.DataFrame,
    *,
    rule: str,
    severity: str,
    title: str,
    summary: str = "",
    subject: str = "principal",
    principals: Iterable[str] = ("principal",),
    source_ips: Iterable[str] = ("source_ips", "source_ip"),
    request_ids: Iterable[str] = ("request_id",),
    session_ids: Iterable[str] = ("session_id",),
    resources: Iterable[str] = (),
    time: str = "time",
    evidence: Iterable[str] = ("@ptr",),
    extra_principals: Iterable[str] = (),
    extra_request_ids: Iterable[str] = (),
    extra_resources: Iterable[str] = (),
) -> Finding:
    """A notebook's judgement over ``rows`` (already chosen as one group) as one finding, through the one
    findings builder (:mod:`aiaudit.core.grouping`: its evidence cap, id rule and facts)."""
    facts = grouping.Facts(
        principals=tuple(principals),
        source_ips=tuple(source_ips),
        request_ids=tuple(request_ids),
        session_ids=tuple(session_ids),
        resources=tuple(resources),
        evidence=tuple(evidence),
        time=time,
    )
    group = grouping.group_of(rows, subject=subject, facts=facts)
    return grouping.finding(
        group,
        rule_id=rule,
        severity=severity,
        title=title,
        summary=summary,
        subject_kind=grouping.subject_kind_of(subject),
        principals=extra_principals,
        request_ids=extra_request_ids,
        resources=extra_resources,
    )


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
