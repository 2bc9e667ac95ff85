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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiaudit.query.fields import Extraction, pointers
from aiaudit.query.fields import as_boolean as _as_boolean
from aiaudit.query.fields import as_double as _as_double
from aiaudit.query.fields import as_integer as _as_integer
from aiaudit.query.quoting import sql_identifier as quote
from aiaudit.query.quoting import sql_literal

#: Placeholders meaning "not recorded" (compared after trimming, case-insensitively).
UNKNOWN_TEXTS = ("", "redacted", "<redacted>", "hidden_due_to_security_reasons", "null", "none")
#: Blanks trimmed from field values: ASCII whitespace (DuckDB's ``trim`` removes spaces only).
BLANKS = " \t\n\r\x0b\x0c"


def lit(text: str) -> str:
    return sql_literal(text)


def strip(x: str) -> str:
    return f"trim({x}, {lit(BLANKS)})"


def _known_body(x: str) -> str:
    """``known`` as SQL: a fast path for the common value (ids, ARNs, addresses: not a placeholder's
    length, no ``<``, no blank at either end) returns the text untouched; anything else is trimmed and
    compared with the placeholders. Why the ends are read with ``ascii``: the rules call ``known`` about 16
    times per CloudTrail event at ingest, and its cost is the number of string functions per call, not their
    length. Looking for each of the six blanks anywhere (``contains``) made it the largest part of the
    principal rules; reading the first and the last character (two ``ascii`` calls; every blank is at most
    32) took the rules from 1.58–1.63 to 1.15–1.22 s over 400k events on one core (``x[-1]`` and
    ``reverse(x)`` measured alike, six ``suffix`` calls 1.31 s, a regular expression 1.49–1.53 s)."""
    unknown = ", ".join(lit(t) for t in UNKNOWN_TEXTS)
    lengths = ", ".join(sorted({str(len(t)) for t in UNKNOWN_TEXTS if t}))
    return (
        f"(CASE WHEN {x} IS NULL THEN NULL"
        f" WHEN strlen({x}) NOT IN (0, {lengths}) AND NOT contains({x}, '<')"
        f" AND ascii({x}) > 32 AND ascii({x}[-1]) > 32 THEN {x}"
        f" WHEN lower({strip(x)}) IN ({unknown}) OR contains(lower({x}), '<redacted>') THEN NULL"
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


def before(x: str, sep: str) -> str:
    """Python ``x.partition(sep)[0]``."""
    return f"(CASE WHEN contains({x}, {lit(sep)}) THEN left({x}, strpos({x}, {lit(sep)}) - 1) ELSE {x} END)"


def first_ip(x: str) -> str:
    """The first address of a comma-joined ``sourceIPAddress`` (``known`` before and after the split)."""
    return known(before(known(x), ","))


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
    ``{x}_service``, ``{x}_region_raw`` / ``{x}_account_raw`` (as written), ``{x}_region`` /
    ``{x}_account`` (known), ``{x}_res``, and the resource at its first ``/``: ``{x}_head``,
    ``{x}_rest``. One ``string_split`` per ARN: ``split_part`` per part measured 6x the CPU, a regular
    expression 4x."""
    g.add(f"{x}_parts", f"string_split({text}, ':')")
    g.add(f"{x}_ok", f"coalesce(starts_with({text}, 'arn:') AND len({x}_parts) >= 6, false)")
    for i, part in enumerate(("partition", "service", "region_raw", "account_raw"), start=2):
        g.add(f"{x}_{part}", f"(CASE WHEN {x}_ok THEN {x}_parts[{i}] END)")
    head = f"(9 + length({x}_partition) + length({x}_service) + length({x}_region_raw) + length({x}_account_raw))"
    g.add(f"{x}_res", f"(CASE WHEN {x}_ok THEN substr({text}, {head}) END)")
    g.add(f"{x}_account", f"(CASE WHEN {x}_ok THEN {known(f'{x}_account_raw')} END)")
    g.add(f"{x}_region", f"(CASE WHEN {x}_ok THEN {known(f'{x}_region_raw')} END)")
    g.add(f"{x}_slash", f"strpos({x}_res, '/')")
    g.add(f"{x}_head", f"(CASE WHEN {x}_slash > 0 THEN left({x}_res, {x}_slash - 1) ELSE {x}_res END)")
    g.add(f"{x}_rest", f"(CASE WHEN {x}_slash > 0 THEN substr({x}_res, {x}_slash + 1) ELSE '' END)")


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


@dataclass
class Lookup:
    """Nodes computed per distinct value of one field (see :meth:`Graph.lookup`)."""

    field: str
    graph: Graph
    outputs: list[str]


class Graph:
    """Named SQL expressions of one projection, laid out in query layers by their dependencies.

    Each :meth:`add` names an expression; an expression may use any earlier name (names of intermediate
    values start with ``_``; they are found in the SQL text) and the base layer's columns. :meth:`layers`
    puts every name one layer after the deepest name it uses, so each value is computed once and
    expressions stay small (DuckDB's binder cost grows with expression size)."""

    def __init__(self) -> None:
        self.nodes: dict[str, tuple[str, set[str]]] = {}
        self.lookups: list[Lookup] = []

    def add(self, name: str, sql: str) -> str:
        if name in self.nodes or any(name in lk.outputs for lk in self.lookups):
            raise ValueError(f"{name} defined twice")
        deps = {m for m in _NODE.findall(sql) if m in self.nodes}
        self.nodes[name] = (sql, deps)
        return name

    def lookup(self, field: str, build: Callable[[Graph, str], None], outputs: list[str]) -> None:
        """Values that depend on one field only, computed once per distinct value of the field and joined
        back (``outputs`` become base-layer names). Why: an ARN or a model id repeats across thousands of
        records, and parsing it per record cost several times the rest of a projection. ``build(g, v)``
        adds the nodes computing ``outputs`` from the text ``v``; every output must be NULL when ``v`` is."""
        sub = Graph()
        build(sub, "_v")
        missing = [o for o in outputs if o not in sub.nodes]
        if missing:
            raise ValueError(f"lookup on {field} does not compute {missing}")
        self.lookups.append(Lookup(field, sub, list(outputs)))

    def pin(self, name: str, sql: str) -> None:
        """Replace node ``name`` by ``sql`` over the base layer (a value the table already holds): what it
        used to depend on is then computed only if another node needs it."""
        if name not in self.nodes:
            raise ValueError(f"no node {name}")
        self.nodes[name] = (sql, {m for m in _NODE.findall(sql) if m in self.nodes})

    def update(self, values: dict[str, str]) -> None:
        for name, sql in values.items():
            self.add(name, sql)

    def inline(self, name: str, inputs: dict[str, str] | None = None) -> str:
        """The SQL of ``name`` with every name it uses replaced by its SQL (for list lambdas, where
        layers cannot be used); ``inputs`` replaces base names the same way."""
        subs = dict(inputs or {})

        def expand(node: str) -> str:
            sql, _deps = self.nodes[node]
            return _NODE.sub(
                lambda m: f"({expand(m.group(1))})" if m.group(1) in self.nodes else subs.get(m.group(1), m.group(1)),
                sql,
            )

        return expand(name)

    def needed(self, sql: list[str]) -> Graph:
        """The part of the graph the expressions ``sql`` use (nodes, and lookups with a used output), so
        a query for a few columns neither computes nor binds the rest."""
        provided = {o for lk in self.lookups for o in lk.outputs}
        todo = [n for n in _names(" ".join(sql)) if n in self.nodes or n in provided]
        wanted: set[str] = set()
        while todo:
            name = todo.pop()
            if name in wanted:
                continue
            wanted.add(name)
            if name in self.nodes:
                sql_, deps = self.nodes[name]
                todo += list(deps) + [m for m in _NODE.findall(sql_) if m in provided]
        out = Graph()
        out.nodes = {n: v for n, v in self.nodes.items() if n in wanted}
        out.lookups = [lk for lk in self.lookups if any(o in wanted for o in lk.outputs)]
        return out

    def layers(self) -> list[dict[str, str]]:
        depth: dict[str, int] = {}
        for name, (_sql, deps) in self.nodes.items():  # insertion order is a topological order
            depth[name] = 1 + max((depth[d] for d in deps), default=0)
        out: list[dict[str, str]] = [{} for _ in range(max(depth.values(), default=0))]
        for name, (sql, _deps) in self.nodes.items():
            out[depth[name] - 1][name] = sql
        return out


def _names(sql: str) -> set[str]:
    """Column names ``sql`` may refer to: bare identifiers and quoted names."""
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", sql)) | set(re.findall(r'"((?:[^"]|"")+)"', sql))


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


def with_clause(ctes: list[tuple[str, str]], main: str, inline: frozenset[str] = frozenset()) -> str:
    """The CTE list of a query whose main SELECT is ``main``; a CTE is materialised when more than one query
    refers to it (else DuckDB binds and runs it once per use), unless it is named in ``inline`` (cheap to
    run again, and each use then reads only the columns it needs)."""
    names = {name for name, _ in ctes}
    uses: dict[str, int] = dict.fromkeys(names, 0)
    for owner, sql in [*ctes, ("", main)]:
        for word in re.findall(r"\b_[A-Za-z0-9_]+\b", sql):
            if word in names and word != owner:
                uses[word] += 1

    def how(name: str) -> str:
        if name in inline:
            return "NOT MATERIALIZED "
        return "MATERIALIZED " if uses[name] > 1 else ""

    return ", ".join(f"{name} AS {how(name)}({sql})" for name, sql in ctes)


#: Name of a field read as JSON text (strings quoted), beside its text read.
JSON_SUFFIX = "#json"


def message_reads(
    pipeline: str, fields: list[str], json_fields: tuple[str, ...], list_name: str = "_jj"
) -> tuple[Extraction, list[str]]:
    """Fields read out of ``@message`` in one ``json_extract`` (one parse per record): ``fields`` as their
    text (strings unquoted), named as the field; ``json_fields`` as JSON text, named ``field#json``.
    Returns the extraction (its :meth:`~Extraction.sql` over ``@message`` is the list ``list_name``) and
    the SELECT items. Used by the projections' base layer and by the values computed at ingest."""
    raw = Extraction(pipeline, list_name)
    items = []
    for name in fields:
        slots = [jscalar(raw.add_pointer(ptr)) for ptr in pointers(pipeline, name)]
        items.append(f"{slots[0] if len(slots) == 1 else 'coalesce(' + ', '.join(slots) + ')'} AS {quote(name)}")
    for name in json_fields:
        items.append(f"{raw.add(name)} AS {quote(name + JSON_SUFFIX)}")
    return raw, items


MACROS.update({"aiaudit_known": ("x", _known_body("x")), **_json_macros()})
