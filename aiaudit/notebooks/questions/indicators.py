"""Text indicators for prompts and answers: prompt injection in, data or secrets out.

Why patterns with names: a finding must say *which* indicator fired without repeating the text (a
prompt is attacker-controlled and may carry markup meant for the reader's browser or for another
model). Patterns are deliberately specific — a generic word list flags ordinary support chats.
"""

from __future__ import annotations

import re

INJECTION = {
    "ignore-instructions": re.compile(
        r"\b(ignore|disregard|forget)\s+(all\s+)?(the\s+)?(previous|prior|above)\s+"
        r"(instructions|prompts?|rules)",
        re.I,
    ),
    "system-override": re.compile(r"\bsystem\s+override\b|\bdeveloper\s+mode\b|\bjailbreak\b", re.I),
    "reveal-system-prompt": re.compile(r"\b(reveal|print|show|repeat)\s+(me\s+)?(your|the)\s+system\s+prompt", re.I),
    "hidden-instruction": re.compile(r"<!--\s*(assistant|system)\s*:", re.I),
    "exfiltration-link": re.compile(r"!\[[^\]]*\]\(https?://[^)\s]+\?[^)\s]*=", re.I),
}

LEAK = {
    "system-prompt-disclosed": re.compile(r"\bmy\s+system\s+prompt\s+is\b", re.I),
    "secret-token": re.compile(
        r"\b(sk_live_|sk-[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}|"
        r"xox[bp]-|ghp_[A-Za-z0-9]{20,}|-----BEGIN [A-Z ]*PRIVATE KEY)"
    ),
    "credential-assignment": re.compile(r"\b[A-Z][A-Z0-9_]*(TOKEN|SECRET|API_KEY|APIKEY|PASSWORD|KEY)\s*=\s*\S{6,}"),
    "exfiltration-link": INJECTION["exfiltration-link"],
    "customer-data-list": re.compile(r"(?:[\w.+-]+@[\w-]+\.[\w.]+\s*\(\d{4}\)[,;\s]*){2,}"),
}
