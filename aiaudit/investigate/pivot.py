"""Pivot: from one value to everything in every pipeline that mentions it, and what is linked to that.

:func:`classify` says what a value is — an identity (IAM/STS ARN, ``jwt:``/``ip:`` principal), an access
key id (``AKIA``/``ASIA``), an IP address, a trace id (32 hex or X-Ray form), a UUID (searched as a
request id *and* a session id: AgentCore session ids are often UUIDs), an AgentCore runtime ARN, another
resource ARN, a model id, or free text (searched as session id, session name, request id, service and
tool name). :func:`pivot` then

1. finds the records that mention the value in ``time_range`` (default: the whole data span) — the
   *sightings*, ``via = "value"``, ``hop = 0``;
2. widens to ``[first sighting − around, last sighting + around]`` and follows, hop by hop
   (:mod:`aiaudit.investigate.gather`, ``hop ≥ 1``), request, trace and session ids and the resource links:
   a guardrail change to the invocations made under it, a logging change to the window it blinded, an
   agent turn to its runtime's CloudTrail events, a Gateway caller to the credentials of the runtime
   behind the tool it called (``via`` names the key or link that reached each row).

The matching is done on the normalised projection columns (a role ARN matches calls made from any of
its sessions; an inference profile matches its base model), never on re-derived identities.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pandas as pd

from aiaudit.core.config import PIPELINES
from aiaudit.core.errors import InputError
from aiaudit.core.timerange import TimeRange
from aiaudit.frames import (
    FOCUS_COLUMNS,
    model_provider,
    normalise_model_id,
    normalise_runtime_arn,
    normalise_trace_id,
    principal_key,
)
from aiaudit.frames.principals import parse_arn
from aiaudit.investigate.access import Telemetry
from aiaudit.investigate.correlate import as_timedelta
from aiaudit.investigate.gather import DEFAULT_FOLLOW, _mark, check_follow, expand, match
from aiaudit.investigate.timeline import events_frame
from aiaudit.investigate.vocab import guardrail_key

_ACCESS_KEY = re.compile(r"^(AKIA|ASIA)[A-Z0-9]{12,124}$")
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
_XRAY = re.compile(r"^1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_PRINCIPAL_PREFIXES = ("jwt:", "ip:", "account:", "saml:", "webidentity:")
#: Hops a pivot follows by default: change → effect → its calls → their traces → what the traces called.
DEFAULT_HOPS = 4

#: facet -> pipeline -> columns that mention it.
FACETS: dict[str, dict[str, tuple[str, ...]]] = {
    "principal": {"cloudtrail": ("principal",), "invocations": ("principal",)},
    "resource": {"cloudtrail": ("resource_arns", "credentials_issued_to")},
    "access_key_id": {"cloudtrail": ("access_key_id",)},
    "source_ip": {"cloudtrail": ("source_ips",)},
    "trace_id": {"spans": ("trace_id",), "runtime_logs": ("trace_id",)},
    "request_id": {"cloudtrail": ("request_id",), "invocations": ("request_id",), "spans": ("request_id",)},
    "session_id": {"spans": ("session_id",), "runtime_logs": ("session_id",)},
    "runtime_arn": {"cloudtrail": ("runtime_arn",), "spans": ("runtime_arn",), "runtime_logs": ("runtime_arn",)},
    "model_id": {"cloudtrail": ("model_id",), "invocations": ("model_id",), "spans": ("model_id",)},
    "model_raw": {"cloudtrail": ("model_id_raw",), "invocations": ("model_id_raw",), "spans": ("model_id_raw",)},
    "guardrail_id": {"cloudtrail": ("guardrail_id",), "invocations": ("guardrail_id",)},
    "span_resource": {"spans": ("resource_arn",)},
    "principal_session": {"cloudtrail": ("principal_session",), "invocations": ("principal_session",)},
    "service": {"spans": ("service",), "runtime_logs": ("service",)},
    "tool": {"spans": ("tool_name",), "cloudtrail": ("mcp_tool",)},
}
_CASE_FREE = frozenset({"request_id", "trace_id", "session_id", "access_key_id"})

#: what each kind of value is searched as
KIND_FACETS: dict[str, tuple[str, ...]] = {
    "principal": ("principal", "resource"),
    "access_key_id": ("access_key_id",),
    "ip": ("source_ip",),
    "trace_id": ("trace_id",),
    "uuid": ("request_id", "session_id"),
    "runtime_arn": ("runtime_arn", "resource", "span_resource"),
    "resource_arn": ("resource", "span_resource", "model_raw", "guardrail_id", "runtime_arn"),
    "model_id": ("model_id", "model_raw"),
    "text": ("session_id", "request_id", "principal_session", "service", "tool", "guardrail_id"),
}


def classify(value: str) -> str:
    """The kind of a pivot value: principal, access_key_id, ip, trace_id, uuid, runtime_arn, resource_arn,
    model_id or text."""
    text = str(value).strip()
    if not text:
        raise InputError("nothing to pivot on: the value is empty", where="value")
    if text.startswith(_PRINCIPAL_PREFIXES):
        return "principal"
    if _ACCESS_KEY.match(text):
        return "access_key_id"
    try:
        ipaddress.ip_address(text)
        return "ip"
    except ValueError:
        pass
    if _HEX32.match(text) or _XRAY.match(text):
        return "trace_id"
    if _UUID.match(text):
        return "uuid"
    arn = parse_arn(text)
    if arn is not None:
        head = arn.resource.split("/", 1)[0]
        if arn.service in ("iam", "sts", "identitystore") and (
            head in ("role", "user", "assumed-role", "federated-user", "root") or arn.resource == "root"
        ):
            return "principal"
        if arn.service == "bedrock-agentcore" and head == "runtime":
            return "runtime_arn"
        if arn.service == "bedrock" and head in ("foundation-model", "inference-profile"):
            return "model_id"
        return "resource_arn"
    if model_provider(text) is not None:
        return "model_id"
    return "text"


def _facet_values(facet: str, value: str) -> set[str]:
    if facet == "principal":
        key = principal_key(value)
        return {key} if key else set()
    if facet == "trace_id":
        trace = normalise_trace_id(value)
        return {trace} if trace else set()
    if facet == "runtime_arn":
        arn = normalise_runtime_arn(value)
        return {arn} if arn else set()
    if facet == "model_id":
        model = normalise_model_id(value)
        return {model} if model else set()
    if facet == "guardrail_id":
        return {v for v in (value, guardrail_key(value)) if v}
    return {value.lower()} if facet in _CASE_FREE else {value}


@dataclass
class PivotResult:
    """What a pivot found: per-pipeline frames (with ``via``/``hop``), one combined event frame, counts."""

    value: str
    kind: str
    facets: tuple[str, ...]
    search_range: TimeRange | None
    window: TimeRange | None
    frames: dict[str, pd.DataFrame]
    follow: tuple[str, ...] = DEFAULT_FOLLOW
    notes: list[str] = field(default_factory=list)
    queries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def events(self) -> pd.DataFrame:
        """Every row found, as one time-ordered event frame (built on first use: summaries cost time)."""
        cached = self.__dict__.get("_events")
        if cached is None:
            cached = events_frame(self.frames, extra=("via", "hop"))
            self.__dict__["_events"] = cached
        return cached

    @property
    def counts(self) -> pd.DataFrame:
        """Rows per pipeline: direct sightings, linked rows, total."""
        rows = []
        for pipeline in PIPELINES:
            frame = self.frames.get(pipeline)
            n = 0 if frame is None else len(frame)
            direct = 0 if frame is None or not n else int((frame["hop"] == 0).sum())
            rows.append({"pipeline": pipeline, "direct": direct, "linked": n - direct, "total": n})
        return pd.DataFrame(rows)

    @property
    def ptrs(self) -> set[str]:
        return {p for f in self.frames.values() for p in f["@ptr"].dropna()}

    def __repr__(self) -> str:
        counts = ", ".join(f"{r.pipeline}={r.total}" for r in self.counts.itertuples())
        return f"<PivotResult {self.kind} {self.value!r} window={self.window} {counts}>"


def find(tel: Telemetry, value: str, time_range: TimeRange | None, facets: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Direct sightings of ``value`` per pipeline (each row once, whichever facet matched first)."""

    pushdown = {"principal": "principal", "source_ip": "source_ip", "request_id": "request_id"}
    pushdown |= {"session_id": "session_id", "trace_id": "trace_id", "model_id": "model_id"}
    found: dict[str, pd.DataFrame] = {}
    for pipeline in PIPELINES:
        relevant = [f for f in facets if pipeline in FACETS[f]]
        if not relevant:
            continue
        hits = []
        for facet in relevant:
            values = _facet_values(facet, value)
            if not values:
                continue
            key = pushdown.get(facet)
            cols = FACETS[facet][pipeline]
            if key and set(cols) <= set(FOCUS_COLUMNS[pipeline].get(key, ())):
                frame = tel.projection(pipeline, time_range, **{key: sorted(values)})
            else:
                frame = tel.projection(pipeline, time_range)
            hit = frame[match(frame, cols, values, casefold=facet in _CASE_FREE)]
            if len(hit):
                hits.append(hit)
        if hits:
            combined = pd.concat(hits, ignore_index=True).drop_duplicates("@ptr")
            found[pipeline] = _mark(combined, "value", 0)
    return found


