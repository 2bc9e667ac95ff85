"""Frames: standard projections of every pipeline, computed by the engine, and the entities they join on.

One place normalises principals, model ids, runtime ARNs, guardrails and provider bodies, as SQL that
DuckDB evaluates inside each projection query, so notebooks, detections and both backends agree
(DESIGN §3). Columns are documented in ``docs/frames.md``.

* :func:`project` — raw rows (``@message`` JSON + system columns) → typed standard projection;
  :func:`query` / :func:`run` / :func:`stream` — the same on a relation of the store's layout;
* :func:`prefilter` / :func:`apply_focus` / :func:`focus_query` — focus filters: superset, then exact;
* :func:`normalise_principal`, :func:`principal_key`, :func:`normalise_model_id`,
  :func:`normalise_runtime_arn`, :func:`normalise_trace_id` — the same rules for one value;
* :func:`bridge_request_ids`, :func:`join_invocations_cloudtrail`, :func:`join_spans_cloudtrail`.
"""

from aiaudit.frames.bridges import bridge_request_ids, join_invocations_cloudtrail, join_spans_cloudtrail
from aiaudit.frames.columns import COLUMNS, dtypes, empty_frame
from aiaudit.frames.focus import FOCUS_COLUMNS, apply_focus, focus_query, normalise_focus, prefilter
from aiaudit.frames.models import model_provider, normalise_model_id, normalise_runtime_arn, normalise_trace_id
from aiaudit.frames.principals import Principal, normalise_principal, principal_from_arn, principal_key
from aiaudit.frames.project import ProjectionWarning, project, project_table, query, run, stream

__all__ = [
    "COLUMNS",
    "FOCUS_COLUMNS",
    "Principal",
    "ProjectionWarning",
    "apply_focus",
    "bridge_request_ids",
    "dtypes",
    "empty_frame",
    "focus_query",
    "join_invocations_cloudtrail",
    "join_spans_cloudtrail",
    "model_provider",
    "normalise_focus",
    "normalise_model_id",
    "normalise_principal",
    "normalise_runtime_arn",
    "normalise_trace_id",
    "prefilter",
    "principal_from_arn",
    "principal_key",
    "project",
    "project_table",
    "query",
    "run",
    "stream",
]
