"""SQL text for the small normalisers every projection shares: missing values, numbers, ARNs, IP lists.

Why text builders and not DuckDB macros: the projections run on two kinds of connection (the store's
read-only attachment and the in-memory relations of the AWS backend and of raw frames), and a macro
would have to be created on every cursor of each. Each builder takes the SQL of its inputs — column
references of an earlier layer of the projection query, so an input used several times is computed
once — and returns the SQL of its value; DuckDB evaluates it vectorised, inside the query.

Every builder states the rule it implements; ``docs/frames.md`` is the reference for the rules.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from aiaudit.query.fields import as_boolean as _as_boolean
from aiaudit.query.fields import as_double as _as_double
from aiaudit.query.fields import as_integer as _as_integer
from aiaudit.query.quoting import sql_identifier as quote
from aiaudit.query.quoting import sql_literal

#: Placeholders meaning "not recorded" (compared after trimming, case-insensitively).
UNKNOWN_TEXTS = ("", "redacted", "<redacted>", "hidden_due_to_security_reasons", "null", "none")
#: What Python's ``str.strip()`` removes from ASCII text (DuckDB's ``trim`` removes spaces only).
BLANKS = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0"


def lit(text: str) -> str:
    return sql_literal(text)


def strip(x: str) -> str:
    return f"trim({x}, {lit(BLANKS)})"


def _known_body(x: str) -> str:
    unknown = ", ".join(lit(t) for t in UNKNOWN_TEXTS)
    return (
        f"(CASE WHEN {x} IS NULL THEN NULL"
        f" WHEN strlen({x}) <= 40 AND lower({strip(x)}) IN ({unknown}) THEN NULL"
        f" WHEN contains({x}, '<') AND contains(lower({x}), '<redacted>') THEN NULL"
        f" ELSE {strip(x)} END)"
    )


#: Macros the projections call, created in the connection's in-memory catalog by :func:`install`: a
#: macro is parsed once, where the same SQL written out at each use made a projection query several
#: times longer to parse.
MACROS: dict[str, tuple[str, str]] = {}  # filled below, once the builders are defined
_INSTALL_LOCK = threading.Lock()


def install(con: Any) -> None:
    """Create :data:`MACROS` in ``con``'s in-memory catalog (once per database; cheap when present)."""
    with _INSTALL_LOCK:
        for name, (params, body) in MACROS.items():
            con.execute(f"CREATE MACRO IF NOT EXISTS memory.main.{name}({params}) AS {body}")


def known(x: str) -> str:
    """The text, trimmed, or NULL when missing, empty or a redaction placeholder (``<redacted>``,
    ``arn:aws:sts::<REDACTED>``, ``HIDDEN_DUE_TO_SECURITY_REASONS``); a macro (see :func:`install`)."""
    return f"memory.main.aiaudit_known({x})"


def first_ip(x: str) -> str:
    """The first address of a comma-joined ``sourceIPAddress`` (``known`` before and after the split)."""
    return known(f"split_part({known(x)}, ',', 1)")


def ip_list(x: str) -> str:
    """Every known address of a comma-joined ``sourceIPAddress``; NULL when none."""
    parts = f"list_filter(list_transform(string_split({x}, ','), lambda s: {known('s')}), lambda s: s IS NOT NULL)"
    single = known(x)
    return (
        f"(CASE WHEN {x} IS NULL OR {x} = '' THEN NULL"
        f" WHEN NOT contains({x}, ',') THEN (CASE WHEN {single} IS NULL THEN NULL ELSE [{single}] END)"
        f" ELSE nullif({parts}, []::VARCHAR[]) END)"
    )


def first_truthy(*xs: str) -> str:
    """The first value that is not NULL and not empty text (Python's ``a or b or c`` on texts)."""
    return "coalesce(" + ", ".join(f"nullif({x}, '')" for x in xs) + ")"


def after(x: str, sep: str) -> str:
    """Python ``x.partition(sep)[2]`` ('' when ``sep`` is absent)."""
    return f"(CASE WHEN contains({x}, {lit(sep)}) THEN substr({x}, strpos({x}, {lit(sep)}) + {len(sep)}) ELSE '' END)"


