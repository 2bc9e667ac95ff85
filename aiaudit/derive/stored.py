"""Values the store computes once per record, at ingest, beside the typed fields: the principal columns,
and the invocation columns read from the request and response bodies (:mod:`aiaudit.derive.bodies`).

Why: the principal rules (:mod:`aiaudit.derive.identity`) parse up to two ARNs per CloudTrail event and
test a dozen identity fields. Evaluated at every re-open, they were about a third of the CPU of a full
frame (2.5 of 7.3–7.8 CPU-seconds over a million events), and a focus on a principal had to search the
raw text of fourteen identity fields of every record before computing them exactly. Computed once at
ingest, a re-open reads a dictionary-compressed column, and a focus on a principal is an equality on one
column that DuckDB pushes into the scan. Reading the bodies was nearly all of an invocations frame (4.6 of
4.8 s over 100k logs); stored, a re-open + full frame takes 1.6 s. An offloaded body is not read here (the
export's ``data/`` folder is a projection's input): see :func:`aiaudit.derive.bodies.offloaded`.

The columns are named ``_ingest_<frame column>`` (``_ingest_principal``): the ``_`` keeps them apart from
Logs Insights field names, as the store's other bookkeeping columns. Their SQL is the projection's own
(the same graph nodes), evaluated over the row the ingest is about to store; :func:`fingerprint` is part of
the store's layout fingerprint, so a change of the rules rebuilds every store from its data.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from aiaudit.derive import bodies, identity
from aiaudit.derive import expr as E
from aiaudit.query.fields import plan
from aiaudit.query.quoting import sql_identifier as q

#: Frame columns stored per pipeline, with their DuckDB types.
STORED: dict[str, tuple[tuple[str, str], ...]] = {
    "cloudtrail": (
        ("principal", "VARCHAR"),
        ("principal_session", "VARCHAR"),
        ("principal_type", "VARCHAR"),
        ("account", "VARCHAR"),
        ("cross_account", "BOOLEAN"),
        ("invoked_by", "VARCHAR"),
    ),
    "invocations": (
        ("principal", "VARCHAR"),
        ("principal_session", "VARCHAR"),
        ("principal_type", "VARCHAR"),
        ("account", "VARCHAR"),
        ("cross_account", "BOOLEAN"),
        *bodies.COLUMNS,
    ),
    "spans": (),
    "runtime_logs": (),
}
PREFIX = "_ingest_"


def column(name: str) -> str:
    """The store column holding frame column ``name``."""
    return PREFIX + name


def columns(pipeline: str) -> list[tuple[str, str]]:
    """``(store column, DuckDB type)`` of every stored value of ``pipeline``."""
    return [(column(name), kind) for name, kind in STORED[pipeline]]


def graph(pipeline: str) -> E.Graph:
    """The nodes computing ``pipeline``'s stored values from a row whose columns are the field names."""
    g = E.Graph()
    if pipeline == "cloudtrail":
        fields = {name: q(name) for name in (*identity.CLOUDTRAIL_FIELDS, "userIdentity.accessKeyId")}
        identity.cloudtrail_principal(g, fields)
    elif pipeline == "invocations":
        identity.invocation_principal(g, q("accountId"))
        bodies.column_nodes(g)
    return g


def _invocation_row(row: str) -> str:
    """``row`` with what the body columns read: the bodies and the fields without a typed column read out of
    ``@message`` (one parse), the bodies' ``_b_*`` values (:func:`aiaudit.derive.bodies.ctes`, keyed by a
    row number), sizes and sources. Offloaded bodies read as absent here (see :func:`bodies.offloaded`)."""
    untyped = [name for name in bodies.FIELDS if not plan("invocations", name).column]
    raw, items = E.message_reads("invocations", untyped, bodies.JSON_FIELDS)
    parsed = (
        f"SELECT *, CASE WHEN {q('_json')} THEN CAST({raw.sql(q('@message'), 'json_extract')} AS VARCHAR[]) END AS _jj,"
        f" row_number() OVER () AS _rid FROM ({row}) AS _r0"
    )
    read = f"SELECT *, {', '.join(items)} FROM ({parsed}) AS _r1"
    ctes = [("_ingest_rows", bodies.inputs(read, offload=False)), *bodies.ctes("_ingest_rows")]
    main = "SELECT * FROM _ingest_rows LEFT JOIN _bodies USING (_rid)"
    return f"WITH RECURSIVE {E.with_clause(ctes, main)} {main}"


@lru_cache(maxsize=8)
def select(pipeline: str, row: str) -> str:
    """``row`` (a SELECT naming its columns as the store does) with the stored values added as columns
    (beside the rules' intermediate values: the caller picks the columns it stores)."""
    stored = STORED[pipeline]
    if not stored:
        return row
    g = graph(pipeline)
    outputs = [f"CAST({name} AS {kind}) AS {q(column(name))}" for name, kind in stored]
    source = _invocation_row(row) if pipeline == "invocations" else row
    layered = E.layered(source, g.needed([name for name, _ in stored]).layers())
    return f"SELECT *, {', '.join(outputs)} FROM ({layered}) AS _stored"


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """A digest of every stored value's SQL: a store computed by other rules must be rebuilt."""
    text = "\n".join(select(p, "SELECT 1") for p in STORED)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
