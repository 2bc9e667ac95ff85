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
