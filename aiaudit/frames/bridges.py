"""Bridges between pipelines: request ids on spans, runtime ARNs, and null-safe joins.

Request id of a span (DESIGN §3), first that applies:

1. ``own`` — the span's ``attributes.aws.request_id`` (ADOT botocore instrumentation), else
   ``attributes.aws.request.id`` (AgentCore Gateway/policy spans);
2. ``descendant`` — otherwise, the id its descendants in the same trace carry, provided they carry
   exactly one distinct id. An agent's ``chat`` span often has the AWS call as a child (or deeper); a
   span whose subtree holds two different AWS calls (an agent loop, a root span) is not one request
   and gets no id (null) rather than an arbitrary one.

The rule is one SQL query (:func:`bridge_sql`): a recursive walk from every span carrying an id up
through its ancestors (spans are identified by trace id and span id), then, per ancestor, the number
of distinct ids below it. The spans projection applies it inside its own query, over every span of the
traces it selects; :func:`bridge_request_ids` applies it to a frame in hand.

Joins never match a null key to a null key (pandas ``merge`` would); rows without a key are kept on the
left of a left join with the right side empty.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from aiaudit.frames.build import to_frame
from aiaudit.frames.models import normalise_runtime_arn

__all__ = [
    "bridge_request_ids",
    "bridge_sql",
    "join_invocations_cloudtrail",
    "join_spans_cloudtrail",
    "normalise_runtime_arn",
]


def bridge_sql(rows: str) -> str:
    """``rows`` (a SELECT with the columns ``_b_trace``, ``_b_span``, ``_b_parent``, ``_b_own``) with
    ``request_id`` and ``request_id_source`` added."""
    return f"""(WITH RECURSIVE _s AS ({rows}),
_edges AS (
    SELECT DISTINCT _b_trace AS t, _b_span AS s, _b_parent AS p FROM _s
    WHERE _b_trace IS NOT NULL AND _b_span IS NOT NULL AND _b_parent IS NOT NULL
),
_up(t, anc, rid) AS (
    SELECT _b_trace, _b_parent, _b_own FROM _s
    WHERE _b_own IS NOT NULL AND _b_trace IS NOT NULL AND _b_parent IS NOT NULL
    UNION
    SELECT _up.t, _edges.p, _up.rid FROM _up JOIN _edges ON _edges.t = _up.t AND _edges.s = _up.anc
),
_below AS (
    SELECT t, anc, CASE WHEN count(DISTINCT rid) = 1 THEN min(rid) END AS rid FROM _up GROUP BY t, anc
)
SELECT _s.*, coalesce(_s._b_own, _below.rid) AS request_id,
       CASE WHEN _s._b_own IS NOT NULL THEN 'own' WHEN _below.rid IS NOT NULL THEN 'descendant' END
           AS request_id_source
FROM _s LEFT JOIN _below ON _below.t = _s._b_trace AND _below.anc = _s._b_span)"""


def _ids(frame: pd.DataFrame, *names: str) -> pa.Array:
    """The first present column as text (empty text is missing)."""
    for name in names:
        if name in frame.columns:
            values = pa.array(frame[name].astype("string"), type=pa.string())
            return pa.compute.if_else(pa.compute.equal(values, ""), pa.scalar(None, pa.string()), values)
    return pa.nulls(len(frame), pa.string())


def bridge_request_ids(spans: pd.DataFrame) -> pd.DataFrame:
    """``request_id`` and ``request_id_source`` (own / descendant / null) for each span, same index.

    Works on a projected spans frame (``trace_id``, ``span_id``, ``parent_span_id``, and the two raw
    request-id attribute columns) or on raw-named columns (``traceId``, ``spanId``, ``parentSpanId``).
    """
    a, b = _ids(spans, "attributes.aws.request_id"), _ids(spans, "attributes.aws.request.id")
    table = pa.table(
        {
            "_pos": pa.array(range(len(spans)), type=pa.int64()),
            "_b_trace": _ids(spans, "trace_id", "traceId"),
            "_b_span": _ids(spans, "span_id", "spanId"),
            "_b_parent": _ids(spans, "parent_span_id", "parentSpanId"),
            "_b_own": pa.compute.coalesce(a, b),
        }
    )
    con = duckdb.connect()
    try:
        con.register("_spans", table)
        out = con.sql(f"SELECT request_id, request_id_source FROM {bridge_sql('SELECT * FROM _spans')} ORDER BY _pos")
        result = out.to_arrow_table()
    finally:
        con.close()
    frame = to_frame("spans", result, ["request_id", "request_id_source"])
    frame.index = spans.index
    return frame


def _join(left: pd.DataFrame, right: pd.DataFrame, on: str, suffixes: tuple[str, str], how: str) -> pd.DataFrame:
    keyed = right[right[on].notna()]
    return left.merge(keyed, on=on, how=how, suffixes=suffixes)  # type: ignore[arg-type]


def join_invocations_cloudtrail(
    invocations: pd.DataFrame, cloudtrail: pd.DataFrame, *, how: str = "left"
) -> pd.DataFrame:
    """Invocation rows with their CloudTrail event (``requestId`` = ``requestID``); columns of both
    sides that share a name get ``_inv`` / ``_ct`` suffixes."""
    return _join(invocations, cloudtrail, "request_id", ("_inv", "_ct"), how)


def join_spans_cloudtrail(
    spans: pd.DataFrame,
    cloudtrail: pd.DataFrame,
    *,
    on: str = "request_id",
    within: pd.Timedelta | None = None,
    how: str = "left",
) -> pd.DataFrame:
    """Spans with CloudTrail events, by coalesced request id (``on="request_id"``) or by AgentCore runtime
    (``on="runtime_arn"``: span ``cloud.resource_id`` = CloudTrail ``inScopeOf.credentialsIssuedTo`` /
    runtime resource). A runtime is not one request, so pass ``within`` to keep only events whose time
    is within that distance of the span's [start, end]."""
    if on not in ("request_id", "runtime_arn"):
        raise ValueError("on must be 'request_id' or 'runtime_arn'")
    out = _join(spans, cloudtrail, on, ("_span", "_ct"), how)
    if within is not None and len(out):
        start = out["time_span"] - within
        end = out["end_time"].fillna(out["time_span"]) + within
        ct_time = out["time_ct"]
        keep = ct_time.isna() if how == "left" else pd.Series(False, index=out.index)
        out = out[((ct_time >= start) & (ct_time <= end)).fillna(False) | keep]
    return out.reset_index(drop=True)