# -- ARNs -----------------------------------------------------------------------------------------


def arn_nodes(g: Graph, x: str, text: str) -> None:
    """Parts of the ARN in the known text ``text`` (``arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE``,
    the resource may hold colons) as nodes ``{x}_ok`` (it is such an ARN), ``{x}_partition``,
    ``{x}_service``, ``{x}_region`` / ``{x}_account`` (known), ``{x}_res``, and the resource split at its
    first ``/``: ``{x}_head``, ``{x}_rest``. Split with ``split_part``: a regular expression measured 6x
    the CPU on a million ARNs."""
    for i, part in enumerate(("partition", "service", "region_raw", "account_raw"), start=2):
        g.add(f"{x}_{part}", f"split_part({text}, ':', {i})")
    head = f"(8 + length({x}_partition) + length({x}_service) + length({x}_region_raw) + length({x}_account_raw))"
    g.add(f"{x}_ok", f"coalesce(starts_with({text}, 'arn:') AND length({text}) >= {head}, false)")
    g.add(f"{x}_res", f"(CASE WHEN {x}_ok THEN substr({text}, {head} + 1) END)")
    g.add(f"{x}_account", f"(CASE WHEN {x}_ok THEN {known(f'{x}_account_raw')} END)")
    g.add(f"{x}_region", f"(CASE WHEN {x}_ok THEN {known(f'{x}_region_raw')} END)")
    g.add(f"{x}_head", f"split_part({x}_res, '/', 1)")
    g.add(f"{x}_rest", after(f"{x}_res", "/"))


# -- JSON values (text of a JSON value: strings quoted, as json_extract / json_transform "JSON" give) -------


def is_str(j: str) -> str:
    return f"coalesce(starts_with({j}, '\"'), false)"


def is_obj(j: str) -> str:
    return f"coalesce(starts_with({j}, '{{'), false)"


def is_arr(j: str) -> str:
    return f"coalesce(starts_with({j}, '['), false)"


def jstr(j: str) -> str:
    """The value of a JSON string, else NULL (Python ``x if isinstance(x, str) else None``)."""
    return f"memory.main.aiaudit_jstr({j})"


def jscalar(j: str) -> str:
    """A JSON value as a field's text: strings unquoted, anything else as its JSON text."""
    return f"memory.main.aiaudit_jscalar({j})"


def jint(j: str) -> str:
    """Python ``as_int`` of a JSON value: numbers and numeric strings, truncated; anything else NULL."""
    return f"memory.main.aiaudit_jint({j})"


def jfloat(j: str) -> str:
    return f"memory.main.aiaudit_jfloat({j})"


def pystr(j: str) -> str:
    """Python ``str()`` of a JSON value (None → ``None``, booleans ``True``/``False``)."""
    return f"memory.main.aiaudit_pystr({j})"


def _json_macros() -> dict[str, tuple[str, str]]:
    string = "(CASE WHEN starts_with(j, '\"') THEN json_extract_string(j, '$') END)"
    scalar = "json_extract_string(j, '$')"  # strings unquoted, numbers and containers as their JSON text
    return {
        "aiaudit_jstr": ("j", string),
        "aiaudit_jscalar": ("j", scalar),
        "aiaudit_int": ("x", _as_integer("x")),
        "aiaudit_jint": ("j", _as_integer("json_extract_string(j, '$')")),
        "aiaudit_jfloat": ("j", _as_double("json_extract_string(j, '$')")),
        "aiaudit_pystr": (
            "j",
            "(CASE WHEN j IS NULL THEN 'None' WHEN starts_with(j, '\"') THEN json_extract_string(j, '$')"
            " WHEN j = 'true' THEN 'True' WHEN j = 'false' THEN 'False' ELSE CAST(j AS VARCHAR) END)",
        ),
    }


def elements(j: str) -> str:
    """The elements of a JSON array as JSON texts (NULL for a JSON null); NULL when ``j`` is not an array."""
    return f"CAST(json_transform({j}, '[\"JSON\"]') AS VARCHAR[])"


