"""The syntax tree of a classic Logs Insights query: commands and expressions with character spans.

Why spans on every node: errors point at the character AWS would (``QuerySyntaxError.offset``), an
unaliased expression is named by its own text (``count(*)``, ``bin(1h)``), and the AWS backend rewrites
pipeline names inside ``SOURCE`` in place, leaving the rest of the text as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Node:
    start: int
    end: int  # exclusive


# --- expressions ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Number(Node):
    value: int | float


@dataclass(frozen=True)
class String(Node):
    value: str


@dataclass(frozen=True)
class Regex(Node):
    pattern: str


@dataclass(frozen=True)
class Duration(Node):
    amount: int | float
    unit: str  # canonical: ms s m h d w mo q y


@dataclass(frozen=True)
class Bool(Node):
    value: bool


@dataclass(frozen=True)
class Param(Node):
    name: str


@dataclass(frozen=True)
class Field(Node):
    name: str


@dataclass(frozen=True)
class Call(Node):
    name: str  # lower case
    args: tuple[Expr, ...]
    star: bool = False  # count(*)


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-"
    operand: Expr


@dataclass(frozen=True)
class Binary(Node):
    op: str  # + - * / % ^
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Compare(Node):
    op: str  # = != < <= > >=
    left: Expr
    right: Expr


@dataclass(frozen=True)
class In(Node):
    subject: Expr
    items: tuple[Expr, ...]
    negated: bool


@dataclass(frozen=True)
class Like(Node):
    subject: Expr
    pattern: String | Regex
    negated: bool
    op: str  # "like" or "=~"


@dataclass(frozen=True)
class Not(Node):
    operand: Expr


@dataclass(frozen=True)
class Logical(Node):
    op: str  # "and" / "or"
    left: Expr
    right: Expr


@dataclass(frozen=True)
class ListLit(Node):
    items: tuple[Expr, ...]


Expr = (
    Number
    | String
    | Regex
    | Duration
    | Bool
    | Param
    | Field
    | Call
    | Unary
    | Binary
    | Compare
    | In
    | Like
    | Not
    | Logical
    | ListLit
)


# --- commands -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Item(Node):
    """``expr [as alias]`` in fields, display and stats."""

    expr: Expr
    alias: Field | None = None


@dataclass(frozen=True)
class Fields(Node):
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Display(Node):
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Filter(Node):
    expr: Expr
    word: str  # filter, where or filterindex


@dataclass(frozen=True)
class Stats(Node):
    items: tuple[Item, ...]
    by: tuple[Item, ...]


@dataclass(frozen=True)
class SortKey(Node):
    expr: Expr
    descending: bool


@dataclass(frozen=True)
class Sort(Node):
    keys: tuple[SortKey, ...]


@dataclass(frozen=True)
class Limit(Node):
    count: int


@dataclass(frozen=True)
class Parse(Node):
    source: Field | None  # None: @message
    pattern: String | Regex
    aliases: tuple[Field, ...]


@dataclass(frozen=True)
class Dedup(Node):
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Unnest(Node):
    field: Field
    alias: Field


@dataclass(frozen=True)
class SourceName(Node):
    """One quoted name in ``SOURCE``: a ``logGroups(...)`` list entry or ``SOURCE 'group'``."""

    value: str
    argument: str  # "namePrefix", "logGroupIdentifier", "accountIdentifiers", "class", or "" (SOURCE 'x')


@dataclass(frozen=True)
class Source(Node):
    names: tuple[SourceName, ...]
    selectors: int  # how many logGroups(...) selectors (an empty one selects every group)


@dataclass(frozen=True)
class Unmask(Node):
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Opaque(Node):
    """A command AWS runs and the local engine does not (``pattern``, ``diff``, ``join`` …)."""

    name: str
    body: str


Command = Fields | Display | Filter | Stats | Sort | Limit | Parse | Dedup | Unnest | Source | Unmask | Opaque


@dataclass(frozen=True)
class Query:
    text: str
    commands: tuple[Command, ...] = field(default_factory=tuple)

    def source(self, node: Node) -> str:
        """The text a node was written as."""
        return self.text[node.start : node.end]


__all__ = [
    "Bool", "Call", "Command", "Compare", "Dedup", "Display", "Duration", "Expr", "Field", "Fields", "Filter",
    "In", "Item", "Like", "Limit", "ListLit", "Logical", "Node", "Not", "Number", "Opaque", "Param", "Parse",
    "Query", "Regex", "Sort", "SortKey", "Source", "SourceName", "Stats", "String", "Unary", "Unmask", "Unnest",
]  # fmt: skip
