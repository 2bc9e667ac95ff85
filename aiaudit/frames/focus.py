"""Focus filters (DESIGN §2), part of the projection query: a cheap superset first, then the exact match.

A principal is computed once per record at ingest (:mod:`aiaudit.derive.stored`): a focus on it is an
equality on that stored column, pushed into the scan, and that is the whole match. For the other keys,
two steps.

Why two steps: focus values are *normalised* (a role ARN, a base model id), while records hold *raw*
text (an STS session ARN, a ``us.`` inference profile, a comma-joined source IP). Computing the
normalised columns of every record to compare them would cost as much as the whole projection, so
:func:`focus_query` first keeps only records whose raw fields contain the text every matching record
must contain (:func:`tokens`: a role's account and ``/NAME``, a model's base id ...) — on typed columns
this reads a few short strings per record — and then compares the normalised columns exactly, on those
records only. Different keys AND together, values of one key OR.

A focus key a pipeline cannot carry (``session_id`` on CloudTrail, ``source_ip`` on spans) is ignored
for that pipeline, with a note in ``frame.attrs["warnings"]``. A principal that normalises to unknown
(``<redacted>``) matches nothing. Spans focused on ``request_id`` keep every span of the traces that
hold the id, since a span can inherit its request id from a descendant (:mod:`aiaudit.frames.bridges`);
the bridge is computed over those whole traces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from aiaudit.derive import expr as E
from aiaudit.derive import stored
from aiaudit.frames.models import normalise_model_id, normalise_trace_id, trace_id_sql
from aiaudit.frames.pipelines import CT_PRINCIPAL_FIELDS
from aiaudit.frames.principals import parse_arn, principal_key
from aiaudit.query.fields import field_expression, plan
from aiaudit.query.quoting import sql_literal

#: Normalised columns each focus key is matched against, per pipeline (any column may match).
FOCUS_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "cloudtrail": {
        "principal": ("principal",),
        "source_ip": ("source_ips",),
        "request_id": ("request_id",),
        "event_name": ("eventName",),
        "model_id": ("model_id",),
        "region": ("region",),
        "account": ("account", "recipient_account"),
    },
    "invocations": {
        "principal": ("principal",),
        "request_id": ("request_id",),
        "event_name": ("operation",),
        "model_id": ("model_id",),
        "region": ("region", "inference_region"),
        "account": ("account", "accountId"),
    },
    "spans": {
        "request_id": ("request_id",),
        "session_id": ("session_id",),
        "trace_id": ("trace_id",),
        "event_name": ("name", "gen_ai_operation"),
        "model_id": ("model_id",),
        "region": ("region",),
        "account": ("account",),
    },
    "runtime_logs": {
        "session_id": ("session_id",),
        "trace_id": ("trace_id",),
        "event_name": ("event_name",),
        "region": ("region",),
        "account": ("account",),
    },
}
#: Raw fields whose text contains a focus value's tokens in every record the focus matches.
SOURCE_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "cloudtrail": {
        "principal": CT_PRINCIPAL_FIELDS,
        "source_ip": ("sourceIPAddress",),
        "request_id": ("requestID",),
        "event_name": ("eventName",),
        "model_id": ("requestParameters.modelId",),
        "region": ("awsRegion",),
        "account": CT_PRINCIPAL_FIELDS,
    },
    "invocations": {
        "principal": ("identity.arn",),
        "request_id": ("requestId",),
        "event_name": ("operation",),
        "model_id": ("modelId",),
        "region": ("region", "inferenceRegion"),
        "account": ("identity.arn", "accountId"),
    },
    "spans": {
        "request_id": ("attributes.aws.request_id", "attributes.aws.request.id"),
        "session_id": ("attributes.session.id",),
        "event_name": ("name", "attributes.gen_ai.operation.name"),
        "model_id": ("attributes.gen_ai.request.model",),
        "region": (
            "resource.attributes.cloud.region",
            "attributes.aws.resource.arn",
            "resource.attributes.cloud.resource_id",
        ),
        "account": ("attributes.aws.resource.arn", "resource.attributes.cloud.resource_id"),
    },
    "runtime_logs": {
        "session_id": ("attributes.session.id",),
        "event_name": ("attributes.event.name",),
        "region": ("resource.attributes.cloud.region", "resource.attributes.cloud.resource_id"),
        "account": ("resource.attributes.cloud.resource_id",),
    },
}

_NORMALISE: dict[str, Callable[[Any], str | None]] = {
    "principal": principal_key,
    "model_id": normalise_model_id,
    "trace_id": normalise_trace_id,
}


def normalise_focus(focus: Mapping[str, Sequence[str]]) -> dict[str, list[str | None]]:
    """Focus values in the form of the frame's normalised columns (None = unknown, matches nothing)."""
    out: dict[str, list[str | None]] = {}
    for key, values in focus.items():
        norm = _NORMALISE.get(key, lambda v: str(v).strip() or None)
        out[key] = [norm(v) for v in values]
    return out


