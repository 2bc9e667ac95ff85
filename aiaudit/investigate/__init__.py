"""Investigation core: correlation, pivots, timelines, telemetry gaps, baselines, evidence.

Every function takes a :class:`~aiaudit.sources.base.Source` (or a :class:`Telemetry`, or raw frames) and a
:class:`~aiaudit.core.timerange.TimeRange`, works on the standard projections of :mod:`aiaudit.frames`, and
says what it joined on (:class:`JoinReport`). See ``docs/investigate.md``.
"""

from aiaudit.investigate.access import Telemetry
from aiaudit.investigate.baseline import Baseline
from aiaudit.investigate.blinded import blinded_windows, hidden_records
from aiaudit.investigate.correlate import (
    Correlation,
    change_then_effect,
    correlate_requests,
    correlate_sessions,
    guardrail_change_effects,
    session_table,
)
from aiaudit.investigate.evidence import export_evidence, verify_evidence
from aiaudit.investigate.gaps import (
    gaps,
    ingestion_delays,
    lookback_range,
    missing_cloudtrail,
    missing_invocation_logs,
    volume_gaps,
)
from aiaudit.investigate.gather import expand, gather_focus
from aiaudit.investigate.joins import JoinReport, keyed_join, reports_frame
from aiaudit.investigate.pivot import PivotResult, classify, pivot
from aiaudit.investigate.timeline import events_frame, timeline

__all__ = [
    "Baseline",
    "Correlation",
    "JoinReport",
    "PivotResult",
    "Telemetry",
    "blinded_windows",
    "change_then_effect",
    "classify",
    "correlate_requests",
    "correlate_sessions",
    "events_frame",
    "expand",
    "export_evidence",
    "gaps",
    "gather_focus",
    "guardrail_change_effects",
    "hidden_records",
    "ingestion_delays",
    "keyed_join",
    "lookback_range",
    "missing_cloudtrail",
    "missing_invocation_logs",
    "pivot",
    "reports_frame",
    "session_table",
    "timeline",
    "verify_evidence",
    "volume_gaps",
]
