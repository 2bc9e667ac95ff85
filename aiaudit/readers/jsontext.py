"""Text → top-level JSON values with their lines, surviving damage.

Why three paths: a clean file is parsed with one ``json.loads`` (the C scanner, exact big integers);
NDJSON is parsed one ``json.loads`` per line, so one bad line costs one line; anything else (pretty-
printed objects one after another, a truncated ``{"Records": [...`` document, junk between objects)
goes through a ``raw_decode`` stream that keeps every complete value, salvages the complete elements
of a damaged array, and resyncs on the next line that starts with ``{`` or ``[``.

The stdlib ``json`` module is used on purpose: it keeps integers of any size exact (orjson rejects
integers beyond 64 bits) and its error messages name the column; see docs/readers.md for the measured
cost of that choice.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_DECODER = json.JSONDecoder()
_raw_decode = _DECODER.raw_decode
_loads = json.loads
_WS = re.compile(r"[ \t\n\r]*")
_RESYNC = re.compile(r"\n[\[{]")
_WRAPPER_HEAD = re.compile(r'\{\s*"(Records|Events|events)"\s*:\s*\[')
JSONDecodeError = json.JSONDecodeError
#: What parsing one value can raise on bad content: invalid JSON, or nesting deeper than the stdlib
#: parser's recursion limit (a 10,000-level array raises RecursionError, not a JSONDecodeError).
PARSE_ERRORS = (json.JSONDecodeError, RecursionError)
TOO_DEEP = "JSON nested too deeply to parse (deeper than Python's recursion limit)"

#: Keys under which export wrappers hold their list of records.
WRAPPER_KEYS = ("Records", "Events", "events", "results")


@dataclass
class Value:
    """One complete JSON value. ``index`` is set for elements salvaged from a damaged array."""

    line: int
    obj: Any
    index: int | None = None  # 1-based element index when it came from inside a salvaged wrapper/array


@dataclass
class Bad:
    """Text that did not parse, at a line, with why."""

    line: int
    reason: str
    excerpt: str


Item = Value | Bad

_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
#: Compact JSON text of a parsed record: what ``@message`` holds (``json.dumps(obj, separators=(",",":"),
#: ensure_ascii=False)``, with the encoder built once instead of on every call).
compact = _ENCODER.encode


def excerpt(text: str, limit: int = 200) -> str:
    """At most ``limit`` characters, with undecodable bytes shown as U+FFFD so reports can store them."""
    short = text[:limit]
    if any("\udc80" <= c <= "\udcff" for c in short):
        short = short.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return short


class _Lines:
    """Offset → 1-based line, for offsets visited in increasing order."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def at(self, offset: int) -> int:
        if offset < self.pos:
            return self.text.count("\n", 0, offset) + 1
        self.line += self.text.count("\n", self.pos, offset)
        self.pos = offset
        return self.line


def _has_bad(bad: list[int], start: int, end: int) -> bool:
    if not bad:
        return False
    i = bisect_left(bad, start)
    return i < len(bad) and bad[i] < end


def error_text(exc: Exception) -> str:
    """The skip reason for one of :data:`PARSE_ERRORS`."""
    if not isinstance(exc, json.JSONDecodeError):
        return TOO_DEEP
    return f"invalid JSON: {exc.msg} (column {exc.colno})" if exc.lineno == 1 else f"invalid JSON: {exc}"


def _extra_data(exc: Exception) -> bool:
    return isinstance(exc, json.JSONDecodeError) and exc.msg == "Extra data"


_BAD_UTF8 = "invalid UTF-8 bytes"


def parse_document(text: str) -> Any:
    """The whole text as one JSON value (raises ``json.JSONDecodeError``)."""
    return _loads(text)


_JSON_VALUE_START = frozenset('{["-0123456789]')


def starts_like_json(text: str) -> bool:
    """``{``, or ``[`` followed by something a JSON array can hold (a TOML ``[section]`` is not JSON)."""
    stripped = text.lstrip()
    if stripped[:1] == "{":
        return True
    if stripped[:1] != "[":
        return False
    inner = stripped[1:].lstrip()
    return not inner or inner[0] in _JSON_VALUE_START or inner.startswith(("true", "false", "null"))


def looks_line_delimited(lines: list[str]) -> bool:
    """True when some early line that starts at column 0 with ``{``/``[`` is a complete value on its own."""
    seen = 0
    for line in lines:
        if not line or line.isspace():
            continue
        seen += 1
        if seen > 20:
            break
        if line[0] in "{[":
            try:
                _loads(line)
            except PARSE_ERRORS as exc:
                if _extra_data(exc):
                    return True
                continue
            return True
    return False


