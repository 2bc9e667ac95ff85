"""Parse a classic Logs Insights query into :mod:`aiaudit.query.cwli.ast` with lark (LALR).

Why lark with our own lexer: the grammar below is the language's reference in one screen, and LALR
gives every error the set of tokens it expected; the lexer (:mod:`aiaudit.query.cwli.lexer`) settles what
a grammar cannot (regex or division, command word or field). Every error is a
:class:`~aiaudit.core.errors.QuerySyntaxError` with the 0-based character offset and what was expected.

Operator precedence, loosest first: ``or``, ``and``, ``not``, comparisons (``= != < <= > >=``,
``in``, ``like``, ``=~``), ``+ -``, ``* / %``, ``^`` (right-associative), unary ``-``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedInput, UnexpectedToken, VisitError
from lark.lexer import Lexer

from aiaudit.core.errors import QuerySyntaxError
from aiaudit.query.cwli import ast
from aiaudit.query.cwli.lexer import tokenize

#: AWS's StartQuery limit on ``queryString``.
MAX_QUERY_CHARS = 10_000

GRAMMAR = r"""
start: command (_PIPE command)*

?command: fields_cmd | display_cmd | filter_cmd | stats_cmd | sort_cmd | limit_cmd | parse_cmd
        | dedup_cmd | unnest_cmd | source_cmd | unmask_cmd | opaque_cmd

fields_cmd: FIELDS item (_COMMA item)*
display_cmd: DISPLAY display_item (_COMMA display_item)*
display_item: name (_AS name)?
item: expr (_AS name)?
filter_cmd: FILTER expr
stats_cmd: STATS item (_COMMA item)* by_clause?
by_clause: _BY item (_COMMA item)*
sort_cmd: SORT _BY? sort_key (_COMMA sort_key)*
sort_key: expr (ASC | DESC)?
limit_cmd: LIMIT NUMBER
parse_cmd: PARSE name? pattern (_AS name (_COMMA name)*)?
dedup_cmd: DEDUP name (_COMMA name)*
unnest_cmd: UNNEST name _INTO name
source_cmd: SOURCE source_spec (_COMMA source_spec)*
source_spec: NAME _LPAR (source_arg (_COMMA source_arg)*)? _RPAR   -> selector
           | STRING                                                 -> group_name
source_arg: NAME _COLON _LSQB (STRING (_COMMA STRING)*)? _RSQB
unmask_cmd: UNMASK (name (_COMMA name)*)?
opaque_cmd: OPAQUE

?pattern: STRING -> string
        | REGEX -> regex

?expr: or_expr
?or_expr: and_expr
        | or_expr _OR and_expr -> or_
?and_expr: not_expr
         | and_expr _AND not_expr -> and_
?not_expr: comparison
         | _NOT not_expr -> not_
?comparison: sum
           | sum COMPARE sum -> compare
           | sum _IN values -> in_
           | sum _NOT _IN values -> not_in
           | sum _LIKE pattern -> like
           | sum _NOT _LIKE pattern -> not_like
           | sum MATCH pattern -> match
?sum: product
    | sum ADD product -> binary
    | sum SUB product -> binary
?product: power
        | product STAR power -> binary
        | product SLASH power -> binary
        | product PERCENT power -> binary
?power: unary
      | unary CARET power -> binary
?unary: atom
      | SUB unary -> neg
?atom: NUMBER -> number
     | STRING -> string
     | DURATION -> duration
     | TRUE -> true
     | FALSE -> false
     | PARAM -> param
     | REGEX -> regex
     | name
     | call
     | values
     | _LPAR expr _RPAR
call: NAME _LPAR (STAR | expr (_COMMA expr)*)? _RPAR
values: _LSQB (expr (_COMMA expr)*)? _RSQB
name: NAME | FIELD

