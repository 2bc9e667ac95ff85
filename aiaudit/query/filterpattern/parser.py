"""A recursive-descent parser for CloudWatch Logs filter patterns, rejecting what AWS rejects with an offset.

Why hand-written: the grammar is small (four pattern kinds, one precedence rule) and every error must name
the character it happened at, as ``aiaudit.core.errors.QuerySyntaxError`` does for SQL. The rules follow
AWS's pages (cited per rule below):

* Filter pattern syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
  (terms, ``?term`` OR, ``-term`` exclusion, quoting of non-alphanumeric terms; JSON selectors
  ``$.a.b[0]``, ``=``/``!=`` with strings and ``*`` wildcards, numeric ``< > <= >= = !=``, ``IS NULL``,
  ``NOT EXISTS``, ``IS TRUE``/``IS FALSE``, ``&&``/``||`` with ``()`` > ``&&`` > ``||``; space-delimited
  ``[a, b, ..., c = 4* && c != 403]``).
* Regex: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/regex-expressions.html (``%...%``; only
  letters, digits, ``: _ # = @ / ; , -`` and the operators ``^ $ ? [ ] { } | \\ * + .``; no ``( )``, no
  multi-byte characters; at most two regexes in one JSON or space-delimited pattern).
* PutMetricFilter / MetricFilter: ``filterPattern`` is at most 1,024 characters
  (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_MetricFilter.html).
"""

from __future__ import annotations

import re
from typing import NoReturn

from aiaudit.core.errors import QuerySyntaxError
from aiaudit.query.filterpattern.nodes import (
    And,
    Comparison,
    DelimitedPattern,
    Expr,
    JsonPattern,
    MatchAll,
    Operator,
    Or,
    Pattern,
    RegexPattern,
    Selector,
    Slot,
    Term,
    TermPattern,
    Unary,
    Value,
    walk,
)

#: PutMetricFilter's limit on ``filterPattern``.
MAX_PATTERN_LENGTH = 1024
#: Regexes allowed in one JSON or space-delimited filter pattern.
MAX_REGEX_PER_PATTERN = 2

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_PROPERTY = re.compile(r"[A-Za-z0-9_-]+")
_JSON_WORD = re.compile(r"[A-Za-z0-9_.*+:-]+")
_FIELD_WORD = re.compile(r"[A-Za-z0-9_.*+:/-]+")
_SLOT_NAME = re.compile(r"[A-Za-z0-9_]+")
_TERM = re.compile(r"[A-Za-z0-9_]+")
_KEYWORD = re.compile(r"[A-Za-z]+")
_REGEX_SYMBOLS = set(":_#=@/;,-") | set("^$?[]{}|\\*+.")


def parse(text: str) -> Pattern:
    """Parse one filter pattern; raise :class:`QuerySyntaxError` (with ``offset``) where AWS would refuse it."""
    if len(text) > MAX_PATTERN_LENGTH:
        raise QuerySyntaxError(
            f"a filter pattern is at most {MAX_PATTERN_LENGTH} characters (this one has {len(text)})",
            offset=MAX_PATTERN_LENGTH,
            query=text,
        )
    return _Parser(text).pattern()


def parse_selector(text: str) -> Selector:
    """A JSON property selector alone (``$.userIdentity.arn``), as Contributor Insights rules write them."""
    parser = _Parser(text)
    parser.skip_ws()
    selector = parser.selector()
    parser.skip_ws()
    if not parser.at_end():
        parser.fail("unexpected text after the selector")
    return selector


