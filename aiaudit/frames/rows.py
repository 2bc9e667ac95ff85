"""Per-record derivations of each pipeline: one parsed record → a tuple of derived values.

Each pipeline has a fixed tuple of derived column names (``*_DERIVED``) and a factory that returns the
row function for one projection. The factory owns that projection's memos (:mod:`aiaudit.frames.memo`):
principals, model ids, runtime ARNs and guardrail ids repeat across rows and are normalised once per
distinct text. Raw columns (named by their dotted source path) are read separately by a compiled reader
and passed in, so a value both need is read once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from json.encoder import c_encode_basestring, c_make_encoder  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

from aiaudit.core.vocabulary import words
from aiaudit.frames.bodies import read_input, read_output
from aiaudit.frames.compiled import attributes_reader, getter, reader
from aiaudit.frames.guardrails import summarise
from aiaudit.frames.memo import keyed, memoised
from aiaudit.frames.models import model_provider, normalise_model_id, normalise_runtime_arn
from aiaudit.frames.offload import load_body
from aiaudit.frames.paths import as_int, str_list, text
from aiaudit.frames.principals import first_ip, known, parse_arn, resolve

DENIAL_CODES = frozenset(words("denial_codes"))
#: OpenTelemetry gen_ai operation names; a span name starting with one of them names its operation.
GEN_AI_OPERATIONS = frozenset(words("gen_ai_operations"))
#: The fields of :class:`~aiaudit.frames.principals.Principal`, in the order rows carry them.
PRINCIPAL_FIELDS = (
    "principal",
    "principal_session",
    "principal_type",
    "access_key_id",
    "account",
    "cross_account",
    "invoked_by",
)

RowFn = Callable[[dict[str, Any], tuple[Any, ...]], tuple[Any, ...]]


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


def _arn_region_account(value: Any) -> tuple[str | None, str | None]:
    arn = parse_arn(value)
    return (known(arn.region), known(arn.account)) if arn else (None, None)


def compact(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``, calling the C encoder directly."""
    if c_make_encoder is None or isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    encode = c_make_encoder({}, json.JSONEncoder().default, c_encode_basestring, None, ":", ",", False, False, True)
    return "".join(encode(value, 0))


def body_size(body: Any) -> int | None:
    """Size of a body as compact UTF-8 JSON (a text body: its UTF-8 length)."""
    if body is None:
        return None
    s = body if isinstance(body, str) else compact(body)
    return len(s) if s.isascii() else len(s.encode("utf-8"))


def _index(names: tuple[str, ...]) -> dict[str, int]:
    return {name: i for i, name in enumerate(names)}


def _principal_tuple(values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values[f] for f in PRINCIPAL_FIELDS)


def _with_ip(p: tuple[Any, ...], source_ip: Any) -> tuple[Any, ...]:
    """The anonymous-caller fallback of :func:`normalise_principal`: ``ip:<first source IP>``."""
    ip = first_ip(source_ip)
    if not ip:
        return p
    return (f"ip:{ip}", p[1], "SourceIP", *p[3:])


# -- cloudtrail -----------------------------------------------------------------------------------

CLOUDTRAIL_DERIVED = (
    *PRINCIPAL_FIELDS,
    "recipient_account",
    "region",
    "source_ip",
    "source_ips",
    "host_header",
    "request_id",
    "is_error",
    "is_denied",
    "resource_arn",
    "resource_type",
    "resource_arns",
    "model_id",
    "model_id_raw",
    "guardrail_id",
    "guardrail_version",
    "runtime_arn",
    "credentials_issued_to",
    "issuer_type",
    "jwt_iss",
    "jwt_sub",
    "jwt_scope",
    "http_status",
    "gateway_error",
    "mcp_method",
    "mcp_tool",
    "input_tokens",
    "output_tokens",
)

_CT_EXTRA = reader(
    (
        ("responseElements.statusCode", "any"),
        ("tlsDetails.clientProvidedHostHeader", "string"),
        ("requestParameters.guardrailIdentifier", "any"),
        ("requestParameters.guardrailConfig.guardrailIdentifier", "any"),
        ("responseElements.guardrailId", "any"),
        ("requestParameters.guardrailVersion", "any"),
        ("requestParameters.guardrailConfig.guardrailVersion", "any"),
        ("responseElements.version", "any"),
        ("responseElements.body.error.message", "string"),
        ("requestParameters.body.method", "string"),
        ("requestParameters.body.params.name", "string"),
    )
)
_JWT_CLAIMS = getter("jwt.claims")


