"""Correlation across pipelines: by request id, by session (or runtime ARN within a window), change → effect.

Each function returns frames *and* :class:`~aiaudit.investigate.joins.JoinReport` s (guide catalogue §5
keys; DESIGN §3):

* :func:`correlate_requests` — CloudTrail left-join invocation logs left-join spans on the request id (Q18/Q20 without
  their LIMIT): one row per CloudTrail model call, its invocation log and its span. Columns are prefixed
  ``ct.``, ``inv.``, ``span.`` like the guide's SQL aliases; ``request_id`` is the coalesced key and
  ``matched`` says which pipelines carried it (``ct+inv+span``, ``ct+inv``, ``inv``, ...).
* :func:`correlate_sessions` — agent sessions from spans (``session.id``), with the CloudTrail events of
  the same request ids (exact) or of the same runtime ARN within ``window`` of the session (a runtime
  serves many sessions, so these links are by time and may be ambiguous: the report counts them).
* :func:`change_then_effect` — ``merge_asof``: each effect paired with the latest preceding change of
  the same key within a bound; :func:`guardrail_change_effects` applies it to guardrail changes and the
  invocations that used the guardrail.

Right-hand frames are read with a margin (CloudTrail, invocation log and span clocks differ by
seconds); rows in the margin count only when they match, so unmatched counts refer to the range asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from aiaudit.core.errors import InputError
from aiaudit.core.timerange import TimeRange, parse_duration
from aiaudit.investigate.access import Telemetry, _in_range
from aiaudit.investigate.joins import JoinReport, keyed_join, prefixed, reports_frame
from aiaudit.investigate.vocab import GUARDRAIL_CHANGES, guardrail_key, is_model_call

DEFAULT_MARGIN = timedelta(minutes=5)


def as_timedelta(value: timedelta | str | None, default: timedelta | None = None) -> timedelta | None:
    """``'5m'`` / ``timedelta`` / None → timedelta (months are refused: they have no fixed length)."""
    if value is None:
        return default
    if isinstance(value, timedelta):
        return value
    width = parse_duration(value)
    if isinstance(width, int):
        raise InputError(f"{value!r}: a window in months has no fixed length; use days", where="window")
    return width


def widen(time_range: TimeRange | None, by: timedelta) -> TimeRange | None:
    return None if time_range is None else TimeRange(time_range.start - by, time_range.end + by)


@dataclass
class Correlation:
    """Frames produced by a correlation, and one report per join."""

    frame: pd.DataFrame
    reports: list[JoinReport] = field(default_factory=list)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def report_frame(self) -> pd.DataFrame:

        return reports_frame(self.reports)

    def __repr__(self) -> str:
        lines = [f"<Correlation {len(self.frame)} rows>"] + [f"  {r}" for r in self.reports]
        return "\n".join(lines)


def _restrict(frame: pd.DataFrame, key: str, keep_keys: set[str], time_range: TimeRange | None) -> pd.DataFrame:
    """Rows in range, plus rows in the margin whose key matches."""
    inside = _in_range(frame["time"], time_range) if time_range else pd.Series(True, index=frame.index)
    keyed = frame[key].isin(keep_keys).fillna(False).astype(bool)
    return frame[inside | keyed]


def correlate_requests(
    data: Any,
    time_range: TimeRange | None = None,
    *,
    events: str = "model",
    spans: str = "own",
    how: str = "left",
    margin: timedelta | str = DEFAULT_MARGIN,
    **focus: Any,
) -> Correlation:
    """CloudTrail left-join invocations left-join spans by request id.

    ``events="model"`` keeps the CloudTrail Bedrock model calls (the events that have an invocation log);
    ``"all"`` keeps every event. ``spans="own"`` joins spans that carry the request id themselves (the
    guide's ``attributes.aws.request_id``: one span per call); ``"any"`` adds ancestors that inherit it
    (:func:`aiaudit.frames.bridge_request_ids`), which multiplies rows — reported. ``how="outer"`` also
    keeps invocations and spans with no CloudTrail event. ``focus`` narrows CloudTrail; the other sides
    then keep only rows of the same request ids.
    """
    tel = Telemetry.of(data)
    pad = as_timedelta(margin, DEFAULT_MARGIN) or DEFAULT_MARGIN
    ct = tel.projection("cloudtrail", time_range, **focus)
    if events == "model":
        ct = ct[is_model_call(ct)]
    elif events != "all":
        raise ValueError("events must be 'model' or 'all'")
    inv = tel.projection("invocations", widen(time_range, pad))
    sp = tel.projection("spans", widen(time_range, pad))
    if spans == "own":
        sp = sp[sp["request_id_source"] == "own"]
    elif spans != "any":
        raise ValueError("spans must be 'own' or 'any'")
    sp = sp[sp["request_id"].notna()]
    ct_keys = set(ct["request_id"].dropna())
    if focus:
        inv = inv[inv["request_id"].isin(ct_keys).fillna(False).astype(bool)]
    else:
        inv = _restrict(inv, "request_id", ct_keys, time_range)
    first, r1 = keyed_join(
        prefixed(ct, "ct."),
        prefixed(inv, "inv."),
        left_on="ct.request_id",
        right_on="inv.request_id",
        how=how,
        name="requests: cloudtrail left join invocations",
        left_name="cloudtrail",
        right_name="invocations",
    )
    first["request_id"] = first["ct.request_id"].fillna(first["inv.request_id"]).astype("string")
    keys = set(first["request_id"].dropna())
    sp = (
        sp[sp["request_id"].isin(keys).fillna(False).astype(bool)]
        if focus
        else _restrict(sp, "request_id", keys, time_range)
    )
    out, r2 = keyed_join(
        first,
        prefixed(sp, "span."),
        left_on="request_id",
        right_on="span.request_id",
        how=how,
        name="requests: (cloudtrail left join invocations) left join spans",
        left_name="cloudtrail+invocations",
        right_name="spans",
    )
    out["request_id"] = out["request_id"].fillna(out["span.request_id"]).astype("string")
    parts = [("ct", "ct.@ptr"), ("inv", "inv.@ptr"), ("span", "span.@ptr")]
    out["matched"] = [
        "+".join(tag for tag, col in parts if isinstance(row[col], str) and row[col])
        for _, row in out[[c for _, c in parts]].astype(object).iterrows()
    ]
    out = out.sort_values(["ct.time", "inv.time"], na_position="last", kind="stable").reset_index(drop=True)
    return Correlation(frame=out, reports=[r1, r2], frames={"cloudtrail": ct, "invocations": inv, "spans": sp})


# -- sessions ---------------------------------------------------------------------------------------


def _first(values: pd.Series) -> Any:
    present = values.dropna()
    return present.iloc[0] if len(present) else None


def session_table(spans: pd.DataFrame) -> pd.DataFrame:
    """One row per ``session_id``: runtime ARN(s), service, first start, last end, spans, traces, request ids."""
    keyed = spans[spans["session_id"].notna()]
    rows = []
    for session, group in keyed.groupby("session_id", sort=True):
        runtimes = sorted(set(group["runtime_arn"].dropna()))
        rows.append(
            {
                "session_id": session,
                "runtime_arn": runtimes[0] if len(runtimes) == 1 else (None if not runtimes else runtimes[0]),
                "runtime_arns": runtimes,
                "service": _first(group["service"]),
                "start": group["time"].min(),
                "end": group["end_time"].fillna(group["time"]).max(),
                "spans": len(group),
                "trace_ids": sorted(set(group["trace_id"].dropna())),
                "request_ids": sorted(set(group["request_id"].dropna())),
                "errors": int(group["is_error"].fillna(False).astype(bool).sum()),
            }
        )
    columns = [
        "session_id",
        "runtime_arn",
        "runtime_arns",
        "service",
        "start",
        "end",
        "spans",
        "trace_ids",
        "request_ids",
        "errors",
    ]
    table = pd.DataFrame(rows, columns=columns)
    for col in ("start", "end"):
        table[col] = pd.to_datetime(table[col], utc=True)
    return table


def _ns(times: pd.Series) -> Any:
    return pd.to_datetime(times, utc=True).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")


def interval_pairs(spans: pd.DataFrame, events: pd.DataFrame, pad: timedelta) -> tuple[Any, Any]:
    """Positions ``(into spans, into events)`` of every event whose ``runtime_arn`` is one of a span's
    ``runtime_arns`` and whose ``time`` lies within ``pad`` of that span's ``[start, end]``. ``spans`` is a
    :func:`session_table` (or any frame with those three columns, one row per session or turn).

    Why sorted search rather than a filter per session: a runtime serves thousands of sessions a day, and
    each lookup is then a binary search in that runtime's events."""
    table = spans.reset_index(drop=True)
    table = table.assign(_pos=np.arange(len(table))).explode("runtime_arns")
    table = table[table["runtime_arns"].notna()]
    keyed = events.reset_index(drop=True).assign(_pos=np.arange(len(events)))
    keyed = keyed[keyed["runtime_arn"].notna() & keyed["time"].notna()]
    span_pos: list[Any] = []
    event_pos: list[Any] = []
    for arn, group in keyed.groupby("runtime_arn", sort=True):
        mine = table[table["runtime_arns"] == arn]
        if mine.empty:
            continue
        group = group.sort_values("time", kind="stable")
        times = _ns(group["time"])
        lo = np.searchsorted(times, _ns(mine["start"] - pad), side="left")
        hi = np.searchsorted(times, _ns(mine["end"] + pad), side="right")
        counts = np.maximum(hi - lo, 0)
        if not counts.sum():
            continue
        span_pos.append(np.repeat(mine["_pos"].to_numpy(), counts))
        offsets = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True) if b > a])
        event_pos.append(group["_pos"].to_numpy()[offsets])
    if not span_pos:
        return np.array([], dtype=int), np.array([], dtype=int)
    return np.concatenate(span_pos), np.concatenate(event_pos)


