"""`aiaudit simulate` prints the summary; bad options are clear errors."""

from __future__ import annotations

import json

from aiaudit.cli import main


def test_cli_writes_and_summarises(tmp_path, capsys):
    out = tmp_path / "sim"
    code = main(
        ["simulate", "--out", str(out), "--days", "1", "--scale", "0.02", "--scenario", "llmjacking", "--seed", "3"]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "INC-09-llmjacking" in text and "CloudTrail events/s" in text
    truth = json.loads((out / "truth.json").read_text())
    assert [i["scenario"] for i in truth["incidents"]] == ["llmjacking"]
    assert truth["seed"] == 3


def test_cli_rejects_unknown_scenario(tmp_path, capsys):
    assert main(["simulate", "--out", str(tmp_path / "x"), "--scenario", "bogus"]) == 1
    err = capsys.readouterr().err
    assert "unknown scenario 'bogus'" in err and "guardrail-weakened" in err
    assert not (tmp_path / "x").exists()


def test_cli_rejects_bad_end(tmp_path, capsys):
    assert main(["simulate", "--out", str(tmp_path / "x"), "--end", "2026-11-20"]) == 1
    assert "--end" in capsys.readouterr().err
