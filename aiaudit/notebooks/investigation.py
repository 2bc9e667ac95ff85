"""What a notebook calls first and last: open the investigation from its parameters, publish findings.

Why: papermill parameters are plain values (strings, numbers), widgets do nothing headless, and a
playbook needs each notebook's findings and query costs as files. ``start(...)`` turns the parameters
cell into a source, a resolved time range and a focus; ``Investigation.publish()`` shows the findings
frame and, under the playbook runner, writes them (with the queries' statistics) to ``findings_out``.

On an ``aws:`` source ``start`` fetches each pipeline once for the range (widened by ``fetch_before`` and
``fetch_margin``) into a run-local copy, as a playbook does (:class:`aiaudit.sources.aws.fetch.RunLocal`):
every frame, raw read and catalogue run inside it reads the copy, and findings cite the AWS ``@ptr``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from aiaudit import connect
from aiaudit.core.errors import InputError
from aiaudit.core.findings import Finding, dedupe, findings_frame
from aiaudit.core.timerange import TimeRange, parse_duration, resolve_window
from aiaudit.frames import FOCUS_COLUMNS
from aiaudit.investigate import Telemetry
from aiaudit.investigate.availability import REQUIREMENTS, Availability, availability, range_hint
from aiaudit.investigate.correlate import as_timedelta
from aiaudit.notebooks import tables
from aiaudit.sources.aws.fetch import FETCH_BEFORE, FETCH_MARGIN, FetchedSource, RunLocal
from aiaudit.sources.aws.source import AwsSource
from aiaudit.sources.base import FOCUS_KEYS, Source


@dataclass
class Investigation:
    """One notebook run: source, time range, focus, and what it found."""

    name: str
    src: Source
    time_range: TimeRange
    focus: dict[str, str] = field(default_factory=dict)
    findings_out: str = ""
    max_text: int = 500
    findings: list[Finding] = field(default_factory=list)
    _tel: Any = field(default=None, repr=False)
    _available: Availability | None = field(default=None, repr=False)
    #: results computed once per run and shared with :meth:`over` views (the catalogue's findings)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def tel(self) -> Any:
        """One :class:`~aiaudit.investigate.Telemetry` per run, so projections are read once and every
        query is recorded (steps of a notebook share it)."""
        if self._tel is None:
            self._tel = Telemetry.of(self.src)
        return self._tel

    @property
    def environment(self) -> Any:
        """The source's ``[environment]`` baseline (:attr:`aiaudit.sources.base.Source.environment`)."""
        return self.src.environment

    @property
    def available(self) -> Availability:
        """What the source holds per pipeline in the time range (counted once per run)."""
        if self._available is None:
            self._available = availability(self.src, self.time_range)
        return self._available

    # -- the frames a question reads (visible notebook cells) ---------------------------------------
    def frame(
        self,
        pipeline: str,
        *,
        margin: timedelta | str | None = None,
        before: timedelta | str | None = None,
        focus: bool = True,
    ) -> pd.DataFrame:
        """One pipeline's standard projection over the time range (``docs/frames.md``), with the focus
        keys that pipeline carries (a span has no principal, CloudTrail no session id).

        ``margin`` widens the range on both sides (clocks of CloudTrail, invocation logs and spans differ
        by seconds, so a join reads its right-hand sides a little wider); ``before`` reaches back further
        (a change made the day before can explain an effect inside the range)."""
        pad = as_timedelta(margin) or timedelta(0)
        back = as_timedelta(before) or timedelta(0)
        wide = TimeRange(self.time_range.start - pad - back, self.time_range.end + pad)
        keys = FOCUS_COLUMNS[pipeline] if focus else {}
        return self.tel.projection(pipeline, wide, **{k: v for k, v in self.focus.items() if k in keys})

    def cloudtrail(self, **how: Any) -> pd.DataFrame:
        """CloudTrail events in range (management and data events): :meth:`frame` of ``cloudtrail``."""
        return self.frame("cloudtrail", **how)

    def invocations(self, **how: Any) -> pd.DataFrame:
        """Bedrock model invocation log records in range: :meth:`frame` of ``invocations``."""
        return self.frame("invocations", **how)

    def spans(self, **how: Any) -> pd.DataFrame:
        """ADOT / OpenTelemetry spans in range: :meth:`frame` of ``spans``."""
        return self.frame("spans", **how)

    def runtime_logs(self, **how: Any) -> pd.DataFrame:
        """AgentCore runtime application log records in range: :meth:`frame` of ``runtime_logs``."""
        return self.frame("runtime_logs", **how)

    def over(self, **frames: pd.DataFrame | None) -> Investigation:
        """This investigation reading the given frames for the pipelines named (everything else — other
        pipelines, raw records, volumes — from the source as before).

        Why: the notebook's cells read frames and an analyst may filter them or add a column; the joins
        and judgements in the cells below take ``inv.over(cloudtrail=ct, ...)`` so they see exactly those
        rows (cut to the range and focus each step asks for). Findings are still added to ``inv``."""
        return dataclasses.replace(self, findings=[], _tel=self.tel.over(**frames))

    def limitations(self, reads: Iterable[str] = REQUIREMENTS) -> list[str]:
        """Sentences for what cannot be shown: a range that misses the data, pipelines missing in range
        (and, on a fetched copy, pipelines not fetched and reads that had to go to AWS)."""
        out = [hint] if (hint := range_hint(self.src, self.time_range, "anchor = data-end")) else []
        if isinstance(self.src, FetchedSource):
            out += self.src.copy.fetched.notes() + list(dict.fromkeys(self.src.live_reads))
        return out + self.available.messages(reads)

    @property
    def fetched(self) -> dict[str, Any] | None:
        """On an ``aws:`` source read through its run-local copy: what the fetch sent (each query, bytes
        scanned, cost; the ``fetched`` block of a playbook's manifest) and the reads that went to AWS."""
        if not isinstance(self.src, FetchedSource):
            return None
        return {**self.src.copy.fetched.manifest(), "live_reads": list(self.src.live_reads)}

    def close(self) -> None:
        """Release the source; a fetched run-local copy is deleted (also when the kernel ends)."""
        self.src.close()

    def describe(self) -> str:
        """One line per setting: what this run looks at, and what the source cannot show."""
        focus = ", ".join(f"{k}={v}" for k, v in self.focus.items()) or "none (whole account)"
        lines = [
            f"notebook:   {self.name}",
            f"source:     {self.src.spec.text}",
            f"time range: {self.time_range}",
            f"mode:       {self.mode}",
            f"focus:      {focus}",
            f"baseline:   [environment] from {self.src.environment_origin}",
        ]
        if isinstance(self.src, FetchedSource):
            got = self.src.copy.fetched
            lines.append(
                f"fetched:    once, {got.time_range}: {got.queries} queries, {got.bytes_scanned / 1e9:.3f} GB scanned "
                f"(about ${got.manifest()['total']['estimated_cost_usd']:.4f}); frames read the run-local copy"
            )
        return "\n".join(lines + [f"note:       {line}" for line in self.limitations()])

    @property
    def mode(self) -> str:
        """``focused`` when a principal/session/request id is given, else ``hunting``."""
        return "focused" if self.focus else "hunting"

    def add(self, findings: list[Finding]) -> list[Finding]:
        for finding in findings:
            finding.notebook = self.name
        self.findings.extend(findings)
        return findings

    # -- what a cell shows ---------------------------------------------------------------------------
    def show(self, frame: pd.DataFrame, title: str = "", *, empty: str = "no rows", hide: Iterable[str] = ()) -> None:
        """An interactive, escaped, capped table of ``frame`` (:func:`aiaudit.notebooks.tables.show`);
        ``hide`` names columns that start hidden (the table's "Column visibility" shows them)."""
        tables.show(frame, title=title, max_text=self.max_text, empty=empty, hide=tuple(hide))

    def sizes(self, **frames: pd.DataFrame) -> None:
        """One line: rows per frame read (``cloudtrail 1,204 · invocations 310 · spans 0``)."""
        print(" · ".join(f"{name} {len(frame):,} rows" for name, frame in frames.items()))

    def notes(self, answer: Any) -> None:
        """The answer's notes (what could not be judged), one line each; nothing when there are none."""
        for line in answer.notes:
            print(f"note: {line}")

    def truncate(
        self, frame: pd.DataFrame, columns: tuple[str, ...] = ("prompt", "response", "system_prompt")
    ) -> pd.DataFrame:
        """Shorten long free text for display (prompts are long and attacker-controlled)."""
        out = frame.copy()
        for column in columns:
            if column in out.columns:
                out[column] = out[column].map(
                    lambda v: v if not isinstance(v, str) or len(v) <= self.max_text else v[: self.max_text] + "…"
                )
        return out

    def publish(self) -> pd.DataFrame:
        """The findings frame (de-duplicated); written to ``findings_out`` when the runner asked for it."""
        final = dedupe(self.findings)
        if isinstance(self.src, FetchedSource):  # evidence an analyst can open later, not rows of the copy
            final = self.src.cite(final)
        if self.findings_out:
            Path(self.findings_out).parent.mkdir(parents=True, exist_ok=True)
            payload = {
                "notebook": self.name,
                "time_range": self.time_range.to_dict(),
                "source": self.src.spec.text,
                "focus": self.focus,
                "findings": [f.to_dict() for f in final],
                "fetched": self.fetched,
            }
            Path(self.findings_out).write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
        return findings_frame(final)


