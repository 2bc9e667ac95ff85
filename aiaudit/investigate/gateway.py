"""Gateway caller → runtime → credentials: the link the guide can only draw by "time + agent runtime ARN".

Why a link of its own: an ``InvokeGateway`` event names the gateway (``resources[0].ARN``) and the target
that served the call (``additionalEventData.targetId``), never the runtime behind it; a runtime's
token-vault retrievals name the runtime (``userIdentity.inScopeOf.credentialsIssuedTo``), never the
gateway call that led to them. What joins them is the gateway's configuration: each
``CreateGatewayTarget`` / ``UpdateGatewayTarget`` event names a target id and its backend — an MCP server
hosted on an AgentCore runtime (``targetConfiguration.mcp.mcpServer.endpoint``, the runtime ARN
URL-encoded in the path) or a runtime target (``targetConfiguration.http.agentcoreRuntime.arn``).

Configuration is state, so it is read over the whole data span (the latest change at or before each call
wins; a ``DeleteGatewayTarget`` ends it). The calls and retrievals it links are only those in the pivot
window: the target tells *which* runtime, not *which* retrieval, so this is a time correlation and is
opt-in (``follow=(..., "gateway_runtime")``), like following a principal.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

import pandas as pd

from aiaudit.core.timerange import TimeRange
from aiaudit.frames import normalise_runtime_arn
from aiaudit.investigate.access import Telemetry
from aiaudit.investigate.vocab import GATEWAY_TARGET_CHANGES, is_credential_retrieval

KEY = "gateway_runtime"
_RUNTIME_ARN = re.compile(r"arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:\d{12}:runtime/[A-Za-z0-9_-]+")
_CALL_FIELDS = ("resources.0.ARN", "additionalEventData.targetId")


def gateway_id(value: Any) -> str | None:
    """A gateway's id from its id or ARN (``...:gateway/<id>``)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().rsplit("gateway/", 1)[-1].split("/", 1)[0] or None


def runtime_in(configuration: Any) -> str | None:
    """The AgentCore runtime a target configuration points at (URL-encoded in an MCP endpoint, or an ARN)."""
    if configuration is None:
        return None
    text = unquote(configuration if isinstance(configuration, str) else json.dumps(configuration))
    found = _RUNTIME_ARN.search(text)
    return normalise_runtime_arn(found.group(0)) if found else None


_CHANGE_FIELDS = (
    "responseElements.targetId",
    "requestParameters.targetId",
    "responseElements.gatewayArn",
    "requestParameters.gatewayIdentifier",
    "responseElements.targetConfiguration",
    "requestParameters.targetConfiguration",
)


def target_changes(tel: Telemetry) -> pd.DataFrame:
    """Successful gateway-target changes in the data: ``time, gateway_id, target_id, runtime_arn, @ptr``
    (``runtime_arn`` is None for targets served by something else, and after a delete)."""
    columns = ["time", "gateway_id", "target_id", "runtime_arn", "eventName", "@ptr"]
    span = tel.data_span()
    ct = tel.projection("cloudtrail", span, event_name=sorted(GATEWAY_TARGET_CHANGES))
    ok = ct[~ct["is_error"].fillna(False).astype(bool)]
    fields = tel.event_fields(span, tuple(sorted(GATEWAY_TARGET_CHANGES)), _CHANGE_FIELDS)
    by_ptr = {row[0]: row[1:] for row in fields[["@ptr", *_CHANGE_FIELDS]].itertuples(index=False, name=None)}
    rows = []
    for ptr, when, name in zip(ok["@ptr"], ok["time"], ok["eventName"], strict=True):
        found = by_ptr.get(ptr)
        if found is None:
            continue
        target_r, target_p, gateway_r, gateway_p, configured_r, configured_p = (_text(v) for v in found)
        target = target_r or target_p
        gateway = gateway_id(gateway_r) or gateway_id(gateway_p)
        if not target or not gateway:
            continue
        runtime = None
        if name != "DeleteGatewayTarget":
            runtime = runtime_in(configured_r or configured_p)
        rows.append([when, gateway, str(target), runtime, name, ptr])
    out = pd.DataFrame(rows, columns=columns, dtype=object)  # object: a missing runtime stays None
    out["time"] = pd.to_datetime(out["time"], utc=True)
    return out.sort_values("time", kind="stable").reset_index(drop=True)


