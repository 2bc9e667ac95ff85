"""One module per CLI verb: ``register(parser)`` adds its options and sets ``handler``."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from aiaudit.core.errors import NotImplementedYet


def not_implemented(what: str) -> Callable[[argparse.Namespace], int]:
    """Handler for a reserved verb: a clear message and exit status 2, never a silent no-op."""

    def handler(args: argparse.Namespace) -> int:
        raise NotImplementedYet(what)

    return handler


def with_subverbs(parser: argparse.ArgumentParser, names: dict[str, str]) -> dict[str, argparse.ArgumentParser]:
    """Sub-verbs (``catalog list``); calling the verb alone prints its help."""
    parser.set_defaults(handler=None, verb_parser=parser)
    sub = parser.add_subparsers(dest="subverb", metavar="SUBVERB")
    return {name: sub.add_parser(name, help=text, description=text) for name, text in names.items()}