def runtime_time_links(sessions: pd.DataFrame, cloudtrail: pd.DataFrame, pad: timedelta) -> pd.DataFrame:
    """CloudTrail rows of a session's runtime (``runtime_arn``: ``inScopeOf.credentialsIssuedTo`` or a resource)
    within ``pad`` of the session's first start / last end, one row per event and session, with
    ``session_id`` and ``link="runtime_arn+time"`` (the guide's "session + time" link; a runtime serves many
    sessions, so an event near two concurrent sessions appears twice). ``sessions`` is a
    :func:`session_table`."""
    if sessions.empty or cloudtrail.empty:
        return cloudtrail.iloc[0:0].assign(session_id=[], link=[])
    session_pos, event_pos = interval_pairs(sessions, cloudtrail, pad)
    out = cloudtrail.iloc[event_pos].assign(
        session_id=sessions["session_id"].to_numpy()[session_pos], link="runtime_arn+time"
    )
    return out.reset_index(drop=True)


def correlate_sessions(
    data: Any,
    time_range: TimeRange | None = None,
    *,
    window: timedelta | str = "5m",
    **focus: Any,
) -> Correlation:
    """Sessions (from spans) with their CloudTrail events, invocation logs and runtime log records.

    Links, strongest first: ``request_id`` (a span of the session carries the event's request id);
    ``runtime_arn+time`` (the event's runtime ARN — ``inScopeOf.credentialsIssuedTo`` or resource — is
    the session's, and its time is within ``window`` of the session's first start / last end). Runtime
    log records link by ``session_id`` or by ``trace_id``. ``frame`` is the session table; ``frames``
    holds ``cloudtrail``, ``invocations``, ``runtime_logs`` rows with ``session_id`` and ``link`` (one row
    per event and session: an event near two concurrent sessions of one runtime appears twice, and
    the report counts it as ambiguous).
    """
    tel = Telemetry.of(data)
    pad = as_timedelta(window, timedelta(minutes=5)) or timedelta(minutes=5)
    sp = tel.projection("spans", time_range, **focus)
    sessions = session_table(sp)
    wide = widen(time_range, pad)
    ct = tel.projection("cloudtrail", wide)
    inv = tel.projection("invocations", wide)
    rt = tel.projection("runtime_logs", wide)
    reports: list[JoinReport] = []

    # CloudTrail: exact request-id links, then runtime ARN within the window
    by_request = sessions[["session_id", "request_ids"]].explode("request_ids").dropna()
    exact = ct.merge(by_request, left_on="request_id", right_on="request_ids", how="inner").drop(
        columns=["request_ids"]
    )
    exact["link"] = "request_id"
    timed = runtime_time_links(sessions, ct, pad)
    if len(exact) and len(timed):
        already = set(zip(exact["@ptr"], exact["session_id"]))
        timed = timed[[(p, s) not in already for p, s in zip(timed["@ptr"], timed["session_id"])]]
    ct_links = pd.concat([exact, timed], ignore_index=True) if len(exact) or len(timed) else timed
    ct_links = ct_links.sort_values("time", kind="stable").reset_index(drop=True)
    candidates = ct[ct["runtime_arn"].notna() | ct["request_id"].isin(set(by_request["request_ids"]))]
    candidates = candidates[_in_range(candidates["time"], time_range)] if time_range else candidates
    per_event = ct_links.groupby("@ptr")["session_id"].nunique() if len(ct_links) else pd.Series(dtype=int)
    rep = JoinReport(
        name="sessions: sessions left join cloudtrail",
        left="sessions",
        right="cloudtrail",
        keys=["request_id ∈ session request ids", f"runtime_arn and time within ±{pad}"],
        how="left",
        left_rows=len(sessions),
        right_rows=len(candidates),
        left_null_keys=int(sessions["runtime_arn"].isna().sum()) if len(sessions) else 0,
        right_null_keys=0,
        left_matched=int(sessions["session_id"].isin(set(ct_links["session_id"])).sum()) if len(sessions) else 0,
        right_matched=int(candidates["@ptr"].isin(set(ct_links["@ptr"])).sum()),
        rows_out=len(ct_links),
    )
    rep.left_unmatched = rep.left_rows - rep.left_matched
    rep.right_unmatched = rep.right_rows - rep.right_matched
    rep.right_repeated_keys = int((per_event > 1).sum())
    per_session = ct_links.groupby("session_id").size() if len(ct_links) else pd.Series(dtype=int)
    rep.left_repeated_keys = int((per_session > 1).sum())
    rep.cardinality = f"{'n' if rep.right_repeated_keys else '1'}:{'n' if rep.left_repeated_keys else '1'}".replace(
        "n:n", "n:m"
    )
    rep.notes.append(
        "right side = CloudTrail events in range that carry a runtime ARN or a session request id; "
        "left_null_keys = sessions without a runtime ARN (linked by request id only)"
    )
    if rep.right_repeated_keys:
        rep.notes.append(f"{rep.right_repeated_keys} event(s) fall within the window of more than one session")
    reports.append(rep)

    # invocations: by request id
    inv_links = inv.merge(by_request, left_on="request_id", right_on="request_ids", how="inner").drop(
        columns=["request_ids"]
    )
    inv_links["link"] = "request_id"

    # runtime logs: by session id, else by trace id
    by_trace = sessions[["session_id", "trace_ids"]].explode("trace_ids").dropna()
    known_sessions = set(sessions["session_id"])
    direct = rt[rt["session_id"].isin(known_sessions).fillna(False).astype(bool)].assign(link="session_id")
    rest = rt[~rt["@ptr"].isin(set(direct["@ptr"]))]
    via_trace = rest.drop(columns=["session_id"]).merge(
        by_trace.rename(columns={"trace_ids": "trace_id"}), on="trace_id", how="inner"
    )
    via_trace["link"] = "trace_id"
    rt_links = pd.concat([direct, via_trace], ignore_index=True).sort_values("time", kind="stable")

    return Correlation(
        frame=sessions,
        reports=reports,
        frames={
            "cloudtrail": ct_links,
            "invocations": inv_links.reset_index(drop=True),
            "runtime_logs": rt_links.reset_index(drop=True),
            "spans": sp,
        },
    )


