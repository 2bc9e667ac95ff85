"""A Logs Insights field name (``userIdentity.arn``, ``resources.0.ARN``) → a DuckDB expression.

Why JSON Pointer and several candidate paths: Logs Insights flattens JSON with dots, so the flat name
``attributes.session.id`` is the same for ``{"attributes": {"session": {"id": …}}}`` and for OTel's
``{"attributes": {"session.id": …}}``. The translator reads a *hot* column of that exact name when the
store has one; otherwise it reads ``@message`` with ``json_extract_string`` over every way the name can
split into keys (nested first), taking the first that exists. JSON Pointer (``/a/b.c/0``) needs no
quoting rules for keys with dots, quotes or brackets (``~`` and ``/`` are escaped as ``~0``/``~1``), and a
number segment reads an array position or a key of that name, as the flattening does.
"""

from __future__ import annotations

from itertools import combinations, product

from sqlglot import exp

from aiaudit.store.schema import HOT_COLUMNS

#: Columns every pipeline table has, with the kind of value they hold.
SYSTEM_FIELDS: dict[str, str] = {
    "@timestamp": "time",
    "@message": "text",
    "@log": "text",
    "@logStream": "text",
    "@ingestionTime": "time",
    "@ptr": "text",
}
#: What ``SELECT *`` returns (bookkeeping columns stay hidden).
STAR_FIELDS = ["@timestamp", "@message", "@log", "@logStream", "@ingestionTime", "@ptr"]
#: Text fields that hold ISO times and compare as times with ISO literals and with each other.
TIME_TEXT_FIELDS = {"eventTime", "timestamp"}
#: Candidate key splits are enumerated fully up to this many segments, then by contiguous runs only.
_FULL_SPLIT_SEGMENTS = 6


def field_kind(pipeline: str, field: str) -> str:
    """``time`` (TIMESTAMPTZ), ``timetext`` (ISO text), ``num`` (BIGINT hot column) or ``text``."""
    if field in SYSTEM_FIELDS:
        return SYSTEM_FIELDS[field]
    for name, kind in HOT_COLUMNS.get(pipeline, []):
        if name == field and kind.upper() in ("BIGINT", "INTEGER", "DOUBLE", "HUGEINT"):
            return "num"
    return "timetext" if field in TIME_TEXT_FIELDS else "text"


def hot_column(pipeline: str, field: str, table_columns: set[str] | None = None) -> bool:
    """True when the table stores ``field`` as a column of that exact name."""
    if field in SYSTEM_FIELDS:
        return True
    names = {name for name, _ in HOT_COLUMNS.get(pipeline, [])}
    if table_columns is not None:
        names &= table_columns
    return field in names


def _pointer(keys: list[str]) -> str:
    return "".join("/" + key.replace("~", "~0").replace("/", "~1") for key in keys)


def key_splits(field: str) -> list[list[str]]:
    """Every way a dotted name splits into JSON keys, nested-most first (``a.b.c`` → ``[a,b,c]``,
    ``[a,b.c]``, ``[a.b,c]``, ``[a.b.c]``). Long names keep only splits with one dotted run."""
    parts = field.split(".")
    if any(part == "" for part in parts) or len(parts) == 1:
        return [[field]]
    # a gap may be a dot inside a key only between two non-numeric parts (array positions stay positions)
    joinable = [i for i in range(len(parts) - 1) if not (parts[i].isdigit() or parts[i + 1].isdigit())]
    gaps = len(parts) - 1
    if len(joinable) <= _FULL_SPLIT_SEGMENTS - 1:
        joins_sets = [
            {joinable[index] for index, joined in enumerate(mask) if joined}
            for mask in product((False, True), repeat=len(joinable))
        ]
    else:
        joins_sets = [set()] + [
            set(range(i, j)) for i, j in combinations(range(gaps + 1), 2) if all(g in joinable for g in range(i, j))
        ]
    joins_sets.sort(key=len)
    out: list[list[str]] = []
    for joins in joins_sets:
        keys = [parts[0]]
        for gap, part in enumerate(parts[1:]):
            if gap in joins:
                keys[-1] += "." + part
            else:
                keys.append(part)
        if keys not in out:
            out.append(keys)
    return out


def json_field(message: exp.Expr, field: str) -> exp.Expr:
    """``@message`` → the text of the JSON scalar at ``field`` (objects and arrays as JSON text), or NULL."""
    pointers = [_pointer(keys) for keys in key_splits(field)]
    if len(pointers) == 1:
        return exp.Anonymous(this="json_extract_string", expressions=[message.copy(), exp.Literal.string(pointers[0])])
    listed = exp.Array(expressions=[exp.Literal.string(p) for p in pointers])
    values = exp.Anonymous(this="json_extract_string", expressions=[message.copy(), listed])
    return exp.Anonymous(this="list_aggregate", expressions=[values, exp.Literal.string("any_value")])


def field_expression(pipeline: str, field: str, table_columns: set[str] | None = None) -> exp.Expr:
    """The DuckDB expression reading ``field`` from one row of ``pipeline``'s table."""
    if hot_column(pipeline, field, table_columns):
        return exp.column(field, quoted=True)
    return json_field(exp.column("@message", quoted=True), field)
