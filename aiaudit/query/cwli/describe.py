"""What a classic query returns and how it may be run, read from its syntax alone (no store needed).

Why syntactic: the result's columns, its order and whether time chunks can be concatenated are fixed by
the commands, not by the data. The local compiler names its output columns with :func:`columns`, and
the AWS backend decides splitting and re-ordering with :func:`outline` — one rule for both backends.

Columns (``reference/logs_insights.md`` §1.3): the last ``display`` decides when there is one (after the
last ``stats``: a ``stats`` produces new rows); else every
field named by ``fields`` (aliases as written, unaliased expressions by their own text), fields created
by ``parse`` and ``unnest``, and a ``stats``' groups then aggregates (a ``stats`` starts the list again);
with neither ``fields`` nor ``stats`` the list starts with ``@timestamp`` and ``@message``. Row queries
(no ``stats``) also return ``@ptr``, as AWS does.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiaudit.query.cwli import ast
from aiaudit.query.cwli.lexer import tokenize

#: Commands after which a time split and concatenation gives the same rows as one run.
_SPLITTABLE = (ast.Fields, ast.Display, ast.Filter, ast.Parse, ast.Unnest, ast.Unmask, ast.Source, ast.Sort)


def item_name(query: ast.Query, item: ast.Item) -> str:
    """A column's name: its alias, else the field's name, else the expression's own text."""
    if item.alias is not None:
        return item.alias.name
    if isinstance(item.expr, ast.Field):
        return item.expr.name
    return query.source(item.expr).strip()


def aggregated(query: ast.Query) -> bool:
    return any(isinstance(c, ast.Stats) for c in query.commands)


def columns(query: ast.Query) -> list[str]:
    """The result's column names, in order."""
    listed: list[str] = []
    display: list[str] | None = None
    explicit = False

    def add(name: str) -> None:
        if name not in listed:
            listed.append(name)

    for command in query.commands:
        if isinstance(command, ast.Fields):
            explicit = True
            for item in command.items:
                add(item_name(query, item))
        elif isinstance(command, ast.Parse):
            for alias in command.aliases:
                add(alias.name)
        elif isinstance(command, ast.Unnest):
            add(command.alias.name)
        elif isinstance(command, ast.Stats):
            explicit = True
            listed = []
            display = None  # a stats replaces the rows a display before it chose from
            for item in (*command.by, *command.items):
                add(item_name(query, item))
        elif isinstance(command, ast.Display):
            display = [item_name(query, item) for item in command.items]
    if display is not None:
        out = list(dict.fromkeys(display))
    else:
        out = list(dict.fromkeys([*([] if explicit else ["@timestamp", "@message"]), *listed]))
    if not aggregated(query) and "@ptr" not in out:
        out.append("@ptr")
    return out


@dataclass(frozen=True)
class Outline:
    """How the AWS backend may run a query: ``splittable`` row queries are split by time when capped and
    their chunks concatenated newest first (``newest_first``: AWS's default order, and the order of rows
    a sort leaves tied), then re-ordered by ``sort`` ((column, ascending), only returned columns) in
    AWS's natural order."""

    splittable: bool
    reason: str
    limit: int | None
    sort: tuple[tuple[str, bool], ...]
    newest_first: bool  # row queries: the default order, and the tie-break of a sort, is newest first
    source: ast.Source | None
    columns: tuple[str, ...]


def outline(query: ast.Query) -> Outline:
    cols = columns(query)
    limit = None
    reason = ""
    sort: list[tuple[str, bool]] = []
    sorted_by: ast.Sort | None = None
    for command in query.commands:
        if isinstance(command, ast.Limit):
            limit = command.count if limit is None else min(limit, command.count)
            reason = reason or "limit"
        elif isinstance(command, ast.Stats):
            reason = reason or "stats"
        elif isinstance(command, ast.Dedup):
            reason = reason or "dedup"
        elif isinstance(command, ast.Opaque):
            reason = reason or f"{command.name} command"
        elif isinstance(command, ast.Sort):
            sorted_by = command
        elif not isinstance(command, _SPLITTABLE):  # pragma: no cover - every command is listed above
            reason = reason or type(command).__name__.lower()
    if sorted_by is not None:
        for key in sorted_by.keys:
            name = key.expr.name if isinstance(key.expr, ast.Field) else query.source(key.expr).strip()
            sort.append((name, not key.descending))
        if not reason and any(name not in cols for name, _ in sort):
            reason = "sort by a field that is not returned"
    newest_first = not aggregated(query)
    if newest_first and sorted_by is None:
        sort = [("@timestamp", False)]
    source = next((c for c in query.commands if isinstance(c, ast.Source)), None)
    return Outline(
        splittable=not reason,
        reason=reason,
        limit=limit,
        sort=tuple((name, asc) for name, asc in sort if name in cols),
        newest_first=newest_first,
        source=source,
        columns=tuple(cols),
    )


def has_source(text: str) -> bool:
    """True when a query's first command is ``SOURCE`` (its log groups are in the text). Read with the
    lexer only, so a query the parser cannot read (a command newer than it) is still answered."""
    first = next(iter(tokenize(text, lenient=True)), None)
    return first is not None and first.kind == "SOURCE"


__all__ = ["Outline", "aggregated", "columns", "has_source", "item_name", "outline"]
