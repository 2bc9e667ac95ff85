"""The query languages the injection tests drive, each as a plug-in: how a parameter is written, how the
text is parsed into a tree, and the tree's *shape* (its structure with every literal value masked).

A value is injected when the shape of a query bound with it differs from the shape with a harmless
value. SQL is here now; classic Logs Insights QL (``{{name}}`` parameters) joins with one more
:class:`Language` once its parser lands (docs/reliability.md says what to add).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from aiaudit.query.sql.dialect import LogsInsightsSQL


@dataclass(frozen=True)
class Language:
    name: str  # the ``language=`` of Source.query
    param: Callable[[str], str]  # how the query text names parameter ``name``
    shape: Callable[[str], Any]  # text sent → structure with literals masked (raises on unparseable text)
    literals: Callable[[str], list[str]]  # text sent → the string literal values in it, in order


def _sql_tree(text: str) -> exp.Expression:
    return sqlglot.parse_one(text, read=LogsInsightsSQL)


def _sql_shape(text: str) -> str:
    tree = _sql_tree(text).copy()
    for literal in list(tree.find_all(exp.Literal)):
        literal.replace(exp.Literal.string("?") if literal.is_string else exp.Literal.number(0))
    return tree.sql(dialect=LogsInsightsSQL)


def _sql_literals(text: str) -> list[str]:
    return [lit.this for lit in _sql_tree(text).find_all(exp.Literal) if lit.is_string]


SQL = Language("sql", lambda name: f":{name}", _sql_shape, _sql_literals)

#: Every language the injection tests run in. Classic QL adds itself here when its parser lands.
LANGUAGES = [SQL]
