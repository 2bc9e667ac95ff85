"""What each standard projection computes: the fields it reads and the SQL of every column.

A projection is one DuckDB query over a relation with the store's table layout (the store itself, or an
in-memory table the AWS backend and raw frames are loaded into). Its base layer reads the fields a
pipeline needs through the field planner (:mod:`aiaudit.query.fields`: a typed column when the table
has one, else the record's JSON, parsed once per row); the layers of :class:`Spec` add derived values,
each layer naming expressions later layers refer to; ``outputs`` gives the SQL of every contract column
(``aiaudit/frames/columns.py``) over the last layer. Nothing here runs Python per record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiaudit.core.vocabulary import words
from aiaudit.derive import bodies, identity
from aiaudit.derive import expr as E
from aiaudit.frames.models import model_lookup, runtime_lookup, runtime_nodes, runtime_of_text, trace_id_sql
from aiaudit.query.quoting import sql_identifier as q

DENIAL_CODES = frozenset(words("denial_codes"))
#: OpenTelemetry gen_ai operation names; a span name starting with one of them names its operation.
GEN_AI_OPERATIONS = frozenset(words("gen_ai_operations"))


@dataclass(frozen=True)
class Spec:
    """One pipeline's projection: fields read, derived values, and the SQL of every output column."""

    pipeline: str
    fields: tuple[str, ...]  # dotted field names read through the planner (text)
    json_fields: tuple[str, ...]  # fields read as JSON text (strings quoted): bodies
    graph: Callable[[], E.Graph]  # derived values (contract names for derived columns, _names in between)
    outputs: Callable[[], dict[str, str]]  # raw columns whose SQL is not the field itself
    time_text: str | None = None  # the field holding the record's time as ISO text
    #: ``(column, source column)``: a text column that normalises another and so nearly always equals it
    #: (``region`` is ``awsRegion``). The engine sends such a column only where it differs; the frame
    #: shares the source's text buffers for every other row (:func:`aiaudit.frames.project.shared_columns`).
    copies: tuple[tuple[str, str], ...] = ()


def f(name: str) -> str:
    """The column of field ``name`` in the base layer."""
    return q(name)


def time_of(text: str) -> str:
    """ISO text → TIMESTAMP_NS (UTC wall time), NULL when it does not parse. ``TIMESTAMP_NS`` keeps
    nanosecond fractions; a text with an offset is read with ``TIMESTAMPTZ`` (microseconds)."""
    return f"coalesce(TRY_CAST({text} AS TIMESTAMP_NS), TRY_CAST(TRY_CAST({text} AS TIMESTAMPTZ) AS TIMESTAMP_NS))"


STAMP = '"@timestamp"::TIMESTAMP_NS'


# -- cloudtrail -----------------------------------------------------------------------------------

_CT_RAW = (
    "eventTime",
    "eventVersion",
    "eventSource",
    "eventName",
    "eventType",
    "eventCategory",
    "eventID",
    "requestID",
    "awsRegion",
    "recipientAccountId",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "readOnly",
    "managementEvent",
    "vpcEndpointId",
    "userIdentity.type",
    "userIdentity.arn",
    "userIdentity.accountId",
    "userIdentity.principalId",
    "userIdentity.userName",
    "userIdentity.sessionContext.sessionIssuer.arn",
    "userIdentity.sessionContext.sessionIssuer.userName",
    "userIdentity.inScopeOf.credentialsIssuedTo",
    "userIdentity.inScopeOf.issuerType",
    "resources.0.ARN",
    "resources.0.type",
    "requestParameters.modelId",
)
_CT_MORE = (
    "userIdentity.accessKeyId",
    "userIdentity.invokedBy",
    "userIdentity.identityProvider",
    "userIdentity.onBehalfOf.userId",
    "userIdentity.onBehalfOf.identityStoreArn",
    "additionalEventData.jwt.claims.sub",
    "additionalEventData.jwt.claims.iss",
    "additionalEventData.jwt.claims.scope",
    "additionalEventData.inputTokens",
    "additionalEventData.outputTokens",
    "tlsDetails.clientProvidedHostHeader",
    "resources",
    "requestParameters.guardrailIdentifier",
    "requestParameters.guardrailConfig.guardrailIdentifier",
    "responseElements.guardrailId",
    "requestParameters.guardrailVersion",
    "requestParameters.guardrailConfig.guardrailVersion",
    "responseElements.version",
    "responseElements.statusCode",
    "responseElements.body.error.message",
    "requestParameters.body.method",
    "requestParameters.body.params.name",
)
#: Fields a CloudTrail principal is derived from (focus push-down looks for a principal's text in them).
CT_PRINCIPAL_FIELDS = identity.CLOUDTRAIL_FIELDS


