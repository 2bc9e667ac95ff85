"""Standard projections: raw records (``@message`` JSON) → one typed frame per pipeline.

The same code serves both backends: the local store hands over its rows, the AWS backend the
``@message`` strings Logs Insights returns, so every value is computed from the record's JSON alone.
Per record the work is one ``json.loads`` plus dictionary look-ups into plain lists; the frame is built
once at the end with the dtypes of :mod:`aiaudit.frames.columns`, and time columns are parsed
vectorised.

A record whose ``@message`` is not a JSON object keeps its row (system columns filled, every field
null) and is counted in a warning (``frame.attrs["warnings"]``, also issued as a Python warning). For
``runtime_logs`` a non-JSON line is normal (the ``runtime-logs`` stdout stream) and becomes ``body``.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from aiaudit.frames import columns as C
from aiaudit.frames.bodies import read_input, read_output
from aiaudit.frames.bridges import bridge_request_ids
from aiaudit.frames.guardrails import summarise
from aiaudit.frames.models import model_provider, normalise_model_id, normalise_runtime_arn
from aiaudit.frames.offload import load_body
from aiaudit.frames.paths import as_bool, as_int, dig, str_list, text
from aiaudit.frames.principals import first_ip, known, normalise_principal, parse_arn

DENIAL_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "Client.UnauthorizedOperation",
        "VpceAccessDenied",
    }
)
#: OpenTelemetry gen_ai operation names; a span name starting with one of them names its operation.
GEN_AI_OPERATIONS = frozenset(
    {"chat", "text_completion", "generate_content", "embeddings", "execute_tool", "invoke_agent", "create_agent"}
)
SYSTEM_NAMES = ("@timestamp", "@ptr", "@log", "@logStream")


class ProjectionWarning(UserWarning):
    """Records that could not be read completely (bad JSON in ``@message``)."""


def _raw_names(pipeline: str) -> list[str]:
    """Columns copied verbatim from the record: their name is their dotted source path."""
    out = []
    for col in C.COLUMNS[pipeline]:
        if col.name in SYSTEM_NAMES:
            continue
        if col.source.replace("[0]", ".0") == col.name:
            out.append(col.name)
    return out


def normalise_trace_id(value: Any) -> str | None:
    """OTel trace id, lower-case 32 hex; X-Ray ``1-5759e988-bd862e3fe1be46a994272793`` is converted."""
    s = known(value)
    if s is None:
        return None
    s = s.lower()
    if s.startswith("1-") and s.count("-") == 2:
        s = s[2:].replace("-", "")
    return s


def _lower(value: Any) -> str | None:
    s = known(value)
    return s.lower() if s else None


def _guardrail_id(value: Any) -> str | None:
    """``arn:aws:bedrock:R:A:guardrail/ID`` → ``ID`` (the form invocation traces key by)."""
    s = known(value)
    arn = parse_arn(s)
    if arn is not None and arn.resource.startswith("guardrail/"):
        return arn.resource.split("/", 1)[1]
    return s


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# -- per-record derivations ------------------------------------------------------------------------


def _cloudtrail(rec: dict[str, Any], data_root: Path | None) -> dict[str, Any]:
    ui = rec.get("userIdentity")
    additional = rec.get("additionalEventData")
    p = normalise_principal(
        ui if isinstance(ui, dict) else {},
        additional_event_data=additional if isinstance(additional, dict) else None,
        source_ip=rec.get("sourceIPAddress"),
        recipient_account=rec.get("recipientAccountId"),
    )
    ips = text(rec.get("sourceIPAddress"))
    resources = rec.get("resources")
    arns = [r.get("ARN") for r in resources if isinstance(r, dict)] if isinstance(resources, list) else []
    arns = [a for a in arns if isinstance(a, str)]
    error_code = text(rec.get("errorCode"))
    status = as_int(dig(rec, "responseElements.statusCode"))
    issued_to = text(dig(rec, "userIdentity.inScopeOf.credentialsIssuedTo"))
    runtime = normalise_runtime_arn(issued_to)
    if runtime is None:
        runtime = next((r for r in (normalise_runtime_arn(a) for a in arns) if r), None)
    model_raw = text(dig(rec, "requestParameters.modelId"))
    claims = dig(additional, "jwt.claims") if isinstance(additional, dict) else None
    claims = claims if isinstance(claims, dict) else {}
    return {
        **p.__dict__,
        "recipient_account": known(rec.get("recipientAccountId")),
        "region": text(rec.get("awsRegion")),
        "source_ip": first_ip(ips),
        "source_ips": [s for s in (known(x) for x in ips.split(",")) if s] or None if ips else None,
        "host_header": text(dig(rec, "tlsDetails.clientProvidedHostHeader")),
        "request_id": known(rec.get("requestID")),
        "is_error": (error_code is not None and error_code not in ("200", "OK"))
        or (error_code is None and rec.get("errorMessage") is not None)
        or (status is not None and status >= 400),
        "is_denied": error_code in DENIAL_CODES or status in (401, 403),
        "resource_arn": arns[0] if arns else None,
        "resource_type": text(dig(rec, "resources.0.type")),
        "resource_arns": arns or None,
        "model_id": normalise_model_id(model_raw),
        "model_id_raw": model_raw,
        "guardrail_id": _guardrail_id(
            dig(rec, "requestParameters.guardrailIdentifier")
            or dig(rec, "requestParameters.guardrailConfig.guardrailIdentifier")
            or dig(rec, "responseElements.guardrailId")
        ),
        "guardrail_version": text(
            dig(rec, "requestParameters.guardrailVersion")
            or dig(rec, "requestParameters.guardrailConfig.guardrailVersion")
            or dig(rec, "responseElements.version")
        )
        if rec.get("eventSource") == "bedrock.amazonaws.com"
        else None,
        "runtime_arn": runtime,
        "credentials_issued_to": issued_to,
        "issuer_type": text(dig(rec, "userIdentity.inScopeOf.issuerType")),
        "jwt_iss": text(claims.get("iss")),
        "jwt_sub": text(claims.get("sub")),
        "jwt_scope": text(claims.get("scope")),
        "http_status": status,
        "gateway_error": text(dig(rec, "responseElements.body.error.message")),
        "mcp_method": text(dig(rec, "requestParameters.body.method")),
        "mcp_tool": text(dig(rec, "requestParameters.body.params.name")),
        "input_tokens": as_int(dig(additional, "inputTokens")) if isinstance(additional, dict) else None,
        "output_tokens": as_int(dig(additional, "outputTokens")) if isinstance(additional, dict) else None,
    }


def _body_size(body: Any) -> int | None:
    if body is None:
        return None
    return len(_compact(body).encode("utf-8")) if not isinstance(body, str) else len(body.encode("utf-8"))


def _invocation(rec: dict[str, Any], data_root: Path | None) -> dict[str, Any]:
    identity = rec.get("identity")
    p = normalise_principal(identity.get("arn") if isinstance(identity, dict) else None, account=rec.get("accountId"))
    inp: dict[str, Any] = rec["input"] if isinstance(rec.get("input"), dict) else {}
    out: dict[str, Any] = rec["output"] if isinstance(rec.get("output"), dict) else {}
    in_body, out_body = inp.get("inputBodyJson"), out.get("outputBodyJson")
    in_size, out_size = _body_size(in_body), _body_size(out_body)
    in_s3, out_s3 = text(inp.get("inputBodyS3Path")), text(out.get("outputBodyS3Path"))
    sources = []
    if in_body is None and in_s3:
        in_body, in_size, src = load_body(in_s3, data_root, "input")
        sources.append(src)
    if out_body is None and out_s3:
        out_body, out_size, src = load_body(out_s3, data_root, "output")
        sources.append(src)
    i, o = read_input(in_body), read_output(out_body)
    g = summarise(i, o)
    model_raw = text(rec.get("modelId"))
    account = p.account or known(rec.get("accountId"))
    bad = [s for s in sources if s != "s3-local"]
    return {
        **p.__dict__,
        "account": account,
        "region": text(rec.get("region")),
        "request_id": known(rec.get("requestId")),
        "inference_region": text(rec.get("inferenceRegion")),
        "model_id": normalise_model_id(model_raw),
        "model_id_raw": model_raw,
        "provider": model_provider(model_raw),
        "error_code": text(rec.get("errorCode")),
        "prompt": i.prompt,
        "user_text": i.user_text,
        "system_prompt": i.system_prompt,
        "response": o.response,
        "stop_reason": o.stop_reason,
        "temperature": i.temperature,
        "top_p": i.top_p,
        "max_tokens": i.max_tokens,
        "input_tokens": as_int(inp.get("inputTokenCount"))
        if inp.get("inputTokenCount") is not None
        else o.input_tokens,
        "output_tokens": as_int(out.get("outputTokenCount"))
        if out.get("outputTokenCount") is not None
        else o.output_tokens,
        "cache_read_tokens": as_int(inp.get("cacheReadInputTokenCount"))
        if inp.get("cacheReadInputTokenCount") is not None
        else o.cache_read_tokens,
        "cache_write_tokens": as_int(inp.get("cacheWriteInputTokenCount"))
        if inp.get("cacheWriteInputTokenCount") is not None
        else o.cache_write_tokens,
        "latency_ms": o.latency_ms,
        **g.__dict__,
        "media_uris": (i.media_uris + o.media_uris) or None,
        "input_body_s3_path": in_s3,
        "output_body_s3_path": out_s3,
        "input_body_bytes": in_size,
        "output_body_bytes": out_size,
        "body_source": bad[0] if bad else ("s3-local" if sources else ("inline" if in_size or out_size else None)),
    }


def _attr(rec: dict[str, Any], key: str) -> Any:
    """An OTel attribute: a literal dotted key (the usual form), else a nested path."""
    attrs = rec.get("attributes")
    if not isinstance(attrs, dict):
        return None
    value = attrs.get(key)
    if value is not None or key.split(".", 1)[0] not in attrs:
        return value
    return dig(attrs, key)


def _res_attr(rec: dict[str, Any], key: str) -> Any:
    return dig(rec.get("resource"), "attributes." + key)


def _span(rec: dict[str, Any], data_root: Path | None) -> dict[str, Any]:
    model_raw = text(_attr(rec, "gen_ai.request.model"))
    reasons = str_list(_attr(rec, "gen_ai.response.finish_reasons"))
    name = text(rec.get("name"))
    first_word = name.split(" ", 1)[0] if name else None
    op = text(_attr(rec, "gen_ai.operation.name")) or (first_word if first_word in GEN_AI_OPERATIONS else None)
    resource_id = text(_res_attr(rec, "cloud.resource_id"))
    resource_arn = text(_attr(rec, "aws.resource.arn")) or resource_id
    arn = parse_arn(resource_arn)
    status = text(dig(rec, "status.code"))
    return {
        "trace_id": normalise_trace_id(rec.get("traceId")),
        "span_id": _lower(rec.get("spanId")),
        "parent_span_id": _lower(rec.get("parentSpanId")),
        "session_id": known(_attr(rec, "session.id")),
        "service": text(_res_attr(rec, "service.name")),
        "status": status,
        "is_error": None if status is None else status.upper() in ("ERROR", "STATUS_CODE_ERROR"),
        "gen_ai_operation": op,
        "gen_ai_system": text(_attr(rec, "gen_ai.system")) or text(_attr(rec, "gen_ai.provider.name")),
        "model_id": normalise_model_id(model_raw),
        "model_id_raw": model_raw,
        "tool_name": text(_attr(rec, "gen_ai.tool.name")),
        "tool_status": text(_attr(rec, "gen_ai.tool.status")),
        "input_tokens": as_int(_attr(rec, "gen_ai.usage.input_tokens"))
        if _attr(rec, "gen_ai.usage.input_tokens") is not None
        else as_int(_attr(rec, "gen_ai.usage.prompt_tokens")),
        "output_tokens": as_int(_attr(rec, "gen_ai.usage.output_tokens"))
        if _attr(rec, "gen_ai.usage.output_tokens") is not None
        else as_int(_attr(rec, "gen_ai.usage.completion_tokens")),
        "finish_reasons": reasons,
        "stop_reason": reasons[0] if reasons else None,
        "http_status": as_int(_attr(rec, "http.response.status_code"))
        if _attr(rec, "http.response.status_code") is not None
        else as_int(_attr(rec, "http.status_code")),
        "remote_operation": text(_attr(rec, "aws.remote.operation")) or text(_attr(rec, "rpc.method")),
        "resource_arn": resource_arn,
        "runtime_arn": normalise_runtime_arn(resource_id) or normalise_runtime_arn(resource_arn),
        "region": text(_res_attr(rec, "cloud.region")) or (known(arn.region) if arn else None),
        "account": known(arn.account) if arn else None,
        "policy_decision": text(_attr(rec, "aws.agentcore.policy.authorization_decision")),
        "allowed_tools": str_list(_attr(rec, "aws.agentcore.policy.allowed_tools")),
        "denied_tools": str_list(_attr(rec, "aws.agentcore.policy.denied_tools")),
        "_start": as_int(rec.get("startTimeUnixNano")),
        "_end": as_int(rec.get("endTimeUnixNano")),
        "_dur": as_int(rec.get("durationNano")),
    }


_SEVERITY = ((4, "TRACE"), (8, "DEBUG"), (12, "INFO"), (16, "WARN"), (20, "ERROR"), (24, "FATAL"))


def _severity(rec: dict[str, Any]) -> str | None:
    txt = known(rec.get("severityText"))
    if txt:
        return txt.upper()
    num = as_int(rec.get("severityNumber"))
    if num is None or num < 1:
        return None
    return next((name for top, name in _SEVERITY if num <= top), "FATAL")


def _runtime_log(rec: dict[str, Any], data_root: Path | None) -> dict[str, Any]:
    body = rec.get("body")
    resource_id = text(_res_attr(rec, "cloud.resource_id"))
    arn = parse_arn(resource_id)
    return {
        "trace_id": normalise_trace_id(rec.get("traceId") or _attr(rec, "otelTraceID")),
        "span_id": _lower(rec.get("spanId") or _attr(rec, "otelSpanID")),
        "severity": _severity(rec),
        "body": body if isinstance(body, str) else (_compact(body) if body is not None else None),
        "session_id": known(_attr(rec, "session.id")),
        "event_name": text(_attr(rec, "event.name")),
        "service": text(_res_attr(rec, "service.name")),
        "scope": text(dig(rec, "scope.name")),
        "gen_ai_system": text(_attr(rec, "gen_ai.system")),
        "runtime_arn": normalise_runtime_arn(resource_id),
        "region": text(_res_attr(rec, "cloud.region")) or (known(arn.region) if arn else None),
        "account": known(arn.account) if arn else None,
        "is_otel": True,
        "_time": as_int(rec.get("timeUnixNano")) or as_int(rec.get("observedTimeUnixNano")),
    }


_DERIVE: dict[str, Callable[[dict[str, Any], Path | None], dict[str, Any]]] = {
    "cloudtrail": _cloudtrail,
    "invocations": _invocation,
    "spans": _span,
    "runtime_logs": _runtime_log,
}
_OTEL_KEYS = ("body", "severityNumber", "severityText", "timeUnixNano", "traceId")


# -- the frame -------------------------------------------------------------------------------------


def _typed(values: list[Any], kind: str) -> pd.Series:
    if kind == "list":
        return pd.Series(values, dtype=object)
    if kind == "time":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object), utc=True, errors="coerce", format="ISO8601"))
    if kind == "float":
        return pd.Series([None if v is None else float(v) for v in values], dtype=C.DTYPES[kind])
    return pd.Series(values, dtype=C.DTYPES[kind])  # type: ignore[call-overload]


def _ns_times(values: list[int | None]) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="Int64"), unit="ns", utc=True)


def project(pipeline: str, raw: pd.DataFrame, data_root: Path | None = None) -> pd.DataFrame:
    """The standard projection of ``raw`` (system columns incl. ``@message``) for one pipeline."""
    if pipeline not in C.COLUMNS:
        raise ValueError(f"unknown pipeline {pipeline!r}")
    if raw is None or len(raw) == 0:
        frame = C.empty_frame(pipeline)
        frame.attrs["warnings"] = []
        frame.attrs["pipeline"] = pipeline
        return frame
    derive = _DERIVE[pipeline]
    raw_names = _raw_names(pipeline)
    specs = {c.name: c for c in C.COLUMNS[pipeline]}
    messages = raw["@message"].tolist() if "@message" in raw.columns else [None] * len(raw)
    rows: list[dict[str, Any]] = []
    bad: list[int] = []
    for i, msg in enumerate(messages):
        rec: Any = None
        if isinstance(msg, str):
            try:
                rec = json.loads(msg)
            except ValueError:
                rec = None
        elif isinstance(msg, dict):
            rec = msg
        if pipeline == "runtime_logs" and (not isinstance(rec, dict) or not any(k in rec for k in _OTEL_KEYS)):
            rows.append({"body": msg if isinstance(msg, str) else None, "is_otel": False} if msg is not None else {})
            continue
        if not isinstance(rec, dict):
            bad.append(i)
            rows.append({})
            continue
        row = derive(rec, data_root)
        for name in raw_names:
            value = dig(rec, name)
            kind = specs[name].kind
            if kind == "int":
                value = as_int(value)
            elif kind == "bool":
                value = as_bool(value)
            else:
                value = text(value)
            row[name] = value
        rows.append(row)
    n = len(rows)
    data: dict[str, pd.Series] = {}
    for col in C.COLUMNS[pipeline]:
        if col.name in SYSTEM_NAMES:
            continue
        if col.kind == "time":
            continue  # filled below
        data[col.name] = _typed([r.get(col.name) for r in rows], col.kind)
    frame = pd.DataFrame(data)
    for name in SYSTEM_NAMES:
        if name in raw.columns:
            values = raw[name].reset_index(drop=True)
            frame[name] = (
                pd.to_datetime(values, utc=True, errors="coerce").astype(C.DTYPES["time"])
                if name == "@timestamp"
                else values.astype("string")
            )
        else:
            frame[name] = pd.Series([None] * n, dtype=C.DTYPES[specs[name].kind])
    stamp = frame["@timestamp"]
    if pipeline == "cloudtrail":
        frame["time"] = _typed(
            frame["eventTime"].astype(object).where(frame["eventTime"].notna(), None).tolist(), "time"
        )
    elif pipeline == "invocations":
        frame["time"] = _typed(
            frame["timestamp"].astype(object).where(frame["timestamp"].notna(), None).tolist(), "time"
        )
    elif pipeline == "spans":
        start = _ns_times([r.get("_start") for r in rows])
        end = _ns_times([r.get("_end") for r in rows])
        dur = pd.Series([r.get("_dur") for r in rows], dtype="Int64")
        frame["time"] = start
        frame["end_time"] = end.fillna(start + pd.to_timedelta(dur.astype("float64"), unit="ns"))
        frame["duration_ms"] = (dur.astype("Float64") / 1e6).fillna(
            ((end - start).dt.total_seconds() * 1000).astype("Float64")
        )
    else:
        frame["time"] = _ns_times([r.get("_time") for r in rows])
    frame["time"] = frame["time"].fillna(stamp).astype(C.DTYPES["time"])
    if pipeline == "spans" and n:
        bridged = bridge_request_ids(frame)
        frame["request_id"] = bridged["request_id"]
        frame["request_id_source"] = bridged["request_id_source"]
    frame = frame[[c.name for c in C.COLUMNS[pipeline]]]
    frame.index = raw.index if len(raw.index) == n else pd.RangeIndex(n)
    notes: list[str] = []
    if bad:
        ptrs = raw["@ptr"].iloc[bad[:3]].tolist() if "@ptr" in raw.columns else bad[:3]
        notes.append(
            f"{pipeline}: {len(bad)} record(s) whose @message is not a JSON object; fields left null "
            f"(first @ptr: {', '.join(str(p) for p in ptrs)})"
        )
        warnings.warn(notes[-1], ProjectionWarning, stacklevel=2)
    frame.attrs["warnings"] = notes
    frame.attrs["pipeline"] = pipeline
    return frame
