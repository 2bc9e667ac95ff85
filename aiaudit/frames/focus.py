"""Focus filters (DESIGN §2): a SQL superset pushed into the store, then an exact filter on the frame.

Why two steps: the store's hot columns and ``@message`` hold *raw* values (an STS session ARN, a
``us.`` inference profile, a comma-joined source IP), while focus values are *normalised* ones (a role
ARN, a base model id). :func:`prefilter` therefore selects a superset with substring tests on
``@message`` (every token of a normalised value occurs verbatim in any record that normalises to it)
plus exact tests on hot columns where raw = normalised; :func:`apply_focus` then compares normalised
columns exactly. Different keys AND together, values of one key OR.

A focus key a pipeline cannot carry (``session_id`` on CloudTrail, ``source_ip`` on spans) is ignored
for that pipeline, with a note in ``frame.attrs["warnings"]``. A principal that normalises to unknown
(``<redacted>``) matches nothing. Spans focused on ``request_id`` keep the whole trace in the SQL step,
since a span can inherit its request id from a descendant (:mod:`aiaudit.frames.bridges`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from aiaudit.frames.models import normalise_model_id
from aiaudit.frames.principals import parse_arn, principal_key
from aiaudit.frames.project import normalise_trace_id
from aiaudit.store.schema import PIPELINE_TABLES

#: Normalised columns each focus key is matched against, per pipeline (any column may match).
FOCUS_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "cloudtrail": {
        "principal": ("principal",),
        "source_ip": ("source_ips",),
        "request_id": ("request_id",),
        "event_name": ("eventName",),
        "model_id": ("model_id",),
        "region": ("region",),
        "account": ("account", "recipient_account"),
    },
    "invocations": {
        "principal": ("principal",),
        "request_id": ("request_id",),
        "event_name": ("operation",),
        "model_id": ("model_id",),
        "region": ("region", "inference_region"),
        "account": ("account", "accountId"),
    },
    "spans": {
        "request_id": ("request_id",),
        "session_id": ("session_id",),
        "trace_id": ("trace_id",),
        "event_name": ("name", "gen_ai_operation"),
        "model_id": ("model_id",),
        "region": ("region",),
        "account": ("account",),
    },
    "runtime_logs": {
        "session_id": ("session_id",),
        "trace_id": ("trace_id",),
        "event_name": ("event_name",),
        "region": ("region",),
        "account": ("account",),
    },
}

_NORMALISE: dict[str, Callable[[Any], str | None]] = {
    "principal": principal_key,
    "model_id": normalise_model_id,
    "trace_id": normalise_trace_id,
}


def normalise_focus(focus: Mapping[str, Sequence[str]]) -> dict[str, list[str | None]]:
    """Focus values in the form of the frame's normalised columns (None = unknown, matches nothing)."""
    out: dict[str, list[str | None]] = {}
    for key, values in focus.items():
        norm = _NORMALISE.get(key, lambda v: str(v).strip() or None)
        out[key] = [norm(v) for v in values]
    return out


def _like(token: str) -> str:
    return "%" + token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _tokens(key: str, value: str) -> list[str] | None:
    """Substrings every matching record's ``@message`` contains; None when no safe token exists."""
    if key == "principal":
        if value.startswith(("jwt:", "ip:", "account:", "saml:", "webidentity:")):
            tail = value.split(":", 1)[1]
            parts = [p for p in tail.split("#") if p] if "#" in tail else [tail]
            value_tokens = parts[-1:]  # the subject / user / address / account
        else:
            arn = parse_arn(value)
            if arn is None:
                value_tokens = [value]
            elif arn.service == "identitystore":
                value_tokens = [arn.resource.rsplit("/", 1)[-1]]
            elif arn.resource == "root":
                value_tokens = [arn.account, ":root"]
            else:
                value_tokens = [arn.account, "/" + arn.resource.rsplit("/", 1)[-1]]
    elif key == "trace_id":
        return None  # handled on the traceId column
    else:
        value_tokens = [value]
    # a token JSON would escape (quotes, backslashes, control or non-ASCII characters) may not occur verbatim
    if any(not t or any(c in t for c in '"\\') or not t.isascii() or not t.isprintable() for t in value_tokens):
        return None
    return value_tokens


