"""Logging changes and the window each one blinded: what happened, while it was dark, that it could hide.

Why a link of its own: the records a logging change hides are exactly the ones that do not exist, so no
key reaches them — but the *other* pipelines still saw that period. After
``DeleteModelInvocationLoggingConfiguration`` CloudTrail still records the model calls that leave no
invocation log; after ``StopLogging`` / ``DeleteTrail`` / ``UpdateTrail`` / ``PutEventSelectors``, invocation
logs and AWS-call spans still carry request ids that no CloudTrail event has. The blinded window of a
change runs from the change to the next change of the same resource (the logging configuration of that
account and Region; the trail, by account and name — ``StartLogging`` and ``CreateTrail`` end a trail's
window), or to the end of the window asked about. Its *hidden records* are the records of that window,
in the scope the change affects, that lack their counterpart:

* invocation logging (per account and Region): successful CloudTrail model calls in that account and
  Region with no invocation log record (:func:`~aiaudit.investigate.gaps.unlogged_model_calls`);
* a trail: invocation log records and spans carrying their own AWS request id, with no CloudTrail event
  (:func:`~aiaudit.investigate.gaps.unrecorded_requests`, every AWS call span — a trail change can drop data
  events). An ``UpdateTrail`` that sets ``isMultiRegionTrail`` to false hides the other Regions only. A
  trail the data shows is not an organization trail (``isOrganizationTrail: false`` in a
  ``CreateTrail``/``UpdateTrail`` answer) covers its own account; otherwise every account is considered,
  with a note, since an organization trail records its member accounts too.

The other side of each comparison is read a margin wider (clocks differ by seconds).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from aiaudit.core.timerange import ONE_SECOND, TimeRange, iso
from aiaudit.frames.principals import parse_arn
from aiaudit.investigate.access import Telemetry
from aiaudit.investigate.correlate import DEFAULT_MARGIN, widen
from aiaudit.investigate.gaps import unlogged_model_calls, unrecorded_requests
from aiaudit.investigate.links import Link, succeeded
from aiaudit.investigate.vocab import INVOCATION_LOGGING_CHANGES, TRAIL_BLINDING_CHANGES, TRAIL_STATE_CHANGES

KEY = "blinded_window"
BLINDING_CHANGES = INVOCATION_LOGGING_CHANGES | TRAIL_BLINDING_CHANGES
_TRAIL_FIELDS = (
    "requestParameters.name",
    "requestParameters.trailName",
    "requestParameters.isMultiRegionTrail",
    "responseElements.trailARN",
    "responseElements.isMultiRegionTrail",
    "responseElements.isOrganizationTrail",
)
_NAMES = {"invocations": "invocation log record(s)", "spans": "AWS-call span(s)"}
WINDOW_COLUMNS = [
    "@ptr",
    "time",
    "eventName",
    "pipeline",
    "resource",
    "until",
    "until_event",
    "accounts",
    "regions",
    "other_regions_than",
    "organization",
]


def _account(frame: pd.DataFrame) -> pd.Series:
    """The account a CloudTrail row happened in (the recipient; the caller's when not recorded)."""
    return frame["recipient_account"].fillna(frame["account"]).astype("string")


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _trail(fields: Mapping[str, Any], account: str | None, region: str | None) -> tuple[str, str, str | None]:
    """``(account, name, home region)`` of the trail an event names (an ARN or a bare name)."""
    named = next(
        (
            str(fields[k])
            for k in ("requestParameters.name", "requestParameters.trailName", "responseElements.trailARN")
            if isinstance(fields.get(k), str) and fields[k]
        ),
        "",
    )
    arn = parse_arn(named)
    if arn is not None:
        return arn.account or (account or "?"), arn.resource.split("/", 1)[-1], arn.region or region
    return account or "?", named or "?", region


def _next_times(keys: list[Any], times: list[pd.Timestamp], end: pd.Timestamp) -> list[tuple[pd.Timestamp, int]]:
    """For each position (rows sorted by time), the time and position of the next row of the same key, or
    ``(end, -1)``."""
    out: list[tuple[pd.Timestamp, int]] = [(end, -1)] * len(keys)
    latest: dict[Any, int] = {}
    for i in range(len(keys) - 1, -1, -1):
        j = latest.get(keys[i])
        if j is not None:
            out[i] = (times[j], j)
        latest[keys[i]] = i
    return out


def blinded_windows(data: Any, time_range: TimeRange | None) -> pd.DataFrame:
    """Every successful logging change in ``time_range`` and the window it blinded: ``@ptr, time,
    eventName, pipeline`` (the pipeline it can blind), ``resource``, ``until`` (exclusive: the next change of
    the same resource, else the range's end + 1 s), ``until_event``, ``accounts`` and ``regions`` (None =
    every one), ``other_regions_than`` (a trail made single-Region blinds the other Regions) and
    ``organization`` (True / False when a trail's ``CreateTrail``/``UpdateTrail`` answer says, else None)."""
    tel = Telemetry.of(data)
    span = time_range if time_range is not None else tel.data_span()
    if span is None:
        return pd.DataFrame(columns=WINDOW_COLUMNS)
    end = pd.Timestamp(span.end + ONE_SECOND)
    ct = tel.projection("cloudtrail", span)
    ct = ct[succeeded(ct)].sort_values("time", kind="stable")
    rows: list[dict[str, Any]] = []

    logging = ct[ct["eventName"].isin(INVOCATION_LOGGING_CHANGES).fillna(False).astype(bool)]
    keys = list(zip(_account(logging), logging["region"].astype("string"), strict=True))
    times = list(logging["time"])
    names = list(logging["eventName"])
    for i, (nxt, j) in enumerate(_next_times(keys, times, end)):
        account, region = keys[i]
        rows.append(
            {
                "@ptr": logging["@ptr"].iloc[i],
                "time": times[i],
                "eventName": names[i],
                "pipeline": "invocations",
                "resource": f"model invocation logging {account} {region}",
                "until": nxt,
                "until_event": names[j] if j >= 0 else None,
                "accounts": (account,),
                "regions": (region,),
                "other_regions_than": None,
                "organization": None,
            }
        )

    trail_events = ct[ct["eventName"].isin(TRAIL_STATE_CHANGES).fillna(False).astype(bool)]
    if len(trail_events):
        raw = tel.event_fields(span, tuple(sorted(TRAIL_STATE_CHANGES)), _TRAIL_FIELDS).set_index("@ptr")
        trails: list[tuple[str, str]] = []
        homes: list[str | None] = []
        fields_of: list[Mapping[str, Any]] = []
        for ptr, account, region in zip(trail_events["@ptr"], _account(trail_events), trail_events["region"]):
            fields = raw.loc[ptr].to_dict() if ptr in raw.index else {}
            trail_account, name, home = _trail(fields, account, region)
            trails.append((trail_account, name))
            homes.append(home)
            fields_of.append(fields)
        organization: dict[tuple[str, str], set[bool]] = {}
        for trail, fields in zip(trails, fields_of, strict=True):
            flag = _flag(fields.get("responseElements.isOrganizationTrail"))
            if flag is not None:
                organization.setdefault(trail, set()).add(flag)
        times = list(trail_events["time"])
        names = list(trail_events["eventName"])
        for i, (nxt, j) in enumerate(_next_times(trails, times, end)):
            if names[i] not in TRAIL_BLINDING_CHANGES:
                continue
            trail = trails[i]
            flags = organization.get(trail, set())
            own_account_only = flags == {False}
            fields = fields_of[i]
            multi = _flag(fields.get("requestParameters.isMultiRegionTrail"))
            if multi is None:
                multi = _flag(fields.get("responseElements.isMultiRegionTrail"))
            single_region = names[i] == "UpdateTrail" and multi is False
            rows.append(
                {
                    "@ptr": trail_events["@ptr"].iloc[i],
                    "time": times[i],
                    "eventName": names[i],
                    "pipeline": "cloudtrail",
                    "resource": f"trail {trail[1]} ({trail[0]})",
                    "until": nxt,
                    "until_event": names[j] if j >= 0 else None,
                    "accounts": (trail[0],) if own_account_only else None,
                    "regions": None,
                    "other_regions_than": homes[i] if single_region else None,
                    "organization": True if True in flags else (False if own_account_only else None),
                }
            )
    out = pd.DataFrame(rows, columns=WINDOW_COLUMNS)
    for col in ("until_event", "accounts", "regions", "other_regions_than", "organization"):
        # object columns in which an absent value is None (not NaN) and a flag a Python boolean
        out[col] = pd.Series([row[col] for row in rows], index=out.index, dtype=object)
    return out.sort_values("time", kind="stable").reset_index(drop=True)


def _scoped(frame: pd.DataFrame, window: Mapping[str, Any], accounts: pd.Series) -> pd.DataFrame:
    inside = (frame["time"] >= window["time"]) & (frame["time"] < window["until"])
    if window["accounts"] is not None:
        inside &= accounts.isin(window["accounts"]).fillna(False).astype(bool)
    if window["regions"] is not None:
        inside &= frame["region"].isin(window["regions"]).fillna(False).astype(bool)
    if window["other_regions_than"] is not None:
        inside &= (frame["region"] != window["other_regions_than"]).fillna(False).astype(bool)
    return frame[inside.fillna(False).astype(bool)]


def hidden_records(data: Any, time_range: TimeRange | None, windows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The records of each blinded window that lack their counterpart (see the module docstring), per
    pipeline, each row with ``change.@ptr`` (the change whose window it fell in)."""
    tel = Telemetry.of(data)
    span = time_range if time_range is not None else tel.data_span()
    parts: dict[str, list[pd.DataFrame]] = {}
    if span is None or windows.empty:
        return {}
    wide = widen(span, DEFAULT_MARGIN)
    ct = tel.projection("cloudtrail", span)
    if (windows["pipeline"] == "invocations").any():
        unlogged = unlogged_model_calls(ct, tel.projection("invocations", wide))
        for window in windows[windows["pipeline"] == "invocations"].to_dict("records"):
            hit = _scoped(unlogged, window, _account(unlogged))
            parts.setdefault("cloudtrail", []).append(hit.assign(**{"change.@ptr": window["@ptr"]}))
    if (windows["pipeline"] == "cloudtrail").any():
        unrecorded = unrecorded_requests(
            tel.projection("cloudtrail", wide),
            tel.projection("invocations", span),
            tel.projection("spans", span),
            span_calls="all",
        )
        for pipeline, frame in unrecorded.items():
            accounts = frame["account"]
            if "accountId" in frame:
                accounts = accounts.fillna(frame["accountId"])
            for window in windows[windows["pipeline"] == "cloudtrail"].to_dict("records"):
                hit = _scoped(frame, window, accounts.astype("string"))
                parts.setdefault(pipeline, []).append(hit.assign(**{"change.@ptr": window["@ptr"]}))
    return {p: pd.concat(frames, ignore_index=True) for p, frames in parts.items()}


class BlindedWindowLink(Link):
    """A logging change found → the hidden records of the window it blinded (:func:`hidden_records`)."""

    key = KEY
    pipelines = ("cloudtrail", "invocations", "spans")

    def __init__(self, tel: Telemetry, window: TimeRange | None, notes: list[str] | None = None) -> None:
        super().__init__(tel, window, notes)
        self._windows: pd.DataFrame | None = None
        self._hidden: dict[str, pd.DataFrame] | None = None
        self._told: set[str] = set()

    def values(self, found: Mapping[str, pd.DataFrame]) -> set[str]:
        ct = found.get("cloudtrail")
        if ct is None or ct.empty:
            return set()
        changes = ct[ct["eventName"].isin(BLINDING_CHANGES).fillna(False).astype(bool) & succeeded(ct)]
        return set(changes["@ptr"].dropna())

    def windows(self) -> pd.DataFrame:
        if self._windows is None:
            self._windows = blinded_windows(self.tel, self.span())
        return self._windows

    def hidden(self) -> dict[str, pd.DataFrame]:
        if self._hidden is None:
            self._hidden = hidden_records(self.tel, self.span(), self.windows())
        return self._hidden

    def _tell(self, values: set[str]) -> None:
        """One note per change followed: what it blinded, until when, and how many records show it."""
        windows = self.windows()
        hidden = self.hidden()
        for window in windows[windows["@ptr"].isin(values - self._told)].to_dict("records"):
            self._told.add(window["@ptr"])
            counts = {p: int((f["change.@ptr"] == window["@ptr"]).sum()) for p, f in hidden.items() if not f.empty}
            if window["pipeline"] == "invocations":
                what = f"{counts.get('cloudtrail', 0)} CloudTrail model call(s) without an invocation log"
            else:
                parts = [f"{counts[p]} {_NAMES[p]}" for p in ("invocations", "spans") if counts.get(p)]
                what = (" and ".join(parts) or "no record") + " without a CloudTrail event"
                if window["organization"] is True:
                    what += " (every account: an organization trail)"
                elif window["accounts"] is None:
                    what += " (every account: the data does not say whether the trail is an organization trail)"
                if isinstance(window["other_regions_than"], str):
                    what += f" (Regions other than {window['other_regions_than']}: the trail became single-Region)"
            until = (
                f"{window['until_event']} at {iso(window['until'].to_pydatetime())}"
                if isinstance(window["until_event"], str)
                else f"the window's end {iso((window['until'] - ONE_SECOND).to_pydatetime())}"
            )
            self.notes.append(
                f"{window['eventName']} ({window['resource']}) at {iso(window['time'].to_pydatetime())} blinded "
                f"{window['pipeline']} until {until}: {what}"
            )

    def match(self, pipeline: str, frame: pd.DataFrame, values: set[str]) -> pd.Series:
        if pipeline not in self.pipelines or frame.empty or not values:
            return pd.Series(False, index=frame.index, dtype=bool)
        self._tell(values)
        hidden = self.hidden().get(pipeline)
        if hidden is None or hidden.empty:
            return pd.Series(False, index=frame.index, dtype=bool)
        reached = set(hidden.loc[hidden["change.@ptr"].isin(values), "@ptr"])
        return frame["@ptr"].isin(reached).astype(bool)
