"""Which pipeline a parsed JSON object belongs to, by its keys alone.

Why keys and not paths: people rename and re-bundle exports, so a file's name proves little; the shape
of each record is what AWS fixed. Checks are plain ``in`` tests on the top-level keys (no regexes, no
walking), cheap enough to run on every record.

- CloudTrail: ``eventVersion`` with any of ``eventTime``/``eventName``/``eventID``, or ``eventName``
  with any other CloudTrail key (``eventSource``, ``eventTime``, ``userIdentity``, ``awsRegion``,
  ``requestParameters``, ``errorCode``, ...): hand-made and trimmed events drop ``eventVersion``;
  Insights events have no top-level ``eventName``. Keys are case-sensitive as AWS writes them: a
  data lake's lower-cased copy (``eventname``) is not CloudTrail's format.
- Invocation log: ``schemaType: ModelInvocationLog``, or ``modelId`` + ``operation`` + ``requestId``
  with ``input``/``output``/``timestamp``/``identity``.
- OTel log record (runtime logs) before spans, because log records also carry ``traceId``/``spanId``:
  a time field (``timeUnixNano``/``observedTimeUnixNano``) with ``body``/``severityText``/
  ``severityNumber``, or ``body`` + severity + ``traceId``.
- Span: ``traceId`` + ``spanId`` + ``name`` with any of ``durationNano``/``startTimeUnixNano``/
  ``endTimeUnixNano``/``kind``/``parentSpanId``/``attributes``/``status``.

Wrappers are unwrapped first (:func:`unwrap`): event-history items whose ``CloudTrailEvent`` is a JSON
string, ``filter-log-events`` items (``message`` text + ``logStreamName``/``ingestionTime``), and Logs
Insights result rows (``@message`` text).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_CT_WITH_VERSION = ("eventTime", "eventName", "eventID")
_CT_WITH_NAME = (
    "eventSource",
    "eventTime",
    "userIdentity",
    "awsRegion",
    "eventID",
    "requestParameters",
    "responseElements",
    "errorCode",
    "sourceIPAddress",
    "recipientAccountId",
)
_INV_EXTRA = ("input", "output", "timestamp", "identity")
_LOG_TIME = ("timeUnixNano", "observedTimeUnixNano")
_LOG_BODY = ("body", "severityText", "severityNumber")
_SPAN_EXTRA = ("durationNano", "startTimeUnixNano", "endTimeUnixNano", "kind", "parentSpanId", "attributes", "status")
_DIGEST_KEYS = ("digestStartTime", "digestEndTime", "digestS3Object", "digestSignatureAlgorithm")


def classify(obj: dict[str, Any]) -> str | None:
    """The pipeline of one parsed record, or None when it is not telemetry of ours."""
    if "eventVersion" in obj:
        if any(k in obj for k in _CT_WITH_VERSION):
            return "cloudtrail"
    elif "eventName" in obj and any(k in obj for k in _CT_WITH_NAME):
        return "cloudtrail"
    if obj.get("schemaType") == "ModelInvocationLog":
        return "invocations"
    if "modelId" in obj and "operation" in obj and "requestId" in obj and any(k in obj for k in _INV_EXTRA):
        return "invocations"
    if any(k in obj for k in _LOG_TIME) and any(k in obj for k in _LOG_BODY):
        return "runtime_logs"
    if "body" in obj and "traceId" in obj and ("severityText" in obj or "severityNumber" in obj):
        return "runtime_logs"
    if "traceId" in obj and "spanId" in obj and "name" in obj and any(k in obj for k in _SPAN_EXTRA):
        return "spans"
    return None


def is_digest(obj: dict[str, Any]) -> bool:
    """A CloudTrail digest file's body (log-file validation), which lists files, not events."""
    return sum(1 for k in _DIGEST_KEYS if k in obj) >= 2 or ("logFiles" in obj and "digestPublicKeyFingerprint" in obj)


@dataclass
class Unwrapped:
    """A record taken out of an export wrapper, with what the wrapper told us about it."""

    obj: Any
    kind: str | None = None  # "event-history" | "cw-events" | "insights-row" | None (not wrapped)
    log_stream: str | None = None
    timestamp_ms: int | None = None
    ingestion_ms: int | None = None
    error: str | None = None  # set when the wrapper's inner JSON text does not parse


def unwrap(item: dict[str, Any]) -> Unwrapped:
    """Take the real record out of a known export wrapper; return ``item`` itself otherwise."""
    inner = item.get("CloudTrailEvent")
    if isinstance(inner, str):
        return _parse_inner(inner, "event-history", None, None, None)
    if isinstance(inner, dict):
        return Unwrapped(inner, "event-history")
    message = item.get("message")
    if isinstance(message, str) and ("logStreamName" in item or "ingestionTime" in item or "eventId" in item):
        ts = item.get("timestamp")
        ing = item.get("ingestionTime")
        return _parse_inner(
            message,
            "cw-events",
            _str_or_none(item.get("logStreamName")),
            ts if isinstance(ts, int) and not isinstance(ts, bool) else None,
            ing if isinstance(ing, int) and not isinstance(ing, bool) else None,
        )
    at_message = item.get("@message")
    if isinstance(at_message, str):
        return _parse_inner(at_message, "insights-row", _str_or_none(item.get("@logStream")), None, None)
    return Unwrapped(item)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _parse_inner(text: str, kind: str, stream: str | None, ts: int | None, ing: int | None) -> Unwrapped:
    try:
        obj = json.loads(text)
    except ValueError as exc:
        return Unwrapped(text, kind, stream, ts, ing, error=f"{kind}: inner JSON text does not parse: {exc}")
    return Unwrapped(obj, kind, stream, ts, ing)
