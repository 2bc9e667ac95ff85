"""Compile a parsed classic query into DuckDB SQL: one CTE per command over the scanned log groups.

Why a pipeline of CTEs: each command takes the rows the previous one produced (``fields`` adds columns,
``filter`` drops rows, ``stats`` replaces the relation), which is exactly a chain of ``WITH`` steps; DuckDB
inlines them, so the chain costs nothing. The scan at the bottom (``_base``) is built last by
:mod:`aiaudit.query.cwli.engine`, because only after every command is compiled is it known which raw
fields the query reads.

Semantics, AWS's where documented (``reference/logs_insights.md`` §1; ``docs/cwli.md`` lists our choices):

* A name not yet produced by a command is a raw field of the log event (absent → null); after ``stats``
  only the columns ``stats`` produced exist, and naming another is an error.
* The default order is ``@timestamp`` newest first; ``sort`` uses AWS's natural order (numbers after
  text, digit runs by value). ``limit`` keeps the first rows in the current order; ``dedup`` keeps the
  first row per key in it (rows with a null key are all kept) and only ``limit`` may follow it.
* At most two ``stats``; a second one reads only the first one's columns; a ``stats`` item may use an
  earlier item's alias (``max(x) as a, min(x) as b, a - b as spread``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiaudit.core.errors import QuerySyntaxError
from aiaudit.query.cwli import ast, regexes
from aiaudit.query.cwli.describe import columns, item_name
from aiaudit.query.cwli.lexer import ML_COMMANDS
from aiaudit.query.cwli.periods import Period, ceil_sql, floor_sql, period
from aiaudit.query.cwli.scan import SYSTEM_KINDS, json_path
from aiaudit.query.cwli.values import (
    NUMERIC,
    Val,
    as_bool,
    as_num,
    as_output,
    as_result,
    as_text,
    as_time,
    bool_literal,
    compare,
    ident,
    membership,
    natural_key,
    natural_parts,
    number_literal,
    text_literal,
)
from aiaudit.query.quoting import sql_literal

_HIDDEN = "__aiaudit_"
#: Functions that take a field and are answered per row (scalar), with their argument counts.
_SCALAR_ARITY: dict[str, tuple[int, int]] = {
    "abs": (1, 1), "ceil": (1, 1), "floor": (1, 1), "sqrt": (1, 1), "log": (1, 1), "round": (1, 2),
    "greatest": (1, 99), "least": (1, 99), "ispresent": (1, 1), "coalesce": (1, 99), "isempty": (1, 1),
    "isblank": (1, 1), "concat": (1, 99), "ltrim": (1, 2), "rtrim": (1, 2), "trim": (1, 2), "strlen": (1, 1),
    "toupper": (1, 1), "tolower": (1, 1), "substr": (2, 3), "replace": (3, 3), "strcontains": (2, 2),
    "bin": (1, 1), "datefloor": (2, 2), "dateceil": (2, 2), "frommillis": (1, 1), "tomillis": (1, 1),
    "now": (0, 0), "isvalidip": (1, 1), "isvalidipv4": (1, 1), "isvalidipv6": (1, 1), "isipinsubnet": (2, 2),
    "isipv4insubnet": (2, 2), "isipv6insubnet": (2, 2), "jsonparse": (1, 1), "jsonstringify": (1, 1),
    "unmask": (1, 1),
}  # fmt: skip
_AGGREGATE_ARITY: dict[str, tuple[int, int]] = {
    "count": (0, 1), "count_distinct": (1, 1), "sum": (1, 1), "avg": (1, 1), "min": (1, 1), "max": (1, 1),
    "pct": (2, 2), "stddev": (1, 1), "earliest": (1, 1), "latest": (1, 1), "sortsfirst": (1, 1),
    "sortslast": (1, 1),
}  # fmt: skip
#: IP functions, answered by Python's ``ipaddress`` (registered on the connection by the engine).
IP_FUNCTIONS = {
    "isvalidip": ("aiaudit_ip_valid", 0),
    "isvalidipv4": ("aiaudit_ip_valid", 4),
    "isvalidipv6": ("aiaudit_ip_valid", 6),
    "isipinsubnet": ("aiaudit_ip_in_subnet", 0),
    "isipv4insubnet": ("aiaudit_ip_in_subnet", 4),
    "isipv6insubnet": ("aiaudit_ip_in_subnet", 6),
}


@dataclass
class _Agg:
    """The scope of one ``stats``: its groups, its earlier items, whether we are inside an aggregate."""

    groups: dict[str, Val] = field(default_factory=dict)
    items: dict[str, Val] = field(default_factory=dict)
    inside: str | None = None  # the aggregate being compiled


@dataclass
class Compiled:
    """The compiled pipeline: CTEs over ``_base``, the final SELECT, and what the scan must read."""

    ctes: list[tuple[str, str]]
    select: str
    raw: dict[str, str]
    warnings: list[str]
    udfs: set[str]
    columns: list[str]


class Compiler:
    def __init__(self, query: ast.Query, raw_kind: Callable[[str], str], *, now_s: int | None = None) -> None:
        self.q = query
        self.raw_kind = raw_kind
        self.now_s = int(time.time()) if now_s is None else now_s
        self.raw: dict[str, str] = {}
        self.columns: dict[str, str] = dict(SYSTEM_KINDS)
        self.raw_ok = True
        self.ctes: list[tuple[str, str]] = []
        self.current = "_base"
        self.order: list[tuple[str, bool]] | None = None
        self.stats_keys: list[str] = []
        self.stats_done = 0
        self.sorted_or_limited_since_stats = False
        self.after_dedup: ast.Dedup | None = None
        self.warnings: list[str] = []
        self.udfs: set[str] = set()
        self.hidden = 0
        self.positions: list[str] = []  # unnest element positions: the last tie-breakers of every order

    # -- errors -----------------------------------------------------------------------------------
    def fail(self, message: str, node: ast.Node | None) -> QuerySyntaxError:
        return QuerySyntaxError(message, offset=node.start if node is not None else None, query=self.q.text)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    # -- names ------------------------------------------------------------------------------------
    def field(self, name: str, node: ast.Node | None) -> Val:
        """The one place a name becomes a value: a column of the current rows, a path into a map or list
        (``jsonParse``, ``unnest``), or a raw field of the event read by the scan (``_base``)."""
        if name in self.columns:
            return Val(ident(name), self.columns[name])
        parts = name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            head = ".".join(parts[:cut])
            if self.columns.get(head) == "json":
                return Val(json_path(head, ".".join(parts[cut:])), "text")
        if not self.raw_ok:
            known = ", ".join(sorted(c for c in self.columns if not c.startswith(_HIDDEN)))
            raise self.fail(f"{name} is not a column after stats (columns: {known})", node)
        kind = self.raw_kind(name)
        self.raw[name] = kind
        self.columns[name] = kind
        return Val(ident(name), kind)

    def _hidden(self) -> str:
        self.hidden += 1
        return f"{_HIDDEN}{self.hidden}"

    # -- stages -----------------------------------------------------------------------------------
    def stage(self, sql: str) -> None:
        name = f"_s{len(self.ctes) + 1}"
        self.ctes.append((name, sql))
        self.current = name

    def set_column(self, name: str, value: Val) -> None:
        stored = as_output(value)
        if name in self.columns:
            self.stage(f"SELECT * REPLACE ({stored.sql} AS {ident(name)}) FROM {self.current}")
        else:
            self.stage(f"SELECT *, {stored.sql} AS {ident(name)} FROM {self.current}")
        self.columns[name] = stored.kind

    def order_keys(self) -> list[tuple[str, bool]]:
        if self.order is not None:
            return self.order
        return self.tiebreak()

    def tiebreak(self) -> list[tuple[str, bool]]:
        """The default order, which also breaks ties of a sort: newest first (then ``@ptr`` and list
        positions, so equal times come back in one stable order); after stats, by the groups."""
        if self.raw_ok:
            return [("@timestamp", True), ("@ptr", True), *((p, False) for p in self.positions)]
        return [(key, False) for key in self.stats_keys]

    def order_sql(self, prefix: str = "") -> str:
        """``ORDER BY`` over the current relation's columns (qualified, so an output alias such as
        ``display user as @timestamp`` cannot take a sort key's place)."""
        keys = self.order_keys()
        relation = self.current
        listed = ", ".join(f"{relation}.{ident(name)} {'DESC' if desc else 'ASC'} NULLS LAST" for name, desc in keys)
        return f"{prefix}{listed}" if listed else ""

    # -- commands ---------------------------------------------------------------------------------
    def compile(self) -> Compiled:
        for index, command in enumerate(self.q.commands):
            if self.after_dedup is not None and not isinstance(command, ast.Limit):
                raise self.fail("only limit may follow dedup", command)
            if isinstance(command, ast.Source):
                if index:
                    raise self.fail("SOURCE must be the first command", command)
                continue
            handler = getattr(self, "_" + type(command).__name__.lower())
            handler(command)
        return self._finish()

    def _fields(self, command: ast.Fields) -> None:
        for item in command.items:
            if isinstance(item.expr, ast.Field) and item.alias is None:
                self.field(item.expr.name, item.expr)
                continue
            self.set_column(item_name(self.q, item), self.value(item.expr))

    def _display(self, command: ast.Display) -> None:
        for item in command.items:
            assert isinstance(item.expr, ast.Field)
            self.field(item.expr.name, item.expr)

    def _filter(self, command: ast.Filter) -> None:
        condition = as_bool(self.value(command.expr))
        self.stage(f"SELECT * FROM {self.current} WHERE {condition.sql}")

    def _sort(self, command: ast.Sort) -> None:
        hidden: list[str] = []
        order: list[tuple[str, bool]] = []
        for key in command.keys:
            value = self.value(key.expr)
            if value.kind == "json":
                raise self.fail("maps and lists cannot be sorted", key)
            for part in natural_parts(value):
                name = self._hidden()
                hidden.append(f"{part} AS {ident(name)}")
                order.append((name, key.descending))
        self.stage(f"SELECT *, {', '.join(hidden)} FROM {self.current}")
        self.order = order + self.tiebreak()
        self.sorted_or_limited_since_stats = True

    def _limit(self, command: ast.Limit) -> None:
        self.stage(f"SELECT * FROM {self.current}{self.order_sql(' ORDER BY ')} LIMIT {int(command.count)}")
        self.sorted_or_limited_since_stats = True

    def _dedup(self, command: ast.Dedup) -> None:
        keys = []
        for name in command.fields:
            value = self.field(name.name, name)
            if value.kind == "json":
                raise self.fail("maps and lists cannot be dedup keys", name)
            keys.append(as_output(value).sql)
        rn = self._hidden()
        nulls = " OR ".join(f"{key} IS NULL" for key in keys)
        self.stage(
            f"SELECT * EXCLUDE ({ident(rn)}) FROM (SELECT *, row_number() OVER (PARTITION BY {', '.join(keys)}"
            f"{self.order_sql(' ORDER BY ')}) AS {ident(rn)} FROM {self.current}) WHERE {ident(rn)} = 1 OR {nulls}"
        )
        self.after_dedup = command

    def _parse(self, command: ast.Parse) -> None:
        source = self.field(command.source.name, command.source) if command.source else self.field("@message", None)
        text = as_text(source).sql
        pattern = command.pattern
        if isinstance(pattern, ast.String):
            stars = pattern.value.count("*")
            if not stars:
                raise self.fail("a parse glob needs at least one * to extract", pattern)
            if len(command.aliases) != stars:
                raise self.fail(
                    f"the glob has {stars} * but {len(command.aliases)} names follow as (one name per *)",
                    command.aliases[0] if command.aliases else pattern,
                )
            regex = regexes.glob(pattern.value)
            targets = [(alias.name, index + 1) for index, alias in enumerate(command.aliases)]
        else:
            regex = self.regex(pattern)
            found = regexes.groups(regex)
            if command.aliases:
                if len(found) != len(command.aliases):
                    raise self.fail(
                        f"the regex has {len(found)} capturing groups but {len(command.aliases)} names follow as",
                        command.aliases[0],
                    )
                targets = [(alias.name, index + 1) for index, alias in enumerate(command.aliases)]
            else:
                targets = [(name, index + 1) for index, name in enumerate(found) if name]
                if not targets:
                    raise self.fail("a parse regex needs named groups (?<name>...) or names after as", pattern)
        literal = sql_literal(regex)
        for name, group in targets:
            extract = f"regexp_extract({text}, {literal}, {group})"
            self.set_column(name, Val(f"(CASE WHEN regexp_matches({text}, {literal}) THEN {extract} END)", "text"))

    def _unnest(self, command: ast.Unnest) -> None:
        value = self.field(command.field.name, command.field)
        if value.kind == "json":
            doc = value.sql
        else:
            text = as_text(value).sql
            doc = f"(CASE WHEN json_valid({text}) THEN CAST({text} AS JSON) ELSE to_json({text}) END)"
        alias = command.alias.name
        position = self._hidden()  # list order, so an event's elements keep their order among equal times
        listed = self._hidden()
        items = f"(CASE WHEN json_type({doc}) = 'ARRAY' THEN json_extract({doc}, '$[*]') ELSE [{doc}] END)"
        self.stage(f"SELECT *, {items} AS {ident(listed)} FROM {self.current}")
        # the lateral side reads only the qualified list (a bare name there could bind to a SQL keyword: user)
        exclude = ", ".join(ident(n) for n in (listed, *([alias] if alias in self.columns else [])))
        each = f"_p.{ident(listed)}"
        self.stage(
            f"SELECT _p.* EXCLUDE ({exclude}), _u.{ident(alias)}, _u.{ident(position)} FROM {self.current} AS _p, "
            f"LATERAL (SELECT unnest({each}) AS {ident(alias)}, generate_subscripts({each}, 1) AS {ident(position)}) "
            "AS _u"
        )
        self.columns[alias] = "json"
        self.positions.append(position)

    def _unmask(self, command: ast.Unmask) -> None:
        for name in command.fields:
            self.field(name.name, name)
        self.warn("unmask: nothing is masked in exported logs, so the local engine shows every value as stored")

    def _opaque(self, command: ast.Opaque) -> None:
        if command.name in ML_COMMANDS:
            raise self.fail(
                f"{command.name} is not available offline: it runs on CloudWatch's machine-learning service; "
                "run the query on an aws: source",
                command,
            )
        raise self.fail(
            f"{command.name} is not supported by the local engine; run the query on an aws: source", command
        )

    def _stats(self, command: ast.Stats) -> None:
        if self.stats_done == 2:
            raise self.fail("Logs Insights allows at most two stats commands", command)
        if self.stats_done == 1 and self.sorted_or_limited_since_stats:
            raise self.fail("sort and limit must come after the second stats", command)
        scope = _Agg()
        selects: list[str] = []
        kinds: dict[str, str] = {}
        for item in command.by:
            value = as_output(self.value(item.expr))
            if value.kind == "json":
                raise self.fail("maps and lists cannot be stats groups", item)
            name = item_name(self.q, item)
            self._new_name(name, kinds, item)
            scope.groups[name] = value
            scope.groups.setdefault(self.q.source(item.expr).strip(), value)
            selects.append(f"{value.sql} AS {ident(name)}")
            kinds[name] = value.kind
        for item in command.items:
            value = as_output(self.aggregate_level(item.expr, scope))
            name = item_name(self.q, item)
            self._new_name(name, kinds, item)
            scope.items[name] = value
            selects.append(f"{value.sql} AS {ident(name)}")
            kinds[name] = value.kind
        group_by = f" GROUP BY {', '.join(str(i + 1) for i in range(len(command.by)))}" if command.by else ""
        self.stage(f"SELECT {', '.join(selects)} FROM {self.current}{group_by}")
        self.columns = kinds
        self.raw_ok = False
        self.order = None
        self.stats_keys = [item_name(self.q, item) for item in command.by]
        self.stats_done += 1
        self.sorted_or_limited_since_stats = False

    def _new_name(self, name: str, taken: dict[str, str], node: ast.Node) -> None:
        if name in taken:
            raise self.fail(f"two stats columns are named {name!r}; give one an alias with as", node)

    # -- the result -------------------------------------------------------------------------------
    def _finish(self) -> Compiled:
        names = columns(self.q)
        display = next((c for c in reversed(self.q.commands) if isinstance(c, ast.Display)), None)
        sources = {item_name(self.q, item): item.expr.name for item in display.items} if display else {}  # type: ignore[union-attr]
        select = []
        for name in names:
            source = sources.get(name, name)
            value = self.field(source, None)
            select.append(f"{as_result(value)} AS {ident(name)}")
        sql = f"SELECT {', '.join(select)} FROM {self.current}{self.order_sql(' ORDER BY ')}"
        return Compiled(self.ctes, sql, dict(self.raw), self.warnings, self.udfs, names)

    # -- expressions ------------------------------------------------------------------------------
    def regex(self, node: ast.Regex) -> str:
        pattern = regexes.to_re2(node.pattern)
        problem = regexes.problem(pattern)
        if problem:
            raise self.fail(f"invalid regular expression /{node.pattern}/: {problem}", node)
        return pattern

    def aggregate_level(self, node: ast.Expr, scope: _Agg) -> Val:
        """A ``stats`` item: aggregates of row values, combined with literals, functions and arithmetic."""
        return self.value(node, scope)

    def value(self, node: ast.Expr, scope: _Agg | None = None) -> Val:
        at_aggregate_level = scope is not None and scope.inside is None
        row_level = scope is None or scope.inside is not None
        if not isinstance(node, ast.Field) and not self.raw_ok and row_level:
            text = self.q.source(node).strip()
            if text in self.columns:  # a stats column named by its text: sort count(*) desc
                return Val(ident(text), self.columns[text])
        if isinstance(node, ast.Number):
            return number_literal(node.value)
        if isinstance(node, ast.String):
            return text_literal(node.value)
        if isinstance(node, ast.Bool):
            return bool_literal(node.value)
        if isinstance(node, ast.Field):
            if at_aggregate_level:
                assert scope is not None
                if node.name in scope.items:
                    return scope.items[node.name]
                if node.name in scope.groups:
                    return scope.groups[node.name]
                raise self.fail(
                    f"{node.name} must be inside an aggregate (count, sum, avg, ...) or be a stats group", node
                )
            return self.field(node.name, node)
        if isinstance(node, ast.Param):
            raise self.fail(f"parameter {{{{{node.name}}}}} is not bound: give its value in params", node)
        if isinstance(node, ast.Duration):
            raise self.fail("a period (such as 5m) can only be an argument of bin, datefloor or dateceil", node)
        if isinstance(node, ast.Regex):
            raise self.fail("a /regex/ can only follow like, =~ or parse", node)
        if isinstance(node, ast.ListLit):
            raise self.fail("a list [...] can only follow in", node)
        if isinstance(node, ast.Unary):
            return Val(f"(-{as_num(self.value(node.operand, scope)).sql})", "num")
        if isinstance(node, ast.Binary):
            return self._arithmetic(node, scope)
        if isinstance(node, ast.Compare):
            return compare(node.op, self.value(node.left, scope), self.value(node.right, scope))
        if isinstance(node, ast.In):
            items = []
            for item in node.items:
                if not isinstance(item, ast.Number | ast.String | ast.Bool | ast.Unary):
                    raise self.fail("in [...] lists literal values", item)
                items.append(self.value(item, scope))
            return membership(self.value(node.subject, scope), items, node.negated)
        if isinstance(node, ast.Like):
            subject = as_text(self.value(node.subject, scope)).sql
            if isinstance(node.pattern, ast.Regex):
                test = f"regexp_matches({subject}, {sql_literal(self.regex(node.pattern))})"
            else:
                test = f"contains({subject}, {sql_literal(node.pattern.value)})"
            return Val(f"(NOT {test})" if node.negated else f"({test})", "bool")
        if isinstance(node, ast.Not):
            return Val(f"(NOT {as_bool(self.value(node.operand, scope)).sql})", "bool")
        if isinstance(node, ast.Logical):
            left, right = as_bool(self.value(node.left, scope)), as_bool(self.value(node.right, scope))
            return Val(f"({left.sql} {node.op.upper()} {right.sql})", "bool")
        if isinstance(node, ast.Call):
            return self._call(node, scope)
        raise AssertionError(node)  # pragma: no cover

    def _arithmetic(self, node: ast.Binary, scope: _Agg | None) -> Val:
        a, b = as_num(self.value(node.left, scope)).sql, as_num(self.value(node.right, scope)).sql
        if node.op == "/":
            return Val(f"({a} / NULLIF({b}, 0))", "num")
        if node.op == "%":
            return Val(f"fmod({a}, NULLIF({b}, 0))", "num")
        if node.op == "^":
            return Val(f"pow({a}, {b})", "num")
        return Val(f"({a} {node.op} {b})", "num")

    # -- functions --------------------------------------------------------------------------------
    def _arity(self, node: ast.Call, table: dict[str, tuple[int, int]]) -> None:
        low, high = table[node.name]
        count = len(node.args) + (1 if node.star else 0)
        if node.star and node.name != "count":
            raise self.fail(f"{node.name}(*) is not allowed; only count(*)", node)
        if not low <= count <= high:
            wanted = f"{low}" if low == high else f"{low} to {high}"
            raise self.fail(f"{node.name}() takes {wanted} argument(s), not {count}", node)

    def _call(self, node: ast.Call, scope: _Agg | None) -> Val:
        name = node.name
        if name in _AGGREGATE_ARITY:
            if scope is None:
                raise self.fail(f"{name}() is an aggregate: use it in stats", node)
            if scope.inside is not None:
                raise self.fail(f"{name}() inside {scope.inside}(): aggregates cannot be nested", node)
            self._arity(node, _AGGREGATE_ARITY)
            scope.inside = name
            try:
                return self._aggregate(node)
            finally:
                scope.inside = None
        if name not in _SCALAR_ARITY:
            if name in ("rate", "count_over_time", "sum_over_time", "histogram"):
                raise self.fail(f"{name}() is not supported by the local engine; run it on an aws: source", node)
            raise self.fail(f"unknown function {name}()", node)
        self._arity(node, _SCALAR_ARITY)
        return self._scalar(node, scope)

    def _period(self, node: ast.Expr) -> Period:
        if not isinstance(node, ast.Duration):
            raise self.fail("expected a period such as 5m, 1h or 1d", node)
        try:
            value, warning = period(node.amount, node.unit)
        except ValueError as exc:
            raise self.fail(str(exc), node) from None
        if warning:
            self.warn(warning)
        return value

    def _scalar(self, node: ast.Call, scope: _Agg | None) -> Val:
        name, nodes = node.name, node.args
        if name == "bin":
            if not self.raw_ok and "@timestamp" not in self.columns:
                raise self.fail(
                    "bin() reads @timestamp, which the stats before it did not produce (carry it: "
                    "max(@timestamp) as t, then datefloor(t, 5m))",
                    node,
                )
            stamp = self.field("@timestamp", node)
            return Val(floor_sql(stamp.sql, self._period(nodes[0])), "time")
        if name in ("datefloor", "dateceil"):
            moment = as_time(self.value(nodes[0], scope)).sql
            chosen = self._period(nodes[1])
            return Val((floor_sql if name == "datefloor" else ceil_sql)(moment, chosen), "time")
        if name == "now":
            return number_literal(self.now_s)
        args = [self.value(arg, scope) for arg in nodes]
        num = [as_num(a).sql for a in args]
        text = [as_text(a).sql for a in args]
        if name in ("abs", "ceil", "floor"):
            return Val(f"{name}({num[0]})", "num")
        if name == "sqrt":
            return Val(f"(CASE WHEN {num[0]} >= 0 THEN sqrt({num[0]}) END)", "num")
        if name == "log":
            return Val(f"(CASE WHEN {num[0]} > 0 THEN ln({num[0]}) END)", "num")
        if name == "round":
            digits = f"CAST({num[1]} AS INTEGER)" if len(num) > 1 else "0"
            return Val(f"round({num[0]}, {digits})", "num")
        if name in ("greatest", "least"):
            return Val(f"{name}({', '.join(num)})", "num")
        if name == "ispresent":
            return Val(f"({args[0].sql} IS NOT NULL)", "bool")
        if name == "coalesce":
            kinds = {a.kind for a in args if a.kind != "null"}
            if len(kinds) == 1:
                kind = kinds.pop()
                return Val(f"coalesce({', '.join(a.sql for a in args)})", kind)
            return Val(f"coalesce({', '.join(text)})", "text")
        if name == "isempty":
            return Val(f"({text[0]} IS NULL OR {text[0]} = '')", "bool")
        if name == "isblank":
            return Val(f"({text[0]} IS NULL OR regexp_full_match({text[0]}, '\\s*'))", "bool")
        if name == "concat":
            return Val(f"concat({', '.join(text)})", "text")
        if name in ("ltrim", "rtrim", "trim"):
            if len(text) == 2:
                return Val(f"{name}({text[0]}, {text[1]})", "text")
            pattern = {"ltrim": "^\\s+", "rtrim": "\\s+$", "trim": "^\\s+|\\s+$"}[name]
            return Val(f"regexp_replace({text[0]}, '{pattern}', '', 'g')", "text")
        if name == "strlen":
            return Val(f"length({text[0]})", "int")
        if name in ("toupper", "tolower"):
            return Val(f"{'upper' if name == 'toupper' else 'lower'}({text[0]})", "text")
        if name == "substr":
            start = f"greatest(CAST(floor({num[1]}) AS BIGINT), 0) + 1"  # AWS counts from 0, DuckDB from 1
            if len(num) == 3:
                return Val(f"substr({text[0]}, {start}, greatest(CAST(floor({num[2]}) AS BIGINT), 0))", "text")
            return Val(f"substr({text[0]}, {start})", "text")
        if name == "replace":
            return Val(f"replace({text[0]}, {text[1]}, {text[2]})", "text")
        if name == "strcontains":
            return Val(f"CAST(coalesce(contains({text[0]}, {text[1]}), FALSE) AS INTEGER)", "int")
        if name == "frommillis":
            return as_time(Val(num[0], "num"))
        if name == "tomillis":
            return Val(f"epoch_ms({as_time(args[0]).sql})", "int")
        if name in IP_FUNCTIONS:
            function, version = IP_FUNCTIONS[name]
            self.udfs.add(function)
            if function == "aiaudit_ip_valid":
                return Val(f"{function}({text[0]}, {version})", "bool")
            return Val(f"{function}({text[0]}, {text[1]}, {version})", "bool")
        if name == "jsonparse":
            if args[0].kind == "json":
                return args[0]
            return Val(f"(CASE WHEN json_valid({text[0]}) THEN CAST({text[0]} AS JSON) END)", "json")
        if name == "jsonstringify":
            return Val(f"CAST({args[0].sql} AS VARCHAR)", "text") if args[0].kind == "json" else as_text(args[0])
        if name == "unmask":
            self.warn("unmask(): nothing is masked in exported logs, so the value is shown as stored")
            return args[0]
        raise AssertionError(name)  # pragma: no cover

    def _aggregate(self, node: ast.Call) -> Val:
        name = node.name
        inner = _Agg(inside=name)
        args = [self.value(arg, inner) for arg in node.args]
        if name == "count":
            if node.star or not args:
                return Val("count(*)", "int")
            return Val(f"count({as_output(args[0]).sql})", "int")
        subject = args[0]
        if subject.kind == "json" and name not in ("count", "count_distinct"):
            raise self.fail(f"maps and lists cannot be aggregated by {name}()", node)
        if name == "count_distinct":
            return Val(f"count(DISTINCT {as_text(subject).sql})", "int")
        if name in ("sum", "avg"):
            return Val(f"{name}({as_num(subject).sql})", "num")
        if name == "stddev":
            return Val(f"stddev_samp({as_num(subject).sql})", "num")
        if name == "pct":
            level = node.args[1]
            if not isinstance(level, ast.Number) or not 0 <= level.value <= 100:
                raise self.fail("pct() takes a percentile between 0 and 100 as its second argument", level)
            return Val(f"quantile_disc({as_num(subject).sql}, {float(level.value) / 100!r})", "num")
        stored = as_output(subject)
        present = f"FILTER (WHERE {stored.sql} IS NOT NULL)"
        if name in ("min", "max"):
            if stored.kind in NUMERIC or stored.kind == "time":
                return Val(f"{name}({stored.sql})", stored.kind)
            function = "arg_min" if name == "min" else "arg_max"
            return Val(f"{function}({stored.sql}, {natural_key(stored)}) {present}", stored.kind)
        if name in ("earliest", "latest"):
            if not self.raw_ok and "@timestamp" not in self.columns:
                raise self.fail(f"{name}() needs @timestamp, which the stats before it did not produce", node)
            stamp = self.field("@timestamp", node)
            function = "arg_min" if name == "earliest" else "arg_max"
            return Val(f"{function}({stored.sql}, {stamp.sql}) {present}", stored.kind)
        if name in ("sortsfirst", "sortslast"):
            function = "arg_min" if name == "sortsfirst" else "arg_max"
            return Val(f"{function}({stored.sql}, {natural_key(stored)}) {present}", stored.kind)
        raise AssertionError(name)  # pragma: no cover


__all__ = ["IP_FUNCTIONS", "Compiled", "Compiler"]