def _ct_principal(
    kind: Any,
    account_id: Any,
    arn: Any,
    principal_id: Any,
    invoked_by: Any,
    user_name: Any,
    idp: Any,
    access_key: Any,
    issuer_arn: Any,
    behalf_user: Any,
    behalf_store: Any,
    jwt_iss: Any,
    jwt_sub: Any,
    recipient: Any,
) -> tuple[tuple[Any, ...], bool]:
    """:func:`resolve` of a ``userIdentity`` rebuilt from the only fields the normaliser reads."""
    identity = {
        "type": kind,
        "accountId": account_id,
        "arn": arn,
        "principalId": principal_id,
        "invokedBy": invoked_by,
        "userName": user_name,
        "identityProvider": idp,
        "accessKeyId": access_key,
        "sessionContext": {"sessionIssuer": {"arn": issuer_arn}},
        "onBehalfOf": {"userId": behalf_user, "identityStoreArn": behalf_store},
    }
    additional = {"jwt": {"claims": {"iss": jwt_iss, "sub": jwt_sub}}}
    values, wants_ip = resolve(identity, additional, recipient, None)
    return _principal_tuple(values), wants_ip


def _sub(obj: Any, key: str) -> Any:
    """``obj[key]`` when ``obj`` is a mapping, else None (the normaliser's ``isinstance(..., Mapping)`` steps)."""
    if isinstance(obj, dict):
        return obj.get(key)
    return obj.get(key) if obj is not None and isinstance(obj, Mapping) else None


def _claims(additional: dict[str, Any] | None) -> tuple[Any, Any]:
    """(iss, sub) of ``additionalEventData.jwt.claims`` as the principal normaliser reads them."""
    if additional is None or "jwt" not in additional:
        return None, None
    claims = _sub(_sub(additional, "jwt"), "claims")
    return _sub(claims, "iss"), _sub(claims, "sub")