def _ct_graph() -> E.Graph:
    g = E.Graph()
    identity.cloudtrail_principal(g, {name: f(name) for name in (*_CT_RAW, *_CT_MORE)})
    denial = ", ".join(E.lit(c) for c in sorted(DENIAL_CODES))
    resources = f("resources")
    # one element with a string ARN (the common case) is read from the typed column, without parsing
    single = (
        f"(strlen({resources}) - strlen(replace({resources}, '\"ARN\":', '')) = 6"
        f' AND contains({resources}, \'"ARN":"\') AND {f("resources.0.ARN")} IS NOT NULL)'
    )
    parsed = (
        f'nullif(list_transform(list_filter(json_transform({resources}, \'[{{"ARN":"JSON"}}]\'),'
        " lambda _r: starts_with(_r.ARN, '\"')), lambda _r: json_extract_string(_r.ARN, '$')), CAST([] AS VARCHAR[]))"
    )
    g.add(
        "_arns",
        f"(CASE WHEN NOT {E.is_arr(resources)} THEN NULL WHEN {single} THEN [{f('resources.0.ARN')}]"
        f" ELSE {parsed} END)",
    )
    g.add("_status", E.as_integer(f("responseElements.statusCode")))
    g.add(
        "_g_raw",
        E.first_truthy(
            f("requestParameters.guardrailIdentifier"),
            f("requestParameters.guardrailConfig.guardrailIdentifier"),
            f("responseElements.guardrailId"),
        ),
    )
    g.add("_g_text", E.known("_g_raw"))
    E.arn_nodes(g, "_g", "_g_text")
    model_lookup(g, "_ct", "requestParameters.modelId")
    runtime_lookup(g, "_issued", "userIdentity.inScopeOf.credentialsIssuedTo")
    runtimes = E.nonnull(f"list_transform(_arns, lambda _a: {runtime_of_text('_a')})")
    g.add("_runtimes", f"(CASE WHEN contains({resources}, ':bedrock-agentcore:') THEN {runtimes} END)")
    guard_version = E.first_truthy(
        f("requestParameters.guardrailVersion"),
        f("requestParameters.guardrailConfig.guardrailVersion"),
        f("responseElements.version"),
    )
    g.update(
        {
            "recipient_account": "_recipient",
            "region": f("awsRegion"),
            "source_ip": "_first_ip",
            "source_ips": E.ip_list(f("sourceIPAddress")),
            "host_header": f("tlsDetails.clientProvidedHostHeader"),
            "request_id": E.known(f("requestID")),
            "is_error": (
                f"(coalesce({f('errorCode')} NOT IN ('200', 'OK'), false)"
                f" OR ({f('errorCode')} IS NULL AND {f('errorMessage')} IS NOT NULL)"
                " OR coalesce(_status >= 400, false))"
            ),
            "is_denied": f"(coalesce({f('errorCode')} IN ({denial}), false) OR coalesce(_status IN (401, 403), false))",
            "resource_arn": "_arns[1]",
            "resource_type": f("resources.0.type"),
            "resource_arns": "_arns",
            "model_id": "_ct_model",
            "model_id_raw": f("requestParameters.modelId"),
            "guardrail_id": (
                f"(CASE WHEN _g_ok AND starts_with(_g_res, 'guardrail/') THEN {E.after('_g_res', '/')}"
                " ELSE _g_text END)"
            ),
            "guardrail_version": f"(CASE WHEN {f('eventSource')} = 'bedrock.amazonaws.com' THEN {guard_version} END)",
            "runtime_arn": "coalesce(_issued_runtime, _runtimes[1])",
            "credentials_issued_to": f("userIdentity.inScopeOf.credentialsIssuedTo"),
            "issuer_type": f("userIdentity.inScopeOf.issuerType"),
            "jwt_iss": f("additionalEventData.jwt.claims.iss"),
            "jwt_sub": f("additionalEventData.jwt.claims.sub"),
            "jwt_scope": f("additionalEventData.jwt.claims.scope"),
            "http_status": "_status",
            "gateway_error": f("responseElements.body.error.message"),
            "mcp_method": f("requestParameters.body.method"),
            "mcp_tool": f("requestParameters.body.params.name"),
            "input_tokens": E.as_integer(f("additionalEventData.inputTokens")),
            "output_tokens": E.as_integer(f("additionalEventData.outputTokens")),
        }
    )
    return g


