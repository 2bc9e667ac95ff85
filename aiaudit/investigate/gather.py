"""Gathering related records: direct matches, then records linked to them by shared keys, hop by hop.

Why hops over strong keys: a principal appears in CloudTrail and invocation logs, never in spans; a
session id appears in spans and runtime logs, never in CloudTrail. Records of one story are connected by
request ids (CloudTrail ↔ invocation log ↔ span), trace ids (span ↔ span ↔ runtime log) and session ids.
Following those keys a few hops reaches the whole story without pulling in unrelated activity.

Some records of a story share no id with it; they are tied by a *resource* and by time. These links are
resolved from the data (:mod:`aiaudit.investigate.links`, :mod:`aiaudit.investigate.blinded`,
:mod:`aiaudit.investigate.gateway`), each bounded by its resource and a time window, and followed by
default: ``session_runtime`` (an agent turn → its runtime's CloudTrail events while the turn ran),
``guardrail_change`` (a guardrail change → the invocations under it until its next change),
``blinded_window`` (a logging change → the records of the window it blinded that lack their counterpart),
``gateway_runtime`` (gateway calls ↔ credential retrievals of the runtime serving the called target),
``gateway_call`` (an agent's client span to a gateway → its ``InvokeGateway`` event) and
``unauthenticated_ip`` (a party's addresses → calls from them with no identity, e.g. a Gateway 401).

Following a principal or an IP fans out to everything that party did, and a guardrail or a runtime ARN
to every call that used it, so those are opt-in (``follow=``).

Every gathered row carries ``via`` (``value``/``focus``/``range`` for direct matches, else the key that
linked it) and ``hop`` (0 = direct).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from aiaudit.core.config import PIPELINES
from aiaudit.core.errors import InputError
from aiaudit.core.timerange import TimeRange
from aiaudit.frames import FOCUS_COLUMNS
from aiaudit.investigate.access import Telemetry
from aiaudit.investigate.blinded import BlindedWindowLink
from aiaudit.investigate.gateway import GatewayCallLink, GatewayLink
from aiaudit.investigate.links import GuardrailChangeLink, Link, SessionRuntimeLink, UnauthenticatedIpLink
from aiaudit.investigate.vocab import guardrail_key
from aiaudit.sources.base import check_focus

#: Columns holding each linking key, per pipeline.
LINK_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "request_id": {"cloudtrail": ("request_id",), "invocations": ("request_id",), "spans": ("request_id",)},
    "trace_id": {"spans": ("trace_id",), "runtime_logs": ("trace_id",)},
    "session_id": {"spans": ("session_id",), "runtime_logs": ("session_id",)},
    "principal": {"cloudtrail": ("principal",), "invocations": ("principal",)},
    "source_ip": {"cloudtrail": ("source_ips",)},
    "guardrail_id": {"cloudtrail": ("guardrail_id",), "invocations": ("guardrail_id",)},
    "runtime_arn": {"cloudtrail": ("runtime_arn",), "spans": ("runtime_arn",), "runtime_logs": ("runtime_arn",)},
}
#: Keys resolved from the data rather than read from one column, strongest first.
LINKS: dict[str, type[Link]] = {
    link.key: link
    for link in (
        SessionRuntimeLink,
        GuardrailChangeLink,
        BlindedWindowLink,
        GatewayLink,
        GatewayCallLink,
        UnauthenticatedIpLink,
    )
}
DERIVED_LINKS = tuple(LINKS)
#: Ids two records of one story share.
STRONG_KEYS = ("request_id", "trace_id", "session_id")
#: What a pivot follows unless told otherwise: the strong keys and every resource link.
DEFAULT_FOLLOW = STRONG_KEYS + DERIVED_LINKS
CASE_FREE = frozenset({"request_id", "trace_id"})


def _norm(value: Any, casefold: bool | str) -> str | None:
    """A key value as compared: stripped; lower-cased for ids; a guardrail ARN reduced to its id."""
    if value is None or (not isinstance(value, (str, list)) and pd.isna(value)):
        return None
    text = str(value).strip()
    if not text:
        return None
    if casefold == "guardrail":
        return guardrail_key(text)
    return text.lower() if casefold else text


def _fold(key: str) -> bool | str:
    return "guardrail" if key == "guardrail_id" else key in CASE_FREE


def match(frame: pd.DataFrame, columns: Iterable[str], values: set[str], *, casefold: bool | str = False) -> pd.Series:
    """Rows whose value in any of ``columns`` (scalar or list columns) is one of ``values``."""
    hit = pd.Series(False, index=frame.index)
    if not values or frame.empty:
        return hit
    for col in columns:
        if col not in frame.columns:
            continue
        series = frame[col]
        if series.dtype == object or casefold == "guardrail":
            found = series.map(
                lambda v: (
                    any(_norm(x, casefold) in values for x in v)
                    if isinstance(v, list)
                    else _norm(v, casefold) in values
                )
            )
        else:
            keyed = series.astype("string")
            found = (keyed.str.lower() if casefold else keyed).isin(values)
        hit |= found.fillna(False).astype(bool)
    return hit


def keys_of(frames: Mapping[str, pd.DataFrame], follow: Iterable[str]) -> dict[str, set[str]]:
    """Values of each linking key present in the frames."""
    out: dict[str, set[str]] = {k: set() for k in follow}
    for key in follow:
        if key not in LINK_COLUMNS:
            continue  # derived links have their own resolver
        casefold = _fold(key)
        for pipeline, cols in LINK_COLUMNS[key].items():
            frame = frames.get(pipeline)
            if frame is None or frame.empty:
                continue
            for col in cols:
                if col not in frame.columns:
                    continue
                for value in frame[col].tolist():
                    items = value if isinstance(value, list) else [value]
                    out[key].update(v for v in (_norm(x, casefold) for x in items) if v)
    return out


def check_follow(follow: Iterable[str] | None) -> tuple[str, ...]:
    keys = tuple(DEFAULT_FOLLOW if follow is None else follow)
    for key in keys:
        if key not in LINK_COLUMNS and key not in DERIVED_LINKS:
            known = ", ".join((*LINK_COLUMNS, *DERIVED_LINKS))
            raise InputError(f"cannot follow {key!r} (one of {known})", where="follow")
    return keys


def _pipelines(key: str) -> tuple[str, ...]:
    """Pipelines a key can link rows of."""
    return tuple(LINK_COLUMNS[key]) if key in LINK_COLUMNS else LINKS[key].pipelines


def _mark(frame: pd.DataFrame, via: str | pd.Series, hop: int) -> pd.DataFrame:
    out = frame.copy()
    out["via"] = via if isinstance(via, str) else via.to_numpy()
    out["hop"] = hop
    return out


def expand(
    tel: Telemetry,
    window: TimeRange | None,
    found: dict[str, pd.DataFrame],
    *,
    follow: Iterable[str] = DEFAULT_FOLLOW,
    hops: int = 2,
    notes: list[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Add, hop by hop, the records in ``window`` that share a followed key with what was found, or that a
    followed resource link reaches from it (:data:`LINKS`); what a link could not resolve goes to
    ``notes``."""
    keys = check_follow(follow)
    found = {p: f for p, f in found.items()}
    links = {k: LINKS[k](tel, window, notes) for k in keys if k in LINKS}
    seen_keys: dict[str, set[str]] = {k: set() for k in keys}
    for hop in range(1, hops + 1):
        current = keys_of(found, keys)
        for key, link in links.items():
            current[key] = link.values(found)
        fresh = {k: current[k] - seen_keys[k] for k in keys}
        for k in keys:
            seen_keys[k] |= current[k]
        if not any(fresh.values()):
            break
        added = False
        for pipeline in PIPELINES:
            wanted = [k for k in keys if pipeline in _pipelines(k) and fresh[k]]
            if not wanted:
                continue
            frame = tel.projection(pipeline, window)
            have = found.get(pipeline)
            known_ptrs = set(have["@ptr"]) if have is not None else set()
            candidates = frame[~frame["@ptr"].isin(known_ptrs)]
            via = pd.Series(pd.NA, index=candidates.index, dtype="string")
            for key in wanted:
                if key in links:
                    hit = links[key].match(pipeline, candidates, fresh[key])
                else:
                    hit = match(candidates, LINK_COLUMNS[key][pipeline], fresh[key], casefold=_fold(key))
                via = via.where(via.notna() | ~hit, key)
            new = candidates[via.notna()]
            if len(new):
                added = True
                marked = _mark(new, via[via.notna()], hop)
                found[pipeline] = pd.concat([have, marked], ignore_index=True) if have is not None else marked
        if not added:
            break
    return found


def gather_focus(
    data: Any,
    time_range: TimeRange | None,
    focus: Mapping[str, Any],
    *,
    follow: bool | Iterable[str] = True,
    hops: int = 2,
) -> dict[str, pd.DataFrame]:
    """Rows matching ``focus`` in each pipeline the focus applies to, plus (``follow``) linked rows of the
    other pipelines within the same range."""
    tel = Telemetry.of(data)
    wanted = check_focus(focus)
    found: dict[str, pd.DataFrame] = {}
    for pipeline in PIPELINES:
        if not wanted:
            found[pipeline] = _mark(tel.projection(pipeline, time_range), "range", 0)
            continue
        if all(k in FOCUS_COLUMNS[pipeline] for k in wanted):
            found[pipeline] = _mark(tel.projection(pipeline, time_range, **wanted), "focus", 0)
    if wanted and follow:
        keys = STRONG_KEYS if follow is True else tuple(follow)  # type: ignore[arg-type]
        found = expand(tel, time_range, found, follow=keys, hops=hops)
    return found
