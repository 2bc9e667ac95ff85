"""The one field planner: a Logs Insights field name → how the engine reads it, everywhere.

Every reader of a field goes through this module: the store (which fields it keeps as typed columns
and which JSON Pointers fill them at ingest), the SQL translator, the classic-QL and filter-pattern
compilers, the standard projections (``aiaudit.frames``), focus push-down and ``investigate``. So a
field has one value whichever way it is asked for.

**Names.** Field names are the ones Logs Insights shows: JSON flattened with dots, array positions as
numbers (``resources.0.ARN``). A name wrapped whole in backticks (``\\`userIdentity.arn\\```) is the
same name (the backticks only quote it). Inside a name, a backticked segment is one literal key,
dots included: ``attributes.\\`session.id\\``` reads ``{"attributes": {"session.id": ...}}`` only
(doubled backticks stand for one backtick in a key).

**Which JSON keys.** Logs Insights flattens ``{"a": {"b.c": 1}}`` and ``{"a": {"b": {"c": 1}}}`` to the
same name ``a.b.c``, so a dotted name is tried under every way it splits into keys, nested first (fewest
joined segments first), and the first split the record has wins; array positions never join.
OpenTelemetry records (``spans``, ``runtime_logs``) keep dotted attribute names as literal keys
(``{"attributes": {"session.id": ...}}``), and S3 keys in ``requestParameters`` hold dots too. One
exception: the typed fields of ``cloudtrail`` and ``invocations`` (AWS's own nested fields, such as
``userIdentity.sessionContext.sessionIssuer.arn``) are read nested only. Why: every split of all of them
more than doubled the typed-column extraction of an ingest (measured 0.41 s → 0.92 s per 200k events),
and a literal key spelling one of AWS's own nested fields does not occur in real records.

**Values.** A field's value is the text of the JSON value there: strings as they are, numbers and
booleans as their JSON text (``401``, ``true``), objects and arrays as compact JSON; null or absent is
NULL. Typed columns hold exactly that text (``VARCHAR``), or for ``BIGINT`` columns
:func:`as_integer` of it. ``@timestamp`` and ``@ingestionTime`` are ``TIMESTAMPTZ``.

**Typed columns.** :data:`TYPED_FIELDS` lists, per pipeline, the fields the store keeps as columns
named by their exact field name; the store builds its tables from it (``aiaudit/store/schema.py``)
and fills them with :func:`pointers`. A field with a typed column is read from it; any other from
``@message`` with ``json_extract_string`` over :func:`pointers`.

**For compilers** (SQL, classic QL, filter patterns): :func:`read` gives, for a pipeline and a field
name, the DuckDB expression (a sqlglot node) reading it from one row of that pipeline's table, and its
kind (:func:`field_kind`): ``time`` (TIMESTAMPTZ), ``timetext`` (ISO text that compares as a time),
``num`` (BIGINT column) or ``text``. ``table_columns`` (the columns the table really has) makes an
older store fall back to JSON for a typed field it lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, product

from sqlglot import exp

from aiaudit.query.quoting import sql_literal

PIPELINES = ("cloudtrail", "invocations", "spans", "runtime_logs")

#: Columns every pipeline table has, with the kind of value they hold.
SYSTEM_FIELDS: dict[str, str] = {
    "@timestamp": "time",
    "@message": "text",
    "@log": "text",
    "@logStream": "text",
    "@ingestionTime": "time",
    "@ptr": "text",
}
#: What ``SELECT *`` returns (bookkeeping columns stay hidden).
STAR_FIELDS = ["@timestamp", "@message", "@log", "@logStream", "@ingestionTime", "@ptr"]
#: Text fields that hold ISO times and compare as times with ISO literals and with each other.
TIME_TEXT_FIELDS = frozenset({"eventTime", "timestamp"})
#: Pipelines whose typed fields, too, are read under every key split (OTel keeps dotted names as keys).
DOTTED_KEY_PIPELINES = frozenset({"spans", "runtime_logs"})
#: Candidate key splits are enumerated fully up to this many segments, then by contiguous runs only.
_FULL_SPLIT_SEGMENTS = 6
_NUMERIC_TYPES = frozenset({"BIGINT", "INTEGER", "DOUBLE", "HUGEINT"})

#: Typed columns per pipeline: (field name exactly as Logs Insights shows it, DuckDB type). The fields
#: most queries touch, and every field the standard projections of ``cloudtrail`` read, so that a
#: CloudTrail frame is built from columns alone (no JSON parsing after ingest). Numeric only where the
#: field is numeric in every real record.
TYPED_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "cloudtrail": (
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
        ("managementEvent", "VARCHAR"),
        ("recipientAccountId", "VARCHAR"),
        ("vpcEndpointId", "VARCHAR"),
        ("userIdentity.type", "VARCHAR"),
        ("userIdentity.arn", "VARCHAR"),
        ("userIdentity.accountId", "VARCHAR"),
        ("userIdentity.principalId", "VARCHAR"),
        ("userIdentity.accessKeyId", "VARCHAR"),
        ("userIdentity.userName", "VARCHAR"),
        ("userIdentity.invokedBy", "VARCHAR"),
        ("userIdentity.identityProvider", "VARCHAR"),
        ("userIdentity.sessionContext.sessionIssuer.arn", "VARCHAR"),
        ("userIdentity.sessionContext.sessionIssuer.userName", "VARCHAR"),
        ("userIdentity.inScopeOf.credentialsIssuedTo", "VARCHAR"),
        ("userIdentity.inScopeOf.issuerType", "VARCHAR"),
        ("userIdentity.onBehalfOf.userId", "VARCHAR"),
        ("userIdentity.onBehalfOf.identityStoreArn", "VARCHAR"),
        ("resources", "VARCHAR"),
        ("resources.0.ARN", "VARCHAR"),
        ("resources.0.type", "VARCHAR"),
        ("requestParameters.modelId", "VARCHAR"),
        ("requestParameters.guardrailIdentifier", "VARCHAR"),
        ("requestParameters.guardrailVersion", "VARCHAR"),
        ("requestParameters.guardrailConfig.guardrailIdentifier", "VARCHAR"),
        ("requestParameters.guardrailConfig.guardrailVersion", "VARCHAR"),
        ("requestParameters.body.method", "VARCHAR"),
        ("requestParameters.body.params.name", "VARCHAR"),
        ("responseElements.statusCode", "VARCHAR"),
        ("responseElements.guardrailId", "VARCHAR"),
        ("responseElements.version", "VARCHAR"),
        ("responseElements.body.error.message", "VARCHAR"),
        ("additionalEventData.jwt.claims.sub", "VARCHAR"),
        ("additionalEventData.jwt.claims.iss", "VARCHAR"),
        ("additionalEventData.jwt.claims.scope", "VARCHAR"),
        ("additionalEventData.inputTokens", "VARCHAR"),
        ("additionalEventData.outputTokens", "VARCHAR"),
        ("tlsDetails.clientProvidedHostHeader", "VARCHAR"),
    ),
    "invocations": (
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
        ("input.inputContentType", "VARCHAR"),
        ("output.outputContentType", "VARCHAR"),
        ("input.inputBodyS3Path", "VARCHAR"),
        ("output.outputBodyS3Path", "VARCHAR"),
        ("input.inputTokenCount", "BIGINT"),
        ("output.outputTokenCount", "BIGINT"),
    ),
    "spans": (
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
        ("attributes.aws.request.id", "VARCHAR"),
        ("attributes.gen_ai.system", "VARCHAR"),
        ("attributes.gen_ai.request.model", "VARCHAR"),
        ("attributes.gen_ai.tool.name", "VARCHAR"),
        ("resource.attributes.service.name", "VARCHAR"),
        ("resource.attributes.aws.service.type", "VARCHAR"),
        ("resource.attributes.cloud.resource_id", "VARCHAR"),
    ),
    "runtime_logs": (
        ("traceId", "VARCHAR"),
        ("spanId", "VARCHAR"),
        ("severityText", "VARCHAR"),
        ("timeUnixNano", "BIGINT"),
        ("attributes.session.id", "VARCHAR"),
        ("resource.attributes.service.name", "VARCHAR"),
    ),
}


# -- names ----------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def segments(field: str) -> tuple[tuple[str, bool], ...]:
    """A field name → its segments, each with True when it was backticked (a literal key, never split).

    ``userIdentity.arn`` → (userIdentity, False), (arn, False); ``a.`b.c``` → (a, False), (b.c, True).
    A name backticked as a whole is the plain dotted name."""
    whole = field[1:-1] if len(field) >= 2 and field[0] == field[-1] == "`" else None
    if whole is not None and "`" not in whole.replace("``", ""):
        return tuple((part, False) for part in whole.replace("``", "`").split("."))
    out: list[tuple[str, bool]] = []
    i, n = 0, len(field)
    while True:
        if i < n and field[i] == "`":  # a backticked segment runs to the next lone backtick
            j, key = i + 1, []
            while j < n and not (field[j] == "`" and field[j + 1 : j + 2] != "`"):
                key.append(field[j])
                j += 2 if field[j] == "`" else 1
            if j < n and (j + 1 == n or field[j + 1] == "."):
                out.append(("".join(key), True))
                i = j + 1
                if i == n:
                    return tuple(out)
                i += 1
                continue
        dot = field.find(".", i)
        if dot < 0:
            out.append((field[i:], False))
            return tuple(out)
        out.append((field[i:dot], False))
        i = dot + 1


def _splits(parts: tuple[tuple[str, bool], ...], dotted: bool) -> list[tuple[str, ...]]:
    """Every way the segments join into JSON keys (nested-most first); only nested when not ``dotted``."""
    names = [name for name, _ in parts]
    if not dotted or len(parts) == 1:
        return [tuple(names)]
    # a gap may be a dot inside a key only between two plain, non-numeric segments
    joinable = [
        i
        for i in range(len(parts) - 1)
        if not (parts[i][1] or parts[i + 1][1] or names[i].isdigit() or names[i + 1].isdigit())
    ]
    if len(joinable) <= _FULL_SPLIT_SEGMENTS - 1:
        joins_sets = [
            {joinable[index] for index, joined in enumerate(mask) if joined}
            for mask in product((False, True), repeat=len(joinable))
        ]
    else:
        gaps = len(parts) - 1
        joins_sets = [set()] + [
            set(range(i, j)) for i, j in combinations(range(gaps + 1), 2) if all(g in joinable for g in range(i, j))
        ]
    joins_sets.sort(key=len)
    out: list[tuple[str, ...]] = []
    for joins in joins_sets:
        keys = [names[0]]
        for gap, name in enumerate(names[1:]):
            if gap in joins:
                keys[-1] += "." + name
            else:
                keys.append(name)
        if tuple(keys) not in out:
            out.append(tuple(keys))
    return out


def pointer(keys: tuple[str, ...] | list[str]) -> str:
    """JSON Pointer of a key path (``~`` and ``/`` escaped as ``~0``/``~1``); a number segment reads an
    array position or a key of that name, as Logs Insights' flattening does."""
    return "".join("/" + key.replace("~", "~0").replace("/", "~1") for key in keys)


