"""Memoised pure normalisers for one projection.

Why: principals, model ids, runtime ARNs and regions repeat massively across rows (one role makes
thousands of calls), and each normaliser parses its text again. A memo keyed by the input text returns
the earlier answer; None is answered once; other non-text inputs (rare: numbers, objects) are computed
every time, so the memo can never conflate ``1`` with ``True`` or ``"1"``. Memos live for one
:func:`~aiaudit.frames.project` call and are cleared when they grow past :data:`LIMIT` entries, so
memory stays bounded on unique values.
Only functions whose results are immutable (text, None, tuples) may be memoised.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

LIMIT = 1 << 16
_MISSING: Any = object()


def memoised(fn: Callable[[Any], T]) -> Callable[[Any], T]:
    """``fn`` with its results for text arguments remembered."""
    cache: dict[str, T] = {}
    none: list[T] = []  # fn(None), the commonest input of all (a field the record does not have)

    def call(value: Any) -> T:
        if type(value) is not str:
            if value is None:
                if not none:
                    none.append(fn(None))
                return none[0]
            return fn(value)
        result = cache.get(value, _MISSING)
        if result is _MISSING:
            if len(cache) >= LIMIT:
                cache.clear()
            result = cache[value] = fn(value)
        return result  # type: ignore[no-any-return]

    return call


def keyed(fn: Callable[..., T]) -> Callable[..., T]:
    """``fn(*args)`` remembered when every argument is text or None (the key is the argument tuple)."""
    cache: dict[Hashable, T] = {}

    def call(*args: Any) -> T:
        for a in args:
            if a is not None and type(a) is not str:
                return fn(*args)
        result = cache.get(args, _MISSING)
        if result is _MISSING:
            if len(cache) >= LIMIT:
                cache.clear()
            result = cache[args] = fn(*args)
        return result  # type: ignore[no-any-return]

    return call