def _ct_outputs() -> dict[str, str]:
    return {"readOnly": E.as_boolean(f("readOnly")), "managementEvent": E.as_boolean(f("managementEvent"))}


# -- invocations ----------------------------------------------------------------------------------

_INV_RAW = (
    "timestamp",
    "schemaType",
    "schemaVersion",
    "accountId",
    "region",
    "inferenceRegion",
    "requestId",
    "operation",
    "modelId",
    "identity.arn",
    "errorCode",
    "input.inputContentType",
    "output.outputContentType",
)
_INV_MORE = bodies.FIELDS
INV_BODIES = bodies.JSON_FIELDS


def _inv_graph() -> E.Graph:
    """Invocation columns: the principal and model from fields; body columns from the ``_b_*`` columns
    :mod:`aiaudit.derive.bodies` adds to the base layer (request and response read relationally)."""
    g = E.Graph()
    identity.invocation_principal(g, f("accountId"))
    model_lookup(g, "_inv", "modelId")
    g.update(
        {
            "request_id": E.known(f("requestId")),
            "inference_region": f("inferenceRegion"),
            "model_id": "_inv_model",
            "model_id_raw": f("modelId"),
            "provider": "_inv_provider",
            "error_code": f("errorCode"),
            "input_body_s3_path": f("input.inputBodyS3Path"),
            "output_body_s3_path": f("output.outputBodyS3Path"),
        }
    )
    bodies.column_nodes(g)
    return g


def _inv_outputs() -> dict[str, str]:
    return {}


# -- spans ----------------------------------------------------------------------------------------

_SPAN_RAW = (
    "traceId",
    "spanId",
    "parentSpanId",
    "name",
    "kind",
    "startTimeUnixNano",
    "endTimeUnixNano",
    "durationNano",
    "status.code",
    "status.message",
    "attributes.session.id",
    "attributes.aws.request_id",
    "attributes.aws.request.id",
    "attributes.gen_ai.system",
    "attributes.gen_ai.request.model",
    "attributes.gen_ai.tool.name",
    "attributes.aws.local.service",
    "attributes.aws.remote.operation",
    "resource.attributes.service.name",
    "resource.attributes.aws.service.type",
    "resource.attributes.cloud.resource_id",
)
_SPAN_MORE = (
    "resource.attributes.cloud.region",
    "attributes.gen_ai.response.finish_reasons",
    "attributes.gen_ai.operation.name",
    "attributes.aws.resource.arn",
    "attributes.gen_ai.provider.name",
    "attributes.gen_ai.tool.status",
    "attributes.gen_ai.usage.input_tokens",
    "attributes.gen_ai.usage.prompt_tokens",
    "attributes.gen_ai.usage.output_tokens",
    "attributes.gen_ai.usage.completion_tokens",
    "attributes.http.response.status_code",
    "attributes.http.status_code",
    "attributes.rpc.method",
    "attributes.aws.agentcore.policy.authorization_decision",
    "attributes.aws.agentcore.policy.allowed_tools",
    "attributes.aws.agentcore.policy.denied_tools",
)


def str_list(x: str) -> str:
    """A field holding a JSON list of scalars → those scalars as text (nulls and objects dropped); a lone
    scalar → a one-item list; missing → NULL."""
    items = (
        f"list_filter(list_transform(json_transform({x}, '[\"JSON\"]'), lambda _s: CASE WHEN _s IS NULL"
        f" OR {E.is_obj('_s')} OR {E.is_arr('_s')} THEN NULL ELSE {E.jscalar('_s')} END), lambda _s: _s IS NOT NULL)"
    )
    return (
        f"(CASE WHEN {x} IS NULL THEN NULL WHEN starts_with({x}, '[') AND json_valid({x}) THEN {items} ELSE [{x}] END)"
    )