@lru_cache(maxsize=4096)
def key_paths(pipeline: str | None, field: str) -> tuple[tuple[str, ...], ...]:
    """The key paths that may hold ``field`` in a record of ``pipeline``, in order of preference
    (``pipeline`` None: inside a JSON value a query made, where every key split is tried)."""
    parts = segments(field)
    if any(name == "" and not literal for name, literal in parts):
        return ((field,),)  # not a dotted path (``a..b``, ``.a``): the whole name is one key
    nested_only = (
        pipeline is not None and pipeline not in DOTTED_KEY_PIPELINES and field in dict(TYPED_FIELDS.get(pipeline, ()))
    )
    return tuple(_splits(parts, not nested_only))


def pointers(pipeline: str | None, field: str) -> list[str]:
    """JSON Pointers that may hold ``field`` in a record of ``pipeline`` (None: in any JSON value), in
    order of preference."""
    return [pointer(keys) for keys in key_paths(pipeline, field)]


# -- plans ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldPlan:
    """How one field of one pipeline is read."""

    pipeline: str
    field: str
    column: str | None  # the table column holding it (system or typed), else None: read from @message
    column_type: str | None  # the column's DuckDB type
    kind: str  # time | timetext | num | text
    pointers: tuple[str, ...]  # JSON Pointers into @message, in order of preference


