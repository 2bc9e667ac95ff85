"""Masking secrets and pseudonymising personal data in everything a shared report contains.

Why here and not in the notebooks: log content is attacker-controlled and full of secrets people pasted
into prompts; a report folder is shared with people who should see *that* a secret leaked, not the
secret. One :class:`Redactor` per report folder walks every artefact (HTML, ``.ipynb``,
``findings.json``) with the same key, so the same email becomes the same token everywhere and
principals stay distinguishable. The key is random per report and never written, so tokens cannot be
reversed by hashing guessed addresses.

Kept visible on purpose: access key ids (``AKIA…``/``ASIA…``): they are pivots, not secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MASK = "[MASKED:{kind}]"

# Secrets: masked outright.
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
_SECRET_ASSIGN = re.compile(
    r"(?i)((?:aws_?)?secret_?(?:access_?)?key|secretAccessKey|client_?secret|api_?key|password|passwd|pwd|"
    r"session_?token|sessionToken|x-amz-security-token|authorization)"
    r"(\s*[\"']?\s*[:=]\s*[\"']?\s*(?:bearer\s+)?)"
    r"([^\s\"'&<>,;}]{6,})"
)
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_SESSION_TOKEN = re.compile(r"\b(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{20,}")
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S)
_CARD = re.compile(r"(?<![\w:/.-])(?:\d[ -]?){12,18}\d(?![\w:/.-])")

# Personal data: pseudonymised consistently.
_EMAIL = re.compile(r"(?i)(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Not inside identifiers: request ids (UUIDs), ARNs and timestamps are hyphen- or colon-joined runs of
# digits too, and they are pivots that must survive redaction.
_PHONE = re.compile(
    r"(?<![\w+:/.-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}(?![\w:/.-])"
)


def luhn_ok(digits: str) -> bool:
    """Card numbers pass the Luhn check; request ids and timestamps almost never do."""
    total, double = 0, False
    for char in reversed(digits):
        value = int(char)
        if double:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
        double = not double
    return total % 10 == 0


def _looks_like_aws_secret(candidate: str) -> bool:
    # 40 characters of base64 with mixed classes; excludes hex digests and plain words.
    if re.fullmatch(r"[0-9a-f]{40}", candidate) or re.fullmatch(r"[A-Za-z]+", candidate):
        return False
    classes = sum(bool(re.search(p, candidate)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]"))
    return classes >= 3 or (("/" in candidate or "+" in candidate) and classes >= 2)


@dataclass
class Redactor:
    """Masks secrets and pseudonymises emails and phone numbers, consistently for one report."""

    enabled: bool = True
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    counts: dict[str, int] = field(default_factory=dict)

    def token(self, kind: str, value: str) -> str:
        digest = hmac.new(self.key, f"{kind}:{value.lower()}".encode(), hashlib.sha256).hexdigest()[:8]
        return f"{kind}-{digest}"

    def _count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    def text(self, value: str) -> str:
        """Redact one string."""
        if not self.enabled or not value:
            return value
        out = _PRIVATE_KEY.sub(self._masker("private-key"), value)
        out = _JWT.sub(self._masker("jwt"), out)
        out = _SESSION_TOKEN.sub(self._masker("session-token"), out)
        out = _SECRET_ASSIGN.sub(self._assign_masker, out)
        out = _AWS_SECRET.sub(self._aws_secret_masker, out)
        out = _CARD.sub(self._card_masker, out)
        out = _EMAIL.sub(lambda m: self._pseudo("email", m.group(0), suffix="@redacted.invalid"), out)
        out = _PHONE.sub(self._phone_masker, out)
        return out

    def _masker(self, kind: str) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            self._count(kind)
            return MASK.format(kind=kind)

        return replace

    def _assign_masker(self, match: re.Match[str]) -> str:
        if match.group(3).startswith("[MASKED:"):
            return match.group(0)
        self._count("secret")
        return f"{match.group(1)}{match.group(2)}{MASK.format(kind='secret')}"

    def _aws_secret_masker(self, match: re.Match[str]) -> str:
        if not _looks_like_aws_secret(match.group(0)):
            return match.group(0)
        self._count("aws-secret-key")
        return MASK.format(kind="aws-secret-key")

    def _card_masker(self, match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if not 13 <= len(digits) <= 19 or not luhn_ok(digits) or len(set(digits)) < 3:
            return match.group(0)
        self._count("card")
        return MASK.format(kind="card")

    def _phone_masker(self, match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if not 9 <= len(digits) <= 15:
            return match.group(0)
        return self._pseudo("phone", digits)

    def _pseudo(self, kind: str, value: str, suffix: str = "") -> str:
        self._count(kind)
        return self.token(kind, value) + suffix

    def value(self, obj: Any) -> Any:
        """Redact every string inside a JSON-like structure (dict keys included)."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, list):
            return [self.value(v) for v in obj]
        if isinstance(obj, tuple):
            return tuple(self.value(v) for v in obj)
        if isinstance(obj, dict):
            return {self.text(k) if isinstance(k, str) else k: self.value(v) for k, v in obj.items()}
        return obj

    def notebook(self, nb: Any) -> Any:
        """Redact a notebook in place: sources, outputs (text, html, json, plotly data) and metadata."""
        for cell in nb.cells:
            cell.source = self.text(cell.source)
            for output in cell.get("outputs", []):
                if "text" in output:
                    output["text"] = self.value(output["text"])
                if "data" in output:
                    output["data"] = self.value(dict(output["data"]))
                if "traceback" in output:
                    output["traceback"] = self.value(output["traceback"])
                if "evalue" in output:
                    output["evalue"] = self.text(output["evalue"])
        return nb
