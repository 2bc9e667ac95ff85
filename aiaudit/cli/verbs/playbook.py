"""`aiaudit playbook list|show|run NAME`."""

from __future__ import annotations

import argparse

from aiaudit.cli.common import add_common
from aiaudit.cli.verbs import not_implemented, with_subverbs


def register(parser: argparse.ArgumentParser) -> None:
    subs = with_subverbs(parser, {"list": "list playbooks", "show": "show one playbook", "run": "run one"})
    subs["list"].set_defaults(handler=not_implemented("playbooks are being built"))
    subs["show"].add_argument("name")
    subs["show"].set_defaults(handler=not_implemented("playbooks are being built"))
    subs["run"].add_argument("name")
    add_common(subs["run"])
    subs["run"].add_argument("--out", required=True, help="report folder")
    subs["run"].add_argument("--fail-on", choices=["info", "low", "medium", "high", "critical"])
    subs["run"].add_argument("--no-redact", action="store_true")
    subs["run"].set_defaults(handler=not_implemented("playbooks are being built"))
