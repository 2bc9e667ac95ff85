"""Hostile values: deterministic, at least 1,000, each mixing the ways a value can try to become syntax.

Why generated from pieces and not only random text: random text almost never holds a backtick next to a
comment marker next to a quote; these pieces are what query injection is made of in SQL (Spark and
DuckDB), Logs Insights QL (``|``, ``{{name}}``, regex ``/.../``) and LIKE/regex matching.
"""

from __future__ import annotations

import random

QUOTES = ["'", '"', "`", "´", "‘", "’", "‚", "‛", "“", "”", "„", "‟", "＇", "＂", "ʼ", "ˮ", "''", '\\"', "\\'"]
COMMENTS = ["--", "/*", "*/", "#", "//", "-- x\n", "/* */"]
PIPES = ["|", "||", " | filter 1=1", " | stats count(*)", " | limit 1", "| fields @message"]
SQL = [";", " OR 1=1", "' OR '1'='1", "UNION SELECT * FROM cloudtrail", "); DROP TABLE cloudtrail; --", "\\"]
PARAMS = [":v", ":x", "$1", "?", "{{v}}", "{{", "}}", "${v}", "%s"]
REGEX = [".", "*", "+", "?", "^", "$", "(", ")", "[", "]", "{", "}", "\\d", "/", "/.*/", "|", "\\"]
LIKE = ["%", "_", "\\%", "[a-z]"]
UNICODE = [
    "а",
    "е",
    "о",
    "ｓｅｌｅｃｔ",
    "\u202e",
    "\u200b",
    "\u2028",
    "\u2029",
    "\ufeff",
    "😀",
    "é",
    "Ω",
    "\U0010ffff",
]
CONTROL = ["\x00", "\x01", "\x07", "\x1b[31m", "\n", "\r", "\t", "\x7f", "\r\n"]
PLAIN = ["a", "admin", "arn:aws:iam::123456789012:role/x", " ", "0", "null", "NULL", "true"]

FAMILIES = [QUOTES, COMMENTS, PIPES, SQL, PARAMS, REGEX, LIKE, UNICODE, CONTROL, PLAIN]


def hostile_values(count: int = 1000, seed: int = 21) -> list[str]:
    """``count`` distinct values: every piece alone first, then random mixes of 2-12 pieces from several
    families, a few very long ones (64 KiB) at the end."""
    rng = random.Random(seed)
    pieces = [p for family in FAMILIES for p in family]
    values: list[str] = []
    seen: set[str] = set()

    def add(value: str) -> None:
        if value not in seen:
            seen.add(value)
            values.append(value)

    for piece in pieces:
        add(piece)
        add(f"x{piece}y")
    long_ones = [
        "'" * 65_536,
        ("a'" + "`" + "\x00" + "|") * 16_384,
        "é" * 65_536,
    ]
    while len(values) < count - len(long_ones):
        mix = [rng.choice(rng.choice(FAMILIES)) for _ in range(rng.randint(2, 12))]
        add("".join(mix))
    for value in long_ones:
        add(value)
    return values
