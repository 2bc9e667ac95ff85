"""Resolve what a ``FROM`` names (a pipeline, a log group, an ARN, ``logGroups(...)``) to store tables.

Why here and not in the store: the names are Logs Insights' (DESIGN §3). A pipeline name stands for its
configured group; a configured or default group name stands for its pipeline's table; a group under
the runtime prefix is that table filtered by ``@log``; an ARN names its group. Anything else is
AWS's ``ResourceNotFoundException`` — a :class:`SourceError` naming the group — never an empty result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

import sqlglot
from sqlglot import TokenType, exp

from aiaudit.core.config import DEFAULT_LOG_GROUPS, PIPELINES
from aiaudit.core.errors import QuerySyntaxError, SourceError
from aiaudit.core.timerange import TimeRange
from aiaudit.query.quoting import iso_utc, sql_literal
from aiaudit.query.sql.dialect import LogsInsightsSQL

#: AWS's limit on log groups in one ``logGroups(logGroupIdentifier: [...])``.
MAX_GROUPS = 50
_RUNTIME = "runtime_logs"


@dataclass(frozen=True)
class GroupRef:
    """One resolved log group: the pipeline table and, for a single runtime group, its ``@log`` value."""

    pipeline: str
    log: str | None = None  # filter on "@log" when set


#: Looks a group name up in the store when configuration does not know it: ``name -> pipeline or None``.
Lookup = Callable[[str], "str | None"]


def strip_arn(name: str) -> str:
    """``arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]`` → ``NAME``; anything else unchanged."""
    if not name.startswith("arn:"):
        return name
    parts = name.split(":", 6)
    if len(parts) == 7 and parts[2] == "logs" and parts[5] == "log-group":
        group = parts[6]
        return group[:-2] if group.endswith(":*") else group
    return name


def resolve_group(name: str, log_groups: Mapping[str, str], lookup: Lookup | None = None) -> GroupRef:
    """One group name → its table (and ``@log`` filter)."""
    group = strip_arn(name.strip())
    if group in PIPELINES:
        return GroupRef(group)
    for table in (dict(log_groups), DEFAULT_LOG_GROUPS):
        for pipeline, configured in table.items():
            if pipeline == _RUNTIME:
                prefix = configured.rstrip("/")
                if group.rstrip("/") == prefix:
                    return GroupRef(pipeline)
                if group.startswith(prefix + "/"):
                    return GroupRef(pipeline, log=group)
            elif group == configured:
                return GroupRef(pipeline)
    if lookup is not None:
        found = lookup(group)
        if found is not None:
            return GroupRef(found, log=group)
    known = sorted(set(PIPELINES) | set(log_groups.values()) | set(DEFAULT_LOG_GROUPS.values()))
    raise SourceError(f"log group {group!r} does not exist in this store (ResourceNotFound); known: {', '.join(known)}")


def parse_selector(text: str, *, offset: int | None = None, query: str | None = None) -> list[str] | None:
    """``logGroups(logGroupIdentifier: ['a', 'b'])`` → ``['a', 'b']``; a plain group name → None.

    Read with the dialect's tokenizer, not a regex, so quoting inside the names is honoured.
    """
    if not text.strip().startswith("logGroups"):
        return None
    try:
        tokens = LogsInsightsSQL().tokenize(text)
    except sqlglot.errors.TokenError:
        raise QuerySyntaxError("cannot read the logGroups(...) selector", offset=offset, query=query) from None
    kinds = [token.token_type for token in tokens]
    words = [token.text for token in tokens]
    expected_head = ["logGroups", "(", "logGroupIdentifier", ":", "["]
    if (
        len(tokens) < 7
        or [w for w in words[:5]] != expected_head
        or kinds[-2:] != [TokenType.R_BRACKET, TokenType.R_PAREN]
    ):
        raise QuerySyntaxError(
            "a multi-group FROM is written `logGroups(logGroupIdentifier: ['group-a', 'group-b'])`",
            offset=offset,
            query=query,
        )
    names: list[str] = []
    body = tokens[5:-2]
    for index, token in enumerate(body):
        if index % 2 == 0:
            if token.token_type != TokenType.STRING:
                raise QuerySyntaxError("logGroupIdentifier takes a list of quoted names", offset=offset, query=query)
            names.append(token.text)
        elif token.token_type != TokenType.COMMA:
            raise QuerySyntaxError("log group names must be separated by commas", offset=offset, query=query)
    if not names:
        raise QuerySyntaxError("logGroupIdentifier needs at least one log group", offset=offset, query=query)
    if len(names) > MAX_GROUPS:
        raise QuerySyntaxError(
            f"{len(names)} log groups named; Logs Insights accepts at most {MAX_GROUPS}", offset=offset, query=query
        )
    return names


def resolve_from(
    text: str,
    log_groups: Mapping[str, str],
    lookup: Lookup | None = None,
    *,
    offset: int | None = None,
    query: str | None = None,
) -> list[GroupRef]:
    """A backticked FROM identifier → the distinct groups it reads, in order."""
    names = parse_selector(text, offset=offset, query=query) or [text]
    return resolve_names(names, log_groups, lookup)


def resolve_names(names: Sequence[str], log_groups: Mapping[str, str], lookup: Lookup | None = None) -> list[GroupRef]:
    """Group names, ARNs or pipeline names (SQL ``FROM``, classic QL ``log_groups=``/``SOURCE``) → the
    distinct groups they read, in order; a whole pipeline table covers its own runtime groups."""
    refs: list[GroupRef] = []
    for name in names:
        ref = resolve_group(name, log_groups, lookup)
        if ref not in refs:
            refs.append(ref)
    whole = {ref.pipeline for ref in refs if ref.log is None}
    return [ref for ref in refs if ref.log is None or ref.pipeline not in whole]


def scan_conditions(ref: GroupRef, window: TimeRange | None) -> list[exp.Expr]:
    """The conditions every scan of a group carries, in both languages: the time range on
    ``@timestamp`` (``start <= t < end + 1 s``, StartQuery's inclusive whole seconds) and, for one runtime
    group, its ``@log``."""
    out: list[exp.Expr] = []
    stamp = exp.column("@timestamp", quoted=True)
    if window is not None:
        start = exp.Var(this=f"{sql_literal(iso_utc(window.start))}::TIMESTAMPTZ")
        end = exp.Var(this=f"{sql_literal(iso_utc(window.end + timedelta(seconds=1)))}::TIMESTAMPTZ")
        out.append(exp.GTE(this=stamp.copy(), expression=start))
        out.append(exp.LT(this=stamp.copy(), expression=end))
    if ref.log is not None:
        out.append(exp.EQ(this=exp.column("@log", quoted=True), expression=exp.Var(this=sql_literal(ref.log))))
    return out
