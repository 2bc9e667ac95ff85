"""`aiaudit catalog list|show|run` and `aiaudit detect` on the hand-built records."""

from __future__ import annotations

import json
from pathlib import Path

from aiaudit.cli import main

from . import records


def test_catalog_list_and_show(capsys) -> None:
    assert main(["catalog", "list", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in rows} >= {"Q01", "QAGG", "X14"}
    assert main(["catalog", "show", "Q21"]) == 0
    out = capsys.readouterr().out
    assert "window_seconds: int = 86400" in out and "change detection" in out and "signal: config-change" in out
    assert main(["catalog", "show", "X04"]) == 0
    assert "aiaudit.catalog.entries.coverage.detect" in capsys.readouterr().out


def test_catalog_run_dry_run_and_rows(capsys, catalog_dir: Path) -> None:
    assert main(["catalog", "run", "Q10", "--dry-run", "--param", "limit=7"]) == 0
    assert "LIMIT 7" in capsys.readouterr().out
    args = ["--source", f"local:{catalog_dir}", "--start", records.RANGE[0], "--end", records.RANGE[1]]
    assert main(["catalog", "run", "Q10", *args, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["requestID"] for r in rows] == ["req-q10-hit"]


def test_detect_fail_on_and_report_needs_truth(capsys, catalog_dir: Path) -> None:
    args = ["--source", f"local:{catalog_dir}", "--start", records.RANGE[0], "--end", records.RANGE[1]]
    assert main(["detect", *args, "--only", "X11", "--fail-on", "high", "--format", "json"]) == 3
    rows = json.loads(capsys.readouterr().out)
    assert [r["rule_id"] for r in rows] == ["X11"]
    assert main(["detect", *args, "--only", "X11", "--fail-on", "critical"]) == 0
    capsys.readouterr()
    assert main(["detect", *args, "--report"]) == 1
    assert "truth.json" in capsys.readouterr().err


def test_unknown_entry_is_a_clear_error(capsys) -> None:
    assert main(["catalog", "show", "Q99"]) == 1
    assert "no catalogue entry 'Q99'" in capsys.readouterr().err