def tokens(key: str, value: str) -> list[str]:
    """Texts that every raw field value a record normalises to ``value`` from contains (one field per
    token): a role or user ARN gives its account and ``/NAME`` (an STS session ARN and an issuer ARN
    with a path both contain them), a ``jwt:``/``ip:``/``account:``/``saml:`` principal its last part,
    a root its account; any other value itself (base model ids are inside profile ids and ARNs)."""
    if key != "principal":
        return [value]
    if value.startswith(("jwt:", "ip:", "account:", "saml:", "webidentity:")):
        tail = value.split(":", 1)[1]
        return [tail.split("#")[-1]] if tail.split("#")[-1] else [tail]
    arn = parse_arn(value)
    if arn is None:
        return [value]
    if arn.service == "identitystore":
        return [arn.resource.rsplit("/", 1)[-1]]
    if arn.resource == "root":
        return [arn.account]  # a root principal may be built from the account alone
    name = arn.resource.rsplit("/", 1)[-1]
    return [t for t in (arn.account, ("/" + name) if "/" in arn.resource else name) if t]


def selective(found: list[str]) -> list[str]:
    """The tokens worth testing in a prefilter: a role's ``/NAME`` without its account id, which most
    records of an account hold anyway. Fewer tokens give a larger superset (the exact match follows), and
    each token costs a scan of every principal field of every record (measured: 0.35 s per token over a
    million CloudTrail events, the account token removing less than 1 % of them)."""
    named = [t for t in found if not (len(t) == 12 and t.isdigit())]
    return named or found


def message_tokens(key: str, value: str) -> list[str] | None:
    """:func:`tokens` that occur verbatim in the record's JSON text, or None when one would be escaped there
    (quotes, backslashes, control characters) or no token is safe (``trace_id``, spelt two ways)."""
    if key == "trace_id":
        return None
    found = tokens(key, value)
    if any(not t or any(c in t for c in '"\\') or not t.isprintable() for t in found):
        return None
    return found


@dataclass
class FocusQuery:
    """SQL of a focus: ``prefilter`` over the table's rows, ``exact`` over the projection's columns (none
    when the prefilter is ``pushed_down``: it then is the exact match)."""

    prefilter: str | None = None
    prefilter_params: list[Any] = field(default_factory=list)
    #: the prefilter compares columns the store computed at ingest only (cheap: pushed into the scan)
    pushed_down: bool = False
    exact: str | None = None
    columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@lru_cache(maxsize=512)
def _read(pipeline: str, name: str) -> str:
    """A field of a table row (its typed column, else its JSON read, NULL for a message that is not JSON)."""
    p = plan(pipeline, name)
    expression = field_expression(pipeline, name).sql(dialect="duckdb")
    return expression if p.column else f"(CASE WHEN _json THEN {expression} END)"


def _contains(pipeline: str, fields: Sequence[str], token: str) -> str:
    """Some field contains ``token`` (a JSON-read field: the message text does, when that is cheaper)."""
    lit = sql_literal(token)
    safe = not any(c in token for c in '"\\') and token.isprintable()
    parts = []
    for name in fields:
        if plan(pipeline, name).column or not safe:
            parts.append(f"coalesce(contains({_read(pipeline, name)}, {lit}), false)")
        else:
            parts.append(f'coalesce(contains("@message", {lit}), false)')
    return "(" + " OR ".join(dict.fromkeys(parts)) + ")"


def _stored(pipeline: str, columns: Sequence[str]) -> list[str]:
    """The store columns of ``columns`` when the store computes every one of them at ingest, else []."""
    stored_names = {name for name, _ in stored.STORED[pipeline]}
    return [stored.column(c) for c in columns] if all(c in stored_names for c in columns) else []


def _trace_norm(text: str) -> str:
    return trace_id_sql(f"lower({E.known(text)})")


