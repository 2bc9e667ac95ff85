"""Catalogue findings for the range: every detection (``aiaudit.catalog.run.run_all``) in one table.

Why a notebook over the CLI's ``aiaudit detect``: the same findings, with the figures that show when
and for whom they fired, and the same findings file for a playbook.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aiaudit.core.findings import findings_frame
from aiaudit.notebooks import plots
from aiaudit.notebooks.questions.common import Answer
from aiaudit.notebooks.questions.detected import catalogue_findings, in_focus


def detections(inv: Any) -> Answer:
    """Findings per rule and severity, over time; focused mode keeps findings naming the focus."""
    found = in_focus(catalogue_findings(inv), inv.focus)
    frame = findings_frame(found)
    answer = Answer("detections", tables={"findings": frame}, findings=found)
    per_rule = frame.groupby(["rule_id", "severity"]).size().rename("findings").reset_index()
    answer.tables["per_rule"] = per_rule
    answer.figures["per_rule"] = plots.bar(
        per_rule, x="rule_id", y="findings", title="Findings per detection", x_label="detection", y_label="findings"
    )
    answer.figures["over_time"] = plots.top_contributors(
        frame.assign(time=pd.to_datetime(frame["time_start"], utc=True)).dropna(subset=["time"]),
        key="severity", time="time", title="Findings over time by severity", y_label="findings",
        colours=plots.SEVERITY_COLOURS,
    )  # fmt: skip
    return answer
