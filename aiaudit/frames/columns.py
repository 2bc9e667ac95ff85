"""Column contract of every standard projection: name, dtype, source path, meaning.

One table drives the frame's dtypes (so an empty result has every column, typed), the docs
(``docs/frames.md`` is checked against it by a test) and the focus filters. Raw fields keep their Logs
Insights names (dotted, case as in the record); derived, normalised values are snake_case.

Dtypes (chosen once, for every pipeline; ``docs/frames.md`` shows them):

* ``string`` — pandas ``string`` with Arrow storage (``StringDtype("pyarrow")``, ``string[pyarrow]``,
  missing = ``pd.NA``): the engine's text buffers are kept, and every column has one missing marker,
  unlike ``object`` (None vs NaN) or pandas 3's default ``str`` (NaN);
* ``time`` — ``datetime64[ns, UTC]``;
* ``int`` — ``Int64`` (nullable: a count that was not recorded is not zero);
* ``float`` — ``Float64``; ``bool`` — ``boolean``;
* ``list`` — ``list<item: string>[pyarrow]`` (``pd.ArrowDtype(pa.list_(pa.string()))``) for
  multi-valued fields: a cell reads as a Python list (``frame[col].iloc[0]``), ``frame.explode(col)``
  pivots, ``frame[col].list`` has the list methods.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

DTYPES: dict[str, object] = {
    "string": pd.StringDtype("pyarrow"),
    "time": pd.DatetimeTZDtype("ns", "UTC"),
    "int": pd.Int64Dtype(),
    "float": pd.Float64Dtype(),
    "bool": pd.BooleanDtype(),
    "list": pd.ArrowDtype(pa.list_(pa.string())),
}


@dataclass(frozen=True)
class Col:
    name: str
    kind: str  # key of DTYPES
    source: str  # where the value comes from (dotted path(s) or rule)
    meaning: str


def _c(name: str, kind: str, source: str, meaning: str) -> Col:
    return Col(name, kind, source, meaning)


_SYSTEM = [
    _c("@timestamp", "time", "system field", "record time as stored by CloudWatch / the local store"),
    _c("@ptr", "string", "system field", "opaque pointer to the whole record (`Source.record(ptr)`)"),
    _c("@log", "string", "system field", "log group"),
    _c("@logStream", "string", "system field", "log stream"),
]

_PRINCIPAL = [
    _c("principal", "string", "normalise_principal", "stable identity (DESIGN §3; see docs/frames.md#principals)"),
    _c("principal_session", "string", "normalise_principal", "session name (assumed-role session, SSO email, ...)"),
    _c("principal_type", "string", "normalise_principal", "AssumedRole, SSORole, IAMUser, Root, AWSService, ..."),
    _c("account", "string", "normalise_principal", "the caller's account"),
    _c("cross_account", "bool", "normalise_principal", "caller account differs from the receiving account"),
]

CLOUDTRAIL: list[Col] = [
    *_SYSTEM,
    _c("time", "time", "eventTime (else @timestamp)", "event time, UTC"),
    _c("eventTime", "string", "eventTime", "event time as recorded (text)"),
    _c("eventVersion", "string", "eventVersion", "record format version"),
    _c("eventSource", "string", "eventSource", "service endpoint, e.g. bedrock.amazonaws.com"),
    _c("eventName", "string", "eventName", "API action"),
    _c("eventType", "string", "eventType", "AwsApiCall, AwsServiceEvent, AwsConsoleSignIn, ..."),
    _c("eventCategory", "string", "eventCategory", "Management, Data, NetworkActivity, Insight, Aggregated"),
    _c("eventID", "string", "eventID", "event id"),
    _c("requestID", "string", "requestID", "request id (joins invocation logs and spans)"),
    _c("awsRegion", "string", "awsRegion", "region of the call"),
    _c("recipientAccountId", "string", "recipientAccountId", "account that received the call"),
    _c("sourceIPAddress", "string", "sourceIPAddress", "source IP(s) or service name, as recorded"),
    _c("userAgent", "string", "userAgent", "user agent"),
    _c("errorCode", "string", "errorCode", "error code, as recorded"),
    _c("errorMessage", "string", "errorMessage", "error message"),
    _c("readOnly", "bool", "readOnly", "read-only call"),
    _c("managementEvent", "bool", "managementEvent", "management (vs data) event"),
    _c("vpcEndpointId", "string", "vpcEndpointId", "VPC endpoint the call came through"),
    _c("userIdentity.type", "string", "userIdentity.type", "identity type as recorded"),
    _c("userIdentity.arn", "string", "userIdentity.arn", "caller ARN as recorded (session ARN for roles)"),
    _c("userIdentity.accountId", "string", "userIdentity.accountId", "caller account as recorded"),
    _c("userIdentity.principalId", "string", "userIdentity.principalId", "principal id"),
    _c("userIdentity.userName", "string", "userIdentity.userName", "user name"),
    _c(
        "userIdentity.sessionContext.sessionIssuer.arn",
        "string",
        "userIdentity.sessionContext.sessionIssuer.arn",
        "role (or user) that issued the session, with its path",
    ),
    _c(
        "userIdentity.sessionContext.sessionIssuer.userName",
        "string",
        "userIdentity.sessionContext.sessionIssuer.userName",
        "issuer name",
    ),
    _c(
        "userIdentity.inScopeOf.credentialsIssuedTo",
        "string",
        "userIdentity.inScopeOf.credentialsIssuedTo",
        "resource the credentials were issued to (Lambda, AgentCore runtime)",
    ),
    _c("userIdentity.inScopeOf.issuerType", "string", "userIdentity.inScopeOf.issuerType", "type of that resource"),
    _c("resources.0.ARN", "string", "resources[0].ARN", "first resource ARN"),
    _c("resources.0.type", "string", "resources[0].type", "first resource type"),
    _c("requestParameters.modelId", "string", "requestParameters.modelId", "model id as requested"),
    *_PRINCIPAL,
    _c("access_key_id", "string", "userIdentity.accessKeyId", "access key (a pivot, not a secret); redacted → null"),
    _c("invoked_by", "string", "userIdentity.invokedBy", "service that made the call for the caller"),
    _c("recipient_account", "string", "recipientAccountId", "receiving account (redacted → null)"),
    _c("region", "string", "awsRegion", "region"),
    _c("source_ip", "string", "sourceIPAddress", "first address of sourceIPAddress"),
    _c("source_ips", "list", "sourceIPAddress", "every address of a comma-joined sourceIPAddress"),
    _c("host_header", "string", "tlsDetails.clientProvidedHostHeader", "TLS host header"),
    _c("request_id", "string", "requestID", "request id (join key)"),
    _c(
        "is_error",
        "bool",
        "errorCode, errorMessage, responseElements.statusCode",
        "call failed: an errorCode other than 200/OK, an errorMessage, or an HTTP status ≥ 400",
    ),
    _c(
        "is_denied",
        "bool",
        "errorCode, responseElements.statusCode",
        "denied: AccessDenied, AccessDeniedException, UnauthorizedOperation, Client.UnauthorizedOperation, "
        "VpceAccessDenied, or HTTP 401/403",
    ),
    _c("resource_arn", "string", "resources[0].ARN", "first resource ARN"),
    _c("resource_type", "string", "resources[0].type", "first resource type"),
    _c("resource_arns", "list", "resources[].ARN", "every resource ARN"),
    _c("model_id", "string", "requestParameters.modelId", "base model id (normalise_model_id)"),
    _c("model_id_raw", "string", "requestParameters.modelId", "model id as requested"),
    _c(
        "guardrail_id",
        "string",
        "requestParameters.guardrailIdentifier | requestParameters.guardrailConfig.guardrailIdentifier",
        "guardrail named by the request",
    ),
    _c(
        "guardrail_version",
        "string",
        "requestParameters.guardrailVersion | requestParameters.guardrailConfig.guardrailVersion",
        "guardrail version named by the request",
    ),
    _c(
        "runtime_arn",
        "string",
        "userIdentity.inScopeOf.credentialsIssuedTo, resources[].ARN",
        "AgentCore runtime ARN without endpoint suffix (join key with spans)",
    ),
    _c("credentials_issued_to", "string", "userIdentity.inScopeOf.credentialsIssuedTo", "as recorded"),
    _c("issuer_type", "string", "userIdentity.inScopeOf.issuerType", "as recorded"),
    _c("jwt_iss", "string", "additionalEventData.jwt.claims.iss", "Gateway caller's token issuer"),
    _c("jwt_sub", "string", "additionalEventData.jwt.claims.sub", "Gateway caller's subject"),
    _c("jwt_scope", "string", "additionalEventData.jwt.claims.scope", "Gateway caller's scopes"),
    _c("http_status", "int", "responseElements.statusCode", "Gateway HTTP status"),
    _c("gateway_error", "string", "responseElements.body.error.message", "Gateway error message"),
    _c("mcp_method", "string", "requestParameters.body.method", "MCP JSON-RPC method (tools/call, initialize, ...)"),
    _c("mcp_tool", "string", "requestParameters.body.params.name", "tool named by an MCP tools/call"),
    _c("input_tokens", "int", "additionalEventData.inputTokens", "input tokens (Bedrock invoke events)"),
    _c("output_tokens", "int", "additionalEventData.outputTokens", "output tokens (Bedrock invoke events)"),
]

INVOCATIONS: list[Col] = [
    *_SYSTEM,
    _c("time", "time", "timestamp (else @timestamp)", "invocation time, UTC"),
    _c("timestamp", "string", "timestamp", "invocation time as recorded (text)"),
    _c("schemaType", "string", "schemaType", "ModelInvocationLog"),
    _c("schemaVersion", "string", "schemaVersion", "1.0"),
    _c("accountId", "string", "accountId", "account that ran the invocation"),
    _c("region", "string", "region", "region the call was made to"),
    _c("inferenceRegion", "string", "inferenceRegion", "region that served it (cross-Region inference)"),
    _c("requestId", "string", "requestId", "request id (joins CloudTrail requestID)"),
    _c("operation", "string", "operation", "InvokeModel, Converse, ConverseStream, ..."),
    _c("modelId", "string", "modelId", "model id as recorded"),
    _c("identity.arn", "string", "identity.arn", "caller ARN as recorded (STS session ARN for roles)"),
    _c("errorCode", "string", "errorCode", "error code of a failed call"),
    _c("input.inputContentType", "string", "input.inputContentType", "request content type"),
    _c("output.outputContentType", "string", "output.outputContentType", "response content type"),
    _c("input.inputTokenCount", "int", "input.inputTokenCount", "input tokens as recorded"),
    _c("output.outputTokenCount", "int", "output.outputTokenCount", "output tokens as recorded"),
    *_PRINCIPAL,
    _c("request_id", "string", "requestId", "request id (join key)"),
    _c("inference_region", "string", "inferenceRegion", "region that served the call"),
    _c("model_id", "string", "modelId", "base model id (normalise_model_id)"),
    _c("model_id_raw", "string", "modelId", "model id as recorded"),
    _c("provider", "string", "modelId", "model provider (anthropic, amazon, meta, ...), null for opaque ids"),
    _c("error_code", "string", "errorCode", "error code"),
    _c("prompt", "string", "input body (see bodies)", "text of the last user turn"),
    _c("user_text", "string", "input body", "every user turn's text, joined with newlines"),
    _c("system_prompt", "string", "input body: system / preamble / system-role messages", "system prompt"),
    _c("response", "string", "output body or stream events", "response text"),
    _c(
        "stop_reason", "string", "output body: stopReason / stop_reason / finish_reason / ...", "why generation stopped"
    ),
    _c("temperature", "float", "input body: inferenceConfig.temperature / temperature / ...", "temperature"),
    _c("top_p", "float", "input body: inferenceConfig.topP / top_p / p / ...", "top-p"),
    _c("max_tokens", "int", "input body: inferenceConfig.maxTokens / max_tokens / max_gen_len / ...", "token limit"),
    _c(
        "input_tokens",
        "int",
        "input.inputTokenCount, else body usage",
        "input tokens (the log's own count is authoritative)",
    ),
    _c("output_tokens", "int", "output.outputTokenCount, else body usage", "output tokens"),
    _c(
        "cache_read_tokens",
        "int",
        "input.cacheReadInputTokenCount, else usage.cacheReadInputTokens / cache_read_input_tokens",
        "prompt-cache read tokens",
    ),
    _c(
        "cache_write_tokens",
        "int",
        "input.cacheWriteInputTokenCount, else usage.cacheWriteInputTokens / cache_creation_input_tokens",
        "prompt-cache write tokens",
    ),
    _c(
        "latency_ms",
        "int",
        "output body metrics.latencyMs / amazon-bedrock-invocationMetrics.invocationLatency",
        "model latency (ms)",
    ),
    _c("guardrail_id", "string", "guardrailConfig, else assessment keys", "guardrail applied"),
    _c("guardrail_version", "string", "input body guardrailConfig.guardrailVersion", "guardrail version"),
    _c("guardrail_action", "string", "guardrail traces, stop reason", "INTERVENED, NONE, or null (no guardrail)"),
    _c("guardrail_assessment", "string", "guardrail traces", "what fired: `stage.policy:name=ACTION; ...`"),
    _c("media_uris", "list", "content blocks' source.s3Uri", "documents/images referenced by S3 URI"),
    _c("input_body_s3_path", "string", "input.inputBodyS3Path", "offloaded request body"),
    _c("output_body_s3_path", "string", "output.outputBodyS3Path", "offloaded response body"),
    _c("input_body_bytes", "int", "input.inputBodyJson / offloaded file", "request body size (compact JSON, UTF-8)"),
    _c("output_body_bytes", "int", "output.outputBodyJson / offloaded file", "response body size"),
    _c(
        "body_source",
        "string",
        "derived",
        "inline, s3-local (read from data/), s3-missing (path kept, body empty), s3-unreadable: ...",
    ),
]

SPANS: list[Col] = [
    *_SYSTEM,
    _c("time", "time", "startTimeUnixNano (else @timestamp)", "span start, UTC"),
    _c("end_time", "time", "endTimeUnixNano (else start + durationNano)", "span end, UTC"),
    _c("duration_ms", "float", "durationNano / 1e6 (else end − start)", "duration (ms)"),
    _c("traceId", "string", "traceId", "trace id as recorded"),
    _c("spanId", "string", "spanId", "span id"),
    _c("parentSpanId", "string", "parentSpanId", "parent span id"),
    _c("name", "string", "name", "span name (chat <model>, execute_tool <tool>, ...)"),
    _c("kind", "string", "kind", "span kind"),
    _c("startTimeUnixNano", "int", "startTimeUnixNano", "start (ns)"),
    _c("endTimeUnixNano", "int", "endTimeUnixNano", "end (ns)"),
    _c("durationNano", "int", "durationNano", "duration (ns)"),
    _c("status.code", "string", "status.code", "UNSET, OK, ERROR"),
    _c("status.message", "string", "status.message", "status message"),
    _c("attributes.session.id", "string", "attributes.session.id", "session id as recorded"),
    _c("attributes.aws.request_id", "string", "attributes.aws.request_id", "AWS request id (ADOT)"),
    _c("attributes.aws.request.id", "string", "attributes.aws.request.id", "AWS request id (AgentCore spans)"),
    _c("attributes.gen_ai.system", "string", "attributes.gen_ai.system", "gen_ai system"),
    _c("attributes.gen_ai.request.model", "string", "attributes.gen_ai.request.model", "model as requested"),
    _c("attributes.gen_ai.tool.name", "string", "attributes.gen_ai.tool.name", "tool name"),
    _c("attributes.aws.local.service", "string", "attributes.aws.local.service", "local service"),
    _c("attributes.aws.remote.operation", "string", "attributes.aws.remote.operation", "remote operation"),
    _c("resource.attributes.service.name", "string", "resource.attributes.service.name", "service (agent) name"),
    _c("resource.attributes.aws.service.type", "string", "resource.attributes.aws.service.type", "gen_ai_agent, ..."),
    _c("resource.attributes.cloud.resource_id", "string", "resource.attributes.cloud.resource_id", "resource ARN"),
    _c("trace_id", "string", "traceId", "trace id, lower-case 32 hex (X-Ray `1-xxxxxxxx-yyy…` form converted)"),
    _c("span_id", "string", "spanId", "span id, lower-case"),
    _c("parent_span_id", "string", "parentSpanId", "parent span id, lower-case"),
    _c("session_id", "string", "attributes.session.id", "session id"),
    _c(
        "request_id",
        "string",
        "attributes.aws.request_id | attributes.aws.request.id | a descendant span's",
        "AWS request id, coalesced (bridge_request_ids)",
    ),
    _c("request_id_source", "string", "derived", "own, descendant, or null"),
    _c("service", "string", "resource.attributes.service.name", "agent / service name"),
    _c("status", "string", "status.code", "UNSET, OK, ERROR"),
    _c("is_error", "bool", "status.code", "status ERROR"),
    _c(
        "gen_ai_operation",
        "string",
        "attributes.gen_ai.operation.name, else the span name's first word when it is a gen_ai operation "
        "(chat, text_completion, generate_content, embeddings, execute_tool, invoke_agent, create_agent)",
        "gen_ai operation",
    ),
    _c("gen_ai_system", "string", "attributes.gen_ai.system | attributes.gen_ai.provider.name", "provider/system"),
    _c("model_id", "string", "attributes.gen_ai.request.model", "base model id (normalise_model_id)"),
    _c("model_id_raw", "string", "attributes.gen_ai.request.model", "model as requested"),
    _c("tool_name", "string", "attributes.gen_ai.tool.name", "tool name"),
    _c("tool_status", "string", "attributes.gen_ai.tool.status", "tool status"),
    _c("input_tokens", "int", "attributes.gen_ai.usage.input_tokens | prompt_tokens", "input tokens"),
    _c("output_tokens", "int", "attributes.gen_ai.usage.output_tokens | completion_tokens", "output tokens"),
    _c("finish_reasons", "list", "attributes.gen_ai.response.finish_reasons", "finish reasons"),
    _c("stop_reason", "string", "attributes.gen_ai.response.finish_reasons[0]", "first finish reason"),
    _c(
        "http_status",
        "int",
        "attributes.http.response.status_code | attributes.http.status_code",
        "HTTP status",
    ),
    _c("remote_operation", "string", "attributes.aws.remote.operation | rpc.method", "AWS API called"),
    _c("resource_arn", "string", "attributes.aws.resource.arn | resource.attributes.cloud.resource_id", "resource"),
    _c(
        "runtime_arn",
        "string",
        "resource.attributes.cloud.resource_id, attributes.aws.resource.arn",
        "AgentCore runtime ARN without endpoint suffix (join key with CloudTrail)",
    ),
    _c("region", "string", "resource.attributes.cloud.region, else the resource ARN", "region"),
    _c("account", "string", "the resource ARN's account", "account"),
    _c(
        "policy_decision",
        "string",
        "attributes.aws.agentcore.policy.authorization_decision",
        "AgentCore policy decision (ALLOW/DENY)",
    ),
    _c("allowed_tools", "list", "attributes.aws.agentcore.policy.allowed_tools", "tools a policy allowed"),
    _c("denied_tools", "list", "attributes.aws.agentcore.policy.denied_tools", "tools a policy denied"),
]

RUNTIME_LOGS: list[Col] = [
    *_SYSTEM,
    _c("time", "time", "timeUnixNano (else observedTimeUnixNano, @timestamp)", "log time, UTC"),
    _c("traceId", "string", "traceId", "trace id as recorded"),
    _c("spanId", "string", "spanId", "span id as recorded"),
    _c("severityText", "string", "severityText", "severity as recorded"),
    _c("severityNumber", "int", "severityNumber", "OTel severity number"),
    _c("timeUnixNano", "int", "timeUnixNano", "time (ns)"),
    _c("attributes.session.id", "string", "attributes.session.id", "session id as recorded"),
    _c("attributes.event.name", "string", "attributes.event.name", "event name (gen_ai.user.message, ...)"),
    _c("resource.attributes.service.name", "string", "resource.attributes.service.name", "service (agent) name"),
    _c("trace_id", "string", "traceId | attributes.otelTraceID", "trace id, lower-case 32 hex"),
    _c("span_id", "string", "spanId | attributes.otelSpanID", "span id, lower-case"),
    _c(
        "severity",
        "string",
        "severityText, else from severityNumber",
        "TRACE, DEBUG, INFO, WARN, ERROR, FATAL",
    ),
    _c("body", "string", "body (objects as compact JSON); whole @message for stdout lines", "log text"),
    _c("session_id", "string", "attributes.session.id", "session id"),
    _c("event_name", "string", "attributes.event.name", "event name"),
    _c("service", "string", "resource.attributes.service.name", "service (agent) name"),
    _c("scope", "string", "scope.name", "instrumentation scope"),
    _c("gen_ai_system", "string", "attributes.gen_ai.system", "gen_ai system"),
    _c("runtime_arn", "string", "resource.attributes.cloud.resource_id", "AgentCore runtime ARN (normalised)"),
    _c("region", "string", "resource.attributes.cloud.region, else the runtime ARN", "region"),
    _c("account", "string", "the runtime ARN's account", "account"),
    _c("is_otel", "bool", "derived", "an OTel log record (otel-rt-logs) rather than a stdout line"),
]

COLUMNS: dict[str, list[Col]] = {
    "cloudtrail": CLOUDTRAIL,
    "invocations": INVOCATIONS,
    "spans": SPANS,
    "runtime_logs": RUNTIME_LOGS,
}


def dtypes(pipeline: str) -> dict[str, object]:
    return {c.name: DTYPES[c.kind] for c in COLUMNS[pipeline]}


def empty_frame(pipeline: str) -> pd.DataFrame:
    """A frame with every column of the pipeline, typed, and no rows."""
    return pd.DataFrame({c.name: pd.Series([], dtype=DTYPES[c.kind]) for c in COLUMNS[pipeline]})