def focus_query(
    pipeline: str, focus: Mapping[str, Sequence[str]], table: str, time_sql: str | None = None
) -> FocusQuery:
    """The focus of a projection as SQL (values are normalised first; see the module doc)."""
    out = FocusQuery()
    if not focus:
        return out
    applicable = FOCUS_COLUMNS[pipeline]
    pre: list[str] = []
    exact: list[str] = []
    searched = False  # some key searches raw fields (not a stored-column equality)
    for key, values in normalise_focus(focus).items():
        if key not in applicable:
            out.notes.append(f"focus {key!r} does not apply to {pipeline}; ignored")
            continue
        known_values = [v for v in values if v is not None]
        if not known_values:
            pre.append("FALSE")
            continue
        listed = ", ".join(sql_literal(v) for v in known_values)
        matches = []
        for col in applicable[key]:
            if col == "source_ips":
                matches.append(f"coalesce(list_has_any({E.quote(col)}, [{listed}]), false)")
            else:
                matches.append(f"coalesce({E.quote(col)} IN ({listed}), false)")
            out.columns.append(col)
        exact.append("(" + " OR ".join(matches) + ")")
        if key == "trace_id":
            condition = f"{_trace_norm(_read(pipeline, 'traceId'))} IN ({listed})"
            if pipeline == "runtime_logs":
                condition += f" OR {_trace_norm(_read(pipeline, 'attributes.otelTraceID'))} IN ({listed})"
            pre.append(f"({condition})")
            searched = True
            continue
        stored_columns = _stored(pipeline, applicable[key])
        if stored_columns:  # computed at ingest: the exact match is one column, pushed into the scan
            # (a frame's column is NULL where the message is not JSON: see frames.project._output)
            equal = " OR ".join(f"coalesce({E.quote(c)} IN ({listed}), false)" for c in stored_columns)
            pre.append(f"(_json AND ({equal}))")
            continue
        searched = True
        fields = SOURCE_FIELDS[pipeline][key]
        alternatives = [
            " AND ".join(_contains(pipeline, fields, t) for t in selective(tokens(key, v))) for v in known_values
        ]
        condition = "(" + " OR ".join(f"({a})" for a in alternatives) + ")"
        if pipeline == "spans" and key == "request_id":
            trace = _trace_norm(_read(pipeline, "traceId"))
            inner = f"SELECT {trace} FROM {table} WHERE {condition}" + (f" AND {time_sql}" if time_sql else "")
            condition = f"({condition} OR {trace} IN ({inner}))"
        pre.append(condition)
    out.prefilter = " AND ".join(pre) if pre else None
    out.pushed_down = bool(pre) and not searched
    if out.pushed_down:
        # the prefilter is then the exact match itself: testing the frame's columns again after the scan
        # cost 0.3 CPU-s over 10M events, as the scan hands on one small chunk per vector it read
        out.columns = []
        return out
    out.columns = list(dict.fromkeys(out.columns))
    out.exact = " AND ".join(exact) if exact else None
    return out


def prefilter(
    pipeline: str, focus: Mapping[str, Sequence[str]], table: str | None = None
) -> tuple[str | None, list[Any]]:
    """The superset of a focus as a WHERE fragment over a table of the store's layout (no parameters)."""
    fq = focus_query(pipeline, focus, E.quote(table or pipeline))
    return fq.prefilter, fq.prefilter_params


def apply_focus(frame: pd.DataFrame, focus: Mapping[str, Sequence[str]], pipeline: str | None = None) -> pd.DataFrame:
    """Rows of a projected frame matching every focus key exactly, on the normalised columns."""
    if not focus or len(frame) == 0:
        return frame
    pipeline = pipeline or _guess_pipeline(frame)
    applicable = FOCUS_COLUMNS[pipeline]
    keep = pd.Series(True, index=frame.index)
    notes = list(frame.attrs.get("warnings", []))
    for key, values in normalise_focus(focus).items():
        if key not in applicable:
            notes.append(f"focus {key!r} does not apply to {pipeline}; ignored")
            continue
        wanted = [v for v in values if v is not None]
        match = pd.Series(False, index=frame.index)
        for col in applicable[key]:
            if col not in frame.columns:
                continue
            match |= _isin(frame[col], wanted)
        keep &= match
    out = frame[keep]
    out.attrs["warnings"] = notes
    return out


def _isin(series: pd.Series, wanted: list[str]) -> pd.Series:
    """Cells equal to one of ``wanted`` (list cells: holding one of them), vectorised."""
    if isinstance(series.dtype, pd.ArrowDtype) and pa.types.is_list(series.dtype.pyarrow_dtype):
        lists = pa.chunked_array(series.array._pa_array).combine_chunks()
        hits = pc.is_in(pc.list_flatten(lists), value_set=pa.array(wanted, type=pa.string()))
        rows = pc.unique(pc.filter(pc.list_parent_indices(lists), hits)).to_numpy()
        mask = pd.Series(False, index=series.index)
        mask.iloc[rows] = True
        return mask
    if series.dtype == object:  # a frame built elsewhere with Python lists
        return series.map(lambda xs: isinstance(xs, list) and any(x in wanted for x in xs)).astype(bool)
    return series.isin(wanted).fillna(False).astype(bool)


def _guess_pipeline(frame: pd.DataFrame) -> str:
    if frame.attrs.get("pipeline") in FOCUS_COLUMNS:
        return str(frame.attrs["pipeline"])
    for name, probe in (("cloudtrail", "eventName"), ("invocations", "operation"), ("spans", "parentSpanId")):
        if probe in frame.columns:
            return name
    return "runtime_logs"
