"""The store's table layout: the contract between the store, the SQL engine and the frames.

One table per pipeline, named after it (``cloudtrail``, ``invocations``, ``spans``, ``runtime_logs``).
Every table has the system columns Logs Insights shows (``@timestamp``, ``@message``, ``@log``,
``@logStream``, ``@ingestionTime``, ``@ptr``) plus bookkeeping, plus *hot* columns: the fields most
queries touch, stored typed under their exact dotted Logs Insights name (``"userIdentity.arn"``) so a
query reads a column instead of parsing JSON. Any other dotted field is read from ``@message``.

Why typed hot columns named by the dotted path: the SQL translator maps a backticked field to the column
of the same name when it exists, else to JSON extraction — one rule, no per-field special cases.
"""

from __future__ import annotations

PIPELINE_TABLES: dict[str, str] = {
    "cloudtrail": "cloudtrail",
    "invocations": "invocations",
    "spans": "spans",
    "runtime_logs": "runtime_logs",
}

#: System and bookkeeping columns present in every pipeline table, in order, with DuckDB types.
SYSTEM_COLUMNS: list[tuple[str, str]] = [
    ("@timestamp", "TIMESTAMPTZ"),  # event time (UTC); file delivery time when the record has none
    ("@message", "VARCHAR"),  # the record's JSON text, compact
    ("@log", "VARCHAR"),  # log group name (locally: the pipeline's configured group)
    ("@logStream", "VARCHAR"),
    ("@ingestionTime", "TIMESTAMPTZ"),  # when aiaudit stored it (or the export's ingestion time)
    ("@ptr", "VARCHAR"),  # opaque, unique, stable across re-ingest of the same file content
    ("_file_id", "INTEGER"),  # files.file_id
    ("_line", "INTEGER"),  # 1-based line (or record index for single-document files)
    ("_time_flag", "VARCHAR"),  # NULL, or why @timestamp is the file's delivery time
    ("_hash", "UBIGINT"),  # DuckDB hash() of @message (CloudTrail de-duplication key with eventID)
]

#: Hot columns per pipeline: (dotted field name exactly as Logs Insights shows it, DuckDB type).
#: Strings are VARCHAR (JSON scalars as their text: numbers "401", booleans "true"); numeric fields
#: that are numeric in every real record are typed numerically.
HOT_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "cloudtrail": [
        ("eventTime", "VARCHAR"),
        ("eventVersion", "VARCHAR"),
        ("eventSource", "VARCHAR"),
        ("eventName", "VARCHAR"),
        ("eventType", "VARCHAR"),
        ("eventCategory", "VARCHAR"),
        ("eventID", "VARCHAR"),
        ("awsRegion", "VARCHAR"),
        ("sourceIPAddress", "VARCHAR"),
        ("userAgent", "VARCHAR"),
        ("errorCode", "VARCHAR"),
        ("errorMessage", "VARCHAR"),
        ("requestID", "VARCHAR"),
        ("readOnly", "VARCHAR"),
        ("recipientAccountId", "VARCHAR"),
        ("vpcEndpointId", "VARCHAR"),
        ("userIdentity.type", "VARCHAR"),
        ("userIdentity.arn", "VARCHAR"),
        ("userIdentity.accountId", "VARCHAR"),
        ("userIdentity.principalId", "VARCHAR"),
        ("userIdentity.accessKeyId", "VARCHAR"),
        ("userIdentity.userName", "VARCHAR"),
        ("userIdentity.invokedBy", "VARCHAR"),
        ("userIdentity.sessionContext.sessionIssuer.arn", "VARCHAR"),
        ("userIdentity.sessionContext.sessionIssuer.userName", "VARCHAR"),
        ("userIdentity.inScopeOf.credentialsIssuedTo", "VARCHAR"),
        ("userIdentity.inScopeOf.issuerType", "VARCHAR"),
        ("resources.0.ARN", "VARCHAR"),
        ("resources.0.type", "VARCHAR"),
        ("requestParameters.modelId", "VARCHAR"),
        ("responseElements.statusCode", "VARCHAR"),
        ("additionalEventData.jwt.claims.sub", "VARCHAR"),
        ("additionalEventData.jwt.claims.iss", "VARCHAR"),
    ],
    "invocations": [
        ("timestamp", "VARCHAR"),
        ("schemaType", "VARCHAR"),
        ("schemaVersion", "VARCHAR"),
        ("accountId", "VARCHAR"),
        ("region", "VARCHAR"),
        ("requestId", "VARCHAR"),
        ("operation", "VARCHAR"),
        ("modelId", "VARCHAR"),
        ("inferenceRegion", "VARCHAR"),
        ("errorCode", "VARCHAR"),
        ("identity.arn", "VARCHAR"),
        ("input.inputTokenCount", "BIGINT"),
        ("output.outputTokenCount", "BIGINT"),
    ],
    "spans": [
        ("traceId", "VARCHAR"),
        ("spanId", "VARCHAR"),
        ("parentSpanId", "VARCHAR"),
        ("name", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("startTimeUnixNano", "BIGINT"),
        ("endTimeUnixNano", "BIGINT"),
        ("durationNano", "BIGINT"),
        ("status.code", "VARCHAR"),
        ("attributes.session.id", "VARCHAR"),
        ("attributes.aws.request_id", "VARCHAR"),
        ("attributes.gen_ai.system", "VARCHAR"),
        ("attributes.gen_ai.request.model", "VARCHAR"),
        ("attributes.gen_ai.tool.name", "VARCHAR"),
        ("resource.attributes.service.name", "VARCHAR"),
        ("resource.attributes.aws.service.type", "VARCHAR"),
        ("resource.attributes.cloud.resource_id", "VARCHAR"),
    ],
    "runtime_logs": [
        ("traceId", "VARCHAR"),
        ("spanId", "VARCHAR"),
        ("severityText", "VARCHAR"),
        ("timeUnixNano", "BIGINT"),
        ("attributes.session.id", "VARCHAR"),
        ("resource.attributes.service.name", "VARCHAR"),
    ],
}

#: Bookkeeping tables.
FILES_TABLE = "_files"  # one row per ingested file: path, size, mtime, sha256, format, counts, span
SKIPPED_TABLE = "_skipped"  # one row per skipped item: file_id, line, reason, excerpt


def columns(pipeline: str) -> list[tuple[str, str]]:
    """All columns of a pipeline table, in order."""
    return SYSTEM_COLUMNS + HOT_COLUMNS[pipeline]


def hot_names(pipeline: str) -> set[str]:
    return {name for name, _ in HOT_COLUMNS[pipeline]}