def _span_graph() -> E.Graph:
    g = E.Graph()
    ops = ", ".join(E.lit(o) for o in sorted(GEN_AI_OPERATIONS))
    g.add("_first_word", f"split_part({f('name')}, ' ', 1)")
    g.add("_reasons", str_list(f("attributes.gen_ai.response.finish_reasons")))
    g.add(
        "_resource_arn",
        f"coalesce(nullif({f('attributes.aws.resource.arn')}, ''), {f('resource.attributes.cloud.resource_id')})",
    )
    g.add("_status", f("status.code"))
    model_lookup(g, "_sp", "attributes.gen_ai.request.model")
    runtime_lookup(g, "_rid", "resource.attributes.cloud.resource_id")
    runtime_nodes(g, "_rarn", "_resource_arn")
    g.update(
        {
            "trace_id": trace_id_sql(f"lower({E.known(f('traceId'))})"),
            "span_id": f"lower({E.known(f('spanId'))})",
            "parent_span_id": f"lower({E.known(f('parentSpanId'))})",
            "session_id": E.known(f("attributes.session.id")),
            "service": f("resource.attributes.service.name"),
            "status": "_status",
            "is_error": (
                "(CASE WHEN _status IS NULL THEN NULL ELSE upper(_status) IN ('ERROR', 'STATUS_CODE_ERROR') END)"
            ),
            "gen_ai_operation": (
                f"coalesce(nullif({f('attributes.gen_ai.operation.name')}, ''),"
                f" CASE WHEN {f('name')} <> '' AND _first_word IN ({ops}) THEN _first_word END)"
            ),
            "gen_ai_system": E.first_truthy(f("attributes.gen_ai.system"), f("attributes.gen_ai.provider.name")),
            "model_id": "_sp_model",
            "model_id_raw": f("attributes.gen_ai.request.model"),
            "tool_name": f("attributes.gen_ai.tool.name"),
            "tool_status": f("attributes.gen_ai.tool.status"),
            "input_tokens": _either_int(
                "attributes.gen_ai.usage.input_tokens", "attributes.gen_ai.usage.prompt_tokens"
            ),
            "output_tokens": _either_int(
                "attributes.gen_ai.usage.output_tokens", "attributes.gen_ai.usage.completion_tokens"
            ),
            "finish_reasons": "_reasons",
            "stop_reason": "_reasons[1]",
            "http_status": _either_int("attributes.http.response.status_code", "attributes.http.status_code"),
            "remote_operation": E.first_truthy(f("attributes.aws.remote.operation"), f("attributes.rpc.method")),
            "resource_arn": "_resource_arn",
            "runtime_arn": "coalesce(_rid_runtime, _rarn_runtime)",
            "region": f"coalesce(nullif({f('resource.attributes.cloud.region')}, ''), _rarn_region)",
            "account": "_rarn_account",
            "policy_decision": f("attributes.aws.agentcore.policy.authorization_decision"),
            "allowed_tools": str_list(f("attributes.aws.agentcore.policy.allowed_tools")),
            "denied_tools": str_list(f("attributes.aws.agentcore.policy.denied_tools")),
            "time": f"coalesce(make_timestamp_ns({f('startTimeUnixNano')}), {STAMP})",
            "end_time": (
                f"coalesce(make_timestamp_ns({f('endTimeUnixNano')}),"
                f" make_timestamp_ns({f('startTimeUnixNano')} + {f('durationNano')}))"
            ),
            "duration_ms": (
                f"coalesce({f('durationNano')} / 1e6, ({f('endTimeUnixNano')} - {f('startTimeUnixNano')}) / 1e6)"
            ),
        }
    )
    return g


def _either_int(first: str, second: str) -> str:
    """The first field as an integer when it is present (even if not a number), else the second."""
    return f"(CASE WHEN {f(first)} IS NOT NULL THEN {E.as_integer(f(first))} ELSE {E.as_integer(f(second))} END)"


def _span_outputs() -> dict[str, str]:
    return {}


# -- runtime logs ---------------------------------------------------------------------------------

_LOG_RAW = (
    "traceId",
    "spanId",
    "severityText",
    "severityNumber",
    "timeUnixNano",
    "attributes.session.id",
    "attributes.event.name",
    "resource.attributes.service.name",
)
_LOG_MORE = (
    "observedTimeUnixNano",
    "attributes.otelTraceID",
    "attributes.otelSpanID",
    "attributes.gen_ai.system",
    "body",
    "scope.name",
    "resource.attributes.cloud.resource_id",
    "resource.attributes.cloud.region",
)
_SEVERITY = ((4, "TRACE"), (8, "DEBUG"), (12, "INFO"), (16, "WARN"), (20, "ERROR"), (24, "FATAL"))
#: Keys whose presence makes a JSON record an OTel log record (otherwise it is a stdout line).
OTEL_KEYS = ("body", "severityNumber", "severityText", "timeUnixNano", "traceId")


