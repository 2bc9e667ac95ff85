"""What prompts ask and what models answer: injection markers in, disclosures out.

Why here, once: the prompt-injection and disclosure detections (X10, X11), the credential and
harvesting detections (X27, X28) and the ``who_asked_what`` notebook must judge the same text the same
way — they read the same vocabulary lists (:mod:`aiaudit.core.vocabulary`: ``prompt_injection_markers``,
``secret_patterns``, ``personal_data_patterns``, ``disclosure_markers``, ``credential_patterns``,
``metadata_harvest_markers``, ``jailbreak_markers``, ``secret_intent_markers``, ``shell_exec_markers``)
through these functions. Results are pattern
*names*, never the matched text: it may be the secret, or markup meant for the reader's browser. Card
numbers must pass the Luhn check, which keeps order numbers and invoice ids out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from aiaudit.core.vocabulary import compile_patterns, matching, words

_CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")
CARD_NUMBER = "card-number"


def luhn(digits: str) -> bool:
    """The Luhn checksum of a digit string (ISO/IEC 7812)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def has_card_number(text: Any) -> bool:
    return isinstance(text, str) and any(luhn(re.sub(r"\D", "", m.group(0))) for m in _CARD.finditer(text))


class Indicators:
    """Compiled indicator lists (the vocabulary's by default; a detection's parameters may replace them)."""

    def __init__(
        self,
        *,
        injection: Iterable[str] | None = None,
        secrets: Iterable[str] | None = None,
        personal: Iterable[str] | None = None,
        disclosure: Iterable[str] | None = None,
        cards: bool = True,
        credentials: Iterable[str] | None = None,
        harvest: Iterable[str] | None = None,
        jailbreak: Iterable[str] | None = None,
        secret_intent: Iterable[str] | None = None,
        shell: Iterable[str] | None = None,
    ) -> None:
        self.injection = compile_patterns(injection or words("prompt_injection_markers"), "injection markers")
        self.secrets = compile_patterns(secrets or words("secret_patterns"), "secret patterns")
        self.personal = compile_patterns(personal or words("personal_data_patterns"), "personal data patterns")
        self.disclosure = compile_patterns(disclosure or words("disclosure_markers"), "disclosure markers")
        self.cards = cards
        self.credential = compile_patterns(credentials or words("credential_patterns"), "credential patterns")
        self.harvest = compile_patterns(harvest or words("metadata_harvest_markers"), "metadata harvest markers")
        self.jailbreak = compile_patterns(jailbreak or words("jailbreak_markers"), "jailbreak markers")
        self.secret_intent = compile_patterns(secret_intent or words("secret_intent_markers"), "secret intent markers")
        self.shell = compile_patterns(shell or words("shell_exec_markers"), "shell markers")

    def credentials(self, text: Any) -> list[str]:
        """Names of the live-credential patterns in any text (prompt, completion, agent log)."""
        return matching(text, self.credential)

    def harvesting(self, text: Any) -> list[str]:
        """Names of what makes a prompt credential harvesting: instance or container metadata, AWS key names,
        or jailbreak wording *together with* secret or exfiltration intent (either alone is ordinary)."""
        found = matching(text, self.harvest)
        jail = matching(text, self.jailbreak)
        if jail:
            intent = matching(text, self.secret_intent)
            if intent:
                found += [f"jailbreak:{j}" for j in jail] + [f"intent:{i}" for i in intent]
        return found

    def shell_strings(self, text: Any) -> list[str]:
        """Names of the shell, interpreter and network-tool strings in a prompt."""
        return matching(text, self.shell)

    def injections(self, text: Any) -> list[str]:
        """Names of the injection markers in a prompt."""
        return matching(text, self.injection)

    def disclosures(self, text: Any) -> list[str]:
        """Names of the secrets, personal data and disclosure markers in a response."""
        found = matching(text, self.secrets) + matching(text, self.personal) + matching(text, self.disclosure)
        if self.cards and has_card_number(text):
            found.append(CARD_NUMBER)
        return sorted(set(found), key=found.index)


def scan(texts: pd.Series, judge_text: Callable[[Any], list[str]]) -> pd.Series:
    """One list of indicator names per text (an object column; empty lists where nothing fired)."""
    return pd.Series([judge_text(t) for t in texts.astype("object").tolist()], index=texts.index, dtype=object)


def user_turns(invocations: pd.DataFrame) -> pd.Series:
    """Every user turn of each invocation (``user_text``), else its last prompt."""
    user_text = invocations["user_text"] if "user_text" in invocations else invocations["prompt"]
    return user_text.astype("object").where(user_text.notna(), invocations["prompt"].astype("object"))


def judge(invocations: pd.DataFrame, indicators: Indicators | None = None) -> pd.DataFrame:
    """The invocation frame with two list columns: ``injection`` (markers in the user's turns — every user
    turn, so an injection in an earlier turn still counts) and ``disclosure`` (in the response)."""
    ind = indicators or Indicators()
    text = user_turns(invocations)
    out = invocations.copy()
    out["injection"] = pd.Series([ind.injections(t) for t in text.tolist()], index=invocations.index, dtype=object)
    responses = invocations["response"].astype("object").tolist()
    out["disclosure"] = pd.Series([ind.disclosures(t) for t in responses], index=invocations.index, dtype=object)
    return out
