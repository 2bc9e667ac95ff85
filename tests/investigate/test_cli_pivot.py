"""`aiaudit pivot` end to end on the hand-built store."""

from __future__ import annotations

import json

from aiaudit.cli import main

from . import story as S


def test_pivot_cli_counts_and_rows(story_dir, capsys):
    status = main(["pivot", S.MALLORY_IP, "--source", "local:" + str(story_dir), "--format", "json"])
    out, err = capsys.readouterr()
    assert status == 0
    assert f"{S.MALLORY_IP}: ip" in err
    assert "cloudtrail         3 rows (3 direct, 0 linked)" in err
    rows = json.loads(out)
    assert [r["summary"].split(" ")[0] for r in rows] == ["InvokeModel", "UpdateGuardrail", "ListFoundationModels"]


def test_pivot_cli_bad_follow_key_is_a_clear_error(story_dir, capsys):
    status = main(["pivot", S.R1, "--source", "local:" + str(story_dir), "--follow", "colour"])
    assert status != 0
    assert "cannot follow 'colour'" in capsys.readouterr().err