def cloudtrail_rows(raw: tuple[str, ...], data_root: Path | None) -> RowFn:
    principal = keyed(_ct_principal)
    model = memoised(normalise_model_id)
    runtime_of = memoised(normalise_runtime_arn)
    guardrail = memoised(_guardrail_id)
    ip_first = memoised(first_ip)
    recipient_of = memoised(known)
    ip_list = memoised(lambda ips: tuple(s for s in (known(x) for x in ips.split(",")) if s))
    r = _index(raw)
    i_ips, i_code, i_issued, i_issuer_type = (
        r["sourceIPAddress"],
        r["errorCode"],
        r["userIdentity.inScopeOf.credentialsIssuedTo"],
        r["userIdentity.inScopeOf.issuerType"],
    )
    i_region, i_rtype, i_model = r["awsRegion"], r["resources.0.type"], r["requestParameters.modelId"]
    extra = _CT_EXTRA
    jwt_claims = _JWT_CLAIMS

    def row(rec: dict[str, Any], rv: tuple[Any, ...]) -> tuple[Any, ...]:
        get = rec.get
        ui = get("userIdentity")
        additional = get("additionalEventData")
        additional = additional if isinstance(additional, dict) else None
        source = get("sourceIPAddress")
        recipient = get("recipientAccountId")
        if isinstance(ui, dict):
            ug = ui.get
            ctx = ug("sessionContext")
            issuer = ctx.get("sessionIssuer") if type(ctx) is dict else _sub(ctx, "sessionIssuer")
            behalf = ug("onBehalfOf")
            p, wants_ip = principal(
                ug("type"),
                ug("accountId"),
                ug("arn"),
                ug("principalId"),
                ug("invokedBy"),
                ug("userName"),
                ug("identityProvider"),
                ug("accessKeyId"),
                issuer.get("arn") if type(issuer) is dict else _sub(issuer, "arn"),
                None if behalf is None else _sub(behalf, "userId"),
                None if behalf is None else _sub(behalf, "identityStoreArn"),
                *_claims(additional),
                recipient,
            )
        else:
            p, wants_ip = principal(*(None,) * 11, *_claims(additional), recipient)
        if wants_ip:
            p = _with_ip(p, source)
        ips = rv[i_ips]
        resources = get("resources")
        arns = [a.get("ARN") for a in resources if isinstance(a, dict)] if isinstance(resources, list) else []
        arns = [a for a in arns if isinstance(a, str)]
        error_code = rv[i_code]
        (
            status_raw,
            host,
            g_ident,
            g_cfg_ident,
            g_resp_id,
            g_ver,
            g_cfg_ver,
            g_resp_ver,
            gw_error,
            mcp_method,
            mcp_tool,
        ) = extra(rec)
        status = as_int(status_raw)
        issued_to = rv[i_issued]
        runtime = runtime_of(issued_to)
        if runtime is None:
            for arn in arns:
                runtime = runtime_of(arn)
                if runtime:
                    break
            else:
                runtime = None
        model_raw = rv[i_model]
        claims = jwt_claims(additional) if additional is not None else None
        claims = claims if isinstance(claims, dict) else {}
        return (
            *p,
            recipient_of(recipient),
            rv[i_region],
            ip_first(ips),
            (list(ip_list(ips)) or None) if ips else None,
            host,
            known(get("requestID")),
            (error_code is not None and error_code not in ("200", "OK"))
            or (error_code is None and get("errorMessage") is not None)
            or (status is not None and status >= 400),
            error_code in DENIAL_CODES or status in (401, 403),
            arns[0] if arns else None,
            rv[i_rtype],
            arns or None,
            model(model_raw),
            model_raw,
            guardrail(g_ident or g_cfg_ident or g_resp_id),
            text(g_ver or g_cfg_ver or g_resp_ver) if get("eventSource") == "bedrock.amazonaws.com" else None,
            runtime,
            issued_to,
            rv[i_issuer_type],
            text(claims.get("iss")),
            text(claims.get("sub")),
            text(claims.get("scope")),
            status,
            gw_error,
            mcp_method,
            mcp_tool,
            as_int(additional.get("inputTokens")) if additional is not None else None,
            as_int(additional.get("outputTokens")) if additional is not None else None,
        )

    return row


# -- invocations ----------------------------------------------------------------------------------

INVOCATIONS_DERIVED = (
    *PRINCIPAL_FIELDS,
    "request_id",
    "inference_region",
    "model_id",
    "model_id_raw",
    "provider",
    "error_code",
    "prompt",
    "user_text",
    "system_prompt",
    "response",
    "stop_reason",
    "temperature",
    "top_p",
    "max_tokens",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "latency_ms",
    "guardrail_id",
    "guardrail_version",
    "guardrail_action",
    "guardrail_assessment",
    "media_uris",
    "input_body_s3_path",
    "output_body_s3_path",
    "input_body_bytes",
    "output_body_bytes",
    "body_source",
)


def _inv_principal(arn: Any, account: Any) -> tuple[Any, ...]:
    values, _ = resolve(arn, None, None, account)
    return _principal_tuple(values)


def _model(model_raw: Any) -> tuple[str | None, str | None]:
    return normalise_model_id(model_raw), model_provider(model_raw)


