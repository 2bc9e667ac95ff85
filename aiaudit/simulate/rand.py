"""Seeded randomness, identifier formats and time formatting for the simulator.

Why one module: determinism (same seed, same bytes) only holds if every random draw comes from a
``random.Random`` derived from the seed by a stable hash (never ``hash()``, never the wall clock), and
every id is formatted the same way everywhere. Streams are derived per purpose (``derive(seed, "shard",
day, account, region)``) so adding a scenario never shifts the baseline's draws.
"""

from __future__ import annotations

import calendar
import hashlib
import random
import time
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
_MIXED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def derive(seed: int, *parts: object) -> random.Random:
    """An independent generator for one purpose, stable across Python runs and processes."""
    text = "\x1f".join([str(seed), *(str(p) for p in parts)])
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))  # noqa: S311 - test data, not secrets


class Ids:
    """Identifier formats AWS uses, drawn from one generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def uuid(self) -> str:
        """A version-4 UUID string (request ids, event ids, session ids)."""
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"

    def hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def upper(self, n: int) -> str:
        return "".join(self.rng.choices(_UPPER, k=n))

    def lower(self, n: int) -> str:
        return "".join(self.rng.choices(_LOWER, k=n))

    def mixed(self, n: int) -> str:
        return "".join(self.rng.choices(_MIXED, k=n))

    def digits(self, n: int) -> str:
        first = str(self.rng.randint(1, 9))
        return first + "".join(str(self.rng.randint(0, 9)) for _ in range(n - 1))

    def access_key(self, temporary: bool = True) -> str:
        """20 characters, always containing ``EXAMPLE`` (the repository's secret scanner allows those)."""
        return ("ASIA" if temporary else "AKIA") + "EXAMPLE" + self.upper(9)

    def trace_id(self, t: float) -> str:
        """X-Ray compatible OTel trace id: the first 8 hex digits are the epoch second (as ADOT writes)."""
        return f"{int(t):08x}" + self.hex(24)

    def span_id(self) -> str:
        return self.hex(16)


def choose(rng: random.Random, items: Sequence[T], weights: Sequence[float] | None = None) -> T:
    if weights is None:
        return items[int(rng.random() * len(items))]
    return rng.choices(items, weights=weights, k=1)[0]


def poisson(rng: random.Random, mean: float) -> int:
    """Poisson-ish count: exact for small means, normal approximation for large (fast, deterministic)."""
    if mean <= 0:
        return 0
    if mean < 30:
        # Knuth
        limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1
    return max(0, round(rng.gauss(mean, mean**0.5)))


def iso(t: float) -> str:
    """``2026-11-19T08:15:02Z`` (CloudTrail eventTime, invocation-log timestamp)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def iso_ms(t: float) -> str:
    """``2026-11-19T08:15:02.123Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


def parse_iso(text: str) -> float:
    """``2026-11-20T00:00:00Z`` -> epoch seconds (UTC)."""

    text = text.strip()
    if not text.endswith("Z"):
        raise ValueError(f"time must be ISO 8601 UTC ending in Z: {text!r}")
    return float(calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")))


def ns(t: float) -> int:
    """Epoch seconds -> nanoseconds (integers too large for doubles, as OTel writes them)."""
    return round(t * 1_000_000) * 1000
