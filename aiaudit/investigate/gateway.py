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
window and, for each call, only those while its target pointed at that runtime: the target tells *which*
runtime, not *which* retrieval, so this is a time correlation. A pivot follows it by default; where no
target configuration event names a runtime it links nothing (and says so in the notes).

:class:`GatewayCallLink` (``gateway_call``) is the other side of a gateway: from an agent that *calls* one
(its HTTP client span names the gateway's URL) to the ``InvokeGateway`` event of that call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pandas as pd

from aiaudit.core.timerange import TimeRange
from aiaudit.frames import normalise_runtime_arn
from aiaudit.frames.paths import dig
from aiaudit.investigate.access import Telemetry
from aiaudit.investigate.links import Link
from aiaudit.investigate.vocab import GATEWAY_TARGET_CHANGES, is_credential_retrieval

KEY = "gateway_runtime"
_HOST_MARK = ".gateway.bedrock-agentcore."
_GATEWAY_URL = re.compile(r"^(?:https?://)?([A-Za-z0-9-]+)\.gateway\.bedrock-agentcore\.[a-z0-9-]+\.amazonaws\.com")
_URL_FIELDS = ("attributes.http.url", "attributes.url.full")
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


def _event(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """The CloudTrail event of a ``record()`` answer (a Source parses it; raw frames keep ``@message``)."""
    if "eventName" in record:
        return record
    message = record.get("@message")
    try:
        event = json.loads(message) if isinstance(message, str) else {}
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def target_changes(tel: Telemetry) -> pd.DataFrame:
    """Successful gateway-target changes in the data: ``time, gateway_id, target_id, runtime_arn, @ptr``
    (``runtime_arn`` is None for targets served by something else, and after a delete)."""
    columns = ["time", "gateway_id", "target_id", "runtime_arn", "eventName", "@ptr"]
    span = tel.data_span()
    ct = tel.projection("cloudtrail", span, event_name=sorted(GATEWAY_TARGET_CHANGES))
    ok = ct[~ct["is_error"].fillna(False).astype(bool)]
    rows = []
    for ptr, when, name in zip(ok["@ptr"], ok["time"], ok["eventName"], strict=True):
        event = _event(tel.record(ptr))
        params = event.get("requestParameters") or {}
        response = event.get("responseElements") or {}
        target = dig(response, "targetId") or dig(params, "targetId")
        gateway = gateway_id(dig(response, "gatewayArn")) or gateway_id(dig(params, "gatewayIdentifier"))
        if not target or not gateway:
            continue
        runtime = None
        if name != "DeleteGatewayTarget":
            configured = dig(response, "targetConfiguration") or dig(params, "targetConfiguration")
            runtime = runtime_in(configured)
        rows.append([when, gateway, str(target), runtime, name, ptr])
    out = pd.DataFrame(rows, columns=columns, dtype=object)  # object: a missing runtime stays None
    out["time"] = pd.to_datetime(out["time"], utc=True)
    return out.sort_values("time", kind="stable").reset_index(drop=True)


class GatewayLink(Link):
    """Resolves gateway calls in one window to the runtime behind their target, and matches rows on it."""

    key = KEY
    pipelines = ("cloudtrail",)

    def __init__(self, tel: Telemetry, window: TimeRange | None, notes: list[str] | None = None) -> None:
        super().__init__(tel, window, notes)
        self._runtimes: dict[str, str | None] | None = None
        self._unknown: dict[str, str] = {}
        self._assumed: dict[str, str] = {}
        self._told: set[str] = set()

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
                self._unknown[ptr] = target
                out[ptr] = None
                continue
            when = pd.Timestamp(stamp)
            before = [runtime for at, runtime in past if at <= when]
            if not before:
                self._assumed[ptr] = target
            out[ptr] = before[-1] if before else past[0][1]
        self._runtimes = out
        return out

    def _tell(self, ptrs: set[str]) -> None:
        """Notes about the calls followed (not every call of the window): targets no configuration event
        names, and targets called before their first configuration event."""
        unknown = {self._unknown[p] for p in ptrs if p in self._unknown} - self._told
        assumed = {self._assumed[p] for p in ptrs if p in self._assumed} - self._told
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
        self._told |= unknown | assumed

    def _resolved(self, frame: pd.DataFrame) -> pd.Series:
        runtimes = self.call_runtimes()
        return frame["@ptr"].map(lambda p: runtimes.get(p)).astype("object")

    def values(self, found: Mapping[str, pd.DataFrame]) -> set[str]:
        """The runtimes the CloudTrail rows found lead to: ``call:<runtime>`` behind their gateway calls,
        ``fetch:<runtime>`` of their credential retrievals."""
        frame = found.get("cloudtrail")
        if frame is None or frame.empty:
            return set()
        out = {f"call:{r}" for r in self._resolved(frame) if isinstance(r, str)}
        self._tell(set(frame["@ptr"].dropna()))  # after resolving: resolution finds the unknown targets
        retrievals = frame[is_credential_retrieval(frame)]
        out |= {f"fetch:{r}" for r in retrievals["runtime_arn"].dropna() if isinstance(r, str)}
        return out

    def match(self, pipeline: str, frame: pd.DataFrame, values: set[str]) -> pd.Series:
        """Rows of a CloudTrail frame reached from the values: from a gateway call, the credential retrievals
        of the runtime behind its target and the other calls that runtime served; from a retrieval, the
        gateway calls its runtime served (not the runtime's other retrievals: that would fan out)."""
        if pipeline != "cloudtrail" or frame.empty or not values:
            return pd.Series(False, index=frame.index, dtype=bool)
        called = {v.split(":", 1)[1] for v in values if v.startswith("call:")}
        fetched = {v.split(":", 1)[1] for v in values if v.startswith("fetch:")}
        served = self._resolved(frame).isin(called | fetched)
        retrieval = is_credential_retrieval(frame) & frame["runtime_arn"].isin(called).fillna(False)
        return (served | retrieval).astype(bool)


class GatewayCallLink(Link):
    """An agent's outbound call to a Gateway → the ``InvokeGateway`` event it produced.

    The agent's trace holds an HTTP client span whose URL names the gateway
    (``https://<gateway id>.gateway.bedrock-agentcore.<region>.amazonaws.com/mcp``, in ``http.url`` or
    ``url.full``); CloudTrail's ``InvokeGateway`` names the gateway (``resources[0].ARN``) and the second,
    never the trace. Each such span reaches the calls on that gateway between its start and end (± ``PAD``:
    CloudTrail keeps whole seconds). One way only: from a gateway call back to the spans would need every
    client span of the window."""

    key = "gateway_call"
    pipelines = ("cloudtrail",)
    PAD = timedelta(seconds=1)

    def __init__(self, tel: Telemetry, window: TimeRange | None, notes: list[str] | None = None) -> None:
        super().__init__(tel, window, notes)
        self._clients: dict[str, str] | None = None

    def client_spans(self) -> dict[str, str]:
        """``@ptr`` of each span in the window that called a gateway → that gateway's id (one SQL query)."""
        if self._clients is None:
            raw = self.tel.raw_fields("spans", self.window, _URL_FIELDS, contains={f: _HOST_MARK for f in _URL_FIELDS})
            if raw.attrs.get("incomplete"):
                self.notes.append("gateway client spans incomplete: " + "; ".join(raw.attrs["incomplete"]))
            out: dict[str, str] = {}
            for row in raw.itertuples(index=False):
                for url in row[2:]:
                    found = _GATEWAY_URL.match(url) if isinstance(url, str) else None
                    if found:
                        out[row[0]] = found.group(1).lower()
                        break
            self._clients = out
        return self._clients

    def values(self, found: Mapping[str, pd.DataFrame]) -> set[str]:
        spans = found.get("spans")
        if spans is None or spans.empty:
            return set()
        clients = self.client_spans()
        return {p for p in spans["@ptr"].dropna() if p in clients}

    def match(self, pipeline: str, frame: pd.DataFrame, values: set[str]) -> pd.Series:
        hit = pd.Series(False, index=frame.index, dtype=bool)
        if pipeline != "cloudtrail" or frame.empty or not values:
            return hit
        calls = frame[(frame["eventName"] == "InvokeGateway").fillna(False).astype(bool)]
        if calls.empty:
            return hit
        gateways = calls["resource_arn"].map(lambda a: (gateway_id(a) or "").lower()).to_numpy()
        times = calls["time"].to_numpy()
        spans = self.tel.projection("spans", self.window)
        spans = spans[spans["@ptr"].isin(values)]
        clients = self.client_spans()
        reached = pd.Series(False, index=calls.index, dtype=bool)
        for ptr, start, end in zip(spans["@ptr"], spans["time"], spans["end_time"].fillna(spans["time"]), strict=True):
            during = (times >= start.floor("s") - self.PAD) & (times <= end + self.PAD)
            reached |= during & (gateways == clients[ptr])
        hit[reached[reached].index] = True
        return hit