def pivot(
    data: Any,
    value: str,
    *,
    around: timedelta | str = "1h",
    time_range: TimeRange | None = None,
    kind: str | None = None,
    follow: tuple[str, ...] | None = None,
    hops: int = DEFAULT_HOPS,
) -> PivotResult:
    """Everything in every pipeline that mentions ``value``, plus records linked to those sightings.

    ``time_range`` is where sightings are searched (default: the data's span); ``around`` widens the
    sightings' span for linked records; ``kind`` overrides :func:`classify`; ``follow`` names the keys to
    follow (default :data:`~aiaudit.investigate.gather.DEFAULT_FOLLOW`: request, trace and session ids and
    the resource links ``session_runtime``, ``guardrail_change``, ``blinded_window``, ``gateway_runtime``,
    ``gateway_call``, ``unauthenticated_ip``; add ``principal``, ``source_ip``, ``guardrail_id`` or
    ``runtime_arn`` to fan out). ``hops`` bounds the chain: four reach a guardrail change's invocations,
    their calls and traces, and the gateway calls those traces made.
    """
    tel = Telemetry.of(data)
    text = str(value).strip()
    kind = kind or classify(text)
    if kind not in KIND_FACETS:
        raise InputError(f"unknown pivot kind {kind!r} (one of {', '.join(KIND_FACETS)})", where="kind")
    facets = KIND_FACETS[kind]
    keys = check_follow(follow)
    pad = as_timedelta(around, timedelta(hours=1)) or timedelta(hours=1)
    search = time_range if time_range is not None else tel.data_span()
    notes: list[str] = []
    if kind == "principal" and text.startswith("arn:") and ":assumed-role/" in text:
        notes.append(f"{text} is a session ARN: pivoting on its role {principal_key(text)} (every session)")
    found = find(tel, text, search, facets)
    window: TimeRange | None = None
    if found:
        times = pd.concat([f["time"] for f in found.values()]).dropna()
        if len(times):
            window = TimeRange(times.min().floor("s") - pad, times.max().floor("s") + pad)
        found = expand(tel, window, found, follow=keys, hops=hops, notes=notes)
    else:
        notes.append(f"no record mentions {text!r} in {search}")
    frames = {p: f.sort_values("time", kind="stable").reset_index(drop=True) for p, f in found.items()}
    return PivotResult(
        value=text,
        kind=kind,
        facets=facets,
        search_range=search,
        window=window,
        frames=frames,
        follow=keys,
        notes=notes,
        queries=list(tel.queries),
    )