# -- change then effect -----------------------------------------------------------------------------


def change_then_effect(
    changes: pd.DataFrame,
    effects: pd.DataFrame,
    *,
    by: str | tuple[str, str] | None = None,
    within: timedelta | str | None = None,
    change_time: str = "time",
    effect_time: str = "time",
    name: str = "change → effect",
) -> tuple[pd.DataFrame, JoinReport]:
    """Each effect paired with the latest change at or before it (same ``by`` key, at most ``within``
    earlier). Every effect row is kept (unpaired ones have empty ``change.*`` columns); change columns
    are prefixed ``change.``; ``change_lag`` is effect time − change time. Cardinality is n:1 at most:
    an effect never multiplies. ``by`` is a column name, or ``(change_column, effect_column)``.
    """
    bound = as_timedelta(within)
    change_key, effect_key = (by, by) if isinstance(by, str) else (by if by else (None, None))
    ch = prefixed(changes, "change.").reset_index(drop=True)
    ch_time = f"change.{change_time}"
    ch["_t"] = pd.to_datetime(ch[ch_time], utc=True).astype("datetime64[ns, UTC]")
    eff = effects.reset_index(drop=True).copy()
    eff["_pos"] = range(len(eff))
    eff["_t"] = pd.to_datetime(eff[effect_time], utc=True).astype("datetime64[ns, UTC]")
    valid_e = eff["_t"].notna()
    valid_c = ch["_t"].notna()
    kwargs: dict[str, Any] = {}
    if change_key:
        ch["_k"] = ch[f"change.{change_key}"].astype("string").astype(object)
        eff["_k"] = eff[effect_key].astype("string").astype(object)
        valid_e &= eff["_k"].notna()
        valid_c &= ch["_k"].notna()
        kwargs["by"] = "_k"
    left = eff[valid_e].sort_values("_t", kind="stable")
    right = ch[valid_c].sort_values("_t", kind="stable")
    if len(left) and len(right):
        paired = pd.merge_asof(
            left, right, on="_t", direction="backward", tolerance=pd.Timedelta(bound) if bound else None, **kwargs
        )
    else:
        paired = left.assign(**{c: pd.Series(dtype=right[c].dtype) for c in right.columns if c not in left.columns})
    rest = eff[~valid_e]
    out = pd.concat([paired, rest], ignore_index=True) if len(rest) else paired
    out = out.sort_values("_pos", kind="stable").drop(columns=["_pos", "_t"] + (["_k"] if change_key else []))
    out = out.reset_index(drop=True)
    for col in ch.columns:
        if col not in out.columns and col not in ("_t", "_k"):
            out[col] = pd.Series([None] * len(out), dtype=ch[col].dtype)
    out["change_lag"] = pd.to_datetime(out[effect_time], utc=True) - pd.to_datetime(out[ch_time], utc=True)
    matched = out[ch_time].notna()
    report = JoinReport(
        name=name,
        left="effects",
        right="changes",
        keys=[f"{effect_key} = change.{change_key}" if change_key else "(no key)", "latest change ≤ effect time"]
        + ([f"within {bound}"] if bound else []),
        how="left (asof, backward)",
        left_rows=len(eff),
        right_rows=len(ch),
        left_null_keys=int((~valid_e).sum()),
        right_null_keys=int((~valid_c).sum()),
        left_matched=int(matched.sum()),
        rows_out=len(out),
    )
    report.left_unmatched = report.left_rows - report.left_matched
    if "change.@ptr" in out.columns and "change.@ptr" in ch.columns:
        used = set(out.loc[matched, "change.@ptr"].dropna())
        report.right_matched = int(ch["change.@ptr"].isin(used).sum())
        per_change = out.loc[matched].groupby("change.@ptr").size()
        report.right_repeated_keys = 0
        report.left_repeated_keys = int((per_change > 1).sum())
        report.cardinality = "n:1" if report.left_repeated_keys else "1:1"
    report.right_unmatched = report.right_rows - report.right_matched
    report.notes.append("each effect pairs with at most one change; changes with no effect are counted, not listed")
    return out, report