def _log_graph() -> E.Graph:
    g = E.Graph()
    steps = " ".join(f"WHEN _sev_n <= {top} THEN '{name}'" for top, name in _SEVERITY)
    runtime_lookup(g, "_res", "resource.attributes.cloud.resource_id")
    g.update(
        {
            "_sev_t": E.known(f("severityText")),
            "_sev_n": E.as_integer(f("severityNumber")),
            "_o_ns": E.as_integer(f("observedTimeUnixNano")),
            "_trace_text": E.known(E.first_truthy(f("traceId"), f("attributes.otelTraceID"))),
            "_span_text": E.known(E.first_truthy(f("spanId"), f("attributes.otelSpanID"))),
        }
    )
    g.update(
        {
            "trace_id": trace_id_sql("lower(_trace_text)"),
            "span_id": "lower(_span_text)",
            "severity": (
                f"(CASE WHEN _sev_t IS NOT NULL THEN upper(_sev_t) WHEN _sev_n IS NULL OR _sev_n < 1 THEN NULL"
                f" {steps} ELSE 'FATAL' END)"
            ),
            "body": f("body"),
            "session_id": E.known(f("attributes.session.id")),
            "event_name": f("attributes.event.name"),
            "service": f("resource.attributes.service.name"),
            "scope": f("scope.name"),
            "gen_ai_system": f("attributes.gen_ai.system"),
            "runtime_arn": "_res_runtime",
            "region": f"coalesce(nullif({f('resource.attributes.cloud.region')}, ''), _res_region)",
            "account": "_res_account",
            "is_otel": "true",
            "time": (
                f"coalesce(make_timestamp_ns(CASE WHEN coalesce({f('timeUnixNano')}, 0) <> 0"
                f" THEN {f('timeUnixNano')} ELSE _o_ns END), {STAMP})"
            ),
        }
    )
    return g


def _log_outputs() -> dict[str, str]:
    return {"severityNumber": E.as_integer(f("severityNumber"))}


_CT_COPIES = (
    ("recipient_account", "recipientAccountId"),
    ("region", "awsRegion"),
    ("source_ip", "sourceIPAddress"),
    ("request_id", "requestID"),
    ("resource_arn", "resources.0.ARN"),
    ("resource_type", "resources.0.type"),
    ("model_id_raw", "requestParameters.modelId"),
    ("model_id", "requestParameters.modelId"),
    ("credentials_issued_to", "userIdentity.inScopeOf.credentialsIssuedTo"),
    ("issuer_type", "userIdentity.inScopeOf.issuerType"),
    ("principal", "userIdentity.sessionContext.sessionIssuer.arn"),  # an assumed role: the commonest caller
)
_INV_COPIES = (
    ("request_id", "requestId"),
    ("inference_region", "inferenceRegion"),
    ("model_id_raw", "modelId"),
    ("model_id", "modelId"),
    ("error_code", "errorCode"),
    ("account", "accountId"),
)
_SPAN_COPIES = (
    ("span_id", "spanId"),
    ("parent_span_id", "parentSpanId"),
    ("session_id", "attributes.session.id"),
    ("service", "resource.attributes.service.name"),
    ("model_id_raw", "attributes.gen_ai.request.model"),
    ("model_id", "attributes.gen_ai.request.model"),
    ("tool_name", "attributes.gen_ai.tool.name"),
    ("gen_ai_system", "attributes.gen_ai.system"),
)
_LOG_COPIES = (
    ("span_id", "spanId"),
    ("session_id", "attributes.session.id"),
    ("event_name", "attributes.event.name"),
    ("service", "resource.attributes.service.name"),
    ("severity", "severityText"),
)

SPECS: dict[str, Spec] = {
    "cloudtrail": Spec("cloudtrail", (*_CT_RAW, *_CT_MORE), (), _ct_graph, _ct_outputs, "eventTime", _CT_COPIES),
    "invocations": Spec(
        "invocations", (*_INV_RAW, *_INV_MORE), INV_BODIES, _inv_graph, _inv_outputs, "timestamp", _INV_COPIES
    ),
    "spans": Spec("spans", (*_SPAN_RAW, *_SPAN_MORE), (), _span_graph, _span_outputs, copies=_SPAN_COPIES),
    "runtime_logs": Spec("runtime_logs", (*_LOG_RAW, *_LOG_MORE), (), _log_graph, _log_outputs, copies=_LOG_COPIES),
}