def iter_lines(lines: list[str], damage: str | None = None) -> Iterator[Item]:
    """NDJSON: one value per line (several values on one line are read one after another).

    With ``damage`` (the decompressed data ends early), a last line that does not parse is the cut-off
    record and is reported with that reason.
    """
    last = len(lines)
    for number, line in enumerate(lines, 1):
        if not line or line.isspace():
            continue
        try:
            yield Value(number, _loads(line))
        except PARSE_ERRORS as first:
            exc: Exception = first
            if line[:1] == "\ufeff":  # files joined with cat keep each one's BOM at the start of a line
                line = line[1:]
                try:
                    yield Value(number, _loads(line))
                    continue
                except PARSE_ERRORS as again:
                    exc = again
            cut = damage if damage and number == last else None
            if _extra_data(exc) or cut or line.lstrip()[:1] == "[" or _WRAPPER_HEAD.match(line.lstrip()):
                yield from _iter_concatenated(line, number, cut)
            else:
                yield Bad(number, error_text(exc), excerpt(line))


def _iter_concatenated(line: str, number: int, damage: str | None) -> Iterator[Item]:
    """Values one after another on one line; a damaged wrapper or array keeps its complete elements."""
    pos = _WS.match(line, 0).end()  # type: ignore[union-attr]
    while pos < len(line):
        try:
            obj, end = _raw_decode(line, pos)
        except PARSE_ERRORS as exc:
            if line[pos] == "[" or _WRAPPER_HEAD.match(line, pos):
                for item in _salvage(line, pos, [], _Lines(line), damage):
                    item.line = number
                    yield item
            else:
                yield Bad(number, damage or error_text(exc), excerpt(line[pos:]))
            return
        yield Value(number, obj)
        pos = _WS.match(line, end).end()  # type: ignore[union-attr]


def iter_stream(text: str, bad: list[int], damage: str | None = None) -> Iterator[Item]:
    """Values one after another in any layout; salvages damaged arrays; resyncs after junk."""
    lines = _Lines(text)
    n = len(text)
    pos = _WS.match(text, 0).end()  # type: ignore[union-attr]
    while pos < n:
        line = lines.at(pos)
        char = text[pos]
        if char in "{[":
            try:
                obj, end = _raw_decode(text, pos)
            except PARSE_ERRORS as exc:
                if char == "[" or _WRAPPER_HEAD.match(text, pos):
                    yield from _salvage(text, pos, bad, lines, damage)
                    return
                reason = damage if damage and _RESYNC.search(text, pos) is None else error_text(exc)
                stop = _next_start(text, pos)
                yield Bad(line, reason, excerpt(text[pos:stop]))
                pos = stop
                continue
            if _has_bad(bad, pos, end):
                if char == "[" or _WRAPPER_HEAD.match(text, pos):
                    yield from _salvage(text, pos, bad, lines, None)  # keep the elements without bad bytes
                else:
                    yield Bad(line, _BAD_UTF8, excerpt(text[pos:end]))
            else:
                yield Value(line, obj)
            pos = _WS.match(text, end).end()  # type: ignore[union-attr]
            continue
        stop = _next_start(text, pos)
        yield Bad(line, "not JSON", excerpt(text[pos:stop]))
        pos = stop


def _next_start(text: str, pos: int) -> int:
    found = _RESYNC.search(text, pos)
    return found.start() + 1 if found else len(text)


def _salvage(text: str, pos: int, bad: list[int], lines: _Lines, damage: str | None) -> Iterator[Item]:
    """Elements of a damaged top-level array, or of the record list of a damaged wrapper object."""
    if text[pos] == "[":
        yield from _salvage_array(text, pos, bad, lines, damage)
        return
    head = _WRAPPER_HEAD.match(text, pos)
    assert head is not None
    yield from _salvage_array(text, head.end() - 1, bad, lines, damage)


def _salvage_array(text: str, pos: int, bad: list[int], lines: _Lines, damage: str | None) -> Iterator[Item]:
    n = len(text)
    i = pos + 1
    index = 0
    while True:
        i = _WS.match(text, i).end()  # type: ignore[union-attr]
        if i < n and text[i] == "]":
            return  # the array is whole; the damage is after it (reported by the caller's note)
        if index > 0:
            if i < n and text[i] == ",":
                i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            elif i < n:
                yield _rest_bad(text, i, index + 1, lines, f"invalid JSON: expected ',' or ']' after element {index}")
                return
        if i >= n:
            yield Bad(index + 1, damage or "document ends inside the record list", "")
            return
        try:
            obj, end = _raw_decode(text, i)
        except PARSE_ERRORS as exc:
            reason = damage if damage else error_text(exc)
            yield _rest_bad(text, i, index + 1, lines, reason)
            return
        index += 1
        if _has_bad(bad, i, end):
            yield Bad(index, f"{_BAD_UTF8} (text line {lines.at(i)})", excerpt(text[i:end]))
        else:
            yield Value(index, obj, index)
        i = end


def _rest_bad(text: str, i: int, index: int, lines: _Lines, reason: str) -> Bad:
    rest = len(text) - i
    return Bad(
        index,
        f"{reason}; element {index} onwards ({rest} characters from text line {lines.at(i)}) skipped",
        excerpt(text[i:]),
    )
