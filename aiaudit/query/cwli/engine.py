"""Run a classic Logs Insights query on the store: bind → parse → resolve groups → compile → execute.

Why it mirrors the SQL engine (:mod:`aiaudit.query.sql.engine`): a classic query and a SQL query over the
same groups and time range must read the same events. Log groups resolve with the SQL engine's rules
(:func:`aiaudit.query.sql.groups.resolve_names`: pipeline names, group names, ARNs, runtime groups by
``@log``); every scan carries the same time-range conditions and reads raw fields with the SQL
translator's field functions (:mod:`aiaudit.query.cwli.scan`). As on AWS, a result has at most 10,000
rows; more is a warning and ``complete=False``, never a silently different answer.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from aiaudit.core.config import DEFAULT_LOG_GROUPS, PIPELINES
from aiaudit.core.errors import InputError, QuerySyntaxError, SourceError
from aiaudit.core.result import Result
from aiaudit.core.timerange import TimeRange
from aiaudit.query.cwli import ast
from aiaudit.query.cwli.bind import bind_text
from aiaudit.query.cwli.compiler import Compiled, Compiler
from aiaudit.query.cwli.parser import parse
from aiaudit.query.cwli.scan import Scan
from aiaudit.query.sql.engine import StoreLike, execute_capped, finish, store_lookup, table_columns
from aiaudit.query.sql.groups import GroupRef, resolve_names

#: Logs Insights returns at most this many rows (the default when a query sets no limit, and the cap).
MAX_ROWS = 10_000


# --- log groups -----------------------------------------------------------------------------------
def groups_of(
    tree: ast.Query,
    log_groups: Sequence[str] | str | None,
    configured: Mapping[str, str],
    store: StoreLike | None,
    warnings: list[str],
) -> list[GroupRef]:
    """The groups a query reads: ``log_groups=`` (as StartQuery's parameter) or its ``SOURCE`` command."""
    for index, command in enumerate(tree.commands):
        if isinstance(command, ast.Source) and index:
            raise QuerySyntaxError("SOURCE must be the first command", offset=command.start, query=tree.text)
    source = tree.commands[0] if tree.commands and isinstance(tree.commands[0], ast.Source) else None
    names = [log_groups] if isinstance(log_groups, str) else list(log_groups or [])
    groups = dict(DEFAULT_LOG_GROUPS)
    groups.update(configured)
    lookup = store_lookup(store) if store is not None else None
    if source is not None:
        if names:
            raise InputError(
                "the query names its log groups with SOURCE; do not give log_groups too", where="log_groups"
            )
        return _source_groups(source, groups, store, lookup, warnings)
    if not names:
        raise InputError(
            "a classic (cwli) query needs log_groups=[...] (pipeline names or groups) or a SOURCE command",
            where="log_groups",
        )
    return resolve_names(names, groups, lookup)


def _source_groups(
    source: ast.Source, groups: Mapping[str, str], store: StoreLike | None, lookup: Any, warnings: list[str]
) -> list[GroupRef]:
    prefixes = [n.value for n in source.names if n.argument == "namePrefix"]
    exact = [n.value for n in source.names if n.argument in ("", "logGroupIdentifier")]
    ignored = sorted({n.argument for n in source.names if n.argument in ("accountIdentifiers", "class")})
    if ignored:
        warnings.append(
            f"SOURCE: {' and '.join(ignored)} ignored offline (the store holds exported log groups, not accounts "
            "or log classes)"
        )
    names = list(exact)
    if prefixes or (source.selectors and not exact):
        known = _known_groups(groups, store)
        whole = {name.rstrip("/"): pipeline for pipeline, name in groups.items() if pipeline in PIPELINES}
        for prefix in prefixes or [""]:
            if prefix in PIPELINES or prefix.rstrip("/") in whole:
                # a pipeline name, or its configured group or prefix: the whole table, as FROM reads it
                names.append(prefix if prefix in PIPELINES else whole[prefix.rstrip("/")])
                continue
            matched = [g for g in known if g.startswith(prefix)]
            if not matched:
                raise SourceError(f"SOURCE: no log group starts with {prefix!r} (known: {', '.join(known)})")
            names.extend(matched)
    return resolve_names(list(dict.fromkeys(names)), groups, lookup)


def _known_groups(groups: Mapping[str, str], store: StoreLike | None) -> list[str]:
    """Every group name the store can answer for: configured names and the ``@log`` values it holds."""
    known: dict[str, None] = {}
    for pipeline, name in groups.items():
        if pipeline in PIPELINES and not name.endswith("/"):
            known.setdefault(name, None)
    if store is not None:
        connection = store.connection()
        present = table_columns(connection)
        for pipeline in PIPELINES:
            if present.get(pipeline):
                for (log,) in connection.execute(f'SELECT DISTINCT "@log" FROM "{pipeline}"').fetchall():
                    if log:
                        known.setdefault(str(log), None)
    return sorted(known)


# --- compile and run ------------------------------------------------------------------------------
def _compile(
    text: str,
    time_range: TimeRange | None,
    log_groups: Sequence[str] | str | None,
    configured: Mapping[str, str],
    store: StoreLike | None,
    now_s: int | None = None,
) -> tuple[str, Compiled, list[GroupRef]]:
    tree = parse(text)
    warnings: list[str] = []
    refs = groups_of(tree, log_groups, configured, store, warnings)
    columns = table_columns(store.connection()) if store is not None else None
    scan = Scan(refs, columns, time_range)
    compiled = Compiler(tree, scan.kind, now_s=now_s).compile()
    compiled.warnings[:0] = warnings
    ctes = [("_base", scan.sql(compiled.raw)), *compiled.ctes]
    sql = "WITH " + ", ".join(f"{name} AS ({body})" for name, body in ctes) + " " + compiled.select
    return sql, compiled, refs


def translate(
    query: str,
    *,
    params: Mapping[str, Any] | None = None,
    time_range: TimeRange | None = None,
    log_groups: Sequence[str] | str | None = None,
    store: StoreLike | None = None,
) -> str:
    """The DuckDB SQL a classic query runs as (dry runs, tests). With ``store``, groups found by
    ``SOURCE`` prefixes and columns the store lacks are resolved exactly as :func:`run_cwli` does."""
    configured = getattr(store, "log_groups", None) or {}
    return _compile(bind_text(query, params), time_range, log_groups, configured, store)[0]


def run_cwli(
    store: StoreLike,
    query: str,
    time_range: TimeRange | None,
    *,
    params: Mapping[str, Any] | None = None,
    log_groups: Sequence[str] | str | None = None,
    max_rows: int = MAX_ROWS,
) -> Result:
    """Run one classic query on ``store`` and return a :class:`Result` (values typed by DuckDB)."""
    started = time.monotonic()
    text = bind_text(query, params)
    sql, compiled, refs = _compile(text, time_range, log_groups, getattr(store, "log_groups", {}) or {}, store)
    connection = store.connection()
    register_functions(connection, compiled.udfs)
    frame = execute_capped(connection, sql, None, max_rows, text)
    return finish(
        frame,
        connection=connection,
        refs=refs,
        time_range=time_range,
        columns=table_columns(connection),
        query=text,
        language="cwli",
        started=started,
        max_rows=max_rows,
        warnings=compiled.warnings,
    )


# --- IP functions ---------------------------------------------------------------------------------
def _ip(text: str | None, version: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if text is None:
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    return address if version in (0, address.version) else None


def _ip_valid(text: str | None, version: int) -> bool | None:
    return None if text is None else _ip(text, version) is not None


def _ip_in_subnet(text: str | None, subnet: str | None, version: int) -> bool | None:
    if text is None or subnet is None:
        return None
    address = _ip(text, version)
    try:
        network = ipaddress.ip_network(subnet.strip(), strict=False)
    except ValueError:
        return False
    return address is not None and address.version == network.version and address in network


_FUNCTIONS = {
    "aiaudit_ip_valid": (_ip_valid, ["VARCHAR", "INTEGER"]),
    "aiaudit_ip_in_subnet": (_ip_in_subnet, ["VARCHAR", "VARCHAR", "INTEGER"]),
}


def register_functions(connection: Any, names: set[str]) -> None:
    """Register the Python functions a query uses (IP checks) on the connection's database, once."""
    for name in sorted(names):
        function, types = _FUNCTIONS[name]
        try:
            connection.create_function(name, function, types, "BOOLEAN", null_handling="special")
        except duckdb.NotImplementedException as exc:  # already registered on this database
            if "already created" not in str(exc):
                raise


__all__ = ["MAX_ROWS", "register_functions", "run_cwli", "translate"]
