"""Who asked the model this question, and what did it say (CloudTrail, invocations and spans joined on request id).

Why one wide table: the caller is only certain in CloudTrail, the words only in the invocation log, the
session and latency only in spans; the request id is the one key all three carry (guide Q18/Q20).
Findings are raised per session (or per request outside agents) when the user's turns carry an injection
indicator or the answer discloses data — both by named pattern, never by echoing the text, and judged by
the same functions and vocabulary as detections X10 and X11 (:mod:`aiaudit.investigate.content`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aiaudit.investigate import correlate_requests
from aiaudit.investigate.content import Indicators
from aiaudit.notebooks import plots
from aiaudit.notebooks.questions.common import Answer, finding_from, principal_focus, session_requests, values

COLUMNS = [
    "time",
    "principal",
    "source_ip",
    "operation",
    "model_id",
    "session_id",
    "request_id",
    "prompt",
    "response",
    "stop_reason",
    "guardrail_action",
    "input_tokens",
    "output_tokens",
    "latency_ms",
    "span_ms",
    "error",
    "matched",
    "injection",
    "disclosure",
]


def _pick(frame: pd.DataFrame, *columns: str) -> pd.Series:
    """First present value across prefixed columns (CloudTrail wins for who, the log for what)."""
    out = pd.Series(pd.NA, index=frame.index, dtype="object")
    for column in columns:
        if column in frame.columns:
            out = out.where(out.notna(), frame[column].astype("object"))
    return out


def request_focus(inv: Any) -> dict[str, Any]:
    """The focus as CloudTrail sees it: principal and request id, a session as the request ids its spans carry."""
    focus: dict[str, Any] = dict(principal_focus(inv))
    if "session_id" in inv.focus:
        focus["request_id"] = session_requests(inv) or ["(no request in this session)"]
    return focus


def join(inv: Any) -> Any:
    """The question's join, as the notebook's cell spells it: every request, from whichever side saw it."""
    return correlate_requests(inv.tel, inv.time_range, how="outer", **request_focus(inv))


def requests_table(inv: Any, corr: Any = None) -> tuple[pd.DataFrame, Any]:
    """One row per model request: who, from where, which model, what was asked and answered."""
    corr = join(inv) if corr is None else corr
    frame = corr.frame
    table = pd.DataFrame(index=frame.index)
    table["time"] = pd.to_datetime(_pick(frame, "ct.time", "inv.time", "span.time"), utc=True)
    table["principal"] = _pick(frame, "ct.principal", "inv.principal")
    table["source_ip"] = _pick(frame, "ct.source_ip")
    table["operation"] = _pick(frame, "ct.eventName", "inv.operation")
    table["model_id"] = _pick(frame, "inv.model_id", "ct.model_id", "span.model_id")
    table["request_id"] = frame["request_id"]
    for name in ("prompt", "response", "stop_reason", "guardrail_action", "input_tokens", "output_tokens"):
        table[name] = _pick(frame, f"inv.{name}")
    table["latency_ms"] = _pick(frame, "inv.latency_ms")
    table["span_ms"] = _pick(frame, "span.duration_ms")
    table["error"] = _pick(frame, "ct.errorCode", "inv.error_code")
    table["matched"] = frame["matched"]
    table["session_id"] = _session_ids(inv, frame)
    indicators = Indicators()
    user_text = _pick(frame, "inv.user_text", "inv.prompt")
    table["injection"] = user_text.map(lambda text: ", ".join(indicators.injections(text)))
    table["disclosure"] = table["response"].map(lambda text: ", ".join(indicators.disclosures(text)))
    if "session_id" in inv.focus:
        table["session_id"] = table["session_id"].fillna(inv.focus["session_id"])
    return table[COLUMNS].reset_index(drop=True), corr


def _session_ids(inv: Any, frame: pd.DataFrame) -> pd.Series:
    """The agent session of each request: the span's own ``session.id``, else any span of its trace."""
    own = _pick(frame, "span.session_id")
    if "span.trace_id" not in frame.columns:
        return own
    spans = inv.tel.projection("spans", inv.time_range)
    by_trace = spans.dropna(subset=["trace_id", "session_id"]).drop_duplicates("trace_id")
    mapping = dict(zip(by_trace["trace_id"], by_trace["session_id"], strict=False))
    return own.where(own.notna(), frame["span.trace_id"].map(mapping).astype("object"))


def findings(table: pd.DataFrame) -> list[Any]:
    """Per session (else per request): injection and/or disclosure indicators."""
    hit = table[(table["injection"] != "") | (table["disclosure"] != "")]
    out = []
    key = hit["session_id"].astype("object").where(hit["session_id"].notna(), hit["request_id"].astype("object"))
    for _, rows in hit.groupby(key, sort=False):
        injected = sorted({n for v in rows["injection"] for n in v.split(", ") if n})
        leaked = sorted({n for v in rows["disclosure"] for n in v.split(", ") if n})
        severity = "high" if injected and leaked else "medium"
        what = []
        if injected:
            what.append(f"prompt injection indicators ({', '.join(injected)})")
        if leaked:
            what.append(f"disclosure in the answer ({', '.join(leaked)})")
        out.append(
            finding_from(
                rows,
                rule="nb:who_asked_what",
                severity=severity,
                title=f"{len(rows)} model request(s) with " + " and ".join(what),
                summary="Prompts and answers matched named indicators; read the requests table for the text "
                "(shortened and escaped).",
                source_ips=("source_ip",),
                evidence=(),
            )
        )
    return out


def who_asked_what(inv: Any, joined: Any = None) -> Answer:
    """Requests table (who · what · answer · session), figures of callers and indicators, findings;
    ``joined`` is the notebook's :func:`~aiaudit.investigate.correlate_requests` (made here when absent)."""
    table, corr = requests_table(inv, joined)
    answer = Answer("who_asked_what", tables={"requests": table, "joins": corr.report_frame()})
    flagged = table[(table["injection"] != "") | (table["disclosure"] != "")]
    answer.tables["flagged"] = flagged
    answer.figures["callers"] = plots.top_contributors(
        table, key="principal", time="time", title="Model requests per caller over time", y_label="requests"
    )
    counts = pd.DataFrame(
        {"indicator": [n for v in pd.concat([flagged["injection"], flagged["disclosure"]]) for n in v.split(", ") if n]}
    )
    counts = counts.value_counts().rename("requests").reset_index() if len(counts) else counts.assign(requests=[])
    answer.figures["indicators"] = plots.bar(
        counts,
        x="indicator",
        y="requests",
        title="Requests per content indicator",
        x_label="indicator",
        y_label="requests",
    )
    answer.findings = findings(table)
    if table["matched"].eq("inv").any():
        answer.notes.append(f"{int(table['matched'].eq('inv').sum())} invocation log(s) without a CloudTrail event")
    if not values(table, ("request_id",)):
        answer.notes.append("no model request in range for this focus")
    return answer
