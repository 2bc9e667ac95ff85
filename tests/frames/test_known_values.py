"""``known``: the SQL every rule reads a field through (trimmed text, or NULL for a missing, empty or
redaction placeholder value). Its fast path returns the text untouched; these cases must come out exactly
as the slow path (trim, then compare with the placeholders) gives them."""

from __future__ import annotations

import duckdb
import pytest

from aiaudit.derive.expr import BLANKS, install, known


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    install(c)
    return c


def evaluate(con: duckdb.DuckDBPyConnection, value: str | None) -> str | None:
    return con.execute(f"SELECT {known('?::VARCHAR')}", [value]).fetchone()[0]


CASES = [
    # the common values pass untouched
    *[(v, v) for v in ("arn:aws:sts::123456789012:assumed-role/agent-role/i-0abc", "ec2.amazonaws.com")],
    ("AROAEXAMPLE:session", "AROAEXAMPLE:session"),
    ("203.0.113.9", "203.0.113.9"),
    ("a", "a"),
    ("aws cli user", "aws cli user"),  # a blank inside is kept
    ("élan", "élan"),  # a character outside ASCII at either end
    ("café", "café"),
    ("x\u00a0", "x\u00a0"),  # a no-break space is not one of the trimmed blanks
    # blanks at the ends are trimmed: every blank, at the start and at the end
    *[(f"{blank}AROA:s", "AROA:s") for blank in BLANKS],
    *[(f"AROA:s{blank}", "AROA:s") for blank in BLANKS],
    ("  padded  ", "padded"),
    # missing, empty, blank or a placeholder, in any case and with blanks around
    (None, None),
    ("", None),
    ("   ", None),
    ("\t\n", None),
    ("redacted", None),
    ("REDACTED", None),
    ("<redacted>", None),
    (" <Redacted> ", None),
    ("arn:aws:sts::<REDACTED>", None),
    ("HIDDEN_DUE_TO_SECURITY_REASONS", None),
    ("hidden_due_to_security_reasons\n", None),
    ("null", None),
    ("None", None),
    (" NULL", None),
    # a placeholder's length or a '<' alone does not make a value unknown
    ("abcd", "abcd"),
    ("12345678", "12345678"),
    ("a<b", "a<b"),
    ("nullable", "nullable"),
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_known(con: duckdb.DuckDBPyConnection, value: str | None, expected: str | None) -> None:
    assert evaluate(con, value) == expected


def test_every_blank_is_what_the_fast_path_reads_as_one() -> None:
    """The fast path takes a first or last character coded 32 or below for a blank (``ascii(x) > 32``):
    a blank above 32 would pass through it untrimmed."""
    assert BLANKS and max(ord(c) for c in BLANKS) <= 32
