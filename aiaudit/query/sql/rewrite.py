"""Rewrite a checked Logs Insights SQL tree into DuckDB SQL over the store's pipeline tables.

Why rewrite the tree (not the text): every decision needs the structure — which ``FROM`` item a column
belongs to, whether a value is compared with a number or a time, which parameter sits where.

Semantics (AWS's where they are documented, ``docs/sql.md`` where we had to choose):

* Each FROM item becomes a subquery over its table(s), filtered by the query's time range on
  ``@timestamp`` (``start <= t < end + 1 s``), projecting the system columns and every field the query
  names (hot column, else JSON from ``@message``). ``logGroups(...)`` is a UNION ALL of such branches.
* A field absent from a record is NULL. Field values are the JSON scalar's text, so ``401`` and
  ``"401"`` read the same; compared with a number (literal or parameter) a field compares numerically
  (``TRY_CAST(... AS DOUBLE)``, text that is not a number never matches); ``@timestamp``, ``eventTime``
  and ``timestamp`` compare as times with ISO literals and with each other.
* Columns are named as the query names them: the alias, else the field name, else the expression's text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from aiaudit.core.errors import QuerySyntaxError
from aiaudit.core.timerange import TimeRange
from aiaudit.query.quoting import Scalar, check_names, sql_literal
from aiaudit.query.sql.bind import bind_values
from aiaudit.query.sql.coerce import ISO, mark, typed
from aiaudit.query.sql.dialect import LogsInsightsSQL, node_offset
from aiaudit.query.sql.fields import STAR_FIELDS, SYSTEM_FIELDS, field_expression, field_kind
from aiaudit.query.sql.groups import GroupRef, Lookup, resolve_from, scan_conditions
from aiaudit.query.sql.spark import spark_semantics


@dataclass
class Options:
    """How to translate: where the tables are, which parameters, prepared or inline values."""

    log_groups: Mapping[str, str]
    lookup: Lookup | None = None
    table_columns: Mapping[str, set[str]] | None = None  # pipeline -> columns present; None: trust schema.py
    params: Mapping[str, Any] = field(default_factory=dict)
    inline: bool = False  # True: values rendered into the text (dry runs); False: DuckDB $parameters
    time_range: TimeRange | None = None


@dataclass
class Translation:
    """DuckDB SQL, its prepared parameters, and what it reads."""

    sql: str
    args: dict[str, Any]
    pipelines: list[GroupRef]


@dataclass
class _Source:
    alias: str
    names: set[str]
    groups: list[GroupRef] | None = None  # log groups; None for a subquery
    columns: list[str] | None = None  # a subquery's output names
    fields: dict[str, str] = field(default_factory=dict)  # field -> kind


class _Translator:
    def __init__(self, query: str, options: Options, values: Mapping[str, Scalar | tuple[Scalar, ...]]) -> None:
        self.query = query
        self.options = options
        self.values = values  # checked by the one binder (aiaudit.query.sql.bind)
        self.args: dict[str, Any] = {}
        self.used_params: set[str] = set()
        self.counter = 0
        self.refs: list[GroupRef] = []

    # -- errors -----------------------------------------------------------------------------------
    def fail(self, message: str, node: exp.Expr | None) -> QuerySyntaxError:
        return QuerySyntaxError(message, offset=node_offset(node), query=self.query)

    # -- scopes -----------------------------------------------------------------------------------
    def select(self, node: exp.Expr, top: bool) -> exp.Expr:
        if isinstance(node, exp.Union):
            node.set("this", self.select(node.this, top))
            node.set("expression", self.select(node.expression, top))
            return node
        assert isinstance(node, exp.Select)
        sources = self._sources(node)
        names = self._output_names(node)
        aliases = {alias for alias in names if alias}
        for key in ("expressions", "where", "group", "having", "order", "qualify", "joins", "limit"):
            value = node.args.get(key)
            if value is None:
                continue
            in_alias_scope = key in ("group", "having", "order")
            if isinstance(value, list):
                node.set(key, [self.rewrite(item, sources, aliases if in_alias_scope else set()) for item in value])
            else:
                node.set(key, self.rewrite(value, sources, aliases if in_alias_scope else set()))
        self._name_outputs(node, names)
        self._expand_star(node, sources)
        self._replace_tables(node, sources)
        return node

    def _sources(self, select: exp.Select) -> list[_Source]:
        source = select.args.get("from_") or select.args.get("from")
        assert source is not None  # rules.check_tree refuses a SELECT without FROM
        items = [source.this] + [join.this for join in select.args.get("joins") or []]
        out: list[_Source] = []
        for item in items:
            self.counter += 1
            alias = item.alias or ""
            if isinstance(item, exp.Subquery):
                inner = self.select(item.this, top=False)
                item.set("this", inner)
                columns = [projection.alias_or_name for projection in _projections(inner)]
                name = alias or f"_q{self.counter}"
                if not alias:
                    item.set("alias", exp.TableAlias(this=exp.to_identifier(name)))
                out.append(_Source(alias=name, names={name}, columns=columns))
                continue
            assert isinstance(item, exp.Table)
            text = item.this.this if isinstance(item.this, exp.Identifier) else item.name
            groups = resolve_from(
                text, self.options.log_groups, self.options.lookup, offset=node_offset(item), query=self.query
            )
            self.refs.extend(ref for ref in groups if ref not in self.refs)
            name = alias or f"_g{self.counter}"
            names = {name} | ({text} if not alias else set())
            out.append(_Source(alias=name, names=names, groups=groups))
        return out

    def _output_names(self, select: exp.Select) -> list[str | None]:
        names: list[str | None] = []
        for projection in select.expressions:
            if isinstance(projection, exp.Alias):
                names.append(projection.alias)
            elif isinstance(projection, exp.Column) and not isinstance(projection.this, exp.Star):
                names.append(projection.name)
            elif isinstance(projection, exp.Star) or (
                isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
            ):
                names.append(None)
            else:
                names.append(projection.sql(dialect=LogsInsightsSQL))
        return names

    # -- expressions ------------------------------------------------------------------------------
    def rewrite(self, node: exp.Expr, sources: list[_Source], aliases: set[str]) -> exp.Expr:
        if isinstance(node, exp.Subquery) and isinstance(node.this, exp.Select | exp.Union):
            node.set("this", self.select(node.this, top=False))
            return node
        if isinstance(node, exp.Select | exp.Union):
            return self.select(node, top=False)
        if isinstance(node, exp.Column):
            return self.column(node, sources, aliases)
        if isinstance(node, exp.Placeholder):
            return self.placeholder(node)
        for key, value in list(node.args.items()):
            if isinstance(value, exp.Expr):
                node.set(key, self.rewrite(value, sources, aliases))
            elif isinstance(value, list):
                node.set(key, [self.rewrite(v, sources, aliases) if isinstance(v, exp.Expr) else v for v in value])
        return spark_semantics(typed(node))

    def column(self, node: exp.Column, sources: list[_Source], aliases: set[str]) -> exp.Expr:
        if isinstance(node.this, exp.Star):
            return node
        parts = [part.name for part in node.parts]
        name = parts[-1]
        if len(parts) > 2:
            raise self.fail(
                f"write the dotted field in backticks: `{'.'.join(parts[1:])}` or `{'.'.join(parts)}`", node
            )
        if len(parts) == 2:
            matches = [source for source in sources if parts[0] in source.names]
            if not matches:
                raise self.fail(
                    f"unknown table or alias {parts[0]!r} (write dotted field names in backticks: `{'.'.join(parts)}`)",
                    node,
                )
            source = matches[0]
        else:
            if name in aliases:
                return node
            source = self._pick(name, sources, node)
        return self._bind_field(source, name, node)

    def _pick(self, name: str, sources: list[_Source], node: exp.Column) -> _Source:
        if len(sources) == 1:
            return sources[0]
        having = [s for s in sources if s.columns is not None and name in s.columns]
        if len(having) == 1:
            return having[0]
        raise self.fail(f"field {name!r} is ambiguous in a JOIN: qualify it with a table alias (ct.`{name}`)", node)

    def _bind_field(self, source: _Source, name: str, node: exp.Column) -> exp.Expr:
        column = exp.column(name, table=exp.to_identifier(source.alias, quoted=True), quoted=True)
        if source.groups is None:
            if source.columns is not None and name not in source.columns:
                raise self.fail(f"the subquery {source.alias!r} has no column {name!r}", node)
            return column
        for other in source.fields:
            if other != name and other.lower() == name.lower():
                raise self.fail(
                    f"fields {other!r} and {name!r} differ only in case; Logs Insights SQL refuses that", node
                )
        kinds = {field_kind(ref.pipeline, name) for ref in source.groups}
        kind = kinds.pop() if len(kinds) == 1 else "text"
        source.fields[name] = kind
        return mark(column, kind)

    def placeholder(self, node: exp.Placeholder) -> exp.Expr:
        name = str(node.this or "")
        if not name:
            raise self.fail("use named parameters (:name); positional ? placeholders are not supported", node)
        if name not in self.values:
            check_names({name}, self.values)
        self.used_params.add(name)
        value = self.values[name]
        values = list(value) if isinstance(value, tuple) else [value]
        nodes = [
            self._param_node(name if not isinstance(value, tuple) else f"{name}__{i}", v) for i, v in enumerate(values)
        ]
        if isinstance(value, tuple):
            return exp.Tuple(expressions=nodes)
        return nodes[0]

    def _param_node(self, key: str, value: Any) -> exp.Expr:
        if value is None:
            kind = "null"
        elif isinstance(value, bool):
            kind = "bool"
        elif isinstance(value, int | float):
            kind = "num"
        else:
            kind = "timelit" if ISO.match(str(value)) else "text"
        if self.options.inline:
            node: exp.Expr = exp.Var(this=sql_literal(value, dialect="duckdb"))
        else:
            self.args[key] = value
            node = exp.Placeholder(this=key)
            if kind == "null":
                node = exp.Cast(this=node, to=exp.DataType.build("VARCHAR"))
        return mark(node, kind)

    # -- output ---------------------------------------------------------------------------------
    def _expand_star(self, select: exp.Select, sources: list[_Source]) -> None:
        out: list[exp.Expr] = []
        for projection in select.expressions:
            star_of: str | None = None
            if isinstance(projection, exp.Star):
                star_of = ""
            elif isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star):
                star_of = projection.table
            if star_of is None:
                out.append(projection)
                continue
            chosen = [s for s in sources if not star_of or star_of in s.names]
            if not chosen:
                raise self.fail(f"unknown table or alias {star_of!r}", projection)
            for source in chosen:
                if source.groups is None:
                    out.append(exp.Column(this=exp.Star(), table=exp.to_identifier(source.alias, quoted=True)))
                    continue
                for name in STAR_FIELDS:
                    source.fields.setdefault(name, SYSTEM_FIELDS[name])
                    col = exp.column(name, table=exp.to_identifier(source.alias, quoted=True), quoted=True)
                    out.append(exp.alias_(col, name, quoted=True))
        select.set("expressions", out)

    def _name_outputs(self, select: exp.Select, names: list[str | None]) -> None:
        named: list[exp.Expr] = []
        for index, projection in enumerate(select.expressions):
            if isinstance(projection, exp.Alias | exp.Star) or (
                isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
            ):
                named.append(projection)
            else:
                wanted = names[index] if index < len(names) else None
                named.append(exp.alias_(projection, wanted or projection.sql("duckdb"), quoted=True))
        select.set("expressions", named)

    def _replace_tables(self, select: exp.Select, sources: list[_Source]) -> None:
        source_node = select.args.get("from_") or select.args.get("from")
        items = [source_node, *(select.args.get("joins") or [])]
        for holder, source in zip(items, sources, strict=True):
            if source.groups is None:
                continue
            relation = self._relation(source)
            holder.set(
                "this",
                exp.Subquery(this=relation, alias=exp.TableAlias(this=exp.to_identifier(source.alias, quoted=True))),
            )

    def _relation(self, source: _Source) -> exp.Expr:
        assert source.groups is not None
        branches: list[exp.Expr] = []
        mixed = len(source.groups) > 1
        for ref in source.groups:
            columns = self.options.table_columns.get(ref.pipeline) if self.options.table_columns is not None else None
            projections: list[exp.Expr] = []
            for name in STAR_FIELDS:
                projections.append(exp.column(name, quoted=True))
            for name in source.fields:
                if name in SYSTEM_FIELDS:
                    continue
                value = field_expression(ref.pipeline, name, columns)
                if mixed:
                    value = exp.Cast(this=value, to=exp.DataType.build("VARCHAR"))
                projections.append(exp.alias_(value, name, quoted=True))
            if columns is not None and not columns:  # the table does not exist: an empty relation
                branches.append(_empty(source))
                continue
            query = exp.select(*projections).from_(exp.Table(this=exp.to_identifier(ref.pipeline, quoted=True)))
            for condition in self._conditions(ref):
                query = query.where(condition)
            branches.append(query)
        relation = branches[0]
        for branch in branches[1:]:
            relation = exp.union(relation, branch, distinct=False)
        return relation

    def _conditions(self, ref: GroupRef) -> list[exp.Expr]:
        return scan_conditions(ref, self.options.time_range)


def _empty(source: _Source) -> exp.Expr:
    projections: list[exp.Expr] = []
    for name in STAR_FIELDS:
        kind = "TIMESTAMPTZ" if SYSTEM_FIELDS[name] == "time" else "VARCHAR"
        projections.append(exp.alias_(exp.Cast(this=exp.null(), to=exp.DataType.build(kind)), name, quoted=True))
    for name in source.fields:
        if name not in SYSTEM_FIELDS:
            projections.append(
                exp.alias_(exp.Cast(this=exp.null(), to=exp.DataType.build("VARCHAR")), name, quoted=True)
            )
    return exp.select(*projections).where(exp.false())


def _projections(node: exp.Expr) -> list[exp.Expr]:
    while isinstance(node, exp.Union):
        node = node.this
    return list(node.expressions) if isinstance(node, exp.Select) else []


def translate_tree(tree: exp.Expr, query: str, options: Options) -> Translation:
    """Translate a parsed and checked tree; parameters are checked against the ones the query uses."""
    values = bind_values(query, options.params)
    placeholders = {str(p.this) for p in tree.find_all(exp.Placeholder) if p.this}
    check_names(placeholders, values)
    translator = _Translator(query, options, values)
    translated = translator.select(tree, top=True)
    return Translation(sql=translated.sql(dialect="duckdb"), args=translator.args, pipelines=translator.refs)
