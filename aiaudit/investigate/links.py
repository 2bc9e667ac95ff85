"""Derived links: keys a pivot follows that no single column carries, resolved from the data.

Why a class per link: request, trace and session ids are values two records share, so one column match
finds the other side. A resource link is a *relation* instead — a guardrail change and the invocations
made under it afterwards, a session and the CloudTrail events of its runtime while it ran — so each link
says which found rows it starts from (:meth:`Link.values`) and which candidate rows it reaches
(:meth:`Link.match`), and bounds the reach by the resource and by time, never by the account alone.

Links here: ``guardrail_change`` (a successful guardrail change → the invocations that used that guardrail
after it and before its next change, by :func:`~aiaudit.investigate.correlate.guardrail_change_effects`),
``session_runtime`` (an agent turn → the CloudTrail events of its runtime while the turn's spans ran: the
caller's ``InvokeAgentRuntime``, the runtime's token and memory calls; the guide's "session + time" link,
by :func:`~aiaudit.investigate.correlate.interval_pairs`) and ``unauthenticated_ip`` (a party's
addresses → the calls from those addresses that carry no identity at all, ``ip:`` principals such as a
Gateway 401 without claims). :mod:`aiaudit.investigate.blinded` and :mod:`aiaudit.investigate.gateway`
hold the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import ClassVar

import pandas as pd

from aiaudit.core.timerange import ONE_SECOND, TimeRange
from aiaudit.investigate.access import Telemetry
from aiaudit.investigate.correlate import guardrail_change_effects, interval_pairs
from aiaudit.investigate.vocab import GUARDRAIL_CHANGES


class Link:
    """A key resolved from the data: which found rows it starts from, which candidate rows it reaches.

    ``values(found)`` returns the key's values present in the rows found so far (strings: ids, addresses, or
    the ``@ptr`` of the change a link starts from); ``match(pipeline, frame, values)`` marks the rows of a
    candidate frame (one of ``pipelines``, read over the pivot window) that those values reach. Lookups
    are made once per pivot and cached on the instance; what cannot be resolved goes to ``notes``."""

    key: ClassVar[str]
    pipelines: ClassVar[tuple[str, ...]]

    def __init__(self, tel: Telemetry, window: TimeRange | None, notes: list[str] | None = None) -> None:
        self.tel = tel
        self.window = window
        self.notes = notes if notes is not None else []

    def values(self, found: Mapping[str, pd.DataFrame]) -> set[str]:
        raise NotImplementedError

    def match(self, pipeline: str, frame: pd.DataFrame, values: set[str]) -> pd.Series:
        raise NotImplementedError

    def span(self) -> TimeRange | None:
        """The window, or the data's span when the links are followed over all the data."""
        return self.window if self.window is not None else self.tel.data_span()


def succeeded(frame: pd.DataFrame) -> pd.Series:
    return ~frame["is_error"].fillna(False).astype(bool)