%declare FIELDS DISPLAY FILTER STATS SORT LIMIT PARSE DEDUP UNNEST SOURCE UNMASK OPAQUE
%declare NAME FIELD NUMBER STRING REGEX DURATION PARAM TRUE FALSE
%declare COMPARE MATCH ADD SUB STAR SLASH PERCENT CARET ASC DESC
%declare _PIPE _COMMA _LPAR _RPAR _LSQB _RSQB _COLON _AS _BY _INTO _OR _AND _NOT _IN _LIKE
"""

#: Terminal names as an error message shows them.
_SHOWN = {
    "FIELDS": "a command", "NAME": "a field or function name", "FIELD": "a field name", "NUMBER": "a number",
    "STRING": "a quoted string", "REGEX": "a /regex/", "DURATION": "a period such as 5m", "PARAM": "a value",
    "TRUE": "true", "FALSE": "false", "COMPARE": "a comparison (=, !=, <, <=, >, >=)", "MATCH": "=~",
    "ADD": "+", "SUB": "-", "STAR": "*", "SLASH": "/", "PERCENT": "%", "CARET": "^", "ASC": "asc", "DESC": "desc",
    "_PIPE": "|", "_COMMA": ",", "_LPAR": "(", "_RPAR": ")", "_LSQB": "[", "_RSQB": "]", "_COLON": ":",
    "_AS": "as", "_BY": "by", "_INTO": "into", "_OR": "or", "_AND": "and", "_NOT": "not", "_IN": "in",
    "_LIKE": "like", "$END": "the end of the query",
}  # fmt: skip
_COMMAND_TERMINALS = {"FIELDS", "DISPLAY", "FILTER", "STATS", "SORT", "LIMIT", "PARSE", "DEDUP", "UNNEST", "SOURCE"}
_COMMAND_TERMINALS |= {"UNMASK", "OPAQUE"}
#: Lexer kinds that the grammar spells with a leading underscore (filtered out of the tree).
_HIDDEN = {"AS", "BY", "INTO", "OR", "AND", "NOT", "IN", "LIKE"}


class _Lexer(Lexer):
    """Feeds :func:`~aiaudit.query.cwli.lexer.tokenize` to lark (lark's interface 0: ``lex(text)``)."""

    __future_interface__ = 0

    def __init__(self, lexer_conf: Any) -> None:
        pass

    def lex(self, data: str) -> Iterator[Token]:  # type: ignore[override]
        for tok in tokenize(data):
            kind = "_" + tok.kind if tok.kind in _HIDDEN else tok.kind
            yield Token(
                kind,
                tok.value,
                start_pos=tok.start,
                end_pos=tok.end,
                line=1,
                column=tok.start + 1,
                end_line=1,
                end_column=tok.end + 1,
            )


@cache
def _lark() -> Lark:
    return Lark(GRAMMAR, parser="lalr", lexer=_Lexer, propagate_positions=True, maybe_placeholders=False)


def _span(meta: Any) -> tuple[int, int]:
    return int(meta.start_pos), int(meta.end_pos)


@v_args(meta=True)
class _Build(Transformer):  # type: ignore[type-arg]
    """lark's tree → :mod:`ast` nodes."""

    def __init__(self, query: str) -> None:
        super().__init__()
        self.query = query

    def _tok(self, token: Token) -> tuple[int, int]:
        return int(token.start_pos or 0), int(token.end_pos or 0)

    # -- atoms ------------------------------------------------------------------------------------
    def number(self, meta: Any, children: list[Token]) -> ast.Number:
        return ast.Number(*self._tok(children[0]), children[0].value)

    def string(self, meta: Any, children: list[Token]) -> ast.String:
        return ast.String(*self._tok(children[0]), children[0].value)

    def regex(self, meta: Any, children: list[Token]) -> ast.Regex:
        return ast.Regex(*self._tok(children[0]), children[0].value)

    def duration(self, meta: Any, children: list[Token]) -> ast.Duration:
        amount, unit = children[0].value
        return ast.Duration(*self._tok(children[0]), amount, unit)

    def true(self, meta: Any, children: list[Token]) -> ast.Bool:
        return ast.Bool(*self._tok(children[0]), True)

    def false(self, meta: Any, children: list[Token]) -> ast.Bool:
        return ast.Bool(*self._tok(children[0]), False)

    def param(self, meta: Any, children: list[Token]) -> ast.Param:
        return ast.Param(*self._tok(children[0]), children[0].value)

    def name(self, meta: Any, children: list[Token]) -> ast.Field:
        return ast.Field(*self._tok(children[0]), children[0].value)

    def call(self, meta: Any, children: list[Any]) -> ast.Call:
        head, rest = children[0], children[1:]
        star = bool(rest) and isinstance(rest[0], Token) and rest[0].type == "STAR"
        args = () if star else tuple(rest)
        return ast.Call(*_span(meta), str(head.value).lower(), args, star)

    def values(self, meta: Any, children: list[Any]) -> ast.ListLit:
        return ast.ListLit(*_span(meta), tuple(children))

    # -- operators --------------------------------------------------------------------------------
    def neg(self, meta: Any, children: list[Any]) -> ast.Unary:
        return ast.Unary(*_span(meta), "-", children[1])

    def binary(self, meta: Any, children: list[Any]) -> ast.Binary:
        return ast.Binary(*_span(meta), str(children[1].value), children[0], children[2])

    def compare(self, meta: Any, children: list[Any]) -> ast.Compare:
        return ast.Compare(*_span(meta), str(children[1].value), children[0], children[2])

    def in_(self, meta: Any, children: list[Any]) -> ast.In:
        return ast.In(*_span(meta), children[0], children[1].items, False)

    def not_in(self, meta: Any, children: list[Any]) -> ast.In:
        return ast.In(*_span(meta), children[0], children[1].items, True)

    def like(self, meta: Any, children: list[Any]) -> ast.Like:
        return ast.Like(*_span(meta), children[0], children[1], False, "like")

    def not_like(self, meta: Any, children: list[Any]) -> ast.Like:
        return ast.Like(*_span(meta), children[0], children[1], True, "like")

    def match(self, meta: Any, children: list[Any]) -> ast.Like:
        return ast.Like(*_span(meta), children[0], children[2], False, "=~")

    def not_(self, meta: Any, children: list[Any]) -> ast.Not:
        return ast.Not(*_span(meta), children[0])

    def and_(self, meta: Any, children: list[Any]) -> ast.Logical:
        return ast.Logical(*_span(meta), "and", children[0], children[1])

    def or_(self, meta: Any, children: list[Any]) -> ast.Logical:
        return ast.Logical(*_span(meta), "or", children[0], children[1])

    # -- commands ---------------------------------------------------------------------------------
    def item(self, meta: Any, children: list[Any]) -> ast.Item:
        return ast.Item(*_span(meta), children[0], children[1] if len(children) > 1 else None)

    display_item = item

    def fields_cmd(self, meta: Any, children: list[Any]) -> ast.Fields:
        return ast.Fields(*_span(meta), tuple(children[1:]))

    def display_cmd(self, meta: Any, children: list[Any]) -> ast.Display:
        return ast.Display(*_span(meta), tuple(children[1:]))

    def filter_cmd(self, meta: Any, children: list[Any]) -> ast.Filter:
        return ast.Filter(*_span(meta), children[1], str(children[0].value))

    def by_clause(self, meta: Any, children: list[Any]) -> tuple[ast.Item, ...]:
        return tuple(children)

    def stats_cmd(self, meta: Any, children: list[Any]) -> ast.Stats:
        by: tuple[ast.Item, ...] = ()
        items = []
        for child in children[1:]:
            if isinstance(child, tuple):
                by = child
            else:
                items.append(child)
        return ast.Stats(*_span(meta), tuple(items), by)

    def sort_key(self, meta: Any, children: list[Any]) -> ast.SortKey:
        descending = not (len(children) > 1 and children[1].type == "ASC")
        return ast.SortKey(*_span(meta), children[0], descending)

    def sort_cmd(self, meta: Any, children: list[Any]) -> ast.Sort:
        return ast.Sort(*_span(meta), tuple(children[1:]))

    def limit_cmd(self, meta: Any, children: list[Any]) -> ast.Limit:
        token = children[1]
        if not isinstance(token.value, int) or token.value < 1:
            raise QuerySyntaxError(
                "limit takes a whole number of at least 1", offset=int(token.start_pos or 0), query=self.query
            )
        return ast.Limit(*_span(meta), int(token.value))

    def parse_cmd(self, meta: Any, children: list[Any]) -> ast.Parse:
        rest = children[1:]
        source = rest.pop(0) if isinstance(rest[0], ast.Field) else None
        pattern = rest.pop(0)
        return ast.Parse(*_span(meta), source, pattern, tuple(rest))

    def dedup_cmd(self, meta: Any, children: list[Any]) -> ast.Dedup:
        return ast.Dedup(*_span(meta), tuple(children[1:]))

    def unnest_cmd(self, meta: Any, children: list[Any]) -> ast.Unnest:
        return ast.Unnest(*_span(meta), children[1], children[2])

    def source_arg(self, meta: Any, children: list[Token]) -> tuple[str, list[ast.SourceName]]:
        argument = str(children[0].value)
        names = [ast.SourceName(*self._tok(t), str(t.value), argument) for t in children[1:]]
        return argument, names

    def selector(self, meta: Any, children: list[Any]) -> tuple[str, list[ast.SourceName]]:
        head = children[0]
        if str(head.value) != "logGroups":
            raise QuerySyntaxError(
                f"SOURCE selects log groups with logGroups(...), not {head.value}(...)",
                offset=int(head.start_pos or 0),
                query=self.query,
            )
        names: list[ast.SourceName] = []
        for argument, found in children[1:]:
            if argument not in ("namePrefix", "logGroupIdentifier", "accountIdentifiers", "class"):
                raise QuerySyntaxError(
                    f"logGroups() takes namePrefix, accountIdentifiers or class, not {argument}",
                    offset=found[0].start if found else _span(meta)[0],
                    query=self.query,
                )
            names.extend(found)
        return "selector", names

    def group_name(self, meta: Any, children: list[Token]) -> tuple[str, list[ast.SourceName]]:
        return "name", [ast.SourceName(*self._tok(children[0]), str(children[0].value), "")]

    def source_cmd(self, meta: Any, children: list[Any]) -> ast.Source:
        names: list[ast.SourceName] = []
        selectors = 0
        for kind, found in children[1:]:
            selectors += kind == "selector"
            names.extend(found)
        return ast.Source(*_span(meta), tuple(names), selectors)

    def unmask_cmd(self, meta: Any, children: list[Any]) -> ast.Unmask:
        return ast.Unmask(*_span(meta), tuple(children[1:]))

    def opaque_cmd(self, meta: Any, children: list[Token]) -> ast.Opaque:
        name, body = children[0].value
        return ast.Opaque(*_span(meta), name, body)

    def start(self, meta: Any, children: list[Any]) -> tuple[ast.Command, ...]:
        return tuple(children)


#: Tokens that can start an expression: an error lists them as one item.
_EXPRESSION_START = {"NAME", "FIELD", "NUMBER", "STRING", "REGEX", "DURATION", "PARAM", "TRUE", "FALSE", "SUB"}
_EXPRESSION_START |= {"_LPAR", "_LSQB", "_NOT"}


def _expected(names: set[str]) -> str:
    shown: list[str] = []
    if names & _COMMAND_TERMINALS:
        shown.append("a command")
    if {"NAME", "NUMBER", "STRING"} <= names:
        shown.append("an expression (a field, a value or a function call)")
        names = names - _EXPRESSION_START
    for name in sorted(names - _COMMAND_TERMINALS):
        text = _SHOWN.get(name, name.lower())
        if text not in shown:
            shown.append(text)
    return ", ".join(shown[:8]) + (" …" if len(shown) > 8 else "")


def parse(query: str) -> ast.Query:
    """Parse a classic query (``{{name}}`` placeholders must be bound first, see :mod:`.bind`)."""
    if len(query) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(
            f"the query has {len(query)} characters; Logs Insights accepts at most {MAX_QUERY_CHARS}",
            offset=MAX_QUERY_CHARS,
            query=query,
        )
    if not query.strip() or all(t.kind == "_PIPE" for t in tokenize(query)):
        raise QuerySyntaxError("the query is empty: write at least one command", offset=0, query=query)
    try:
        tree = _lark().parse(query)
        commands = _Build(query).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, QuerySyntaxError):
            raise exc.orig_exc from None
        raise
    except UnexpectedToken as exc:
        token = exc.token
        at_end = token.type == "$END"
        offset = len(query) if at_end else int(token.start_pos or 0)
        expected = _expected(set(exc.expected))
        if at_end:
            message = f"the query ends too early; expected {expected}"
        else:
            message = f"unexpected {query[offset : int(token.end_pos or offset + 1)]!r}; expected {expected}"
        raise QuerySyntaxError(message, offset=offset, query=query) from None
    except UnexpectedInput as exc:  # pragma: no cover - every other lark error carries a position too
        raise QuerySyntaxError(f"the query does not parse: {exc}", offset=exc.pos_in_stream, query=query) from None
    return ast.Query(query, commands)


__all__ = ["GRAMMAR", "MAX_QUERY_CHARS", "parse"]
