"""Bridges between pipelines: request ids on spans, runtime ARNs, and null-safe joins.

Request id of a span (DESIGN §3), first that applies:

1. ``own`` — the span's ``attributes.aws.request_id`` (ADOT botocore instrumentation), else
   ``attributes.aws.request.id`` (AgentCore Gateway/policy spans);
2. ``descendant`` — otherwise, the id its descendants in the same trace carry, provided they carry
   exactly one distinct id. An agent's ``chat`` span often has the AWS call as a child (or deeper); a
   span whose subtree holds two different AWS calls (an agent loop, a root span) is not one request
   and gets no id (null) rather than an arbitrary one.

Joins never match a null key to a null key (pandas ``merge`` would); rows without a key are kept on the
left of a left join with the right side empty.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from aiaudit.frames.models import normalise_runtime_arn

__all__ = ["bridge_request_ids", "join_invocations_cloudtrail", "join_spans_cloudtrail", "normalise_runtime_arn"]


def _ids(frame: pd.DataFrame, *names: str) -> list[str | None]:
    """The first present column as text, missing and empty values as None (missingness read vectorised)."""
    for name in names:
        if name in frame.columns:
            column = frame[name]
            return [
                None if missing or v == "" else (v if type(v) is str else str(v))
                for v, missing in zip(column.tolist(), column.isna().tolist())
            ]
    return [None] * len(frame)


def bridge_request_ids(spans: pd.DataFrame) -> pd.DataFrame:
    """``request_id`` and ``request_id_source`` (own / descendant / null) for each span, same index.

    Works on a projected spans frame (``trace_id``, ``span_id``, ``parent_span_id``, and the two raw
    request-id attribute columns) or on raw-named columns (``traceId``, ``spanId``, ``parentSpanId``).
    """
    trace = _ids(spans, "trace_id", "traceId")
    span = _ids(spans, "span_id", "spanId")
    parent = _ids(spans, "parent_span_id", "parentSpanId")
    own_a = _ids(spans, "attributes.aws.request_id")
    own_b = _ids(spans, "attributes.aws.request.id")
    own = [a or b for a, b in zip(own_a, own_b)]
    children: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (t, p) in enumerate(zip(trace, parent)):
        if t is not None and p is not None:
            children[(t, p)].append(i)
    below = _subtree_ids(trace, span, own, children)
    request: list[str | None] = []
    source: list[str | None] = []
    for i, rid in enumerate(own):
        if rid is not None:
            request.append(rid)
            source.append("own")
        elif below[i] is not None and len(below[i]) == 1:  # type: ignore[arg-type]
            request.append(next(iter(below[i])))  # type: ignore[arg-type]
            source.append("descendant")
        else:
            request.append(None)
            source.append(None)
    return pd.DataFrame(
        {
            "request_id": pd.Series(request, index=spans.index, dtype="string"),
            "request_id_source": pd.Series(source, index=spans.index, dtype="string"),
        }
    )


def _subtree_ids(
    trace: list[str | None],
    span: list[str | None],
    own: list[str | None],
    children: dict[tuple[str, str], list[int]],
) -> list[set[str] | None]:
    """Distinct request ids carried by each span's descendants (capped at 2: more is as ambiguous)."""
    result: list[set[str] | None] = [None] * len(own)
    for root in range(len(own)):
        if result[root] is not None:
            continue
        stack: list[tuple[int, bool]] = [(root, False)]
        seen: set[int] = set()
        while stack:
            node, done = stack.pop()
            kids = children.get((trace[node], span[node]), []) if trace[node] and span[node] else []  # type: ignore[arg-type]
            if not done:
                if node in seen:  # a cycle in bad data: stop here
                    continue
                seen.add(node)
                stack.append((node, True))
                stack.extend((k, False) for k in kids if result[k] is None)
                continue
            ids: set[str] = set()
            for k in kids:
                ids |= result[k] or set()
                if own[k]:
                    ids.add(own[k])  # type: ignore[arg-type]
                if len(ids) > 1:
                    break
            result[node] = ids
    return result


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