def _none(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(False, index=frame.index, dtype=bool)


class GuardrailChangeLink(Link):
    """A successful guardrail change → the invocations that named that guardrail after it, up to the
    guardrail's next change (which then owns the later invocations) or the window's end."""

    key = "guardrail_change"
    pipelines = ("invocations",)

    def __init__(self, tel: Telemetry, window: TimeRange | None, notes: list[str] | None = None) -> None:
        super().__init__(tel, window, notes)
        self._pairs: pd.DataFrame | None = None

    def values(self, found: Mapping[str, pd.DataFrame]) -> set[str]:
        ct = found.get("cloudtrail")
        if ct is None or ct.empty:
            return set()
        changes = ct[ct["eventName"].isin(GUARDRAIL_CHANGES).fillna(False).astype(bool) & succeeded(ct)]
        return set(changes.loc[changes["guardrail_id"].notna(), "@ptr"].dropna())

    def pairs(self) -> pd.DataFrame:
        """``@ptr`` of each invocation in the window and ``change.@ptr`` of the change it was made under."""
        if self._pairs is None:
            span = self.span()
            if span is None:
                self._pairs = pd.DataFrame({"@ptr": [], "change.@ptr": []}, dtype=object)
            else:
                width: timedelta = span.end - span.start + ONE_SECOND
                paired = guardrail_change_effects(self.tel, span, within=width, lookback=timedelta(0)).frame
                self._pairs = paired[["@ptr", "change.@ptr"]]
        return self._pairs

    def match(self, pipeline: str, frame: pd.DataFrame, values: set[str]) -> pd.Series:
        if pipeline not in self.pipelines or frame.empty or not values:
            return _none(frame)
        pairs = self.pairs()
        under = set(pairs.loc[pairs["change.@ptr"].isin(values).fillna(False).astype(bool), "@ptr"])
        return frame["@ptr"].isin(under).astype(bool)


class SessionRuntimeLink(Link):
    """An agent turn (the spans of one trace of a session) ↔ the CloudTrail events of the turn's runtime within
    ``PAD`` of the turn's first start and last end: the caller's ``InvokeAgentRuntime``, the runtime's token,
    memory and tool calls. Both ways: from a turn's spans to those events, and from such an event (one
    that names a runtime) to the spans of the turns it happened in. CloudTrail keeps whole seconds, hence
    the pad; each turn is bounded by its own trace, not by the whole session (a conversation can last
    hours); concurrent turns of one runtime all match."""

    key = "session_runtime"
    pipelines = ("cloudtrail", "spans")
    PAD = timedelta(seconds=2)

    def __init__(self, tel: Telemetry, window: TimeRange | None, notes: list[str] | None = None) -> None:
        super().__init__(tel, window, notes)
        self._turns: pd.DataFrame | None = None
        self._pairs: pd.DataFrame | None = None

    def values(self, found: Mapping[str, pd.DataFrame]) -> set[str]:
        """``session:<id>`` for the sessions of the spans and runtime logs found, ``event:<@ptr>`` for the
        CloudTrail events found that name a runtime."""
        out: set[str] = set()
        for pipeline in ("spans", "runtime_logs"):
            frame = found.get(pipeline)
            if frame is not None and len(frame):
                out |= {f"session:{v}" for v in frame["session_id"].dropna()}
        ct = found.get("cloudtrail")
        if ct is not None and len(ct):
            out |= {f"event:{p}" for p in ct.loc[ct["runtime_arn"].notna(), "@ptr"].dropna()}
        return out

    def turns(self) -> pd.DataFrame:
        """One row per trace of the window's spans that have a session: ``session_id, trace_id, runtime_arns,
        start, end`` (the shape :func:`~aiaudit.investigate.correlate.interval_pairs` reads)."""
        if self._turns is None:
            spans = self.tel.projection("spans", self.window)
            keyed = spans[spans["session_id"].notna() & spans["trace_id"].notna() & spans["runtime_arn"].notna()]
            columns = ["session_id", "trace_id", "runtime_arns", "start", "end"]
            if keyed.empty:
                self._turns = pd.DataFrame(columns=columns)
            else:
                grouped = keyed.assign(_end=keyed["end_time"].fillna(keyed["time"])).groupby(
                    ["session_id", "trace_id"], sort=True
                )
                table = grouped.agg(runtime_arns=("runtime_arn", "unique"), start=("time", "min"), end=("_end", "max"))
                table["runtime_arns"] = table["runtime_arns"].map(lambda arns: sorted(str(a) for a in arns))
                self._turns = table.reset_index()[columns]
        return self._turns

    def pairs(self) -> pd.DataFrame:
        """Each turn of the window with each CloudTrail event of its runtime while it ran: ``session_id,
        trace_id, @ptr`` (the event's)."""
        if self._pairs is None:
            turns = self.turns()
            events = self.tel.projection("cloudtrail", self.window)
            turn_pos, event_pos = interval_pairs(turns, events, self.PAD)
            self._pairs = pd.DataFrame(
                {
                    "session_id": turns["session_id"].to_numpy()[turn_pos],
                    "trace_id": turns["trace_id"].to_numpy()[turn_pos],
                    "@ptr": events["@ptr"].to_numpy()[event_pos],
                }
            )
        return self._pairs

    def match(self, pipeline: str, frame: pd.DataFrame, values: set[str]) -> pd.Series:
        if pipeline not in self.pipelines or frame.empty or not values:
            return _none(frame)
        pairs = self.pairs()
        if pipeline == "cloudtrail":
            sessions = {v.split(":", 1)[1] for v in values if v.startswith("session:")}
            reached = set(pairs.loc[pairs["session_id"].isin(sessions), "@ptr"])
            return frame["@ptr"].isin(reached).astype(bool)
        events = {v.split(":", 1)[1] for v in values if v.startswith("event:")}
        traces = set(pairs.loc[pairs["@ptr"].isin(events), "trace_id"])
        return frame["trace_id"].isin(traces).fillna(False).astype(bool)


class UnauthenticatedIpLink(Link):
    """The addresses of the CloudTrail rows found → calls from those addresses that carry no identity but the
    address (``ip:`` principals: a Gateway 401 has no JWT claims). Not a fan-out by address: rows with any
    identity are left to ``source_ip``."""

    key = "unauthenticated_ip"
    pipelines = ("cloudtrail",)

    def values(self, found: Mapping[str, pd.DataFrame]) -> set[str]:
        ct = found.get("cloudtrail")
        if ct is None or ct.empty:
            return set()
        return {ip for ips in ct["source_ips"] if isinstance(ips, list) for ip in ips if ip}

    def match(self, pipeline: str, frame: pd.DataFrame, values: set[str]) -> pd.Series:
        if pipeline not in self.pipelines or frame.empty or not values:
            return _none(frame)
        anonymous = frame["principal"].astype("string").str.startswith("ip:").fillna(False).astype(bool)
        addressed = frame["source_ips"].map(lambda ips: isinstance(ips, list) and any(ip in values for ip in ips))
        return (anonymous & addressed.astype(bool)).astype(bool)