def start(
    name: str,
    *,
    source: str,
    since: str = "",
    start: str = "",
    end: str = "",
    anchor: str = "now",
    findings_out: str = "",
    max_text: int = 500,
    read_only: bool = False,
    fetch: bool | str = "auto",
    fetch_before: str = "",
    fetch_margin: str = "",
    **focus: Any,
) -> Investigation:
    """Open an investigation from a notebook's parameters cell.

    Empty strings mean "not given" (papermill parameters cannot be None-typed reliably). ``anchor`` is
    ``now``, ``data-end`` or an ISO time. Under a playbook the runner passes ``read_only=True``: it has
    ingested once already, and notebooks must not write to the store concurrently.

    On an ``aws:`` source (``fetch="auto"`` — unless ``AIAUDIT_FETCH=no`` — or True; False: every frame
    queries AWS itself) each pipeline is
    fetched once for the range widened by ``fetch_before`` (default 24h) and ``fetch_margin`` (default 5m,
    both ends) into a run-local copy that frames, raw reads and catalogue runs read
    (:class:`~aiaudit.sources.aws.fetch.FetchedSource`); the copy is deleted by :meth:`Investigation.close`
    or when the kernel ends.
    """

    unknown = sorted(set(focus) - set(FOCUS_KEYS))
    if unknown:
        raise TypeError(f"unknown focus parameter {unknown[0]!r} (one of {', '.join(FOCUS_KEYS)})")
    src = connect(source, read_only=read_only or bool(os.environ.get("AIAUDIT_READ_ONLY")))
    time_range = resolve_window(
        src.data_span,
        lookback=src.environment.default_lookback,
        since=since,
        start=start,
        end=end,
        anchor=anchor,
        default_since="24h",
    )
    clean_focus = {k: str(v) for k, v in focus.items() if v not in (None, "")}
    if fetch in ("", "auto"):  # the playbook runner's --live says no for its notebooks
        fetch = os.environ.get("AIAUDIT_FETCH", "auto")
    if isinstance(src, AwsSource) and _wanted(fetch):
        before = _duration(fetch_before, FETCH_BEFORE, "fetch_before")
        margin = _duration(fetch_margin, FETCH_MARGIN, "fetch_margin")
        copy = RunLocal.make(
            src, time_range, before=before, margin=margin, what=f"investigation {name} (each pipeline fetched once)"
        )
        src = FetchedSource(src, copy)
        weakref.finalize(src, _remove_copy, src.local, copy)  # a notebook that never calls close()
    return Investigation(
        name=name,
        src=src,
        time_range=time_range,
        focus=clean_focus,
        findings_out=findings_out,
        max_text=int(max_text),
    )


def _wanted(fetch: bool | str) -> bool:
    """``fetch`` from a parameters cell: True/False, or "auto"/"yes"/"no" (empty: auto)."""
    if isinstance(fetch, bool):
        return fetch
    text = str(fetch).strip().lower()
    if text in ("", "auto", "yes", "true", "1"):
        return True
    if text in ("no", "false", "0"):
        return False
    raise InputError(f"fetch must be auto, yes or no, not {fetch!r}", where="fetch")


def _duration(text: str, default: timedelta, what: str) -> timedelta:
    length = parse_duration(text) if text else default
    if not isinstance(length, timedelta):
        raise InputError(f"{what} needs a fixed length (hours or days), not {text!r}", where=what)
    return length


def _remove_copy(local: Source, copy: RunLocal) -> None:
    local.close()
    copy.remove()
