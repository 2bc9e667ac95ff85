"""The one ``{{name}}`` binder of Logs Insights QL (classic queries), as AWS saved queries write
parameters: the catalogue's dry runs, the local engine and the AWS backend all bind here.

Why the lexer and not a regex: a ``{{name}}`` inside a string, a backticked name, a regex or a comment
is text, not a placeholder; the lexer (:mod:`aiaudit.query.cwli.lexer`, the parser's own) knows where
those are. Each placeholder is replaced by :func:`aiaudit.query.quoting.cwli_literal` — a double-quoted
string with backslash escapes, a number, ``true``/``false``, or a list ``[a, b]`` (for ``in``) — in one
pass over the original text, so a value can never form a placeholder or end its own quotes. The text
AWS receives is the text the local engine parses: one binding, both backends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiaudit.query.cwli.lexer import tokenize
from aiaudit.query.quoting import check_names, cwli_literal


@dataclass(frozen=True)
class Placeholder:
    """One ``{{name}}``: ``start``/``end`` (end exclusive) in the query text."""

    start: int
    end: int
    name: str


def placeholders(query: str) -> list[Placeholder]:
    """Every ``{{name}}`` placeholder outside strings, names, regexes and comments, in order."""
    return [Placeholder(t.start, t.end, str(t.value)) for t in tokenize(query, lenient=True) if t.kind == "PARAM"]


def names(query: str) -> list[str]:
    """Parameter names the query uses, in order of first use."""
    seen: dict[str, None] = {}
    for item in placeholders(query):
        seen.setdefault(item.name, None)
    return list(seen)


def bind_text(query: str, params: Mapping[str, Any] | None) -> str:
    """The query with every ``{{name}}`` replaced by its literal — the text AWS receives and the local
    engine runs. Unknown or missing parameters are errors, even with no parameters given."""
    found = placeholders(query)
    check_names([item.name for item in found], params, spelling="{{{{{}}}}}")
    values = dict(params or {})
    pieces: list[str] = []
    cursor = 0
    for item in found:
        pieces.append(query[cursor : item.start])
        pieces.append(cwli_literal(values[item.name], name=item.name))
        cursor = item.end
    pieces.append(query[cursor:])
    return "".join(pieces)


__all__ = ["Placeholder", "bind_text", "names", "placeholders"]
