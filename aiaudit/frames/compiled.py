"""Compiled field readers: many dotted field names read out of one record in a single pass.

Why: :func:`aiaudit.frames.paths.dig` re-plans and re-walks the record for every field of every row,
and a projection reads dozens of fields per row. :func:`reader` generates, once per field list, one
Python function of plain nested ``dict.get`` calls that walks shared prefixes once (``userIdentity``
for nine CloudTrail columns) and converts each value to its column kind inline. Wherever the plain
walk cannot go on (a missing key that may be a literal dotted key, a list index, a non-object record)
the generated code hands over to the very code :func:`dig` runs at that point, so every value is
exactly what ``dig`` (then ``text`` / ``as_int`` / ``as_bool``) returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from aiaudit.frames.paths import _dig, _plan, as_bool, as_int, dig, text

#: Conversions applied to a value read at a path: ``any`` keeps it as it is in the record.
KINDS = ("any", "string", "int", "bool")

Reader = Callable[[Any], tuple[Any, ...]]


class _Node:
    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.ends: list[int] = []  # field positions whose path ends here
        self.below: list[int] = []  # field positions whose path goes deeper than here


def _convert(var: str, kind: str) -> str:
    if kind == "string":
        return f"({var} if type({var}) is str else (None if {var} is None else _text({var})))"
    if kind == "int":
        in_range = f"-9223372036854775808 <= {var} <= 9223372036854775807"  # wider: _as_int makes it missing
        return f"({var} if type({var}) is int and {in_range} else (None if {var} is None else _as_int({var})))"
    if kind == "bool":
        return f"({var} if type({var}) is bool else (None if {var} is None else _as_bool({var})))"
    return var


@lru_cache(maxsize=64)
def reader(fields: tuple[tuple[str, str], ...]) -> Reader:
    """A function ``record -> tuple`` of the values at ``fields`` (``(dotted path, kind)`` pairs), in order.

    Equal, value for value, to ``tuple(convert(dig(record, path)) for path, kind in fields)``."""
    for _path, kind in fields:
        if kind not in KINDS:
            raise ValueError(f"unknown field kind {kind!r}")
    root = _Node()
    plans = []
    for pos, (path, _kind) in enumerate(fields):
        parts, joined = _plan(path)
        plans.append((parts, joined))
        node = root
        for part in parts:
            node.below.append(pos)
            node = node.children.setdefault(part, _Node())
        node.ends.append(pos)
    env: dict[str, Any] = {"_dig": _dig, "_text": text, "_as_int": as_int, "_as_bool": as_bool, "_M": _MISSING}
    for pos, (parts, joined) in enumerate(plans):
        env[f"_P{pos}"], env[f"_J{pos}"] = parts, joined
    lines: list[str] = []
    counter = [0]

    def walk(node: _Node, var: str, depth: int, indent: str) -> None:
        for key, child in node.children.items():
            if not child.children:  # a leaf: a missing key reads as None, like dig
                first, *others = child.ends
                lines.append(f"{indent}v{first} = {var}.get({key!r})")
                lines.extend(f"{indent}v{p} = v{first}" for p in others)
                continue
            counter[0] += 1
            t = f"t{counter[0]}"
            deeper = child.below
            lines.append(f"{indent}{t} = {var}.get({key!r}, _M)")
            lines.append(f"{indent}if type({t}) is dict:")
            for p in child.ends:
                lines.append(f"{indent}    v{p} = {t}")
            walk(child, t, depth + 1, indent + "    ")
            lines.append(f"{indent}    pass")
            if deeper:  # a key missing here may be the head of a literal dotted key (OTel attributes)
                lines.append(f"{indent}elif {t} is _M:")
                for p in deeper:
                    _literal(p, plans[p], var, depth, indent + "    ")
            lines.append(f"{indent}elif {t} is not _M:")
            for p in child.ends:
                lines.append(f"{indent}    v{p} = {t}")
            if deeper:
                lines.append(f"{indent}    if type({t}) is list:")
                for p in deeper:
                    _indexed(p, plans[p][0], t, depth + 1, indent + "        ")
            lines.append(f"{indent}    pass")

    def _indexed(p: int, parts: tuple[str, ...], var: str, depth: int, indent: str) -> None:
        """dig's list step: ``resources.0.ARN`` inline (position, then one key); longer paths call ``_dig``."""
        rest = parts[depth:]
        if len(rest) == 2 and rest[0].isascii() and rest[0].isdigit():
            k = int(rest[0])
            lines.append(f"{indent}if len({var}) > {k}:")
            lines.append(f"{indent}    e = {var}[{k}]")
            lines.append(f"{indent}    v{p} = e.get({rest[1]!r}) if isinstance(e, dict) else None")
        else:
            lines.append(f"{indent}v{p} = _dig({var}, _P{p}, _J{p}, {depth})")

    def _literal(p: int, plan: Any, var: str, depth: int, indent: str) -> None:
        """dig's slow path at a missing key, unrolled: the longest literal dotted key present wins."""
        parts, joined = plan
        for j, key in joined[depth]:
            lines.append(f"{indent}v{p} = {var}.get({key!r}, _M)")
            lines.append(f"{indent}if v{p} is not _M:")
            if j < len(parts):
                lines.append(f"{indent}    v{p} = _dig(v{p}, _P{p}, _J{p}, {j})")
            lines.append(f"{indent}    pass")
            lines.append(f"{indent}else:")
            indent += "    "
        lines.append(f"{indent}v{p} = None")

    n = len(fields)
    body = ["def read(rec):", "    if type(rec) is not dict:", "        return _NONES if rec is None else _slow(rec)"]
    if n:
        body.append("    " + " = ".join(f"v{p}" for p in range(n)) + " = None")
    walk(root, "rec", 0, "    ")
    body += lines
    converted = ", ".join(_convert(f"v{p}", kind) for p, (_path, kind) in enumerate(fields))
    body.append(f"    return ({converted}{',' if n == 1 else ''})")
    source = "\n".join(body)

    def _slow(rec: Any) -> tuple[Any, ...]:
        return tuple(_CONVERT[kind](dig(rec, path)) for path, kind in fields)

    env["_slow"], env["_NONES"] = _slow, (None,) * n
    exec(compile(source, f"<frames reader {len(fields)} fields>", "exec"), env)  # noqa: S102 - generated above
    read: Reader = env["read"]
    read.__doc__ = source
    return read


