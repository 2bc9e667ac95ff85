"""The parsed form of a CloudWatch Logs filter pattern (what :mod:`.parser` builds and :mod:`.compile` reads).

Four kinds of pattern exist (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html):
*terms* (``ERROR -Exiting``, ``?ERROR ?WARN``), a standalone *regex* (``%AUTHORIZED%``), *JSON*
(``{ $.eventSource = "bedrock.amazonaws.com" && $.errorCode = "AccessDenied" }``) and *space-delimited*
(``[ip, user, ..., status_code = 4*, bytes > 1000]``). Every node keeps the character offset it came from so
later checks (regex quotas, unknown field names) can point at the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: Comparison operators of JSON and space-delimited patterns.
Operator = Literal["=", "!=", "<", ">", "<=", ">="]
#: The unary JSON checks: ``IS NULL``, ``IS TRUE``, ``IS FALSE``, ``NOT EXISTS``.
Check = Literal["NULL", "TRUE", "FALSE", "NOT EXISTS"]


@dataclass(frozen=True)
class Selector:
    """A JSON property selector: ``$.resources[0].type`` → ``("resources", 0, "type")``."""

    parts: tuple[str | int, ...]
    text: str
    offset: int

    @property
    def dotted(self) -> str:
        """The Logs Insights name of the same field (``resources.0.type``), what the SQL engine resolves."""
        return ".".join(str(part) for part in self.parts)


@dataclass(frozen=True)
class Value:
    """The right-hand side of a comparison.

    ``kind`` is ``number`` (an unquoted number: compared numerically), ``string`` (quoted or a bare word; ``*``
    at its start or end is a wildcard) or ``regex`` (``%...%``, matched anywhere in the value).
    """

    kind: Literal["number", "string", "regex"]
    text: str
    offset: int
    number: float | None = None


@dataclass(frozen=True)
class Comparison:
    field: Selector | str  # a JSON selector, or a space-delimited field name
    op: Operator
    value: Value
    offset: int


@dataclass(frozen=True)
class Unary:
    field: Selector
    check: Check
    offset: int


@dataclass(frozen=True)
class And:
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Or:
    left: Expr
    right: Expr


Expr = Comparison | Unary | And | Or


@dataclass(frozen=True)
class Term:
    """One term of a term pattern: ``mode`` is ``all`` (plain), ``any`` (``?term``) or ``none`` (``-term``)."""

    text: str
    mode: Literal["all", "any", "none"]
    offset: int


@dataclass(frozen=True)
class Slot:
    """One comma-separated slot of a space-delimited pattern: a name (or none), or the ``...`` ellipsis."""

    name: str | None
    ellipsis: bool
    offset: int


@dataclass(frozen=True)
class MatchAll:
    """The empty pattern (``""``): every event matches."""


@dataclass(frozen=True)
class TermPattern:
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class RegexPattern:
    regex: Value


@dataclass(frozen=True)
class JsonPattern:
    expr: Expr


@dataclass(frozen=True)
class DelimitedPattern:
    slots: tuple[Slot, ...]
    condition: Expr | None  # conditions of every slot, joined with AND


Pattern = MatchAll | TermPattern | RegexPattern | JsonPattern | DelimitedPattern


def walk(expr: Expr | None) -> list[Comparison | Unary]:
    """The leaves of a condition, left to right."""
    if expr is None:
        return []
    if isinstance(expr, And | Or):
        return walk(expr.left) + walk(expr.right)
    return [expr]
