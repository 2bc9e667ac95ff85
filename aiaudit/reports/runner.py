"""Run a playbook: ingest once, execute notebooks headlessly, write a shareable report folder.

Why this order: the store is ingested (written) once under its lock before any notebook starts; the
notebooks then open it read-only, so they can run in parallel processes without contending for the
writer. Executed notebooks land in a private temporary folder first: only redacted artefacts are ever
written into the report folder, so a crash cannot leave raw prompts or secrets behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas

from aiaudit import __version__, connect
from aiaudit.core.config import find_config
from aiaudit.core.errors import InputError
from aiaudit.core.findings import Finding, dedupe, severity_rank
from aiaudit.core.timerange import TimeRange, iso, resolve_window
from aiaudit.investigate.availability import availability, range_hint
from aiaudit.reports.history import Accepted, compare, counted, gone_json, load_previous, render_section
from aiaudit.reports.html import inert_json, inert_notebook, inert_value, render_notebook, ship_itables, ship_plotly
from aiaudit.reports.index import render_index
from aiaudit.reports.playbook import Playbook, notebook_dir
from aiaudit.reports.redact import Redactor
from aiaudit.sources.aws.fetch import RunLocal
from aiaudit.sources.aws.source import AwsSource
from aiaudit.sources.spec import parse_spec

EXIT_OK, EXIT_NOTEBOOK_FAILED, EXIT_FINDINGS = 0, 1, 3


@dataclass
class NotebookRun:
    notebook: str
    title: str
    status: str = "pending"  # ok | failed
    error: str = ""
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    html: str = ""
    ipynb: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "notebook": self.notebook,
            "title": self.title,
            "status": self.status,
            "error": self.error,
            "seconds": round(self.seconds, 2),
            "findings": len(self.findings),
            "html": self.html,
            "ipynb": self.ipynb,
        }


@dataclass
class PlaybookRun:
    playbook: Playbook
    out: Path
    time_range: TimeRange
    source: str
    runs: list[NotebookRun]
    findings: list[Finding]
    exit_code: int
    index: Path
    timings: dict[str, float]


def absolute_source(source: str) -> str:
    """Notebooks run with their own folder as working directory: give them a spec that means the same.

    ``local:`` paths become absolute; for a named source the config file it came from is exported as
    ``AIAUDIT_CONFIG`` so the notebook processes (which inherit the environment) find the same name.
    """

    if source.startswith("local:"):
        return f"local:{Path(source[len('local:') :]).expanduser().resolve()}"
    if not source.startswith("aws:"):
        config = find_config()
        if config is not None:
            os.environ.setdefault("AIAUDIT_CONFIG", str(config.resolve()))
        parse_spec(source)  # fail here, with the config's message, rather than in every notebook
    return source


def _execute(
    notebook: Path, output: Path, parameters: dict[str, Any], cwd: Path, timeout: int, live: bool = False
) -> tuple[str, str, float]:
    """Run one notebook in this (worker) process; papermill writes the output even on failure.

    The kernel's own stderr chatter goes to a log beside the executed notebook (errors that matter are
    in the notebook's outputs), so a scheduled run's console shows only the progress lines.
    """

    import papermill

    if live:  # --live: each notebook queries AWS itself, none fetches its own copy (this worker's kernels only)
        os.environ["AIAUDIT_FETCH"] = "no"
    log = os.open(str(output.with_suffix(".kernel.log")), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 2)
    started = time.monotonic()
    try:
        papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            cwd=str(cwd),
            execution_timeout=timeout,
            log_output=False,
        )
        return "ok", "", time.monotonic() - started
    except Exception as exc:  # any failure is reported per notebook, never fatal to the run
        message = str(exc).strip().splitlines()
        return "failed", (message[-1] if message else type(exc).__name__)[:500], time.monotonic() - started


def run_playbook(
    book: Playbook,
    *,
    source: str,
    out: Path,
    since: str | None = None,
    start: str | None = None,
    end: str | None = None,
    anchor: str = "now",
    params: dict[str, Any] | None = None,
    fail_on: str | None = None,
    redact: bool = True,
    workers: int = 2,
    timeout: int = 900,
    notebooks: Path | None = None,
    progress: bool = True,
    suppressions: str | Path | None = None,
    previous: str | Path | None = None,
    fetch_once: bool = True,
) -> PlaybookRun:
    """Execute every notebook of ``book`` against ``source`` and write the report folder ``out``.

    ``suppressions`` (a file, else the config's ``suppressions``) marks accepted findings; ``previous`` (the
    last report's folder) marks each finding new or still open and lists what is gone
    (:mod:`aiaudit.reports.history`). The exit status counts only new, unsuppressed findings. On an ``aws:``
    source each pipeline is fetched once for the range into a run-local store that every notebook reads
    (:class:`aiaudit.sources.aws.fetch.RunLocal`, the range widened by ``FETCH_BEFORE`` and ``FETCH_MARGIN``;
    ``fetch_once=False``: each notebook queries AWS itself)."""

    timings: dict[str, float] = {}
    clock = time.monotonic()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    nb_dir = notebooks or notebook_dir()
    missing = [s.notebook for s in book.steps if not (nb_dir / f"{s.notebook}.ipynb").is_file()]
    if missing:
        raise InputError(f"playbook {book.name} names missing notebooks: {', '.join(missing)}", where=str(book.path))
    threshold = fail_on or book.fail_on
    if threshold:
        severity_rank(threshold)
    accepted = Accepted.load(suppressions)
    before = load_previous(previous) if previous is not None else None

    source = absolute_source(source)
    with connect(source) as src:  # ingests once, under the writer lock
        time_range = resolve_window(
            src.data_span,
            lookback=src.environment.default_lookback,
            since=since,
            start=start,
            end=end,
            anchor=anchor,
            default_since=book.since,
        )
        copy = None
        if fetch_once and isinstance(src, AwsSource):
            copy = RunLocal.make(src, time_range)
        else:
            hint = range_hint(src, time_range) if src.spec.kind == "local" else None
            limitations = ([hint] if hint else []) + availability(src, time_range).messages()
    read_from = source
    fetched = copy.fetched if copy is not None else None
    if copy is not None and fetched is not None:
        read_from = copy.spec  # the run-local store: ingested once, read by every notebook
        with connect(read_from, read_only=True) as local:
            # what the fetched copy holds answers what is missing without querying AWS again
            limitations = availability(local, time_range).messages() + fetched.notes()
        if progress:
            print(
                f"fetched once ({fetched.time_range}): {fetched.queries} queries, "
                f"{fetched.bytes_scanned / 1e9:.3f} GB scanned",
                file=sys.stderr,
            )
    for line in limitations:
        print(f"note: {line}", file=sys.stderr)
    timings["ingest_s"] = time.monotonic() - clock

    redactor = Redactor(enabled=redact)
    runs = [NotebookRun(step.notebook, step.title) for step in book.steps]
    scratch = Path(tempfile.mkdtemp(prefix="aiaudit-run-"))
    stack = contextlib.ExitStack()
    try:
        clock = time.monotonic()
        jobs = {}
        with ProcessPoolExecutor(max_workers=max(1, min(workers, len(runs)))) as pool:
            for step, run in zip(book.steps, runs):
                parameters = {
                    **book.parameters,
                    **step.parameters,
                    **(params or {}),
                    "source": read_from,
                    "since": "",
                    "start": iso(time_range.start),
                    "end": iso(time_range.end),
                    "anchor": "now",
                    "findings_out": str(scratch / f"{step.notebook}.findings.json"),
                    "read_only": True,
                    "interactive": False,  # headless: no widgets, and none of the queries that fill them
                }
                future = pool.submit(
                    _execute,
                    nb_dir / f"{step.notebook}.ipynb",
                    scratch / f"{step.notebook}.ipynb",
                    parameters,
                    nb_dir,
                    timeout,
                    not fetch_once,
                )
                jobs[future] = run
            for done, future in enumerate(as_completed(jobs), 1):
                run = jobs[future]
                run.status, run.error, run.seconds = future.result()
                if progress:
                    mark = "ok" if run.status == "ok" else f"FAILED: {run.error}"
                    print(f"[{done}/{len(runs)}] {run.notebook}: {mark} ({run.seconds:.1f} s)", file=sys.stderr)
        timings["notebooks_s"] = time.monotonic() - clock

        clock = time.monotonic()
        ship_plotly(out)
        ship_itables(out)
        banner = f"{book.name} · {time_range} · source {source}"
        prepare: Callable[[list[Finding]], list[Finding]] = accepted.mark
        if copy is not None:
            local = stack.enter_context(connect(read_from, read_only=True))
            prepare = _citing_aws(copy, local, accepted.mark)
        for run in runs:
            _collect(run, scratch, out, redactor, banner, prepare)
        timings["render_s"] = time.monotonic() - clock
    finally:
        stack.close()
        shutil.rmtree(scratch, ignore_errors=True)
        if copy is not None:
            copy.remove()

    findings = dedupe(f for run in runs for f in run.findings)
    findings = [f for f in findings if f.severity_rank >= severity_rank(book.min_severity)]
    history = compare(findings, before, time_range)
    history.notes = [redactor.text(line) for line in [*accepted.warnings, *history.notes]]
    findings = history.findings
    for line in history.notes:
        print(f"note: {line}", file=sys.stderr)
    exit_code = EXIT_OK
    if any(run.status != "ok" for run in runs):
        exit_code = EXIT_NOTEBOOK_FAILED
    elif counted(findings, threshold):
        exit_code = EXIT_FINDINGS

    (out / "findings.json").write_text(
        inert_json(json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False)), encoding="utf-8"
    )
    manifest = {
        "playbook": book.name,
        "description": book.description,
        "source": source,
        "time_range": time_range.to_dict(),
        "anchor": anchor,
        "parameters": redactor.value(params or {}),
        "fail_on": threshold,
        "redacted": redact,
        "redactions": dict(redactor.counts),
        "exit_code": exit_code,
        "notebooks": [run.to_dict() for run in runs],
        "findings": {
            "total": len(findings),
            "by_severity": _by_severity(findings),
            "counted_for_exit": len(counted(findings, threshold)),
        },
        "fetched": fetched.manifest() if fetched is not None else None,
        "history": history.manifest(),
        "suppressions": redactor.value(accepted.manifest(findings)),
        "limitations": limitations,
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "versions": _versions(__version__),
    }
    (out / "manifest.json").write_text(inert_json(json.dumps(manifest, indent=2, ensure_ascii=False)), encoding="utf-8")
    if before is not None:
        (out / "gone.json").write_text(inert_json(gone_json(history)), encoding="utf-8")
    lead = render_section(history) if before is not None or accepted.entries else ""
    index = out / "index.html"
    index.write_text(
        render_index(book, time_range, source, runs, findings, exit_code, limitations, lead=lead), encoding="utf-8"
    )
    return PlaybookRun(book, out, time_range, source, runs, findings, exit_code, index, timings)


def _citing_aws(
    copy: RunLocal, local: Any, then: Callable[[list[Finding]], list[Finding]]
) -> Callable[[list[Finding]], list[Finding]]:
    """Findings of notebooks that read the run-local copy cite the AWS ``@ptr`` of their evidence."""

    def cite(found: list[Finding]) -> list[Finding]:
        return then(copy.cite(local, found))

    return cite


def _collect(
    run: NotebookRun,
    scratch: Path,
    out: Path,
    redactor: Redactor,
    banner: str,
    mark: Callable[[list[Finding]], list[Finding]],
) -> None:
    """Redact and render one executed notebook; read its findings, mark the suppressed ones (on the raw
    subjects the suppressions name), then redact them."""
    import nbformat

    executed = scratch / f"{run.notebook}.ipynb"
    if executed.exists():
        nb = nbformat.read(executed, as_version=4)
        inert_notebook(redactor.notebook(nb))
        html = render_notebook(nb, banner=redactor.text(banner))
        (out / f"{run.notebook}.ipynb").write_text(inert_json(nbformat.writes(nb)), encoding="utf-8")
        (out / f"{run.notebook}.html").write_text(html, encoding="utf-8")
        run.ipynb, run.html = f"{run.notebook}.ipynb", f"{run.notebook}.html"
    raw = scratch / f"{run.notebook}.findings.json"
    if raw.exists():
        payload = json.loads(raw.read_text(encoding="utf-8"))
        raw_findings = mark([Finding.from_dict(item) for item in payload.get("findings", [])])
        run.findings = [Finding.from_dict(inert_value(redactor.value(f.to_dict()))) for f in raw_findings]
    elif run.status == "ok":
        run.status, run.error = "failed", "the notebook published no findings (missing inv.publish())"


def _by_severity(findings: list[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return counts


def _versions(aiaudit_version: str) -> dict[str, str]:
    import papermill

    return {
        "aiaudit": aiaudit_version,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
        "papermill": papermill.__version__,
    }