def typed_columns(pipeline: str) -> tuple[tuple[str, str], ...]:
    return TYPED_FIELDS.get(pipeline, ())


@lru_cache(maxsize=4096)
def _plan(pipeline: str, field: str, present: frozenset[str] | None) -> FieldPlan:
    if field in SYSTEM_FIELDS:
        kind = SYSTEM_FIELDS[field]
        return FieldPlan(pipeline, field, field, "TIMESTAMPTZ" if kind == "time" else "VARCHAR", kind, ())
    typed = dict(typed_columns(pipeline))
    column_type = typed.get(field)
    column = field if column_type is not None and (present is None or field in present) else None
    if column_type is not None and column_type.upper() in _NUMERIC_TYPES:
        kind = "num"
    else:
        kind = "timetext" if field in TIME_TEXT_FIELDS else "text"
    return FieldPlan(pipeline, field, column, column_type if column else None, kind, tuple(pointers(pipeline, field)))


def plan(pipeline: str, field: str, table_columns: set[str] | frozenset[str] | None = None) -> FieldPlan:
    """The plan for ``field`` in ``pipeline`` (``table_columns``: the table's real columns, if known)."""
    return _plan(pipeline, field, frozenset(table_columns) if table_columns is not None else None)


def field_kind(pipeline: str, field: str) -> str:
    """``time`` (TIMESTAMPTZ), ``timetext`` (ISO text), ``num`` (BIGINT typed column) or ``text``."""
    return plan(pipeline, field).kind


