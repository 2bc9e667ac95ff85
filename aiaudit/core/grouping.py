"""The one findings builder: rows that matched a rule → alert-sized findings.

Why one place: a detection, a guide query's rows, a notebook's judgement and a telemetry-gap check all
end the same way — group the matching rows by *subject* (a principal, a session, a resource) and by
*time window*, and turn each group into one :class:`~aiaudit.core.findings.Finding` that counts its
rows, cites a capped number of them, and lists the identities, addresses, request and session ids an
analyst pivots on. Doing it once gives every finding the same evidence cap, the same id rule (rule ×
subject × window start), the same order and the same notion of "window".

Windows are *activity* windows, not clock buckets: rows of one subject belong to one window while each
follows the previous within ``window`` (a burst that straddles the hour is one finding, not two), and
a window never grows beyond ``max_span`` (24 h by default) — what one alert can reasonably cover.
``window=None`` makes one finding per subject over the whole range.

Titles and summaries are templates or functions. A template's ``{column}`` is the distinct values of
that column in the group (``"{eventName} by {principal}"`` → ``"UpdateGuardrail, CreateGuardrailVersion
by arn:…"``); ``{count}`` is the number of rows, ``{subject}`` the subject value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pandas as pd

from aiaudit.core.errors import InputError
from aiaudit.core.findings import Finding, window_label
from aiaudit.core.timerange import parse_duration

#: Evidence pointers cited per finding (every row is counted in ``evidence_count``).
EVIDENCE_CAP = 25
#: Request and session ids listed per finding: enough for pivots and coverage, small enough to read.
ID_CAP = 500
#: The longest window one finding covers.
MAX_SPAN = timedelta(hours=24)
#: Values shown per ``{column}`` in a title before "+N more".
TITLE_VALUES = 3

SUBJECT_KINDS = ("principal", "session", "resource", "account", "region")


@dataclass(frozen=True)
class Facts:
    """Which columns of the rows feed each fact of a finding (the first present column of each tuple
    wins for times; every present column contributes for lists)."""

    principals: tuple[str, ...] = ("principal",)
    source_ips: tuple[str, ...] = ("source_ips", "source_ip")
    request_ids: tuple[str, ...] = ("request_id",)
    session_ids: tuple[str, ...] = ("session_id",)
    resources: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ("@ptr",)
    time: str = "time"
    time_end: str | None = None


@dataclass
class Group:
    """One subject's rows in one window."""

    subject: str | None
    rows: pd.DataFrame
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    facts: Facts = field(default_factory=Facts)

    @property
    def count(self) -> int:
        return len(self.rows)

    def values(self, *columns: str) -> list[str]:
        return values(self.rows, *columns)

    def listing(self, column: str, limit: int = TITLE_VALUES) -> str:
        """The distinct values of ``column``, ``a, b, c +2 more`` (``?`` when there is none)."""
        found = self.values(column)
        if not found:
            return "?"
        shown = ", ".join(found[:limit])
        return f"{shown} +{len(found) - limit} more" if len(found) > limit else shown


def values(frame: pd.DataFrame, *columns: str) -> list[str]:
    """Distinct non-missing, non-empty values of the columns that exist (list columns flattened), in
    first-seen order. The one way facts are read from rows."""
    out: dict[str, None] = {}
    for column in columns:
        if column not in frame.columns:
            continue
        for value in frame[column].tolist():
            for item in _items(value):
                if item is None or item is pd.NA or item is pd.NaT or (isinstance(item, float) and item != item):
                    continue
                text = str(item)
                if text and text != "<NA>":
                    out[text] = None
    return list(out)


def _items(value: Any) -> list[Any]:
    """A cell as a list of values: list cells (Python lists, tuples, NumPy or Arrow arrays) are flattened."""
    if isinstance(value, list | tuple):
        return list(value)
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        items = value.tolist()
        return items if isinstance(items, list) else [items]
    return [value]


def mask(frame: pd.DataFrame, condition: Any) -> pd.Series:
    """A boolean row mask from a condition that may hold missing values or come back untyped (an empty
    frame's ``map`` result): missing is False. Indexing with it never selects columns by mistake."""
    series = condition if isinstance(condition, pd.Series) else pd.Series(condition, index=frame.index)
    return series.astype("boolean").fillna(False).astype(bool).reindex(frame.index, fill_value=False)


def _as_time(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True, errors="coerce")


