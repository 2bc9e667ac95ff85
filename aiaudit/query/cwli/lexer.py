"""The lexer of Logs Insights QL (classic queries): text → tokens with character offsets.

Why hand-written (the grammar itself is lark's, :mod:`aiaudit.query.cwli.parser`): ``/`` is a division
after a value and the start of a regex anywhere else (after ``like``, ``=~``, ``(``, ``,``, an operator,
or the source field of ``parse``), and a word is a command only at the start of a command — ``fields
source`` reads a field named ``source``. Both decisions need the previous token, which a table-driven
lexer does not see. The binder (:mod:`aiaudit.query.cwli.bind`) reads ``{{name}}`` placeholders with this
same lexer, so a placeholder inside a string, a backticked name, a regex or a comment is never one.

Lexical rules (``reference/logs_insights.md`` §1.1): commands are separated by ``|``; ``#`` starts a
comment to the end of the line; command names, keywords and function names are case-insensitive;
strings are ``"…"`` or ``'…'`` with backslash escapes; regexes are ``/…/`` with ``\\/`` for a slash;
field names are letters, digits, ``_``, ``@`` and ``.``, anything else in backticks; numbers may carry a
time unit (``5m``, ``100ms``, ``2hrs``) and then are periods.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aiaudit.core.errors import QuerySyntaxError

#: Words that start a command, by canonical command.
COMMANDS: dict[str, str] = {
    "fields": "FIELDS",
    "display": "DISPLAY",
    "filter": "FILTER",
    "where": "FILTER",
    "filterindex": "FILTER",
    "stats": "STATS",
    "sort": "SORT",
    "limit": "LIMIT",
    "parse": "PARSE",
    "dedup": "DEDUP",
    "unnest": "UNNEST",
    "source": "SOURCE",
    "unmask": "UNMASK",
}
#: Commands that need CloudWatch's machine-learning or comparison services: parsed, never run offline.
ML_COMMANDS = frozenset({"pattern", "anomaly", "diff", "logcompare", "relevantfields"})
#: Other commands AWS accepts that the local engine does not run (parsed as an opaque command).
OTHER_COMMANDS = frozenset(
    {
        "join", "lookup", "cidrlookup", "countfrequent", "count_frequent", "filldown", "fillmissing", "accum",
        "autoregress", "addtotals", "expand", "outlier", "sessionize", "appendcols", "json", "estimate",
        "head", "tail",
    }
)  # fmt: skip
#: Reserved words (anywhere but the start of a command); a field with such a name needs backticks.
KEYWORDS: dict[str, str] = {
    "and": "AND",
    "or": "OR",
    "not": "NOT",
    "in": "IN",
    "like": "LIKE",
    "as": "AS",
    "by": "BY",
    "asc": "ASC",
    "desc": "DESC",
    "into": "INTO",
    "true": "TRUE",
    "false": "FALSE",
}
#: Time units a period may carry, by canonical unit (``bin()``'s list; a multi-letter unit takes a plural s).
UNITS: dict[str, str] = {}
for _canonical, _spellings in {
    "ms": ("ms", "msec", "millisecond"),
    "s": ("s", "sec", "second"),
    "m": ("m", "min", "minute"),
    "h": ("h", "hr", "hour"),
    "d": ("d", "day"),
    "w": ("w", "week"),
    "mo": ("mo", "mon", "month"),
    "q": ("q", "qtr", "quarter"),
    "y": ("y", "yr", "year"),
}.items():
    for _spelling in _spellings:
        UNITS[_spelling] = _canonical
        if len(_spelling) > 1:
            UNITS[_spelling + "s"] = _canonical

_OPERATORS = [
    ("=~", "MATCH"),
    ("!=", "COMPARE"),
    ("<=", "COMPARE"),
    (">=", "COMPARE"),
    ("=", "COMPARE"),
    ("<", "COMPARE"),
    (">", "COMPARE"),
    ("+", "ADD"),
    ("-", "SUB"),
    ("*", "STAR"),
    ("%", "PERCENT"),
    ("^", "CARET"),
    ("(", "_LPAR"),
    (")", "_RPAR"),
    ("[", "_LSQB"),
    ("]", "_RSQB"),
    (",", "_COMMA"),
    (":", "_COLON"),
    ("|", "_PIPE"),
]
#: Token kinds after which ``/`` is a division (a value just ended).
_VALUE_END = frozenset(
    {"NAME", "FIELD", "NUMBER", "DURATION", "STRING", "REGEX", "PARAM", "TRUE", "FALSE", "_RPAR", "_RSQB"}
)
_WORD = re.compile(r"[A-Za-z_@][A-Za-z0-9_@]*")
_SEGMENT = re.compile(r"[A-Za-z0-9_@]+")
_NUMBER = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")
_LETTERS = re.compile(r"[A-Za-z]+")
_PARAM = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Tok:
    """One token: ``kind`` (a grammar terminal), the source ``text``, the decoded ``value`` and the
    character span ``start``–``end`` (end exclusive)."""

    kind: str
    text: str
    value: Any
    start: int
    end: int


def _ascii_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _fail(message: str, offset: int, query: str) -> QuerySyntaxError:
    return QuerySyntaxError(message, offset=offset, query=query)


def read_string(query: str, start: int) -> tuple[str, int]:
    """A quoted string at ``start`` → (decoded value, offset after the closing quote)."""
    quote = query[start]
    out: list[str] = []
    index = start + 1
    size = len(query)
    while index < size:
        char = query[index]
        if char == quote:
            return "".join(out), index + 1
        if char == "\\" and index + 1 < size:
            nxt = query[index + 1]
            simple = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "'": "'", "/": "/", "`": "`"}
            if nxt in simple:
                out.append(simple[nxt])
                index += 2
                continue
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", query[index + 2 : index + 6]):
                code = int(query[index + 2 : index + 6], 16)
                index += 6
                low = query[index + 2 : index + 6] if query.startswith("\\u", index) else ""
                if 0xD800 <= code < 0xDC00 and re.fullmatch(r"[dD][c-fC-F][0-9a-fA-F]{2}", low):
                    code = 0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)
                    index += 6
                out.append(chr(code))
                continue
            out.append(char + nxt)  # an unknown escape keeps its backslash
            index += 2
            continue
        out.append(char)
        index += 1
    raise _fail("unterminated string: the closing quote is missing", start, query)


def _read_regex(query: str, start: int) -> tuple[str, int]:
    """A ``/…/`` regex at ``start`` → (pattern with ``\\/`` unescaped, offset after the closing slash)."""
    out: list[str] = []
    index = start + 1
    size = len(query)
    while index < size:
        char = query[index]
        if char == "/":
            return "".join(out), index + 1
        if char == "\\" and index + 1 < size:
            out.append("/" if query[index + 1] == "/" else char + query[index + 1])
            index += 2
            continue
        if char == "\n":
            break
        out.append(char)
        index += 1
    raise _fail("unterminated regular expression: the closing / is missing", start, query)


def _read_backtick(query: str, start: int) -> tuple[str, int]:
    end = query.find("`", start + 1)
    if end < 0:
        raise _fail("unterminated backticked name: the closing ` is missing", start, query)
    return query[start + 1 : end], end + 1


def _read_name(query: str, start: int) -> tuple[list[str], bool, int]:
    """A field name at ``start``: its segments (``a.`b.c`.d`` → a, b.c, d), whether any part was
    backticked or dotted, and the offset after it."""
    segments: list[str] = []
    index = start
    fancy = False
    first = True
    while True:
        if index < len(query) and query[index] == "`":
            text, index = _read_backtick(query, index)
            fancy = True
        else:
            match = (_WORD if first else _SEGMENT).match(query, index)
            if match is None:
                raise _fail("a field name must follow the dot", index, query)
            text, index = match.group(), match.end()
        segments.append(text)
        first = False
        more = index + 1 < len(query) and (query[index + 1] == "`" or _SEGMENT.match(query, index + 1))
        if query[index : index + 1] == "." and more:
            fancy = True
            index += 1
            continue
        return segments, fancy, index


def _opaque_end(query: str, start: int) -> int:
    """Where a command the local engine does not run ends: the next ``|`` outside quotes, backticks,
    regexes and parentheses (its text goes to AWS untouched)."""
    index, depth, size = start, 0, len(query)
    previous = ""
    while index < size:
        char = query[index]
        if char in "\"'":
            index = read_string(query, index)[1]
            previous = "v"
            continue
        if char == "`":
            index = _read_backtick(query, index)[1]
            previous = "v"
            continue
        if char == "/" and not ((previous.isascii() and previous.isalnum()) or previous in ")]_@v"):
            try:
                index = _read_regex(query, index)[1]
                previous = "v"
                continue
            except QuerySyntaxError:
                pass
        if char == "#" and (index == 0 or query[index - 1].isspace()):
            newline = query.find("\n", index)
            index = size if newline < 0 else newline
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "|" and depth == 0:
            return index
        if not char.isspace():
            previous = char
        index += 1
    return size


def tokenize(query: str, *, lenient: bool = False) -> Iterator[Tok]:
    """The tokens of ``query``. ``lenient`` (the binder's mode) never refuses a word or a character it
    does not know — only text no lexer could read (an unterminated string) is an error."""
    index = 0
    size = len(query)
    command_start = True
    previous: list[str] = []  # kinds of the tokens of the current command
    while index < size:
        space = _SPACE.match(query, index)
        if space:
            index = space.end()
            continue
        char = query[index]
        if char == "#":
            newline = query.find("\n", index)
            index = size if newline < 0 else newline
            continue
        start = index
        last = previous[-1] if previous else None
        if command_start and (_ascii_letter(char) or char == "_"):
            match = _WORD.match(query, index)
            assert match is not None
            word = match.group()
            lowered = word.lower()
            command_start = False
            if lowered in COMMANDS:
                index = match.end()
                previous = [COMMANDS[lowered]]
                yield Tok(COMMANDS[lowered], word, lowered, start, index)
                continue
            if lenient:  # the binder reads every command's tokens (a placeholder may sit in any of them)
                continue
            index = match.end()
            if lowered in ML_COMMANDS or lowered in OTHER_COMMANDS:
                end = _opaque_end(query, index)
                body = query[index:end].strip()
                previous = ["OPAQUE"]
                yield Tok("OPAQUE", query[start:end].rstrip(), (lowered, body), start, end)
                index = end
                continue
            raise _fail(
                f"unknown command {word!r} (commands: fields, display, filter, stats, sort, limit, parse, dedup, "
                "unnest, SOURCE, unmask)",
                start,
                query,
            )
        command_start = False
        value: Any
        if char in "\"'":
            value, index = read_string(query, index)
            kind = "STRING"
        elif char == "/" and (last not in _VALUE_END or previous[-2:-1] == ["PARSE"]):
            value, index = _read_regex(query, index)
            kind = "REGEX"
        elif char == "{":
            match = _PARAM.match(query, index)
            if match is None:
                if lenient:
                    index += 1
                    continue
                raise _fail("unexpected '{' (a parameter is written {{name}})", start, query)
            value, index, kind = match.group(1), match.end(), "PARAM"
        elif "0" <= char <= "9":
            match = _NUMBER.match(query, index)
            assert match is not None
            text = match.group()
            index = match.end()
            number: float | int = float(text) if any(c in text for c in ".eE") else int(text)
            unit = _LETTERS.match(query, index)
            if unit:
                canonical = UNITS.get(unit.group().lower())
                if canonical is None:
                    if lenient:
                        index = unit.end()
                        continue
                    raise _fail(
                        f"unknown time unit {unit.group()!r} (ms, s, m, h, d, w, mo, q, y and their long forms)",
                        index,
                        query,
                    )
                index = unit.end()
                value, kind = (number, canonical), "DURATION"
            else:
                value, kind = number, "NUMBER"
        elif _ascii_letter(char) or char in "_@`":
            segments, fancy, index = _read_name(query, index)
            name = ".".join(segments)
            keyword = KEYWORDS.get(name.lower()) if not fancy else None
            value, kind = (name, keyword or ("FIELD" if fancy else "NAME"))
        else:
            for text, op_kind in _OPERATORS:
                if query.startswith(text, index):
                    if text == "=" and query.startswith("==", index) and not lenient:
                        raise _fail("there is no == operator: write =", start, query)
                    index += len(text)
                    value, kind = text, op_kind
                    break
            else:
                if char == "/":
                    value, kind, index = "/", "SLASH", index + 1
                elif char == "!" and not lenient:
                    raise _fail("unexpected '!' (write != or not)", start, query)
                elif lenient:
                    index += 1
                    continue
                else:
                    raise _fail(f"unexpected character {char!r}", start, query)
        if kind == "_PIPE":
            command_start = True
            previous = []
        else:
            previous.append(kind)
        yield Tok(kind, query[start:index], value, start, index)


__all__ = ["COMMANDS", "KEYWORDS", "ML_COMMANDS", "OTHER_COMMANDS", "UNITS", "Tok", "read_string", "tokenize"]
