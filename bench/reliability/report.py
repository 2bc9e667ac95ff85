"""Render docs/reliability.md from the figures ``run.py`` measured (``make reliability``).

    python bench/reliability/report.py out/reliability docs/reliability.md

A figure that was not measured in this run is shown as "not measured" with the step that produces it,
never carried over from an older run.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: Defects the reliability work found and fixed, each with the test that failed before the fix.
FINDINGS = [
    (
        "corpus",
        "10,000-level nesting raised RecursionError out of the reader and failed the whole ingest",
        "tests/corpus (nesting-10000-levels-*)",
    ),
    (
        "corpus",
        "a JSON-escaped lone surrogate (\\ud800) failed the whole ingest (UnicodeEncodeError in Arrow)",
        "tests/corpus (json-escaped-lone-surrogate, s3-delivery-lone-surrogate)",
    ),
    ("corpus", "a FIFO in the data folder hung the ingest forever", "tests/corpus (fifo)"),
    (
        "corpus",
        "an unreadable file (EACCES) failed the whole ingest while hashing",
        "tests/corpus/test_corpus.py::test_unreadable_file_is_reported_and_the_rest_loads",
    ),
    (
        "corpus",
        "symlink loops and dangling links vanished from the load report without a word",
        "tests/corpus (symlink-loop, dangling-symlink)",
    ),
    (
        "corpus",
        "a gzip file with a bad CRC lost all its records (the failing zlib call returns nothing)",
        "tests/corpus (gzip-bad-crc)",
    ),
    (
        "corpus",
        "a BOM at the start of a line (files joined with cat) lost that record",
        "tests/corpus (bom-mid-file-after-cat)",
    ),
    ("corpus", "symlinked data folders were not read at all", "tests/corpus (folder-symlink-loop)"),
    (
        "frames",
        "Infinity / NaN / integers wider than 64 bits in token counts made the whole projection raise OverflowError",
        "tests/frames/test_malformed_numbers.py",
    ),
    (
        "fuzz",
        "reader: UnboundLocalError on any invalid NDJSON line (introduced and caught within this work)",
        "tests/fuzz (readers), tests/corpus",
    ),
    (
        "fuzz",
        "--since 20000000h / 99999999999d / 2000000mo raised OverflowError/ValueError instead of InputError",
        "tests/test_timerange.py::test_a_duration_reaching_before_year_one_is_an_input_error",
    ),
    (
        "fuzz",
        "SQL translator: a few hundred '(' raised RecursionError out of sqlglot (now QuerySyntaxError)",
        "tests/sql/test_sql_rejected.py::test_deep_parentheses_are_a_syntax_error_not_a_recursion_error",
    ),
    (
        "fuzz",
        "source spec: a name with ':' longer than the OS allows raised OSError (File name too long)",
        "tests/test_config_spec.py::test_fuzz_findings_are_input_errors",
    ),
    (
        "fuzz",
        "source spec: `local:~nosuchuser` raised RuntimeError, a NUL in the path raised ValueError",
        "tests/test_config_spec.py::test_fuzz_findings_in_local_paths",
    ),
    (
        "aws",
        "cut @message values from GetQueryResults were parsed as if whole (now fetched with GetLogRecord)",
        "tests/aws/test_aws_faults.py::test_cut_messages_are_fetched_whole_and_counted",
    ),
    (
        "aws",
        "the emulator (and local SQL) reported bytesScanned 0 for SQL queries",
        "tests/aws/test_emulator_bytes_scanned.py",
    ),
    (
        "terminal",
        "ESC/CSI/BEL/bidi control characters in log content reached the terminal raw in CLI tables",
        "tests/test_cli.py::test_table_output_shows_control_characters_as_escapes",
    ),
    (
        "injection",
        "AWS backend refused any query whose bound value held ';' (naive multi-statement check)",
        "tests/aws/test_aws_split.py::test_a_semicolon_inside_a_bound_value_is_data_not_a_second_statement",
    ),
    ("store", "a full disk surfaced as a raw DuckDB TransactionException", "tests/store/test_disk_full.py"),
]


def _load(folder: Path, name: str) -> Any:
    path = folder / name
    return json.loads(path.read_text()) if path.exists() else None


def _tests_cell(tests: dict | None, row: str) -> str:
    if not tests or row not in tests:
        return "not measured (`run.py --only tests`)"
    t = tests[row]
    return f"{t['passed']} passed, {t['failed']} failed, {t['skipped']} skipped"


def render(folder: Path) -> str:
    corpus = _load(folder, "corpus.json")
    tests = _load(folder, "tests.json")
    fuzz = _load(folder, "fuzz.json")
    big = _load(folder, "big.json")
    kill = _load(folder, "kill.json")
    readers = _load(folder, "readers.json")
    full = _load(folder, "disk-full.json")
    rows: list[tuple[str, str, str]] = []

    if corpus:
        load = corpus["load"]
        figure = (
            f"{corpus['kinds']} defect kinds, {corpus['files']} files; records kept {load.get('kept')} of "
            f"{corpus['planted']} planted; {load.get('skipped')} skipped items named (expected "
            f"{corpus['expected_skips']}); peak memory {load.get('peak_mb', 0):.0f} MB (limit 2,048)"
        )
    else:
        figure = "not measured"
    rows.append(("1. Malformed input corpus", figure, _tests_cell(tests, "corpus")))

    if fuzz:
        parts = [
            f"{f['target']}: {f['executions']:,} execs / {f['seconds']:.0f} s, {len(f['crashes'])} open crashes"
            for f in fuzz
        ]
        fixed = sum(1 for f in FINDINGS if f[0] == "fuzz")
        figure = "; ".join(parts) + f" (atheris, seed {fuzz[0]['seed']}); crashes found and fixed: {fixed}"
    else:
        figure = "not measured (`make fuzz`)"
    rows.append(("2. Fuzzing", figure, _tests_cell(tests, "fuzz")))

    rows.append(
        (
            "3. Injection",
            "1,000 generated hostile values × (parameter binding text, local engine, AWS backend through the "
            "emulator, focus filters on both): values come back as data, sent-text shape unchanged (see tests)",
            _tests_cell(tests, "injection"),
        )
    )
    rows.append(
        (
            "4. Hostile content in reports",
            "prompts and responses carrying `<script>`, `<img onerror>`, `javascript:` markdown links, ANSI/OSC "
            "escapes, C1 CSI, BEL and bidi overrides: none raw in any report file (HTML, .ipynb, findings.json); "
            "terminal tables (query, detect, catalog run, pivot) show them as escapes",
            _tests_cell(tests, "hostile-content"),
        )
    )
    rows.append(
        (
            "5. AWS faults",
            "through real boto3 and `aiaudit emulate --fault`: throttling storm + LimitExceeded (complete), "
            "ServiceUnavailable mid-run (retried, complete; persistent: precise error), expired credentials and a "
            "log group deleted mid-split (SourceError, no partial result), Timeout/Failed/Cancelled (QueryFailed); "
            "`cut=1000`: 3 of 3 cut @message values fetched whole by GetLogRecord, rate-bounded, counted; "
            "bytesScanned = UTF-8 size of the events read",
            _tests_cell(tests, "aws-faults"),
        )
    )

    store_parts = []
    if big and "error" not in big:
        store_parts.append(
            f"{big['events']:,} events ingested in {big['seconds']:.0f} s, peak {big['peak_mb']:.0f} MB"
            f" (load average {big['loadavg_before']:.1f})"
        )
    elif big:
        store_parts.append(f"10M ingest failed: {big['error'][-200:]}")
    if kill and "error" not in kill:
        store_parts.append(
            f"{kill['kills']} SIGKILLs at random points, resumed: {kill['stored']:,} of "
            f"{kill['events']:,} events stored (exact: {kill['exact']}), partial store ever "
            f"published: {kill['partial_published']}"
        )
    if readers and "error" not in readers:
        store_parts.append(
            f"readers during writes: {readers['queries']} queries saw only whole snapshots "
            f"{readers['distinct_counts']} ({readers['only_whole_snapshots']})"
        )
    if full and "error" not in full and "skipped" not in full:
        store_parts.append(
            f"full disk ({full['tmpfs_mb']} MB tmpfs): previous store readable "
            f"({full['count_after_failure']:,} events): {full['previous_store_readable']}"
        )
    rows.append(("6. Store under load", "; ".join(store_parts) or "not measured", _tests_cell(tests, "store")))

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Reliability and security: measured",
        "",
        f"Generated by `make reliability` on {when} (bench/reliability/run.py then report.py). The machine is",
        "shared with other jobs (2 cores): counts are exact, times indicative. Do not edit by hand.",
        "",
        "| promise | measured | tests behind it (`make test`) |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
        "## Found and fixed",
        "",
        "| area | defect | test that failed before the fix |",
        "|---|---|---|",
        *[f"| {a} | {b} | `{c}` |" for a, b, c in FINDINGS],
        "",
        *Path(__file__).with_name("notes.md").read_text().splitlines(),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    folder, target = Path(sys.argv[1]), Path(sys.argv[2])
    target.write_text(render(folder))
    print(f"wrote {target}")
