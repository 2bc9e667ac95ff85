"""Where classic queries meet the store's fields: the one module of :mod:`aiaudit.query.cwli` that calls the
field functions (:mod:`aiaudit.query.sql.fields`), exactly as the SQL translator does.

Why one module: a field name must read the same value in both languages — a hot column of that exact
name when the store has one, else the JSON in ``@message`` over every way the dotted name splits into
keys — and have the same kind (``field_kind``). :class:`Scan` reads raw fields for the bottom of every
query; :func:`json_path` reads a dotted path inside a map or list the query made (``jsonParse``,
``unnest``) with the same key splitting. Replacing the field functions means changing this module only.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

from aiaudit.core.timerange import TimeRange
from aiaudit.query.cwli.values import ident
from aiaudit.query.sql.fields import STAR_FIELDS, SYSTEM_FIELDS, field_expression, field_kind, json_field
from aiaudit.query.sql.groups import GroupRef, scan_conditions

#: Kinds of the system fields every event has, in the compiler's vocabulary.
SYSTEM_KINDS: dict[str, str] = dict(SYSTEM_FIELDS)


def json_path(column: str, path: str) -> str:
    """DuckDB SQL reading ``path`` (dotted, array positions as numbers) inside the JSON column ``column``."""
    return json_field(exp.column(column, quoted=True), path).sql(dialect="duckdb")


class Scan:
    """The bottom of every query (``_base``): the scanned groups' events with the raw fields it names."""

    def __init__(self, refs: list[GroupRef], columns: Mapping[str, set[str]] | None, window: TimeRange | None):
        self.refs = refs
        self.columns = columns
        self.window = window

    def kind(self, name: str) -> str:
        kinds = {field_kind(ref.pipeline, name) for ref in self.refs}
        kind = kinds.pop() if len(kinds) == 1 else "text"
        return {"num": "int"}.get(kind, kind)

    def sql(self, raw: Mapping[str, str]) -> str:
        branches = []
        for ref in self.refs:
            present = self.columns.get(ref.pipeline) if self.columns is not None else None
            if present is not None and not present:  # the table does not exist yet: no rows
                branches.append(self._empty(raw))
                continue
            cols = [ident(name) for name in STAR_FIELDS]
            for name, kind in raw.items():
                if name in SYSTEM_FIELDS:
                    continue
                value = field_expression(ref.pipeline, name, present).sql(dialect="duckdb")
                if len(self.refs) > 1 and kind == "text":
                    value = f"CAST({value} AS VARCHAR)"
                cols.append(f"{value} AS {ident(name)}")
            where = " AND ".join(c.sql(dialect="duckdb") for c in scan_conditions(ref, self.window))
            branches.append(
                f"SELECT {', '.join(cols)} FROM {ident(ref.pipeline)}" + (f" WHERE {where}" if where else "")
            )
        return " UNION ALL ".join(branches) if branches else self._empty(raw)

    @staticmethod
    def _empty(raw: Mapping[str, str]) -> str:
        cols = []
        for name in STAR_FIELDS:
            kind = "TIMESTAMPTZ" if SYSTEM_FIELDS[name] == "time" else "VARCHAR"
            cols.append(f"CAST(NULL AS {kind}) AS {ident(name)}")
        for name, kind in raw.items():
            if name not in SYSTEM_FIELDS:
                cols.append(f"CAST(NULL AS {'BIGINT' if kind == 'int' else 'VARCHAR'}) AS {ident(name)}")
        return f"SELECT {', '.join(cols)} WHERE FALSE"


__all__ = ["SYSTEM_KINDS", "Scan", "json_path"]
