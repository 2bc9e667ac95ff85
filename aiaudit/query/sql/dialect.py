"""The Logs Insights SQL dialect (OpenSearch SQL as CloudWatch runs it) and its parser.

Why a sqlglot ``Spark`` subclass: Logs Insights SQL is Spark SQL (OpenSearch "direct query"/Flint) plus
backticked log-group selectors in ``FROM``. sqlglot's Spark dialect already knows the functions, the
backtick identifiers and the ``:name`` placeholders; the subclass pins the behaviour we rely on and is
the one place to adjust it. Every error becomes a :class:`~aiaudit.core.errors.QuerySyntaxError` carrying the
0-based character offset of the problem, as AWS's ``queryCompileError.location.startCharOffset``.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark
from sqlglot.errors import ParseError, TokenError

from aiaudit.core.errors import QuerySyntaxError

#: AWS's StartQuery limit on ``queryString``.
MAX_QUERY_CHARS = 10_000


class LogsInsightsSQL(Spark):
    """Spark SQL as CloudWatch Logs Insights accepts it."""

    class Tokenizer(Spark.Tokenizer):
        """Spark's lexing: backticked identifiers (```` doubles a backtick), quoted strings with
        backslash escapes, ``:name`` placeholders."""


def line_col_offset(query: str, line: int, col: int) -> int:
    """Convert sqlglot's 1-based line and (end) column to a 0-based character offset."""
    lines = query.split("\n")
    base = sum(len(text) + 1 for text in lines[: max(line - 1, 0)])
    return min(base + max(col - 1, 0), len(query))


def _unclosed_quote(query: str) -> int | None:
    """Offset of a string or backtick identifier that is never closed (the usual tokenizer error)."""
    index, size = 0, len(query)
    while index < size:
        char = query[index]
        if char in "'\"`":
            start, index = index, index + 1
            while index < size:
                if query[index] == "\\" and char != "`":
                    index += 2
                    continue
                if query[index] == char:
                    if index + 1 < size and query[index + 1] == char:  # doubled quote
                        index += 2
                        continue
                    break
                index += 1
            if index >= size:
                return start
        elif query.startswith("--", index):
            newline = query.find("\n", index)
            index = size if newline < 0 else newline
        elif query.startswith("/*", index):
            close = query.find("*/", index + 2)
            if close < 0:
                return index
            index = close + 1
        index += 1
    return None


def parse(query: str) -> exp.Expr:
    """Parse one Logs Insights SQL statement; raise QuerySyntaxError with an offset on any problem."""
    if not isinstance(query, str) or not query.strip():
        raise QuerySyntaxError("the query is empty", offset=0, query=query if isinstance(query, str) else None)
    if len(query) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(
            f"the query has {len(query)} characters; Logs Insights accepts at most {MAX_QUERY_CHARS}",
            offset=MAX_QUERY_CHARS,
            query=query,
        )
    try:
        statements = sqlglot.parse(query, read=LogsInsightsSQL)
    except RecursionError:  # found by fuzzing: a few hundred '(' exhaust sqlglot's recursive descent
        raise QuerySyntaxError("the query is nested too deeply to parse", offset=0, query=query) from None
    except TokenError as exc:
        offset = _unclosed_quote(query)
        if offset is None:
            offset = min((exc.start or 0) + 50, len(query)) if exc.start is not None else None
        what = "unterminated string or identifier" if _unclosed_quote(query) is not None else "cannot read the query"
        raise QuerySyntaxError(what, offset=offset, query=query) from None
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        offset = None
        if first.get("line") is not None and first.get("col") is not None:
            end = line_col_offset(query, int(first["line"]), int(first["col"]))
            offset = max(end - len(first.get("highlight") or "") + 1, 0)
            offset = min(offset, len(query))
        message = first.get("description") or str(exc).splitlines()[0]
        raise QuerySyntaxError(f"syntax error: {message}", offset=offset, query=query) from None
    real = [statement for statement in statements if statement is not None]
    if len(real) > 1:
        raise QuerySyntaxError(
            "several statements in one query; Logs Insights runs exactly one SELECT",
            offset=_second_statement_offset(query),
            query=query,
        )
    if not real:
        raise QuerySyntaxError("the query is empty", offset=0, query=query)
    return real[0]


def _second_statement_offset(query: str) -> int | None:
    tokens = LogsInsightsSQL().tokenize(query)
    for index, token in enumerate(tokens):
        if token.token_type == sqlglot.TokenType.SEMICOLON and index + 1 < len(tokens):
            return tokens[index + 1].start
    return None


def node_offset(node: exp.Expr | None, query: str | None = None) -> int | None:
    """Best character offset for a node: the earliest identifier inside it that has a position; for a
    SELECT (given the query text), the SELECT keyword before that identifier."""
    if node is None:
        return None
    starts = [int(sub.meta["start"]) for sub in node.walk() if "start" in (getattr(sub, "_meta", None) or {})]
    if not starts:
        return None
    first = min(starts)
    if isinstance(node, exp.Select) and query is not None:
        try:
            tokens = LogsInsightsSQL().tokenize(query)
        except TokenError:
            return first
        keywords = [t.start for t in tokens if t.token_type == sqlglot.TokenType.SELECT and t.start <= first]
        return keywords[-1] if keywords else first
    return first