def prefilter(pipeline: str, focus: Mapping[str, Sequence[str]]) -> tuple[str | None, list[Any]]:
    """A WHERE fragment (``?`` placeholders) over the store table selecting a superset of the focus."""
    applicable = FOCUS_COLUMNS[pipeline]
    clauses: list[str] = []
    args: list[Any] = []
    for key, values in normalise_focus(focus).items():
        if key not in applicable:
            continue
        known_values = [v for v in values if v is not None]
        if not known_values:
            clauses.append("FALSE")
            continue
        if key == "trace_id":
            ids = [v.lower() for v in known_values]
            marks = ", ".join("?" * len(ids))
            clauses.append(
                f"""(lower("traceId") IN ({marks}) OR lower(replace(substr("traceId", 3), '-', '')) IN ({marks})"""
                + (""" OR "@message" LIKE ? ESCAPE '\\'""" * len(ids) if pipeline == "runtime_logs" else "")
                + ")"
            )
            args += ids + ids + ([_like(i) for i in ids] if pipeline == "runtime_logs" else [])
            continue
        alternatives: list[str] = []
        key_args: list[Any] = []
        for value in known_values:
            tokens = _tokens(key, value)
            if tokens is None:  # no safe substring: this key cannot be pushed down (superset = no filter)
                alternatives = []
                break
            alternatives.append("(" + " AND ".join(["\"@message\" LIKE ? ESCAPE '\\'"] * len(tokens)) + ")")
            key_args += [_like(t) for t in tokens]
        if not alternatives:
            continue
        clause = "(" + " OR ".join(alternatives) + ")"
        if pipeline == "spans" and key == "request_id":
            table = PIPELINE_TABLES[pipeline]
            inner = f'SELECT "traceId" FROM "{table}" WHERE {clause} AND "traceId" IS NOT NULL'
            clause = f'({clause} OR "traceId" IN ({inner}))'
            key_args = key_args + key_args
        clauses.append(clause)
        args += key_args
    if not clauses:
        return None, []
    return " AND ".join(clauses), args


def apply_focus(frame: pd.DataFrame, focus: Mapping[str, Sequence[str]], pipeline: str | None = None) -> pd.DataFrame:
    """Rows of a projected frame matching every focus key exactly, on the normalised columns."""
    if not focus or len(frame) == 0:
        return frame
    pipeline = pipeline or _guess_pipeline(frame)
    applicable = FOCUS_COLUMNS[pipeline]
    keep = pd.Series(True, index=frame.index)
    notes = list(frame.attrs.get("warnings", []))
    for key, values in normalise_focus(focus).items():
        if key not in applicable:
            notes.append(f"focus {key!r} does not apply to {pipeline}; ignored")
            continue
        wanted = {v for v in values if v is not None}
        match = pd.Series(False, index=frame.index)
        for col in applicable[key]:
            series = frame[col]
            if series.dtype == object:  # list column
                hit = series.map(lambda xs, w=wanted: isinstance(xs, list) and any(x in w for x in xs))
            else:
                hit = series.isin(list(wanted)).fillna(False)
            match |= hit.astype(bool)
        keep &= match
    out = frame[keep]
    out.attrs["warnings"] = notes
    return out


def _guess_pipeline(frame: pd.DataFrame) -> str:
    if frame.attrs.get("pipeline") in FOCUS_COLUMNS:
        return str(frame.attrs["pipeline"])
    for name, probe in (("cloudtrail", "eventName"), ("invocations", "operation"), ("spans", "parentSpanId")):
        if probe in frame.columns:
            return name
    return "runtime_logs"