@lru_cache(maxsize=64)
def attributes_reader(fields: tuple[tuple[str, str], ...]) -> Reader:
    """A function ``attributes -> tuple`` for OpenTelemetry attribute maps (or None).

    OTel keeps dotted names as literal keys (``{"gen_ai.request.model": ...}``), so each key is looked up
    whole first; only when that is null and the key's first segment is itself a key (a nested map) is the
    dotted path walked with :func:`dig`. Values are converted to ``kind`` as in :func:`reader`."""
    lines = ["def read(attrs):", "    if attrs is None:", "        return _NONES", "    g = attrs.get"]
    for pos, (key, kind) in enumerate(fields):
        if kind not in KINDS:
            raise ValueError(f"unknown field kind {kind!r}")
        lines.append(f"    v{pos} = g({key!r})")
        head = key.split(".", 1)[0]
        if head != key:
            lines.append(f"    if v{pos} is None and {head!r} in attrs:")
            lines.append(f"        v{pos} = _dig(attrs, {key!r})")
    converted = ", ".join(_convert(f"v{p}", kind) for p, (_key, kind) in enumerate(fields))
    lines.append(f"    return ({converted}{',' if len(fields) == 1 else ''})")
    source = "\n".join(lines)
    env: dict[str, Any] = {"_dig": dig, "_text": text, "_as_int": as_int, "_as_bool": as_bool}
    env["_NONES"] = (None,) * len(fields)
    exec(compile(source, f"<frames attributes reader {len(fields)} fields>", "exec"), env)  # noqa: S102
    read: Reader = env["read"]
    read.__doc__ = source
    return read


def getter(path: str) -> Callable[[Any], Any]:
    """``dig(obj, path)`` as a compiled single-field reader (for derived values read once per row)."""
    read = reader(((path, "any"),))

    def get(obj: Any) -> Any:
        return read(obj)[0]

    return get


def fields_of(paths: Sequence[str], kind: str = "any") -> tuple[tuple[str, str], ...]:
    return tuple((p, kind) for p in paths)


_MISSING = object()
_CONVERT: dict[str, Callable[[Any], Any]] = {"any": lambda v: v, "string": text, "int": as_int, "bool": as_bool}
