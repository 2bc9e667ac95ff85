"""Every CLI verb of DESIGN §8 exists, has help, and reserved verbs fail loudly (exit 2), never silently."""

from __future__ import annotations

import subprocess
import sys

import pytest

from aiaudit.cli import VERBS, main
from aiaudit.cli.common import parse_params
from aiaudit.core.errors import InputError

DESIGN_VERBS = [
    "sources",
    "ingest",
    "simulate",
    "query",
    "catalog",
    "detect",
    "pivot",
    "setup",
    "playbook",
    "aws",
    "push",
    "pull",
    "export",
    "emulate",
]


def test_every_design_verb_is_registered():
    assert list(VERBS) == DESIGN_VERBS


@pytest.mark.parametrize("verb", DESIGN_VERBS)
def test_each_verb_has_help(verb, capsys):
    with pytest.raises(SystemExit) as info:
        main([verb, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert f"aiaudit {verb}" in out and VERBS[verb].split(":")[0][:20] in out


@pytest.mark.parametrize("verb", ["export"])
def test_reserved_verbs_exit_2_with_a_message(verb, capsys):
    assert main([verb]) == 2
    assert "not implemented yet" in capsys.readouterr().err


@pytest.mark.parametrize("verb", ["catalog", "setup", "playbook", "aws"])
def test_verbs_with_subverbs_print_help_and_exit_2_alone(verb, capsys):
    assert main([verb]) == 2
    assert "SUBVERB" in capsys.readouterr().out


def test_no_verb_prints_help():
    assert main([]) == 2


def test_common_options_are_shared(capsys):
    with pytest.raises(SystemExit):
        main(["query", "--help"])
    out = capsys.readouterr().out
    for option in ("--source", "--since", "--start", "--end", "--anchor", "--param", "--format"):
        assert option in out


def test_console_script_runs():
    proc = subprocess.run([sys.executable, "-m", "aiaudit", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("aiaudit ")


def test_errors_exit_1_with_the_message(capsys):
    assert main(["query", "SELECT 1", "--source", "gcp:nope"]) == 1
    assert "unknown source kind 'gcp'" in capsys.readouterr().err


def test_params_are_typed():
    assert parse_params(["n=5", "f=0.5", "b=true", "s=arn:aws:iam::1:role/x", "l=[a,b]", 'j=["x y",2]']) == {
        "n": 5,
        "f": 0.5,
        "b": True,
        "s": "arn:aws:iam::1:role/x",
        "l": ["a", "b"],
        "j": ["x y", 2],
    }
    with pytest.raises(InputError, match="NAME=VALUE"):
        parse_params(["oops"])
    with pytest.raises(InputError, match="twice"):
        parse_params(["a=1", "a=2"])


HOSTILE_TERMINAL = [
    "\x1b[2J\x1b[H",  # clear the screen
    "\x1b]0;owned\x07",  # set the window title
    "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # a hyperlink
    "\x9b31m",  # C1 CSI: an escape sequence without ESC
    "safe\u202etxt.exe",  # right-to-left override
    "line\rover",  # carriage return overwriting what was shown
]


def test_table_output_shows_control_characters_as_escapes(tmp_path, capsys) -> None:
    """Log content printed by `aiaudit query/detect/catalog run/pivot` cannot drive the terminal."""
    import argparse

    import pandas as pd

    from aiaudit.cli.common import emit

    frame = pd.DataFrame({"prompt": HOSTILE_TERMINAL, "n": range(len(HOSTILE_TERMINAL))})
    frame["prompt"] = frame["prompt"].astype("string")
    emit(frame, argparse.Namespace(format="table", output=None))
    out = capsys.readouterr().out
    for char in ("\x1b", "\x07", "\x9b", "\u202e", "\r"):
        assert char not in out
    assert "\\x1b[2J" in out and "\\x9b31m" in out and "safe\\u202etxt.exe" in out and "line\\x0dover" in out


def test_query_verb_prints_hostile_event_fields_inert(tmp_path, capsys) -> None:
    import json

    event = {
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/a"},
        "eventTime": "2024-05-01T00:00:07Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "\x1b]0;owned\x07Get\x1b[2J",
        "requestID": "r1",
        "eventID": "e1",
    }
    (tmp_path / "a.jsonl").write_text(json.dumps(event) + "\n")
    code = main(
        [
            "query",
            "SELECT eventName FROM `cloudtrail`",
            "--source",
            f"local:{tmp_path}",
            "--start",
            "2024-05-01T00:00:00Z",
            "--end",
            "2024-05-02T00:00:00Z",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;owned\\x07Get\\x1b[2J" in out