def guardrail_change_effects(
    data: Any,
    time_range: TimeRange | None = None,
    *,
    within: timedelta | str = "24h",
    events: frozenset[str] = GUARDRAIL_CHANGES,
    lookback: timedelta | str | None = None,
) -> Correlation:
    """Guardrail changes (CloudTrail, successful) → the invocations that used that guardrail afterwards
    (catalogue Q21's question, with a key and a bound). Changes are read from ``lookback`` (default:
    ``within``) before the range so an effect early in the range still finds its change; a pivot, which
    only asks about changes inside its window, passes ``lookback=timedelta(0)``."""
    tel = Telemetry.of(data)
    bound = as_timedelta(within, timedelta(hours=24)) or timedelta(hours=24)
    before = bound if lookback is None else as_timedelta(lookback, bound)
    ct_range = None if time_range is None or before is None else TimeRange(time_range.start - before, time_range.end)
    ct = tel.projection("cloudtrail", ct_range)
    changes = ct[ct["eventName"].isin(events).fillna(False).astype(bool) & ~ct["is_error"].fillna(False).astype(bool)]
    changes = changes.assign(guardrail_key=changes["guardrail_id"].map(guardrail_key).astype("string"))
    inv = tel.projection("invocations", time_range)
    effects = inv[inv["guardrail_id"].notna()]
    effects = effects.assign(guardrail_key=effects["guardrail_id"].map(guardrail_key).astype("string"))
    frame, report = change_then_effect(
        changes, effects, by="guardrail_key", within=bound, name="guardrail change → invocations"
    )
    return Correlation(frame=frame, reports=[report], frames={"changes": changes, "effects": effects})
