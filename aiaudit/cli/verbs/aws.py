"""`aiaudit aws check`."""

from __future__ import annotations

import argparse

from aiaudit.cli.common import add_source
from aiaudit.cli.verbs import not_implemented, with_subverbs


def register(parser: argparse.ArgumentParser) -> None:
    subs = with_subverbs(parser, {"check": "log groups, retention, pipelines enabled, invocation logging"})
    add_source(subs["check"])
    subs["check"].set_defaults(handler=not_implemented("the AWS backend is being built"))
