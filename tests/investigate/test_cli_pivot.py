"""`aiaudit pivot` end to end on the hand-built store."""

from __future__ import annotations

import json

import pytest

from aiaudit.cli import main

from . import story as S


def test_pivot_cli_counts_and_rows(story_dir, capsys):
    status = main(["pivot", S.MALLORY_IP, "--source", "local:" + str(story_dir), "--format", "json"])
    out, err = capsys.readouterr()
    assert status == 0
    assert f"{S.MALLORY_IP}: ip" in err
    assert "cloudtrail         3 rows (3 direct, 0 linked)" in err
    assert "invocations        1 rows (0 direct, 1 linked)" in err
    rows = json.loads(out)
    # r4 (10:25) is the invocation made under mallory's guardrail change (10:20)
    assert [(r["summary"].split(" ")[0], r["via"]) for r in rows] == [
        ("InvokeModel", "value"),
        ("UpdateGuardrail", "value"),
        ("Converse", "guardrail_change"),
        ("ListFoundationModels", "value"),
    ]


def test_pivot_cli_follow_default_is_every_link_and_can_be_narrowed(story_dir, capsys):
    status = main(
        ["pivot", S.MALLORY_IP, "--source", "local:" + str(story_dir), "--follow", "request_id", "--format", "json"]
    )
    out, _ = capsys.readouterr()
    assert status == 0
    assert [r["via"] for r in json.loads(out)] == ["value", "value", "value"]
    with pytest.raises(SystemExit):
        main(["pivot", "--help"])
    help_text = "".join(capsys.readouterr().out.split())  # argparse wraps inside words
    assert (
        "(defaultrequest_id,trace_id,session_id,session_runtime,guardrail_change,blinded_window,gateway_runtime,"
        "gateway_call,unauthenticated_ip)" in help_text
    )
    assert "(default4)" in help_text


def test_pivot_cli_bad_follow_key_is_a_clear_error(story_dir, capsys):
    status = main(["pivot", S.R1, "--source", "local:" + str(story_dir), "--follow", "colour"])
    assert status != 0
    assert "cannot follow 'colour'" in capsys.readouterr().err
