"""Every defect kind of the generated corpus: the load completes, names file/line/reason, keeps every
valid record planted, and stays under 2 GB of memory.

Three levels, because each has its own parser: the readers file by file (exact lines, reasons, times),
a real ingest of the whole corpus in a child process (the store's bulk DuckDB path and its fallbacks,
the ``_files``/``_skipped`` tables the load report is made of, and the child's peak memory), and the
standard projections over what was stored.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiaudit.readers import read_file
from aiaudit.sources.connect import connect
from aiaudit.store.store import Store

from .generate import Case, generate

#: The ceiling the issue sets for the peak memory of a corpus load.
MEMORY_LIMIT_KB = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Case]]:
    root = tmp_path_factory.mktemp("corpus") / "data"
    return root, generate(root)


def _rel(case: Case, file: str) -> str:
    return f"{case.kind}/{file}"


def test_the_corpus_has_at_least_fifty_defect_kinds(corpus: tuple[Path, list[Case]]) -> None:
    _, cases = corpus
    kinds = [c.kind for c in cases]
    assert len(set(kinds)) == len(kinds) >= 50


def test_readers_report_every_case_exactly(corpus: tuple[Path, list[Case]]) -> None:
    root, cases = corpus
    problems: list[str] = []
    for case in cases:
        kept = 0
        skipped: list[tuple[str, int, str]] = []
        notes: list[tuple[str, str]] = []
        times: dict[str, list[int | None]] = {}
        for file in case.files:
            load = read_file(root / file, root)
            records = list(load.records)
            name = file.split("/", 1)[1]
            kept += len(records)
            skipped += [(name, s.line, s.reason) for s in load.skipped]
            notes += [(name, n) for n in load.notes]
            times[name] = [r.timestamp_ms for r in records]
        if kept != case.kept:
            problems.append(f"{case.kind}: kept {kept}, planted {case.kept}")
        if len(skipped) != len(case.skipped):
            problems.append(f"{case.kind}: skipped {skipped}, expected {case.skipped}")
        for file, line, fragment in case.skipped:
            if not any(f == file and n == line and fragment in why for f, n, why in skipped):
                problems.append(f"{case.kind}: no skip at {file}:{line} with {fragment!r} in {skipped}")
        for file, fragment in case.notes:
            if not any(f == file and fragment in note for f, note in notes):
                problems.append(f"{case.kind}: no note {fragment!r} on {file} in {notes}")
        for file, want in case.times.items():
            if times.get(file) != want:
                problems.append(f"{case.kind}: times {times.get(file)} != {want}")
    assert problems == []


_INGEST = """
import json, resource, sys
from aiaudit.store.store import Store
report = Store(sys.argv[1], cache_dir=sys.argv[2]).ingest()
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"kept": report.records_kept, "skipped": report.skipped, "text": str(report), "peak_kb": peak_kb}))
"""


def _ingest_in_child(root: Path, cache: Path) -> tuple[dict[str, Any], int]:
    """Ingest in a fresh process; return its report and its peak resident memory (KB, its own rusage)."""
    proc = subprocess.run(
        [sys.executable, "-c", _INGEST, str(root), str(cache)],
        capture_output=True,
        text=True,
        timeout=300,  # a FIFO opened for reading would hang the ingest forever
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    return report, int(report["peak_kb"])


@pytest.fixture(scope="module")
def ingested(corpus: tuple[Path, list[Case]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root, _ = corpus
    cache = tmp_path_factory.mktemp("corpus-store")
    report, peak_kb = _ingest_in_child(root, cache)
    return {"root": root, "cache": cache, "report": report, "peak_kb": peak_kb}


def test_ingest_completes_keeps_every_planted_record_and_names_every_skip(
    corpus: tuple[Path, list[Case]], ingested: dict[str, Any]
) -> None:
    root, cases = corpus
    store = Store(root, cache_dir=ingested["cache"], read_only=True)
    con = store.connection()
    files = {
        path: (kept, fmt) for path, kept, fmt in con.execute("SELECT path, records_kept, format FROM _files").fetchall()
    }
    skipped = con.execute("SELECT f.path, s.line, s.reason FROM _skipped s JOIN _files f USING (file_id)").fetchall()
    problems: list[str] = []
    for case in cases:
        kept = sum(files.get(f, (0, None))[0] for f in case.files)
        missing = [f for f in case.files if f not in files and case.kind != "folder-symlink-loop"]
        if missing:
            problems.append(f"{case.kind}: files absent from the load report: {missing}")
        if kept != case.kept:
            problems.append(f"{case.kind}: stored {kept}, planted {case.kept}")
        mine = [(p, n, why) for p, n, why in skipped if p.startswith(case.kind + "/")]
        for file, line, fragment in case.skipped:
            if not any(p == _rel(case, file) and n == line and fragment in why for p, n, why in mine):
                problems.append(f"{case.kind}: no skipped row {file}:{line} {fragment!r} in {mine}")
        if len(mine) != len(case.skipped):
            problems.append(f"{case.kind}: {len(mine)} skipped rows, expected {len(case.skipped)}: {mine}")
    assert problems == []
    planted = sum(c.kept for c in cases)
    assert ingested["report"]["kept"] == planted
    assert ingested["report"]["skipped"] == sum(len(c.skipped) for c in cases)
    total = sum(store.count(p) for p in ("cloudtrail", "invocations", "spans", "runtime_logs"))
    assert total == planted


def test_ingest_peak_memory_stays_under_two_gigabytes(ingested: dict[str, Any]) -> None:
    assert 0 < ingested["peak_kb"] < MEMORY_LIMIT_KB


def test_a_second_ingest_has_nothing_to_do(corpus: tuple[Path, list[Case]], ingested: dict[str, Any]) -> None:
    root, _ = corpus
    report, _ = _ingest_in_child(root, ingested["cache"])
    assert "0 new, 0 changed, 0 removed" in report["text"], report["text"]


def test_projections_over_the_corpus_do_not_raise(corpus: tuple[Path, list[Case]], ingested: dict[str, Any]) -> None:
    root, cases = corpus
    source = connect(f"local:{root}", cache_dir=str(ingested["cache"]), ingest=False)
    everything = source.data_span()  # no range would mean the default window (the last 30 days of data)
    frames = {p: getattr(source, p)(everything) for p in ("cloudtrail", "invocations", "spans", "runtime_logs")}
    assert sum(len(f) for f in frames.values()) == sum(c.kept for c in cases)
    ct = frames["cloudtrail"]
    wide = ct[ct["requestID"] == "req-1"]  # untouched first event of the first case
    assert len(wide) == 1


def test_unreadable_file_is_reported_and_the_rest_loads(tmp_path: Path) -> None:
    """Permission denied is reported per file; the rest of the folder still loads (run as an unprivileged
    process without the file-permission capabilities when the tests run as root, who reads a mode-000
    file)."""
    data = tmp_path / "data"
    data.mkdir()
    good = {
        "eventVersion": "1.08",
        "eventTime": "2024-05-01T00:00:07Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "GetObject",
        "eventID": "e1",
        "requestID": "r1",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/a"},
    }
    (data / "good.jsonl").write_text(json.dumps(good) + "\n")
    (data / "secret.jsonl").write_text(json.dumps({**good, "eventID": "e2"}) + "\n")
    (data / "secret.jsonl").chmod(0)
    cache = tmp_path / "store"
    command = [sys.executable, "-c", _INGEST, str(data), str(cache)]
    if os.geteuid() == 0:  # root without the capabilities that bypass file modes (util-linux setpriv)
        drop = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--inh-caps={drop}", f"--bounding-set={drop}", *command]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    store = Store(data, cache_dir=cache, read_only=True)
    rows = store.connection().execute("SELECT f.path, s.line, s.reason FROM _skipped s JOIN _files f USING (file_id)")
    assert rows.fetchall() == [("secret.jsonl", 0, "cannot read file: Permission denied")]
    assert store.count("cloudtrail") == 1