def invocations_rows(raw: tuple[str, ...], data_root: Path | None) -> RowFn:
    principal = keyed(_inv_principal)
    model = memoised(_model)
    r = _index(raw)
    i_model, i_code, i_infregion = r["modelId"], r["errorCode"], r["inferenceRegion"]

    def row(rec: dict[str, Any], rv: tuple[Any, ...]) -> tuple[Any, ...]:
        get = rec.get
        identity = get("identity")
        account_raw = get("accountId")
        p = principal(identity.get("arn") if isinstance(identity, dict) else None, account_raw)
        inp = get("input")
        inp = inp if isinstance(inp, dict) else {}
        out = get("output")
        out = out if isinstance(out, dict) else {}
        in_body, out_body = inp.get("inputBodyJson"), out.get("outputBodyJson")
        in_size, out_size = body_size(in_body), body_size(out_body)
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
        model_raw = rv[i_model]
        model_id, provider = model(model_raw)
        bad = [s for s in sources if s != "s3-local"]
        in_tokens = inp.get("inputTokenCount")
        out_tokens = out.get("outputTokenCount")
        cache_read = inp.get("cacheReadInputTokenCount")
        cache_write = inp.get("cacheWriteInputTokenCount")
        return (
            *p[:4],
            p[4] or known(account_raw),
            *p[5:],
            known(get("requestId")),
            rv[i_infregion],
            model_id,
            model_raw,
            provider,
            rv[i_code],
            i.prompt,
            i.user_text,
            i.system_prompt,
            o.response,
            o.stop_reason,
            i.temperature,
            i.top_p,
            i.max_tokens,
            as_int(in_tokens) if in_tokens is not None else o.input_tokens,
            as_int(out_tokens) if out_tokens is not None else o.output_tokens,
            as_int(cache_read) if cache_read is not None else o.cache_read_tokens,
            as_int(cache_write) if cache_write is not None else o.cache_write_tokens,
            o.latency_ms,
            g.guardrail_id,
            g.guardrail_version,
            g.guardrail_action,
            g.guardrail_assessment,
            (i.media_uris + o.media_uris) or None,
            in_s3,
            out_s3,
            in_size,
            out_size,
            bad[0] if bad else ("s3-local" if sources else ("inline" if in_size or out_size else None)),
        )

    return row


# -- spans and runtime logs (OpenTelemetry) ------------------------------------------------------

_RES = reader(
    (
        ("attributes.cloud.resource_id", "any"),
        ("attributes.service.name", "any"),
        ("attributes.cloud.region", "any"),
    )
)
_NO_RES: tuple[Any, ...] = (None, None, None)
_SCOPE_NAME = getter("scope.name")

SPANS_DERIVED = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "session_id",
    "service",
    "status",
    "is_error",
    "gen_ai_operation",
    "gen_ai_system",
    "model_id",
    "model_id_raw",
    "tool_name",
    "tool_status",
    "input_tokens",
    "output_tokens",
    "finish_reasons",
    "stop_reason",
    "http_status",
    "remote_operation",
    "resource_arn",
    "runtime_arn",
    "region",
    "account",
    "policy_decision",
    "allowed_tools",
    "denied_tools",
    "_start",
    "_end",
    "_dur",
)


_SPAN_ATTRS = attributes_reader(
    (
        ("gen_ai.request.model", "string"),
        ("gen_ai.response.finish_reasons", "any"),
        ("gen_ai.operation.name", "string"),
        ("aws.resource.arn", "string"),
        ("session.id", "any"),
        ("gen_ai.system", "string"),
        ("gen_ai.provider.name", "string"),
        ("gen_ai.tool.name", "string"),
        ("gen_ai.tool.status", "string"),
        ("gen_ai.usage.input_tokens", "any"),
        ("gen_ai.usage.prompt_tokens", "int"),
        ("gen_ai.usage.output_tokens", "any"),
        ("gen_ai.usage.completion_tokens", "int"),
        ("http.response.status_code", "any"),
        ("http.status_code", "int"),
        ("aws.remote.operation", "string"),
        ("rpc.method", "string"),
        ("aws.agentcore.policy.authorization_decision", "string"),
        ("aws.agentcore.policy.allowed_tools", "any"),
        ("aws.agentcore.policy.denied_tools", "any"),
    )
)


def _strs(value: Any) -> list[str] | None:
    return None if value is None else str_list(value)


