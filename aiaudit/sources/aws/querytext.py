"""Reading query text before it goes to AWS: which queries may be split, and where the log groups go.

Why a real parse: splitting an aggregation, a JOIN, a dedup or an ``ORDER BY … LIMIT`` by time and
concatenating the pieces gives a wrong answer that looks right (the recordsMatched heuristic of peers
misfires on ``stats``). SQL is parsed with sqlglot (Spark dialect, the one Logs Insights SQL follows);
classic QL with the local engine's own parser (:mod:`aiaudit.query.cwli`). Parameters are bound before any
of this, by the one binder per language (:mod:`aiaudit.query.params`).

Rewriting SQL ``FROM`` uses sqlglot's tokenizer for positions and edits only the table tokens, so the
rest of the text reaches AWS byte for byte (re-generating SQL would change Spark functions).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sqlglot
from sqlglot import Dialect, exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from aiaudit.core.errors import InputError, QuerySyntaxError
from aiaudit.query.cwli import has_source, outline, parse
from aiaudit.query.sql.groups import parse_selector

#: Characters CloudWatch allows in log-group names, plus ':' for ARNs in logGroupIdentifiers.
_GROUP = re.compile(r"^[A-Za-z0-9._\-/#:*]{1,2048}$")
MAX_GROUPS = 50


@dataclass(frozen=True)
class Shape:
    """How a query may be executed: ``splittable`` row queries are split or paged when capped;
    everything else is run whole and reported when capped."""

    splittable: bool
    reason: str = ""  # why not splittable ("aggregation", "JOIN", ...)
    limit: int | None = None  # the query's own LIMIT
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (field, ascending) for re-ordering merged chunks
    newest_first: bool = False  # AWS's default order (@timestamp desc): merged chunks go newest first
    natural: bool = False  # classic QL: ``sort`` uses AWS's natural order (numbers by value, digit runs)


def check_group(name: str) -> str:
    if not _GROUP.match(name) or (name.endswith("*") and ":" in name):
        raise InputError(f"{name!r} is not a log group name or ARN", where="log_groups")
    return name


def render_from(groups: Sequence[str]) -> str:
    """The SQL ``FROM`` text for one or more log groups (Logs Insights syntax, §2.1)."""
    names = [check_group(g) for g in groups]
    if not names:
        raise InputError("no log group to query", where="log_groups")
    if len(names) > MAX_GROUPS:
        raise InputError(f"{len(names)} log groups; Logs Insights SQL takes at most {MAX_GROUPS}", where="log_groups")
    if len(names) == 1:
        return f"`{names[0]}`"
    return "`logGroups(logGroupIdentifier: [" + ", ".join(f"'{n}'" for n in names) + "])`"


# --- SQL ------------------------------------------------------------------------------------------
def _parse_sql(query: str):  # type: ignore[no-untyped-def]

    try:
        # a ';' inside a string literal or a backticked name is data (a bound value may hold one); only a
        # separator token between statements makes a second statement
        tokens = sqlglot.tokenize(query, read="spark")
        while tokens and tokens[-1].token_type == TokenType.SEMICOLON:
            tokens.pop()
        if any(t.token_type == TokenType.SEMICOLON for t in tokens):
            raise QuerySyntaxError("multi-statement queries are not supported by Logs Insights SQL", query=query)
        return sqlglot.parse_one(query, read="spark")
    except TokenError as exc:
        raise QuerySyntaxError(f"SQL does not parse: {exc}", query=query) from None
    except RecursionError:
        raise QuerySyntaxError("SQL is nested too deeply to parse", offset=0, query=query) from None
    except ParseError as exc:
        errors = getattr(exc, "errors", None) or [{}]
        line, col = errors[0].get("line"), errors[0].get("col")
        offset = _offset(query, line, col) if line and col else None
        reason = errors[0].get("description") or exc
        raise QuerySyntaxError(f"SQL does not parse: {reason}", offset=offset, query=query) from None


def _offset(text: str, line: int, col: int) -> int:
    lines = text.split("\n")
    return sum(len(part) + 1 for part in lines[: line - 1]) + max(col - 1, 0)


def classify_sql(query: str) -> Shape:

    tree = _parse_sql(query)
    if not isinstance(tree, exp.Select):
        return Shape(False, f"{type(tree).__name__.lower()} (only a plain SELECT can be split)")
    limit = _sql_limit(tree)
    checks: list[tuple[bool, str]] = [
        (bool(tree.args.get("joins")), "JOIN"),
        (bool(tree.args.get("group")), "GROUP BY"),
        (bool(tree.args.get("having")), "HAVING"),
        (bool(tree.args.get("distinct")), "DISTINCT"),
        (any(True for _ in tree.find_all(exp.AggFunc)), "aggregation"),
        (any(True for _ in tree.find_all(exp.Window)), "window function"),
        (any(sel is not tree for sel in tree.find_all(exp.Select)), "subquery"),
        (bool(tree.args.get("order")) and limit is not None, "ORDER BY … LIMIT"),
        (limit is not None, "LIMIT"),
    ]
    for hit, reason in checks:
        if hit:
            return Shape(False, reason, limit=limit)
    sort: list[tuple[str, bool]] = []
    order = tree.args.get("order")
    for item in order.expressions if order else []:
        if isinstance(item, exp.Ordered) and isinstance(item.this, exp.Column):
            sort.append((item.this.name, not item.args.get("desc")))
    return Shape(True, limit=None, sort=sort)


def _sql_limit(tree) -> int | None:  # type: ignore[no-untyped-def]
    limit = tree.args.get("limit")
    if limit is None:
        return None
    try:
        return int(limit.expression.name)
    except (AttributeError, ValueError):
        return None


def sql_tables(query: str) -> list[str]:
    """Names in FROM/JOIN positions (pipeline names, group names, ``logGroups(...)`` texts)."""
    return [text for _, _, text in _table_tokens(query)]


def _table_tokens(query: str) -> list[tuple[int, int, str]]:

    tokens = Dialect.get_or_raise("spark").tokenize(query)
    out: list[tuple[int, int, str]] = []
    for index, token in enumerate(tokens[:-1]):
        if token.token_type not in (TokenType.FROM, TokenType.JOIN):
            continue
        nxt = tokens[index + 1]
        if nxt.token_type in (TokenType.IDENTIFIER, TokenType.VAR) or nxt.token_type.name in ("TABLE",):
            # dotted names (db.table) are not log groups; keep them untouched
            after = tokens[index + 2] if index + 2 < len(tokens) else None
            if after is not None and after.token_type == TokenType.DOT:
                continue
            out.append((nxt.start, nxt.end, nxt.text))
    return out


def rewrite_sql_from(query: str, resolve: Callable[[str], list[str] | None]) -> str:
    """Replace every ``FROM``/``JOIN`` table that names a pipeline (or a ``logGroups(...)`` list holding
    pipeline names) by the configured log groups. ``resolve(name)`` returns the groups for a pipeline
    name, or None for a name that is already a log group."""

    _parse_sql(query)  # a clear syntax error first, with an offset
    pieces: list[str] = []
    cursor = 0
    for start, end, text in _table_tokens(query):
        items = parse_selector(text, offset=start, query=query)
        if items is not None:
            groups: list[str] = []
            for item in items:
                groups.extend(resolve(item) or [item])
        else:
            groups = resolve(text) or [text]
        pieces.append(query[cursor:start])
        pieces.append(render_from(_unique(groups)))
        cursor = end + 1
    pieces.append(query[cursor:])
    return "".join(pieces)


def ensure_ptr_sql(query: str) -> tuple[str, bool]:
    """Add `` `@ptr` `` to a splittable SELECT's list so split chunks can be de-duplicated; returns the
    text and whether it was added (the column is dropped again from the result)."""

    tree = _parse_sql(query)
    if not isinstance(tree, exp.Select):
        return query, False
    for item in tree.expressions:
        if isinstance(item, exp.Star) or (isinstance(item, exp.Column) and isinstance(item.this, exp.Star)):
            return query, False
        if item.alias_or_name == "@ptr":
            return query, False
    tokens = Dialect.get_or_raise("spark").tokenize(query)
    first = next(t for t in tokens if t.token_type == TokenType.SELECT)
    return query[: first.end + 1] + " `@ptr`," + query[first.end + 1 :], True


# --- CWLI -----------------------------------------------------------------------------------------
def classify_cwli(query: str) -> Shape:
    """Read with the classic-QL parser (:func:`aiaudit.query.cwli.outline`). A query the local parser
    cannot read (a command newer than it) is run whole and judged by AWS, never refused here."""
    try:
        plan = outline(parse(query))
    except QuerySyntaxError as exc:
        return Shape(False, f"not read by the local parser ({exc.reason})")
    return Shape(
        plan.splittable,
        plan.reason,
        limit=plan.limit,
        sort=list(plan.sort),
        newest_first=plan.newest_first,
        natural=True,
    )


def rewrite_cwli_source(query: str, configured: Callable[[str], str | None]) -> str:
    """Replace pipeline names inside ``SOURCE`` by their configured log group (``configured(name)`` → the
    group or prefix, None for a name that is not a pipeline); the rest of the text is left as written."""
    if not has_source(query):
        return query
    try:
        plan = outline(parse(query))
    except QuerySyntaxError:
        return query
    if plan.source is None:
        return query
    pieces: list[str] = []
    cursor = 0
    for item in plan.source.names:
        group = configured(item.value) if item.argument in ("", "namePrefix", "logGroupIdentifier") else None
        if group is None:
            continue
        if item.argument == "namePrefix":
            group = group.rstrip("*")
        elif group.endswith(("/", "*")):
            raise InputError(
                f"pipeline {item.value!r} is configured as the prefix {group!r}: select it with "
                f"SOURCE logGroups(namePrefix: ['{item.value}'])",
                where="SOURCE",
            )
        pieces.append(query[cursor : item.start])
        pieces.append("'" + check_group(group.rstrip("*") if item.argument == "namePrefix" else group) + "'")
        cursor = item.end
    pieces.append(query[cursor:])
    return "".join(pieces)


def _unique(items: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)