# -- lists -----------------------------------------------------------------------------------------


def nonnull(items: str) -> str:
    return f"list_filter({items}, lambda _v: _v IS NOT NULL)"


def last(items: str) -> str:
    """The last non-NULL item, or NULL (Python: the value the last assignment that had one left)."""
    return f"list_last({nonnull(items)})"


def join(items: str, sep: str = "\n") -> str:
    """Non-empty items joined by ``sep``, or NULL when there are none (``_join`` of the bodies)."""
    return f"nullif(array_to_string(list_filter({items}, lambda _v: _v <> ''), {lit(sep)}), '')"


def concat(*items: str) -> str:
    parts = [i for i in items if i]
    if not parts:
        return "CAST([] AS VARCHAR[])"
    return parts[0] if len(parts) == 1 else f"list_concat({', '.join(parts)})"


def let(value: str, name: str, body: str) -> str:
    """``body`` with ``name`` bound to ``value`` evaluated once (a one-element list transform)."""
    return f"list_transform([{value}], lambda {name}: {body})[1]"


# -- numbers and flags ------------------------------------------------------------------------------


def as_integer(x: str) -> str:
    """The planner's integer rule (:func:`aiaudit.query.fields.as_integer`), as a macro."""
    return f"memory.main.aiaudit_int({x})"


def as_double(x: str) -> str:
    return _as_double(x)


def as_boolean(x: str) -> str:
    return _as_boolean(x)


# -- queries ----------------------------------------------------------------------------------------

_NODE = re.compile(r"(?<![\w.\"])(_[A-Za-z][A-Za-z0-9_]*)")


class Graph:
    """Named SQL expressions of one projection, laid out in query layers by their dependencies.

    Each :meth:`add` names an expression; an expression may use any earlier name (names of intermediate
    values start with ``_``; they are found in the SQL text) and the base layer's columns. :meth:`layers`
    puts every name one layer after the deepest name it uses, so each value is computed once and
    expressions stay small (DuckDB's binder cost grows with expression size)."""

    def __init__(self) -> None:
        self.nodes: dict[str, tuple[str, set[str]]] = {}

    def add(self, name: str, sql: str) -> str:
        if name in self.nodes:
            raise ValueError(f"{name} defined twice")
        deps = {m for m in _NODE.findall(sql) if m in self.nodes}
        self.nodes[name] = (sql, deps)
        return name

    def update(self, values: dict[str, str]) -> None:
        for name, sql in values.items():
            self.add(name, sql)

    def inline(self, name: str, inputs: dict[str, str] | None = None) -> str:
        """The SQL of ``name`` with every name it uses replaced by its SQL (for list lambdas, where
        layers cannot be used); ``inputs`` replaces base names the same way."""
        subs = dict(inputs or {})

        def expand(node: str) -> str:
            sql, _deps = self.nodes[node]
            return _NODE.sub(lambda m: f"({expand(m.group(1))})" if m.group(1) in self.nodes else subs.get(m.group(1), m.group(1)), sql)

        return expand(name)

    def layers(self) -> list[dict[str, str]]:
        depth: dict[str, int] = {}
        for name, (_sql, deps) in self.nodes.items():  # insertion order is a topological order
            depth[name] = 1 + max((depth[d] for d in deps), default=0)
        out: list[dict[str, str]] = [{} for _ in range(max(depth.values(), default=0))]
        for name, (sql, _deps) in self.nodes.items():
            out[depth[name] - 1][name] = sql
        return out


def layered(base: str, layers: list[dict[str, str]]) -> str:
    """``base`` (a SELECT) wrapped once per layer, each adding its named expressions to every column
    before it: later layers refer to earlier names. DuckDB drops what the final SELECT does not use."""
    sql = base
    for i, layer in enumerate(layers):
        if not layer:
            continue
        items = ", ".join(f"{expr} AS {quote(name)}" for name, expr in layer.items())
        sql = f"SELECT *, {items} FROM ({sql}) AS _l{i}"
    return sql


MACROS.update({"aiaudit_known": ("x", _known_body("x")), **_json_macros()})