def hot_column(pipeline: str, field: str, table_columns: set[str] | None = None) -> bool:
    """True when the table stores ``field`` as a column of that exact name."""
    return plan(pipeline, field, table_columns).column is not None


# -- expressions (sqlglot, for the compilers) ------------------------------------------------------


def json_field(
    message: exp.Expr, pointer_list: tuple[str, ...] | list[str], function: str = "json_extract_string"
) -> exp.Expr:
    """``message`` (JSON text) → the text at the first of ``pointer_list`` present, or NULL
    (``function="json_type"``: the JSON type of that value instead)."""
    if len(pointer_list) == 1:
        return exp.Anonymous(this=function, expressions=[message.copy(), exp.Literal.string(pointer_list[0])])
    listed = exp.Array(expressions=[exp.Literal.string(p) for p in pointer_list])
    values = exp.Anonymous(this=function, expressions=[message.copy(), listed])
    return exp.Anonymous(this="list_aggregate", expressions=[values, exp.Literal.string("any_value")])


def json_type(pipeline: str, field: str) -> exp.Expr:
    """The JSON type (``json_type``: VARCHAR, BIGINT, OBJECT …) of ``field`` in the row's ``@message``,
    read under the same key paths as its value; NULL when absent. Filter patterns need it, as a typed
    column keeps only the text."""
    return json_field(exp.column("@message", quoted=True), pointers(pipeline, field), "json_type")


