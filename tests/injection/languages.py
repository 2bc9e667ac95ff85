"""The query languages the injection tests drive, each as a plug-in: how a parameter is written, the
binder that writes values in (the project's own, one per language), how the text is parsed into a tree,
and the tree's *shape* (its structure with every literal value masked).

A value is injected when the shape of a query bound with it differs from the shape with a harmless
value. Both Logs Insights languages are here: OpenSearch SQL (``:name``) and classic QL (``{{name}}``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from aiaudit.query.cwli import ast as cwli_ast
from aiaudit.query.cwli import parse as parse_cwli
from aiaudit.query.params import bind_text
from aiaudit.query.sql.dialect import LogsInsightsSQL


@dataclass(frozen=True)
class Language:
    name: str  # the ``language=`` of Source.query
    equals: str  # query: requestID of events whose eventName equals parameter ``v``, sorted
    within: str  # query: requestID of events whose eventName is in list parameter ``vs``, sorted
    shape: Callable[[str], Any]  # text sent → structure with literals masked (raises on unparseable text)
    literals: Callable[[str], list[str]]  # text sent → the string literal values in it, in order
    log_groups: tuple[str, ...] | None = None  # what Source.query needs besides the text (classic QL)
    #: the longest text the language's own parser accepts everywhere (classic QL refuses more than AWS's
    #: 10,000 characters on the local engine too; the SQL translator leaves that check to the AWS backend)
    max_text: int | None = None

    def bind(self, query: str, params: dict[str, Any]) -> str:
        """The text the AWS backend sends: the project's one binder for this language."""
        return bind_text(self.name, query, params)


def _sql_tree(text: str) -> exp.Expression:
    return sqlglot.parse_one(text, read=LogsInsightsSQL)


def _sql_shape(text: str) -> str:
    tree = _sql_tree(text).copy()
    for literal in list(tree.find_all(exp.Literal)):
        literal.replace(exp.Literal.string("?") if literal.is_string else exp.Literal.number(0))
    return tree.sql(dialect=LogsInsightsSQL)


def _sql_literals(text: str) -> list[str]:
    return [lit.this for lit in _sql_tree(text).find_all(exp.Literal) if lit.is_string]


def _cwli_shape(node: Any) -> Any:
    """The classic parser's tree as nested tuples, without character spans (a longer value moves them)
    and with every string and number replaced by a placeholder."""
    if isinstance(node, cwli_ast.String):
        return ("String", "?")
    if isinstance(node, cwli_ast.Number):
        return ("Number", 0)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        kept = [f.name for f in dataclasses.fields(node) if f.name not in ("start", "end", "text")]
        return (type(node).__name__, *((name, _cwli_shape(getattr(node, name))) for name in kept))
    if isinstance(node, (list, tuple)):
        return tuple(_cwli_shape(item) for item in node)
    return node


def _cwli_literals(node: Any) -> list[str]:
    if isinstance(node, cwli_ast.String):
        return [node.value]
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return [value for f in dataclasses.fields(node) for value in _cwli_literals(getattr(node, f.name))]
    if isinstance(node, (list, tuple)):
        return [value for item in node for value in _cwli_literals(item)]
    return []


SQL = Language(
    "sql",
    equals="SELECT requestID FROM `cloudtrail` WHERE eventName = :v ORDER BY requestID",
    within="SELECT requestID FROM `cloudtrail` WHERE eventName IN :vs ORDER BY requestID",
    shape=_sql_shape,
    literals=_sql_literals,
)
CWLI = Language(
    "cwli",
    equals="fields requestID | filter eventName = {{v}} | sort requestID asc",
    within="fields requestID | filter eventName in {{vs}} | sort requestID asc",
    shape=lambda text: _cwli_shape(parse_cwli(text)),
    literals=lambda text: _cwli_literals(parse_cwli(text)),
    log_groups=("cloudtrail",),
    max_text=10_000,
)

#: Every language the injection tests run in.
LANGUAGES = [SQL, CWLI]
