"""Logs Insights QL — the classic ``fields | filter | stats | sort | limit`` language — on the local store.

``run_cwli(store, query, time_range, params=..., log_groups=...)`` runs a query and returns a
:class:`~aiaudit.core.result.Result`; ``translate(query, ...)`` shows the DuckDB SQL it becomes;
``parse(query)`` gives the syntax tree (:mod:`.ast`) or a :class:`~aiaudit.core.errors.QuerySyntaxError`
with the character offset and what was expected; ``bind_text(query, params)`` writes ``{{name}}``
parameters in (the text AWS receives); ``outline(tree)`` says which columns come back and whether the
AWS backend may split the query by time. See ``docs/cwli.md``.
"""

from aiaudit.query.cwli.bind import bind_text, names, placeholders
from aiaudit.query.cwli.describe import Outline, columns, has_source, outline
from aiaudit.query.cwli.engine import MAX_ROWS, run_cwli, translate
from aiaudit.query.cwli.lexer import tokenize
from aiaudit.query.cwli.parser import parse

__all__ = [
    "MAX_ROWS", "Outline", "bind_text", "columns", "has_source", "names", "outline", "parse", "placeholders",
    "run_cwli", "tokenize", "translate",
]  # fmt: skip
