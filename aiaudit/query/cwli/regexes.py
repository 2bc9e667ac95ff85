"""Regular expressions of classic queries, for DuckDB's RE2: named groups, glob patterns, validity.

Why: AWS writes named groups ``(?<name>…)`` (Java/PCRE style) and RE2 in DuckDB wants ``(?P<name>…)``;
``parse`` needs each group's number to extract it; a glob pattern (``"[*] user=*"``) is a regex in
disguise; and an invalid regex should be a :class:`QuerySyntaxError` at its offset, not a failure in the
middle of a run. Matching is RE2's, as AWS documents for its newer regex functions: unanchored search,
``(?i)`` anywhere.
"""

from __future__ import annotations

import threading

import duckdb

_SPECIAL = set("\\.^$|?*+()[]{}")
_lock = threading.Lock()
_scratch: duckdb.DuckDBPyConnection | None = None


def to_re2(pattern: str) -> str:
    """``(?<name>`` → ``(?P<name>`` (leaving lookbehinds ``(?<=``/``(?<!`` alone, which RE2 refuses)."""
    out: list[str] = []
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif pattern.startswith("(?<", index) and pattern[index + 3 : index + 4] not in ("=", "!"):
            out.append("(?P<")
            index += 3
            continue
        out.append(char)
        index += 1
    return "".join(out)


def groups(pattern: str) -> list[str | None]:
    """The capturing groups of an RE2 pattern in order: each group's name, or None when unnamed."""
    found: list[str | None] = []
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern.startswith("[]", index) or pattern.startswith("[^]", index):
                index += 2 if pattern.startswith("[]", index) else 3
                continue
        elif char == "(":
            if pattern.startswith("(?P<", index) or (
                pattern.startswith("(?<", index) and pattern[index + 3 : index + 4] not in ("=", "!")
            ):
                start = index + (4 if pattern.startswith("(?P<", index) else 3)
                end = pattern.find(">", start)
                found.append(pattern[start:end] if end > start else None)
            elif not pattern.startswith("(?", index):
                found.append(None)
        index += 1
    return found


def glob(pattern: str) -> str:
    """A ``parse`` glob as RE2: each ``*`` is a lazy capture, except a ``*`` that ends the pattern, which
    takes the rest of the text; everything else is literal. Newlines are ordinary characters."""
    parts = pattern.split("*")
    out = ["(?s)"]
    for index, part in enumerate(parts):
        out.append("".join("\\" + c if c in _SPECIAL else c for c in part))
        if index < len(parts) - 1:
            out.append("(.*)" if index == len(parts) - 2 and parts[-1] == "" else "(.*?)")
    return "".join(out)


def problem(pattern: str) -> str | None:
    """Why RE2 refuses ``pattern``, or None when it compiles."""
    global _scratch
    with _lock:
        if _scratch is None:
            _scratch = duckdb.connect()
        try:
            _scratch.execute("SELECT regexp_matches('', ?)", [pattern]).fetchall()
        except duckdb.Error as exc:
            return str(exc).split("Error: ", 1)[-1]
    return None


__all__ = ["glob", "groups", "problem", "to_re2"]