def json_path(json_value: exp.Expr, field: str) -> exp.Expr:
    """``field`` (a dotted name) read inside a JSON value a query made (``jsonParse``, ``unnest`` in classic
    QL): the same names and key splitting as a record's field, every split tried."""
    return json_field(json_value, pointers(None, field))


def field_expression(
    pipeline: str, field: str, table_columns: set[str] | None = None, *, message: exp.Expr | None = None
) -> exp.Expr:
    """The DuckDB expression reading ``field`` from one row of ``pipeline``'s table (or of a relation
    with the same columns; ``message`` replaces the ``@message`` column reference)."""
    p = plan(pipeline, field, table_columns)
    if p.column is not None:
        return exp.column(p.column, quoted=True)
    return json_field(message if message is not None else exp.column("@message", quoted=True), p.pointers)


def read(pipeline: str, field: str, table_columns: set[str] | None = None) -> tuple[exp.Expr, str]:
    """``(expression, kind)`` for a field: what a query compiler needs to read it (see the module doc)."""
    return field_expression(pipeline, field, table_columns), field_kind(pipeline, field)


# -- SQL text (for the projections and the store) ---------------------------------------------------


def as_integer(text_sql: str) -> str:
    """SQL turning a field's text into BIGINT (DuckDB's cast: surrounding blanks ignored, a decimal or
    exponent form rounded to the nearest integer, ``1e3`` → 1000), anything else NULL. The one rule for
    every integer read of a field (typed BIGINT columns at ingest, integer columns of the projections)."""
    return f"TRY_CAST({text_sql} AS BIGINT)"


def as_double(text_sql: str) -> str:
    return f"TRY_CAST({text_sql} AS DOUBLE)"


def as_boolean(text_sql: str) -> str:
    """``true``/``false`` (any case, surrounding blanks ignored) → BOOLEAN; anything else NULL."""
    return f"(CASE lower(trim({text_sql})) WHEN 'true' THEN true WHEN 'false' THEN false END)"


class Extraction:
    """Many fields read from one JSON text column with a single ``json_extract_string`` (one parse per
    row): :meth:`add` returns the SQL picking a field's value out of the result list, :meth:`sql` the
    call itself. Used by the store's row expression and by the projections."""

    def __init__(self, pipeline: str, list_name: str = "_j") -> None:
        self.pipeline = pipeline
        self.list_name = list_name
        self.flat: list[str] = []
        self.index: dict[str, int] = {}

    def _slot(self, ptr: str) -> str:
        if ptr not in self.index:
            self.flat.append(ptr)
            self.index[ptr] = len(self.flat)
        return f"{self.list_name}[{self.index[ptr]}]"

    def add(self, field: str) -> str:
        """SQL for the text of ``field`` (first present key split wins)."""
        slots = [self._slot(p) for p in pointers(self.pipeline, field)]
        return slots[0] if len(slots) == 1 else "coalesce(" + ", ".join(slots) + ")"

    def add_pointer(self, ptr: str) -> str:
        return self._slot(ptr)

    def sql(self, json_sql: str, function: str = "json_extract_string") -> str:
        """The extraction call (``json_extract`` instead gives every value as JSON text, strings quoted)."""
        if not self.flat:
            return "NULL::VARCHAR[]"
        listed = "[" + ", ".join(sql_literal(p) for p in self.flat) + "]"
        return f"{function}({json_sql}, {listed})"

    def __bool__(self) -> bool:
        return bool(self.flat)


__all__ = [
    "DOTTED_KEY_PIPELINES",
    "PIPELINES",
    "STAR_FIELDS",
    "SYSTEM_FIELDS",
    "TIME_TEXT_FIELDS",
    "TYPED_FIELDS",
    "Extraction",
    "FieldPlan",
    "as_boolean",
    "as_double",
    "as_integer",
    "field_expression",
    "field_kind",
    "hot_column",
    "json_field",
    "json_path",
    "json_type",
    "key_paths",
    "plan",
    "pointer",
    "pointers",
    "read",
    "segments",
    "typed_columns",
]