def windows(times: pd.Series, gap: timedelta | None, max_span: timedelta = MAX_SPAN) -> pd.Series:
    """Window number of each row: rows in time order start a new window when the gap since the previous
    row exceeds ``gap``; a window longer than ``max_span`` is cut into ``max_span`` pieces. Rows without a
    time share window 0; ``gap=None`` puts every row in window 0."""
    out = pd.Series(0, index=times.index, dtype="int64")
    stamps = _as_time(times).dropna().sort_values(kind="stable")
    if gap is None or stamps.empty:
        return out
    burst = (stamps.diff() > pd.Timedelta(gap)).cumsum()
    first = stamps.groupby(burst).transform("min")
    piece = ((stamps - first) // pd.Timedelta(max_span)).astype("int64")
    numbered = pd.MultiIndex.from_arrays([burst.to_numpy(), piece.to_numpy()])
    codes, _ = pd.factorize(numbered, sort=True)
    out.loc[stamps.index] = codes
    return out


def window_length(window: timedelta | str | None) -> timedelta | None:
    """``"1h"`` → one hour; a month-based duration is refused (a window has a fixed length)."""
    if window is None or isinstance(window, timedelta):
        return window
    length = parse_duration(window)
    if not isinstance(length, timedelta):
        raise InputError(f"a finding window needs a fixed length, not {window!r}", where="window")
    return length


def group_rows(
    rows: pd.DataFrame,
    *,
    subject: str | None = "principal",
    window: timedelta | str | None = "1h",
    facts: Facts = Facts(),
    max_span: timedelta = MAX_SPAN,
) -> Iterator[Group]:
    """The rows per subject value (rows without one are grouped under ``None``) and activity window."""
    if rows.empty:
        return
    gap = window_length(window)
    if subject and subject in rows.columns:
        keys = rows[subject].astype("object").where(rows[subject].notna(), None)
        parts = [(key, rows.loc[index]) for key, index in _groups(keys)]
    else:
        parts = [(None, rows)]
    for key, part in parts:
        times = part[facts.time] if facts.time in part.columns else pd.Series(pd.NaT, index=part.index)
        numbers = windows(times, gap, max_span)
        for number in sorted(numbers.unique()):
            chunk = part[numbers == number]
            start, end = _span(chunk, facts)
            yield Group(subject=None if key is None else str(key), rows=chunk, start=start, end=end, facts=facts)


def _groups(keys: pd.Series) -> list[tuple[Any, pd.Index]]:
    """Row labels per key, keys in first-seen order (``None`` for missing)."""
    out: dict[Any, list[Any]] = {}
    for label, key in zip(keys.index, keys.tolist(), strict=True):
        out.setdefault(key, []).append(label)
    return [(key, pd.Index(labels)) for key, labels in out.items()]


def group_of(rows: pd.DataFrame, *, subject: str | None = None, facts: Facts = Facts()) -> Group:
    """Rows already chosen by the caller as one group (its span from the rows; its subject, when
    ``subject`` names a column, that column's first value)."""
    start, end = _span(rows, facts)
    found = values(rows, subject) if subject else []
    return Group(subject=found[0] if found else None, rows=rows, start=start, end=end, facts=facts)


def _span(rows: pd.DataFrame, facts: Facts) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    starts = _as_time(rows[facts.time]).dropna() if facts.time in rows else pd.Series(dtype="datetime64[ns, UTC]")
    ends = starts
    if facts.time_end and facts.time_end in rows:
        ends = pd.concat([starts, _as_time(rows[facts.time_end]).dropna()])
    if starts.empty:
        return None, None
    return starts.min(), ends.max()


Text = str | Callable[[Group], str]


def render(template: Text, group: Group) -> str:
    """A title or summary for ``group`` (see the module docstring for the template fields)."""
    if callable(template):
        return template(group)

    def field_value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "count":
            return f"{group.count:,}"
        if name == "subject":
            return group.subject or "?"
        return group.listing(name)

    return re.sub(r"\{([^{}]+)\}", field_value, template)


def finding(
    group: Group,
    *,
    rule_id: str,
    severity: str,
    title: Text,
    summary: Text = "",
    subject_kind: str = "principal",
    resources: Iterable[str] = (),
    principals: Iterable[str] = (),
    request_ids: Iterable[str] = (),
    window: str = "",
) -> Finding:
    """One group → one finding (facts read through :func:`values`, evidence capped, rows counted)."""
    facts, rows = group.facts, group.rows
    ptrs = values(rows, *facts.evidence)
    return Finding(
        rule_id=rule_id,
        severity=severity,
        title=render(title, group),
        summary=render(summary, group),
        time_start=group.start.to_pydatetime() if group.start is not None else None,
        time_end=group.end.to_pydatetime() if group.end is not None else None,
        principals=[*values(rows, *facts.principals), *principals],
        source_ips=values(rows, *facts.source_ips),
        request_ids=[*values(rows, *facts.request_ids), *request_ids][:ID_CAP],
        session_ids=values(rows, *facts.session_ids)[:ID_CAP],
        resources=[*values(rows, *facts.resources), *resources],
        evidence=ptrs[:EVIDENCE_CAP],
        evidence_count=len(rows),
        subject=f"{subject_kind}:{group.subject}" if group.subject else "",
        window=window,
    )


def findings(
    rows: pd.DataFrame,
    *,
    rule_id: str,
    severity: str | Callable[[Group], str],
    title: Text,
    summary: Text = "",
    subject: str | None = "principal",
    subject_kind: str | None = None,
    window: timedelta | str | None = "1h",
    facts: Facts = Facts(),
    resources: Callable[[Group], Iterable[str]] | None = None,
    keep: Callable[[Group], bool] | None = None,
    max_span: timedelta = MAX_SPAN,
) -> list[Finding]:
    """Rows → findings: one per subject (column ``subject``) and activity window (``window``), each
    titled, summarised and graded (``severity`` may depend on the group); ``keep`` drops groups that do
    not qualify (too few rows, say)."""
    kind = subject_kind or subject_kind_of(subject)
    out = []
    for group in group_rows(rows, subject=subject, window=window, facts=facts, max_span=max_span):
        if keep is not None and not keep(group):
            continue
        out.append(
            finding(
                group,
                rule_id=rule_id,
                severity=severity(group) if callable(severity) else severity,
                title=title,
                summary=summary,
                subject_kind=kind,
                resources=resources(group) if resources is not None else (),
                window=window_label(window),
            )
        )
    return out


def subject_kind_of(column: str | None) -> str:
    """What a subject column names: principal, session, resource, account or region."""
    if column is None:
        return "principal"
    for kind in SUBJECT_KINDS:
        if column == kind or column.startswith(f"{kind}_") or column.endswith(f"_{kind}"):
            return kind
    if column.endswith(("_arn", "_id")) and "session" not in column:
        return "resource"
    return "principal"