def check_regex(body: str, offset: int, query: str) -> None:
    """AWS's regex subset: allowed characters only, no sub-patterns, and a regex that compiles."""
    if not body:
        raise QuerySyntaxError("an empty regex (%%) matches nothing useful; AWS rejects it", offset=offset, query=query)
    for index, char in enumerate(body):
        where = offset + index
        if ord(char) > 127:
            raise QuerySyntaxError("multi-byte characters are not supported in a regex", offset=where, query=query)
        if char in "()":
            raise QuerySyntaxError(
                "parentheses (sub-patterns) are not supported in a filter-pattern regex", offset=where, query=query
            )
        if not (char.isalnum() or char in _REGEX_SYMBOLS):
            raise QuerySyntaxError(f"{char!r} is not allowed in a filter-pattern regex", offset=where, query=query)
    try:
        re.compile(body)
    except re.error as exc:
        raise QuerySyntaxError(f"invalid regex: {exc.msg}", offset=offset + (exc.pos or 0), query=query) from None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # -- scanning ---------------------------------------------------------------------------------
    def fail(self, message: str, offset: int | None = None) -> NoReturn:
        raise QuerySyntaxError(message, offset=self.pos if offset is None else offset, query=self.text)

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self, token: str) -> bool:
        return self.text.startswith(token, self.pos)

    def take(self, token: str) -> bool:
        if self.peek(token):
            self.pos += len(token)
            return True
        return False

    def match(self, pattern: re.Pattern[str]) -> str:
        found = pattern.match(self.text, self.pos)
        if not found:
            return ""
        self.pos = found.end()
        return found.group(0)

    # -- the pattern kinds ------------------------------------------------------------------------
    def pattern(self) -> Pattern:
        self.skip_ws()
        body = self.text.strip()
        if body in ("", '""'):
            return MatchAll()
        if self.peek("{"):
            return self.json()
        if self.peek("["):
            return self.delimited()
        if len(body) >= 2 and body.startswith("%") and body.endswith("%"):
            return RegexPattern(self.regex())
        return self.terms()

    def terms(self) -> TermPattern:
        terms: list[Term] = []
        while True:
            self.skip_ws()
            if self.at_end():
                break
            start = self.pos
            mode = "all"
            if self.take("?"):
                mode = "any"
            elif self.take("-"):
                mode = "none"
            if mode != "all":
                self.skip_ws()
            if self.peek('"'):
                text = self.quoted()
            else:
                text = self.match(_TERM)
                if not text or not (self.at_end() or self.text[self.pos].isspace()):
                    if self.peek("%"):
                        self.fail("a regex (%...%) must be the whole pattern for unstructured log events")
                    self.fail(
                        "a term with characters other than letters, digits and '_' must be in double quotes",
                        offset=start if not text else self.pos,
                    )
            terms.append(Term(text, mode, start))  # type: ignore[arg-type]
        return TermPattern(tuple(terms))

    def json(self) -> JsonPattern:
        self.take("{")
        expr = self.or_expr()
        self.skip_ws()
        if not self.take("}"):
            self.fail("expected '&&', '||' or '}'" if not self.at_end() else "the JSON pattern is not closed with '}'")
        self.skip_ws()
        if not self.at_end():
            self.fail("unexpected text after the closing '}'")
        self._check_regex_quota(walk(expr))
        return JsonPattern(expr)

    def delimited(self) -> DelimitedPattern:
        self.take("[")
        slots: list[Slot] = []
        conditions: list[Expr] = []
        while True:
            self.skip_ws()
            start = self.pos
            if self.take("...") or self.take("…"):
                if any(s.ellipsis for s in slots):
                    self.fail("only one '...' is supported in a space-delimited pattern", offset=start)
                slots.append(Slot(None, True, start))
            elif self.peek(",") or self.peek("]"):
                slots.append(Slot(None, False, start))
            else:
                name = self.match(_SLOT_NAME)
                if not name:
                    self.fail("expected a field name, '...' or ','")
                slots.append(Slot(name, False, start))
                self.skip_ws()
                if self._at_operator():
                    self.pos = start
                    conditions.append(self.slot_condition())
            self.skip_ws()
            if self.take(","):
                continue
            if self.take("]"):
                break
            self.fail("expected ',' or ']'" if not self.at_end() else "the space-delimited pattern is not closed")
        self.skip_ws()
        if not self.at_end():
            self.fail("unexpected text after the closing ']'")
        names = {s.name for s in slots if s.name}
        dupes = [s for i, s in enumerate(slots) if s.name and s.name in {x.name for x in slots[:i]}]
        if dupes:
            self.fail(f"field {dupes[0].name!r} is named twice", offset=dupes[0].offset)
        leaves = [leaf for cond in conditions for leaf in walk(cond)]
        for leaf in leaves:
            if isinstance(leaf, Comparison) and leaf.field not in names:
                self.fail(f"condition on {leaf.field!r}, which is not a field of this pattern", offset=leaf.offset)
        self._check_regex_quota(leaves)
        condition: Expr | None = None
        for cond in conditions:
            condition = cond if condition is None else And(condition, cond)
        return DelimitedPattern(tuple(slots), condition)

    # -- JSON conditions --------------------------------------------------------------------------
    def or_expr(self, *, delimited: bool = False) -> Expr:
        left = self.and_expr(delimited=delimited)
        while True:
            self.skip_ws()
            if not self.take("||"):
                return left
            left = Or(left, self.and_expr(delimited=delimited))

    def and_expr(self, *, delimited: bool = False) -> Expr:
        left = self.primary(delimited=delimited)
        while True:
            self.skip_ws()
            if not self.take("&&"):
                return left
            left = And(left, self.primary(delimited=delimited))

    def primary(self, *, delimited: bool) -> Expr:
        self.skip_ws()
        if self.peek("("):
            start = self.pos
            self.pos += 1
            expr = self.or_expr(delimited=delimited)
            self.skip_ws()
            if not self.take(")"):
                self.fail("expected ')' to close the '(' opened", offset=start)
            return expr
        if delimited:
            return self.field_comparison()
        return self.condition()

    def condition(self) -> Expr:
        start = self.pos
        if not self.peek("$"):
            self.fail("expected a selector such as $.eventName" if not self.at_end() else "the pattern ends early")
        selector = self.selector()
        self.skip_ws()
        word_at = self.pos
        word = self.match(_KEYWORD).upper()
        if word == "IS":
            self.skip_ws()
            what_at = self.pos
            what = self.match(_KEYWORD).upper()
            if what not in ("NULL", "TRUE", "FALSE"):
                self.fail("expected NULL, TRUE or FALSE after IS", offset=what_at)
            return Unary(selector, what, start)  # type: ignore[arg-type]
        if word == "NOT":
            self.skip_ws()
            what_at = self.pos
            if self.match(_KEYWORD).upper() != "EXISTS":
                self.fail("expected EXISTS after NOT", offset=what_at)
            return Unary(selector, "NOT EXISTS", start)
        if word:
            self.fail(f"expected an operator (=, !=, <, >, <=, >=, IS, NOT EXISTS), not {word!r}", offset=word_at)
        op = self.operator()
        return Comparison(selector, op, self.value(op, _JSON_WORD), start)

    def selector(self) -> Selector:
        start = self.pos
        if not self.take("$"):
            self.fail("a selector starts with '$'")
        parts: list[str | int] = []
        while True:
            if self.take("."):
                name = self.match(_PROPERTY)
                if not name:
                    self.fail("expected a property name (letters, digits, '-' or '_') after '.'")
                parts.append(name)
            elif self.peek("["):
                if not parts:
                    self.fail("array elements ([n]) must follow a property")
                self.pos += 1
                digits = self.match(re.compile(r"\d+"))
                if not digits or not self.take("]"):
                    self.fail("expected an array index such as [0]")
                parts.append(int(digits))
            else:
                break
        if not parts:
            self.fail("a selector needs a property after '$' (for example $.eventName)", offset=start)
        return Selector(tuple(parts), self.text[start : self.pos], start)

    # -- space-delimited conditions ---------------------------------------------------------------
    def slot_condition(self) -> Expr:
        return self.or_expr(delimited=True)

    def field_comparison(self) -> Comparison:
        start = self.pos
        name = self.match(_SLOT_NAME)
        if not name:
            self.fail("expected a field name")
        self.skip_ws()
        op = self.operator()
        return Comparison(name, op, self.value(op, _FIELD_WORD), start)

    # -- shared -----------------------------------------------------------------------------------
    def _at_operator(self) -> bool:
        return any(self.peek(op) for op in ("!=", "<=", ">=", "=", "<", ">"))

    def operator(self) -> Operator:
        for op in ("!=", "<=", ">=", "=", "<", ">"):
            if self.take(op):
                return op  # type: ignore[return-value]
        self.fail("expected an operator (=, !=, <, >, <=, >=)")

    def value(self, op: Operator, word: re.Pattern[str]) -> Value:
        self.skip_ws()
        start = self.pos
        if self.peek('"'):
            value = Value("string", self.quoted(), start)
        elif self.peek("%"):
            value = self.regex()
        else:
            text = self.match(word)
            if not text:
                self.fail('expected a value (a number, a word, a "quoted string" or a %regex%)')
            number = _NUMBER.fullmatch(text)
            value = Value("number", text, start, float(text)) if number else Value("string", text, start)
        if op not in ("=", "!=") and value.kind != "number":
            self.fail(f"'{op}' compares numbers; {value.text!r} is not a number", offset=start)
        return value

    def quoted(self) -> str:
        start = self.pos
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text) and self.text[self.pos + 1] in '"\\':
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if char == '"':
                self.pos += 1
                return "".join(out)
            out.append(char)
            self.pos += 1
        self.fail("unterminated string (a '\"' is missing)", offset=start)

    def regex(self) -> Value:
        start = self.pos
        end = self.text.find("%", start + 1)
        if end < 0:
            self.fail("unterminated regex (a closing '%' is missing)", offset=start)
        body = self.text[start + 1 : end]
        check_regex(body, start + 1, self.text)
        self.pos = end + 1
        return Value("regex", body, start)

    def _check_regex_quota(self, leaves: list[Comparison | Unary]) -> None:
        regexes = [leaf for leaf in leaves if isinstance(leaf, Comparison) and leaf.value.kind == "regex"]
        if len(regexes) > MAX_REGEX_PER_PATTERN:
            self.fail(
                f"at most {MAX_REGEX_PER_PATTERN} regexes are allowed in one filter pattern",
                offset=regexes[MAX_REGEX_PER_PATTERN].value.offset,
            )
