"""Redaction: secrets masked, personal data pseudonymised consistently, pivots kept."""

from __future__ import annotations

import json

import nbformat
import pytest

from aiaudit.reports.redact import Redactor, luhn_ok

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS's documented example secret key
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEyMyIsImlzcyI6Imh0dHBzOi8vaWRwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJGMEQCIBxamplexampleexampleexample"


@pytest.fixture
def red():
    return Redactor(key=b"k" * 32)


def test_aws_secret_key_is_masked_everywhere(red):
    for text in (
        f"my key is {SECRET} ok",
        f'aws_secret_access_key = "{SECRET}"',
        f'{{"secretAccessKey": "{SECRET}"}}',
    ):
        out = red.text(text)
        assert SECRET not in out and "[MASKED:" in out


def test_other_secrets(red):
    assert JWT not in red.text(f"Authorization: Bearer {JWT}")
    assert TOKEN not in red.text(f"token {TOKEN}")
    assert "hunter22" not in red.text("password=hunter22 and more")
    assert "s3cr3t-value" not in red.text('{"client_secret": "s3cr3t-value"}')
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----"
    assert "MIIabc" not in red.text(f"key:\n{pem}\n")


def test_card_numbers_need_luhn(red):
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert "4111 1111 1111 1111" not in red.text("card 4111 1111 1111 1111 exp 12/29")
    # a request id or an epoch-ns number is not a card
    assert red.text("1765036280876512050") == "1765036280876512050"
    assert red.text("id 1234567890123") == "id 1234567890123"


def test_access_key_ids_and_arns_stay_visible(red):
    text = "AKIAIOSFODNN7EXAMPLE used arn:aws:iam::111122223333:role/app from 203.0.113.9"
    assert red.text(text) == text


def test_hex_digests_are_not_secrets(red):
    digest = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
    assert red.text(digest) == digest


def test_emails_pseudonymised_consistently(red):
    a = red.text("from john.doe@example.com to jane@example.org")
    b = red.text("again JOHN.DOE@example.com")
    assert "john.doe@example.com" not in a.lower() and "jane@example.org" not in a
    token = a.split()[1]
    assert token.startswith("email-") and token.endswith("@redacted.invalid")
    assert token in b  # same value (case-insensitive) -> same token
    assert a.split()[3] != token  # different people stay distinguishable
    sso = red.text("arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123/john.doe@example.com")
    assert sso.endswith(token)


def test_keys_differ_between_reports():
    one = Redactor(key=b"a" * 32).text("x@example.com")
    two = Redactor(key=b"b" * 32).text("x@example.com")
    assert one != two


def test_identifiers_that_look_like_numbers_survive(red):
    """Regression: the phone pattern rewrote parts of request ids (UUIDs), destroying pivots."""
    import random
    import uuid

    rng = random.Random(7)  # deterministic: 2,000 request ids, several of which used to be rewritten
    for _ in range(2000):
        text = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        assert red.text(text) == text
    for text in (
        "19b6d2d0-a8c1-4b5e-9277-0658bd3d695f",
        "arn:aws:bedrock:us-east-1:111122223333:guardrail/abc 2026-11-19 10:00:00",
        "2026-11-19T10:00:00.123Z 1765036280876512050",
        "10.20.300.4000",
    ):
        assert red.text(text) == text


def test_phone_numbers(red):
    out = red.text("call +1 206-555-0142 or (020) 7946 0958")
    assert "555-0142" not in out and "7946 0958" not in out and "phone-" in out


def test_disabled_redactor_is_identity():
    assert Redactor(enabled=False).text(f"{SECRET} a@b.com") == f"{SECRET} a@b.com"


def test_notebook_and_json_structures(red):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=f"prompt: {SECRET}\n"),
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": "<td>john.doe@example.com</td>", "application/json": {"k": SECRET}},
        ),
    ]
    nb.cells.append(cell)
    red.notebook(nb)
    dumped = json.dumps(nb)
    assert SECRET not in dumped and "john.doe@example.com" not in dumped
    assert red.counts["aws-secret-key"] >= 2 and red.counts["email"] == 1
