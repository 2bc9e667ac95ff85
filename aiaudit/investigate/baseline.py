"""What "normal" was: known principals, IPs, regions, models per principal and tools per agent.

Why a lookback separate from the investigation window: "new" only means something against a period
that does not contain the incident. :meth:`Baseline.build` reads the lookback window (default: the
``default_lookback`` of ``[environment]``, ending one second before the investigation starts) and adds
what ``aiaudit.toml`` declares — expected regions, expected models per role, agent tool allow-lists,
corporate CIDRs (an address inside them is never "new"). :meth:`Baseline.first_use` then lists, for a
frame of the investigation window, each value never seen in the baseline with its first time and record.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pandas as pd

from aiaudit.core.config import Environment
from aiaudit.core.errors import InputError
from aiaudit.core.timerange import TimeRange
from aiaudit.frames import principal_key
from aiaudit.investigate.access import Telemetry
from aiaudit.investigate.gaps import lookback_range

#: kinds of value a baseline knows, and where each comes from (pipeline -> column)
KINDS: dict[str, dict[str, str]] = {
    "principal": {"cloudtrail": "principal", "invocations": "principal"},
    "source_ip": {"cloudtrail": "source_ip"},
    "region": {"cloudtrail": "region", "invocations": "region"},
    "model": {"cloudtrail": "model_id", "invocations": "model_id"},
    "tool": {"spans": "tool_name"},
}
#: for per-owner kinds, the owner column
OWNERS: dict[str, dict[str, str]] = {
    "model": {"cloudtrail": "principal", "invocations": "principal"},
    "tool": {"spans": "service"},
    "source_ip": {"cloudtrail": "principal"},
}


@dataclass
class Baseline:
    """Sets of known values, globally and per owner (principal for models and IPs, agent for tools)."""

    lookback: TimeRange | None
    environment: Environment = field(default_factory=Environment)
    known: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    per_owner: dict[str, dict[str, set[str]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))
    first_seen: dict[tuple[str, str], pd.Timestamp] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        data: Any,
        lookback: TimeRange | None = None,
        environment: Environment | None = None,
        *,
        before: TimeRange | None = None,
        width: timedelta | str | None = None,
    ) -> Baseline:
        """From the lookback window (``lookback``, or ``width`` before ``before``, the investigation
        range) and the environment (default: the source's ``[environment]``)."""
        tel = Telemetry.of(data)
        env = environment or tel.environment
        if lookback is None:
            if before is None:
                raise InputError("a baseline needs a lookback range, or the investigation range as before=")
            lookback = lookback_range(before, width or env.default_lookback)
        base = cls(lookback=lookback, environment=env)
        for pipeline in ("cloudtrail", "invocations", "spans"):
            frame = tel.projection(pipeline, lookback)
            base.learn(frame, pipeline)
        base.known["region"].update(env.expected_regions)
        for role, models in env.expected_models.items():
            owner = principal_key(role) or role
            base.per_owner["model"][owner].update(models)
            base.known["model"].update(models)
        for agent, tools in env.agent_tools.items():
            base.per_owner["tool"][agent].update(tools)
            base.known["tool"].update(tools)
        return base

    def learn(self, frame: pd.DataFrame, pipeline: str) -> None:
        """Add a projection's values to the baseline."""
        if frame.empty:
            return
        for kind, cols in KINDS.items():
            col = cols.get(pipeline)
            if col is None or col not in frame:
                continue
            owner_col = OWNERS.get(kind, {}).get(pipeline)
            sub = frame.dropna(subset=[col])
            owners = sub[owner_col].tolist() if owner_col else [None] * len(sub)
            for moment, raw, owner in zip(sub["time"].tolist(), sub[col].tolist(), owners):
                value = str(raw)
                self.known[kind].add(value)
                key = (kind, value)
                if key not in self.first_seen or moment < self.first_seen[key]:
                    self.first_seen[key] = moment
                if owner is not None and not pd.isna(owner):
                    self.per_owner[kind][str(owner)].add(value)

    def is_new(self, kind: str, value: Any, owner: str | None = None) -> bool:
        """True when ``value`` (of ``kind``) was never seen — for ``owner`` when given (a principal's
        model or IP, an agent's tool). Missing values are never new; corporate IPs are never new."""
        if kind not in KINDS:
            raise InputError(f"unknown baseline kind {kind!r} (one of {', '.join(KINDS)})", where="kind")
        if value is None or (not isinstance(value, str) and pd.isna(value)) or str(value) == "":
            return False
        text = str(value)
        if kind == "source_ip" and self.environment.ip_is_corporate(text):
            return False
        if owner is not None and kind in OWNERS:
            return text not in self.per_owner[kind].get(str(owner), set())
        return text not in self.known[kind]

    def first_use(self, frame: pd.DataFrame, kind: str, *, per_owner: bool = False) -> pd.DataFrame:
        """Values of ``kind`` in ``frame`` (a projection of the investigation window) that the baseline
        does not know: one row per value (and owner) with its first time, count and first ``@ptr``."""
        pipeline = _pipeline_of(frame)
        col = KINDS[kind].get(pipeline)
        columns = ["kind", "value", "owner", "first_time", "count", "first_ptr"]
        if col is None or frame.empty:
            return pd.DataFrame(columns=columns)
        owner_col = OWNERS.get(kind, {}).get(pipeline) if per_owner else None
        data = frame.dropna(subset=[col]).sort_values("time", kind="stable")
        data = data.assign(_owner=data[owner_col].astype("string").fillna("") if owner_col else "")
        rows = []
        for (value, owner), group in data.groupby([col, "_owner"], sort=True):
            owner_text = str(owner) or None
            if not self.is_new(kind, value, owner_text if owner_col else None):
                continue
            rows.append(
                {
                    "kind": kind,
                    "value": str(value),
                    "owner": owner_text,
                    "first_time": group["time"].iloc[0],
                    "count": len(group),
                    "first_ptr": group["@ptr"].iloc[0],
                }
            )
        return pd.DataFrame(rows, columns=columns)

    def summary(self) -> dict[str, Any]:
        return {
            "lookback": self.lookback.to_dict() if self.lookback else None,
            "known": {k: len(v) for k, v in self.known.items()},
            "owners": {k: len(v) for k, v in self.per_owner.items()},
        }


def _pipeline_of(frame: pd.DataFrame) -> str:
    for name, probe in (("cloudtrail", "eventName"), ("invocations", "operation"), ("spans", "spanId")):
        if probe in frame.columns:
            return name
    return "runtime_logs"