def spans_rows(raw: tuple[str, ...], data_root: Path | None) -> RowFn:
    model = memoised(normalise_model_id)
    runtime_of = memoised(normalise_runtime_arn)
    arn_parts = memoised(_arn_region_account)
    trace_of = memoised(normalise_trace_id)
    lower = memoised(_lower)
    r = _index(raw)
    i_status = r["status.code"]
    read_attrs, read_res = _SPAN_ATTRS, _RES

    def row(rec: dict[str, Any], rv: tuple[Any, ...]) -> tuple[Any, ...]:
        get = rec.get
        attrs = get("attributes")
        (
            model_raw,
            finish,
            op_name,
            arn_attr,
            session,
            system,
            provider,
            tool,
            tool_status,
            in_tok,
            prompt_tok,
            out_tok,
            completion_tok,
            http,
            http_old,
            remote_op,
            rpc_method,
            decision,
            allowed,
            denied,
        ) = read_attrs(attrs if isinstance(attrs, dict) else None)
        reasons = _strs(finish)
        name = text(get("name"))
        first_word = name.split(" ", 1)[0] if name else None
        op = op_name or (first_word if first_word in GEN_AI_OPERATIONS else None)
        res = get("resource")
        res_id, res_service, res_region = read_res(res) if res is not None else _NO_RES
        resource_id = res_id if type(res_id) is str else text(res_id)
        resource_arn = arn_attr or resource_id
        region, account = arn_parts(resource_arn)
        status = rv[i_status]
        return (
            trace_of(get("traceId")),
            lower(get("spanId")),
            lower(get("parentSpanId")),
            known(session),
            text(res_service),
            status,
            None if status is None else status.upper() in ("ERROR", "STATUS_CODE_ERROR"),
            op,
            system or provider,
            model(model_raw),
            model_raw,
            tool,
            tool_status,
            as_int(in_tok) if in_tok is not None else prompt_tok,
            as_int(out_tok) if out_tok is not None else completion_tok,
            reasons,
            reasons[0] if reasons else None,
            as_int(http) if http is not None else http_old,
            remote_op or rpc_method,
            resource_arn,
            runtime_of(resource_id) or runtime_of(resource_arn),
            text(res_region) or region,
            account,
            decision,
            _strs(allowed),
            _strs(denied),
            as_int(get("startTimeUnixNano")),
            as_int(get("endTimeUnixNano")),
            as_int(get("durationNano")),
        )

    return row


_SEVERITY = ((4, "TRACE"), (8, "DEBUG"), (12, "INFO"), (16, "WARN"), (20, "ERROR"), (24, "FATAL"))


def _severity(rec: dict[str, Any]) -> str | None:
    txt = known(rec.get("severityText"))
    if txt:
        return txt.upper()
    num = as_int(rec.get("severityNumber"))
    if num is None or num < 1:
        return None
    return next((name for top, name in _SEVERITY if num <= top), "FATAL")


RUNTIME_LOGS_DERIVED = (
    "trace_id",
    "span_id",
    "severity",
    "body",
    "session_id",
    "event_name",
    "service",
    "scope",
    "gen_ai_system",
    "runtime_arn",
    "region",
    "account",
    "is_otel",
    "_time",
)


_LOG_ATTRS = attributes_reader(
    (
        ("otelTraceID", "any"),
        ("otelSpanID", "any"),
        ("session.id", "any"),
        ("event.name", "string"),
        ("gen_ai.system", "string"),
    )
)


def runtime_logs_rows(raw: tuple[str, ...], data_root: Path | None) -> RowFn:
    runtime_of = memoised(normalise_runtime_arn)
    arn_parts = memoised(_arn_region_account)
    trace_of = memoised(normalise_trace_id)
    lower = memoised(_lower)
    read_attrs, read_res = _LOG_ATTRS, _RES

    def row(rec: dict[str, Any], rv: tuple[Any, ...]) -> tuple[Any, ...]:
        get = rec.get
        attrs = get("attributes")
        trace_attr, span_attr, session, event, system = read_attrs(attrs if isinstance(attrs, dict) else None)
        body = get("body")
        res = get("resource")
        res_id, res_service, res_region = read_res(res) if res is not None else _NO_RES
        resource_id = text(res_id)
        region, account = arn_parts(resource_id)
        return (
            trace_of(get("traceId") or trace_attr),
            lower(get("spanId") or span_attr),
            _severity(rec),
            body if isinstance(body, str) else (compact(body) if body is not None else None),
            known(session),
            event,
            text(res_service),
            text(_SCOPE_NAME(rec)),
            system,
            runtime_of(resource_id),
            text(res_region) or region,
            account,
            True,
            as_int(get("timeUnixNano")) or as_int(get("observedTimeUnixNano")),
        )

    return row


ROWS: dict[str, tuple[tuple[str, ...], Callable[[tuple[str, ...], Path | None], RowFn]]] = {
    "cloudtrail": (CLOUDTRAIL_DERIVED, cloudtrail_rows),
    "invocations": (INVOCATIONS_DERIVED, invocations_rows),
    "spans": (SPANS_DERIVED, spans_rows),
    "runtime_logs": (RUNTIME_LOGS_DERIVED, runtime_logs_rows),
}
