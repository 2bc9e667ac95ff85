"""One ordered frame of events from every pipeline, with changes marked, and its plotly figure.

Why a common shape: an analyst reads CloudTrail calls, model invocations, agent spans and runtime logs
as one story. :func:`events_frame` turns projections into rows of the same columns (``time``,
``pipeline``, ``summary``, ``is_change``, the join keys, ``@ptr``) — the shape
:func:`aiaudit.notebooks.plots.timeline` draws. :func:`timeline` gathers the rows for a focus: pipelines the focus
applies to are queried with it, and the others are reached through the request, trace and session ids
of those rows (spans carry no principal, CloudTrail no session), so a principal's timeline includes its
agents' spans.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from aiaudit.core.config import PIPELINES
from aiaudit.investigate.gather import gather_focus
from aiaudit.investigate.vocab import is_change

EVENT_COLUMNS = [
    "time",
    "@timestamp",
    "pipeline",
    "summary",
    "is_change",
    "is_error",
    "principal",
    "source_ip",
    "region",
    "model_id",
    "request_id",
    "session_id",
    "trace_id",
    "event",
    "@ptr",
]


def _s(value: Any) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _summary_ct(row: pd.Series) -> str:
    who = _s(row["principal"]) or _s(row["userIdentity.arn"]) or "?"
    text = f"{_s(row['eventName'])} ({_s(row['eventSource']).split('.')[0]}) by {who}"
    if _s(row["source_ip"]):
        text += f" from {row['source_ip']}"
    if _s(row["errorCode"]) or (_s(row["http_status"]) and int(row["http_status"]) >= 400):
        text += f" → {_s(row['errorCode']) or row['http_status']}"
    return text


def _summary_inv(row: pd.Series) -> str:
    text = f"{_s(row['operation'])} {_s(row['model_id']) or _s(row['modelId'])} by {_s(row['principal']) or '?'}"
    if _s(row["input_tokens"]) or _s(row["output_tokens"]):
        text += f" ({_s(row['input_tokens']) or '?'}→{_s(row['output_tokens']) or '?'} tokens)"
    if _s(row["guardrail_action"]) == "INTERVENED":
        text += " · guardrail intervened"
    if _s(row["errorCode"]):
        text += f" → {row['errorCode']}"
    return text


def _summary_span(row: pd.Series) -> str:
    text = _s(row["name"]) or "span"
    if _s(row["service"]):
        text += f" [{row['service']}]"
    if _s(row["duration_ms"]):
        text += f" {float(row['duration_ms']):.0f} ms"
    if _s(row["status"]).upper() == "ERROR":
        text += f" ERROR {_s(row['status.message'])}".rstrip()
    return text


def _summary_rt(row: pd.Series) -> str:
    parts = [_s(row["severity"]), _s(row["event_name"]), _s(row["body"])[:120]]
    return " ".join(p for p in parts if p) or "log record"


_SPEC: dict[str, dict[str, Any]] = {
    "cloudtrail": {"summary": _summary_ct, "event": "eventName", "cols": {"source_ip": "source_ip"}},
    "invocations": {"summary": _summary_inv, "event": "operation", "cols": {}},
    "spans": {"summary": _summary_span, "event": "name", "cols": {}},
    "runtime_logs": {"summary": _summary_rt, "event": "event_name", "cols": {}},
}


def events_frame(frames: Mapping[str, pd.DataFrame], *, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """Projections (``{pipeline: frame}``) → one frame of :data:`EVENT_COLUMNS` (plus ``extra`` columns
    present in the inputs), ordered by event time then pipeline order."""
    parts = []
    for pipeline in PIPELINES:
        frame = frames.get(pipeline)
        if frame is None or frame.empty:
            continue
        spec = _SPEC[pipeline]
        part = pd.DataFrame(index=frame.index)
        part["time"] = frame["time"]
        part["@timestamp"] = frame["@timestamp"]
        part["pipeline"] = pipeline
        part["summary"] = [spec["summary"](row) for _, row in frame.iterrows()]
        part["is_change"] = is_change(frame) if pipeline == "cloudtrail" else False
        part["is_error"] = (
            frame["is_error"].astype("boolean")
            if "is_error" in frame
            else (frame["errorCode"].notna() if "errorCode" in frame else False)
        )
        if pipeline == "runtime_logs":
            part["is_error"] = frame["severity"].isin(["ERROR", "FATAL"]).astype("boolean")
        if pipeline == "invocations":
            part["is_error"] = frame["errorCode"].notna().astype("boolean")
        for col in ("principal", "source_ip", "region", "model_id", "request_id", "session_id", "trace_id"):
            part[col] = frame[col] if col in frame.columns else pd.NA
        part["event"] = frame[spec["event"]]
        part["@ptr"] = frame["@ptr"]
        for col in extra:
            part[col] = frame[col] if col in frame.columns else pd.NA
        parts.append(part)
    if not parts:
        out = pd.DataFrame({c: pd.Series([], dtype=object) for c in EVENT_COLUMNS + list(extra)})
        for col in ("time", "@timestamp"):
            out[col] = pd.Series([], dtype="datetime64[ns, UTC]")
        return out
    out = pd.concat(parts, ignore_index=True)
    for col in ("principal", "source_ip", "region", "model_id", "request_id", "session_id", "trace_id", "event"):
        out[col] = out[col].astype("string")
    out["is_change"] = out["is_change"].astype(bool)
    out["is_error"] = out["is_error"].astype("boolean")
    order = {p: i for i, p in enumerate(PIPELINES)}
    out["_o"] = out["pipeline"].map(order)
    out = out.sort_values(["time", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
    return out[EVENT_COLUMNS + [c for c in extra if c not in EVENT_COLUMNS]]


def timeline(data: Any, time_range: Any = None, *, follow: bool = True, hops: int = 2, **focus: Any) -> pd.DataFrame:
    """Events of every pipeline in range for a focus (``principal=``, ``session_id=``, ...), ordered, with
    changes marked. With no focus, every event in range. ``follow`` reaches pipelines the focus does not
    apply to through request, trace and session ids (``via``/``hop`` columns say how)."""

    frames = gather_focus(data, time_range, focus, follow=follow, hops=hops)
    return events_frame(frames, extra=("via", "hop"))