def _text(value: Any) -> str | None:
    """A field value of a query result (missing → None)."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


class GatewayLink:
    """Resolves gateway calls in one window to the runtime behind their target, and matches rows on it."""

    def __init__(self, tel: Telemetry, window: TimeRange | None, notes: list[str] | None = None) -> None:
        self.tel = tel
        self.window = window
        self.notes = notes if notes is not None else []
        self._runtimes: dict[str, str | None] | None = None

    def call_runtimes(self) -> dict[str, str | None]:
        """``@ptr`` of every InvokeGateway event in the window → the runtime serving its target (or None)."""
        if self._runtimes is not None:
            return self._runtimes
        calls = self.tel.event_fields(self.window, ("InvokeGateway",), _CALL_FIELDS)
        if calls.attrs.get("incomplete"):
            self.notes.append("gateway calls incomplete: " + "; ".join(calls.attrs["incomplete"]))
        changes = target_changes(self.tel) if len(calls) else pd.DataFrame()
        history: dict[tuple[str, str], list[tuple[pd.Timestamp, str | None]]] = {}
        for change in changes.itertuples(index=False):
            history.setdefault((change.gateway_id, change.target_id), []).append((change.time, change.runtime_arn))
        out: dict[str, str | None] = {}
        unknown: set[str] = set()
        assumed: set[str] = set()
        for ptr, stamp, arn, target in zip(
            calls["@ptr"],
            calls["@timestamp"],
            calls["resources.0.ARN"],
            calls["additionalEventData.targetId"],
            strict=True,
        ):
            gateway = gateway_id(arn)
            if not isinstance(target, str) or not target or gateway is None:
                out[ptr] = None
                continue
            past = history.get((gateway, target))
            if not past:
                unknown.add(target)
                out[ptr] = None
                continue
            when = pd.Timestamp(stamp)
            before = [runtime for at, runtime in past if at <= when]
            if not before:
                assumed.add(target)
            out[ptr] = before[-1] if before else past[0][1]
        if unknown:
            self.notes.append(
                f"gateway target(s) {', '.join(sorted(unknown))}: no CreateGatewayTarget/UpdateGatewayTarget in "
                "the data, so their calls are not linked to a runtime"
            )
        if assumed:
            self.notes.append(
                f"gateway target(s) {', '.join(sorted(assumed))}: called before the first configuration event "
                "in the data; that configuration is assumed"
            )
        self._runtimes = out
        return out

    def _resolved(self, frame: pd.DataFrame) -> pd.Series:
        runtimes = self.call_runtimes()
        return frame["@ptr"].map(lambda p: runtimes.get(p)).astype("object")

    def values(self, frame: pd.DataFrame | None) -> set[str]:
        """Runtimes a CloudTrail frame leads to: behind its gateway calls, and those fetching credentials."""
        if frame is None or frame.empty:
            return set()
        out = {r for r in self._resolved(frame) if isinstance(r, str)}
        retrievals = frame[is_credential_retrieval(frame)]
        out |= {r for r in retrievals["runtime_arn"].dropna() if isinstance(r, str)}
        return out

    def match(self, frame: pd.DataFrame, runtimes: set[str]) -> pd.Series:
        """Rows of a CloudTrail frame that are gateway calls served by, or credential retrievals of, one of
        ``runtimes``."""
        if frame.empty or not runtimes:
            return pd.Series(False, index=frame.index, dtype=bool)
        called = self._resolved(frame).isin(runtimes)
        fetched = is_credential_retrieval(frame) & frame["runtime_arn"].isin(runtimes).fillna(False)
        return (called | fetched).astype(bool)
