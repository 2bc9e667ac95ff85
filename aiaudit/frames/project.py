"""Standard projections, computed by the engine: one DuckDB query per projection, Arrow out, typed frame.

The same code serves every backend: the local store's tables, and in-memory tables of the store's layout
that the AWS backend and raw frames are loaded into (:func:`aiaudit.store.memory.load_messages`, the
row expression ingest uses). :func:`query` writes the SQL of a projection (:mod:`aiaudit.frames.pipelines`
says what each column is); :func:`run` executes it and turns the Arrow result into a pandas frame with
the contract dtypes (``docs/frames.md``) without a Python object per row; :func:`stream` yields it in
chunks. ``columns=`` selects what is computed (DuckDB drops every expression and stored column the
requested ones do not need), and focus filters are part of the query (:mod:`aiaudit.frames.focus`).

A record whose ``@message`` is not a JSON object keeps its row (system columns filled, every field
null) and is counted in a warning (``frame.attrs["warnings"]``, also issued as a Python warning). For
``runtime_logs`` a non-JSON line is normal (the ``runtime-logs`` stdout stream) and becomes ``body``.

Invocation logs cost most per record: their bodies are read by :mod:`aiaudit.derive.bodies` (its
docstring has the measured costs), once per record at ingest; the projection reads the stored columns,
and parses ``@message`` (the bodies and the few fields the store has no typed column for, in one
``json_extract``) only for records whose body was offloaded to S3, which alone go through the bodies'
CTEs again (``_reread``; none in the benchmarks).

Python runs per record in one place only, where the engine cannot reach: a request or response body
Bedrock offloaded to S3 is looked up in the export's ``data/`` folder and read by
:mod:`aiaudit.frames.offload` (one file read per offloaded body; none in the benchmarks, where bodies
are inline).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from aiaudit.derive import bodies, stored
from aiaudit.derive import expr as E
from aiaudit.frames import columns as C
from aiaudit.frames import slices
from aiaudit.frames.bridges import bridge_sql
from aiaudit.frames.build import to_frame
from aiaudit.frames.focus import FocusQuery, focus_query
from aiaudit.frames.models import normalise_trace_id
from aiaudit.frames.offload import offload_relation
from aiaudit.frames.pipelines import DENIAL_CODES, GEN_AI_OPERATIONS, OTEL_KEYS, SPECS, STAMP, time_of
from aiaudit.frames.slices import SLICE, time_slices, whole
from aiaudit.query.fields import Extraction, field_expression, plan
from aiaudit.query.quoting import iso_utc, sql_literal
from aiaudit.query.quoting import sql_identifier as q
from aiaudit.store.memory import load_messages

__all__ = [
    "DENIAL_CODES",
    "GEN_AI_OPERATIONS",
    "ProjectionWarning",
    "normalise_trace_id",
    "prepare",
    "project",
    "project_records",
    "project_table",
    "query",
    "relation",
    "run",
    "stream",
]

SYSTEM_NAMES = ("@timestamp", "@ptr", "@log", "@logStream")
#: Derived columns that need the span request-id bridge (a join over whole traces).
BRIDGED = ("request_id", "request_id_source")
#: Columns read from the request and response bodies (they need the bodies' CTEs; sizes and sources do not).
BODY_COLUMNS = frozenset(
    {
        "prompt",
        "user_text",
        "system_prompt",
        "response",
        "stop_reason",
        "temperature",
        "top_p",
        "max_tokens",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "latency_ms",
        "guardrail_id",
        "guardrail_version",
        "guardrail_action",
        "guardrail_assessment",
        "media_uris",
    }
)


#: Columns an offloaded body also feeds (its size, where it came from).
SIZE_COLUMNS = frozenset({"input_body_bytes", "output_body_bytes", "body_source"})


class ProjectionWarning(UserWarning):
    """Records that could not be read completely (bad JSON in ``@message``)."""


@dataclass
class Query:
    """A projection's SQL and what running it needs."""

    pipeline: str
    sql: str
    columns: list[str]
    params: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    offload: Any = None  # Arrow table of offloaded bodies to register as ``_offload``
    order: str | None = "time"  # see :data:`ORDER_KEYS`
    #: ``(table, time condition)`` when the rows may be computed in time slices (:func:`time_slices`): the
    #: SQL then holds :data:`SLICE` where each slice's bounds go
    sliceable: tuple[str, str | None] | None = None
    #: ``{column: source column}`` of the columns sent only where they differ from their source
    #: (:func:`shared_columns`; :func:`finish` and :func:`relation` restore them)
    shared: dict[str, str] = field(default_factory=dict)


def check_columns(pipeline: str, columns: Sequence[str] | None) -> list[str]:
    """The contract columns asked for, in contract order (all when ``columns`` is None)."""
    names = [c.name for c in C.COLUMNS[pipeline]]
    if columns is None:
        return names
    wanted = list(dict.fromkeys(columns))
    unknown = [c for c in wanted if c not in names]
    if unknown:
        from aiaudit.core.errors import InputError

        raise InputError(
            f"{pipeline} has no column {unknown[0]!r} (see docs/frames.md; e.g. {', '.join(names[4:9])})",
            where="columns",
        )
    return [n for n in names if n in wanted]


#: The result column whose bit ``i`` says, per row, that the ``i``-th shared column differs from its source
#: (one integer column for all of them rather than a flag column each).
DIFFERS = "_differs"


def shared_columns(pipeline: str, wanted: Sequence[str]) -> dict[str, str]:
    """The columns of ``wanted`` the engine sends only where they differ from their source column (the
    pipeline's :attr:`~aiaudit.frames.pipelines.Spec.copies` whose source is wanted too).

    Why: about a sixth of a full CloudTrail frame repeats another column (``region`` is ``awsRegion``,
    ``request_id`` is ``requestID`` ...), and each repeat was a text column of its own in Arrow. Sent as
    the few values that differ, rebuilt on the source's buffers, a million-event frame re-opened at a peak
    RSS of 2.14–2.25 GB instead of 2.40–2.51 GB. Its time did not change (1.30–1.35 against 1.32–1.34
    CPU-s for a slice of 192k rows, alternated). The result is exact whatever
    the data: a column is its own value wherever its bit is set."""
    chosen = set(wanted)
    return {name: source for name, source in SPECS[pipeline].copies if name in chosen and source in chosen}


def _bits(shared: Iterable[str]) -> dict[str, int]:
    """The bit of :data:`DIFFERS` that stands for each shared column, in the order they are given."""
    return {name: 1 << i for i, name in enumerate(shared)}


def _base(pipeline: str, table: str, where: list[str], *, has_rid: bool = False, offload: bool = False) -> str:
    """The base layer: system columns and every field of the pipeline (typed column, else JSON).
    ``has_rid``: ``table`` is a relation already carrying ``_rid`` (the focused rows, see :func:`_query_text`).
    Invocation logs: the fields read from ``@message`` feed only the values the store computed at ingest
    (the body columns), so the record is parsed only where those are computed again, for rows whose body
    was offloaded (``_reread``, and only when ``offload``: the offloaded bodies were looked up)."""
    spec = SPECS[pipeline]
    text = Extraction(pipeline, "_j")
    items = ['"@timestamp"', '"@ptr"', '"@log"', '"@logStream"', "_json", "_line", "_rid", "_hash"]
    items += [q(name) for name, _ in stored.columns(pipeline)]
    if pipeline == "runtime_logs":
        items.append('"@message"')  # a stdout line is its own body
    untyped: list[str] = []
    for name in spec.fields:
        p = plan(pipeline, name)
        if p.column:
            items.append(f"{q(p.column)} AS {q(name)}")
        elif spec.json_fields:
            # read in the same parse as the JSON-valued fields (the bodies), each value as its text: a
            # second parse of every record for a few fields cost 0.4 s of 7 over 100k invocation logs
            untyped.append(name)
        else:
            items.append(f"{text.add(name)} AS {q(name)}")
    raw, reads = E.message_reads(pipeline, untyped, spec.json_fields)
    items += reads
    if pipeline == "runtime_logs":
        keys = ", ".join(sql_literal("/" + k) for k in OTEL_KEYS)
        items.append(
            f'coalesce(CASE WHEN _json THEN len(list_filter(json_extract("@message", [{keys}]),'
            " lambda _k: _k IS NOT NULL)) > 0 END, false) AS _otel"
        )
    extract = [f"CASE WHEN _json THEN {text.sql(q('@message'))} END AS _j"] if text else []
    parse = "_json"
    if pipeline == "invocations":
        in_bytes, out_bytes = (q(stored.column(n)) for n in ("input_body_bytes", "output_body_bytes"))
        extract.append(f"{bodies.offloaded(in_bytes, out_bytes) if offload else 'false'} AS _reread")
        items.append("_reread")
        parse = f"_json AND {bodies.offloaded(in_bytes, out_bytes) if offload else 'false'}"
    if raw:
        extract.append(f"CASE WHEN {parse} THEN CAST({raw.sql(q('@message'), 'json_extract')} AS VARCHAR[]) END AS _jj")
    rid = "" if has_rid else ", rowid AS _rid"
    inner = f"SELECT *{rid}{''.join(', ' + e for e in extract)} FROM {table}"
    if where:
        inner += f" WHERE {' AND '.join(where)}"
    return f"SELECT {', '.join(items)} FROM ({inner}) AS _t"


@lru_cache(maxsize=8)
def _reads_message(pipeline: str) -> bool:
    """Whether the projection reads ``@message`` (a field without a typed column, a JSON-valued field,
    or a runtime log's stdout line) or needs only the store's typed columns."""
    spec = SPECS[pipeline]
    return (
        pipeline == "runtime_logs" or bool(spec.json_fields) or any(not plan(pipeline, n).column for n in spec.fields)
    )


def _output(pipeline: str, name: str, kind: str, outputs: dict[str, str]) -> str:
    """SQL of one output column over the last layer, typed for Arrow."""
    spec = SPECS[pipeline]
    if name == "@timestamp":
        return STAMP
    if name in SYSTEM_NAMES:
        return q(name)
    if name == "time" and spec.time_text is not None:
        value = f"coalesce({time_of(q(spec.time_text))}, {STAMP})"
    elif name in outputs:
        value = outputs[name]
    else:
        value = q(name)
    if pipeline == "runtime_logs":
        if name == "body":
            return f'(CASE WHEN _otel THEN {value} ELSE "@message" END)'
        if name == "is_otel":
            return "_otel"
        if name == "time":
            return f"(CASE WHEN _otel THEN {value} ELSE {STAMP} END)"
        value = f"(CASE WHEN _otel THEN {value} END)"
    elif name not in ("time",):
        value = f"(CASE WHEN _json THEN {value} END)"
    cast = {"string": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN", "list": "VARCHAR[]"}.get(kind)
    return f"CAST({value} AS {cast})" if cast else value


def _lookups(
    pipeline: str, graph: E.Graph, base: str, table: str, where: list[str]
) -> tuple[str, list[tuple[str, str]]]:
    """The base layer joined with every lookup of ``graph``, and the CTEs computing them (per distinct
    value of the field, over the same records)."""
    ctes: list[tuple[str, str]] = []
    joins: list[str] = []
    outputs: list[str] = []
    for i, lk in enumerate(graph.lookups):
        p = plan(pipeline, lk.field)
        read = (
            q(p.column)
            if p.column
            else f"(CASE WHEN _json THEN {field_expression(pipeline, lk.field).sql('duckdb')} END)"
        )
        values = f"SELECT DISTINCT {read} AS _v FROM {table}" + (f" WHERE {' AND '.join(where)}" if where else "")
        name = f"_lk{i}"
        computed = E.layered(values, lk.graph.layers())
        ctes.append((name, f"SELECT _v, {', '.join(lk.outputs)} FROM ({computed}) AS _c"))
        joins.append(f" LEFT JOIN {name} ON {name}._v = _b.{q(lk.field)}")
        outputs += [f"{name}.{o}" for o in lk.outputs]
    if not ctes:
        return base, []
    return f"SELECT _b.*, {', '.join(outputs)} FROM ({base}) AS _b{''.join(joins)}", ctes


#: Sort keys the frame is put in order by (inside the query: see :func:`query`).
#: ``time`` orders rows of the same instant by ``_hash`` (DuckDB's hash of the record's text), not by ``@ptr``:
#: a pointer names where a copy keeps a row (file and line locally, the query's pointer on AWS), so two copies
#: of the same events (a local folder and a playbook's run-local fetch) would put ties in different orders and
#: every "first N" (evidence capped per finding) would cite different events. The text itself as the key
#: would read every record's ``@message`` into the sort (1.5 GB for a million CloudTrail events).
ORDER_KEYS = {"time": ("_ts", "_hash", "_ptr", "_rid"), "input": ("_line", "_rid")}


def query(
    pipeline: str,
    table: str,
    *,
    columns: Sequence[str] | None = None,
    time_range: Any = None,
    focus: dict[str, list[str]] | None = None,
    order: str | None = "time",
    offload: Any = None,
) -> Query:
    """The SQL of ``pipeline``'s projection over ``table`` (a relation with the store's layout).

    ``order``: ``time`` (``@timestamp``, then the record's text hash: :data:`ORDER_KEYS`), ``input``
    (``_line``, the position rows were loaded in) or None (storage order, for streaming and aggregating).
    The engine sorts: measured on a million CloudTrail events (68 columns, DuckDB 2.0), 7.0–7.7 CPU-seconds
    for the query with its ORDER BY against 4.8–5.3 for the query plus 5.4 for taking every column in Arrow
    order afterwards, at the same peak memory. ``offload``: an Arrow table of offloaded bodies
    (:func:`aiaudit.frames.offload.offload_relation`)."""
    if pipeline not in SPECS:
        raise ValueError(f"unknown pipeline {pipeline!r}")
    wanted = check_columns(pipeline, columns)
    key = tuple(sorted((k, tuple(v)) for k, v in (focus or {}).items()))
    time_sql = time_condition(time_range)
    shared = shared_columns(pipeline, wanted)
    text, notes = _query_text(
        pipeline, table, tuple(wanted), time_sql, key, order, offload is not None, tuple(shared.items())
    )
    sliceable = (table, time_sql) if SLICE in text else None
    return Query(pipeline, text, wanted, [], list(notes), offload, order, sliceable, shared)


@lru_cache(maxsize=8)
def _graph(pipeline: str) -> E.Graph:
    """The pipeline's nodes, with the values the store computed at ingest read from their columns."""
    g = SPECS[pipeline].graph()
    again = {name for name, _ in bodies.COLUMNS} if pipeline == "invocations" else set()
    for name, _kind in stored.STORED[pipeline]:
        if name in again:  # computed again where a body was offloaded (see _base)
            g.pin(name, f"(CASE WHEN _reread THEN ({g.nodes[name][0]}) ELSE {q(stored.column(name))} END)")
        else:
            g.pin(name, q(stored.column(name)))
    return g


@lru_cache(maxsize=1)
def _body_ctes() -> tuple[tuple[str, str], ...]:
    return tuple(bodies.ctes("_reread_rows"))


@lru_cache(maxsize=256)
def _query_text(
    pipeline: str,
    table: str,
    wanted_columns: tuple[str, ...],
    time_sql: str | None,
    focus_key: tuple[tuple[str, tuple[str, ...]], ...],
    order: str | None,
    offload: bool,
    shared: tuple[tuple[str, str], ...] = (),
) -> tuple[str, tuple[str, ...]]:
    """The SQL text of a projection query and its notes (cached: building it walks the whole graph)."""
    spec = SPECS[pipeline]
    wanted = list(wanted_columns)
    focus = {k: list(v) for k, v in focus_key}
    where: list[str] = []
    if time_sql:
        where.append(time_sql)
    fq: FocusQuery = focus_query(pipeline, focus or {}, table, time_sql)
    if fq.prefilter:
        where.append(fq.prefilter)
    outputs = spec.outputs()
    kinds = {c.name: c.kind for c in C.COLUMNS[pipeline]}
    needed = list(wanted)
    for name in fq.columns:
        if name not in needed:
            needed.append(name)
    bridged = pipeline == "spans" and any(n in BRIDGED for n in needed)
    select = [f"{_output(pipeline, n, kinds[n], outputs)} AS {q(n)}" for n in needed if n not in BRIDGED or not bridged]
    select += ['"@timestamp" AS _ts', '"@ptr" AS _ptr', "_line", "_rid", "_hash"]
    if bridged:
        own = "coalesce(nullif(\"attributes.aws.request_id\", ''), nullif(\"attributes.aws.request.id\", ''))"
        select += ["trace_id AS _b_trace", "span_id AS _b_span", "parent_span_id AS _b_parent", f"{own} AS _b_own"]
    if pipeline != "runtime_logs":
        select.append("NOT _json AS _bad")
    graph = _graph(pipeline).needed(select)
    if order == "time" and not fq.prefilter and not bridged:
        where.append(SLICE)  # see time_slices: a bridge joins whole traces, a focus reads few rows
    ctes: list[tuple[str, str]] = []
    has_rid = False
    if fq.prefilter:
        # the focused rows once (the prefilter reads every row's raw fields: the costliest step of a
        # focus), then the base layer and each lookup's distinct values read those rows only
        # (without the record's text when every field of the pipeline has a typed column: reading it for
        # every block holding a focused row cost 1.9 s of 2.4 s over a million CloudTrail events)
        keep = "*" if _reads_message(pipeline) else '* EXCLUDE ("@message")'
        ctes.append(("_focused", f"SELECT {keep}, rowid AS _rid FROM {table} WHERE {' AND '.join(where)}"))
        table, where, has_rid = "_focused", [], True
    first = _base(pipeline, table, where, has_rid=has_rid, offload=offload)
    base, lookups = _lookups(pipeline, graph, first, table, where)
    ctes += lookups
    if pipeline == "invocations" and offload and BODY_COLUMNS & set(needed):
        # the bodies are read here only for the rows whose body was offloaded (the store holds the rest)
        ctes += [
            ("_base", bodies.inputs(base, offload)),
            ("_reread_rows", "SELECT _rid, _ib, _ob FROM _base WHERE _reread"),
            *_body_ctes(),
        ]
        base = "SELECT * FROM _base LEFT JOIN _bodies USING (_rid)"
    elif pipeline == "invocations":
        nulls = ", ".join(f"NULL::{kind} AS {name}" for name, kind in bodies.OUTPUTS.items())
        base = f"SELECT *, {nulls} FROM ({bodies.inputs(base, offload)}) AS _nb"
    sql = E.layered(base, graph.layers())
    body = f"SELECT {', '.join(select)} FROM ({sql}) AS _p"
    if bridged:
        body = bridge_sql(body)
    differs = {n: f"({q(n)} IS DISTINCT FROM {q(s)})" for n, s in shared}
    final = [f"(CASE WHEN {differs[n]} THEN {q(n)} END) AS {q(n)}" if n in differs else q(n) for n in wanted]
    if shared:
        bits = " | ".join(f"(CASE WHEN {differs[n]} THEN {bit} ELSE 0 END)" for n, bit in _bits(differs).items())
        final.append(f"CAST({bits} AS INTEGER) AS {DIFFERS}")
    if pipeline != "runtime_logs":
        final.append("_bad")
    text = f"SELECT {', '.join(final)} FROM ({body}) AS _f"
    if fq.exact:
        text += f" WHERE {fq.exact}"
    if ORDER_KEYS.get(order or ""):
        text += f" ORDER BY {', '.join(ORDER_KEYS[order or ''])}"
    if ctes:
        # a focus on stored columns is an equality pushed into the scan: running it once per use reads only
        # the columns each use needs, where the materialised rows held every column of the table
        inline = frozenset({"_focused"}) if fq.pushed_down else frozenset()
        text = "WITH RECURSIVE " + E.with_clause(ctes, text, inline) + " " + text
    return text, tuple(fq.notes)


def time_condition(time_range: Any) -> str | None:
    """``@timestamp`` within a :class:`~aiaudit.core.timerange.TimeRange` (whole seconds, both ends
    inclusive, as StartQuery), as SQL with literal bounds."""
    if time_range is None:
        return None
    start = sql_literal(iso_utc(time_range.start))
    end = sql_literal(iso_utc(time_range.end + timedelta(seconds=1)))
    return f'"@timestamp" >= {start}::TIMESTAMPTZ AND "@timestamp" < {end}::TIMESTAMPTZ'


def _prepare(con: duckdb.DuckDBPyConnection, qy: Query) -> None:
    E.install(con)
    con.execute("SET arrow_large_buffer_size = true")  # text as large_string: what pandas' Arrow strings hold
    if qy.offload is not None:
        con.register("_offload", qy.offload)


#: Results up to this many source rows are fetched through ``execute`` (one bind; one extra copy of the
#: rows), larger ones through a relation (two binds; no copy). A bind of a projection query costs about
#: 0.1 s; the copy of a million CloudTrail rows cost 1.5 GB and more time than that.
SMALL = 20_000


def run(con: duckdb.DuckDBPyConnection, qy: Query, *, rows_hint: int | None = None) -> pd.DataFrame:
    """Execute a projection query and return the typed frame (``attrs``: ``warnings``, ``pipeline``).
    ``rows_hint``: how many rows the source holds, when known (see :data:`SMALL`)."""
    _prepare(con, qy)
    if rows_hint is not None and rows_hint <= SMALL:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # DuckDB notes the copy; the rows are few
            table = con.execute(whole(qy.sql), qy.params or None).to_arrow_table()
        return finish(qy, table)
    sqls = time_slices(con, qy) if rows_hint is None or rows_hint > slices.SLICE_ROWS else [whole(qy.sql)]
    parts = slices.fetch(con, sqls, qy.params, lambda cursor: _prepare(cursor, qy))
    table = parts[0] if len(parts) == 1 else pa.concat_tables(parts)
    del parts
    return finish(qy, table)


def finish(qy: Query, table: pa.Table) -> pd.DataFrame:
    """An Arrow result of a projection query (in order: the query sorts) → the typed frame, with its
    warnings."""
    notes = list(qy.notes)
    if "_bad" in table.column_names:
        bad = table.column("_bad")
        count = int(pc.sum(bad).as_py() or 0)
        if count:
            ptrs = table.column("@ptr") if "@ptr" in table.column_names else None
            first = ptrs.filter(bad).slice(0, 3).to_pylist() if ptrs is not None else []
            notes.append(
                f"{qy.pipeline}: {count} record(s) whose @message is not a JSON object; fields left null"
                + (f" (first @ptr: {', '.join(str(p) for p in first)})" if first else "")
            )
            warnings.warn(notes[-1], ProjectionWarning, stacklevel=3)
    frame = to_frame(qy.pipeline, restore_shared(qy, table).select(qy.columns), qy.columns)
    frame.attrs["warnings"] = notes
    frame.attrs["pipeline"] = qy.pipeline
    return frame


def restore_shared(qy: Query, table: pa.Table) -> pa.Table:
    """``table`` with every shared column (:func:`shared_columns`) whole again: its source column itself
    (the same Arrow buffers, no copy) where no row differs, else the source with the differing rows
    replaced."""
    if not qy.shared:
        return table
    column = table.column(DIFFERS)
    for name, bit in _bits(qy.shared).items():
        values = table.column(qy.shared[name])
        differs = pc.not_equal(pc.bit_wise_and(column, bit), 0)
        if pc.any(differs).as_py():
            values = pc.if_else(differs, table.column(name), values)
        table = table.set_column(table.schema.get_field_index(name), name, values)
    return table


def stream(con: duckdb.DuckDBPyConnection, qy: Query, *, chunk_rows: int = 200_000) -> Iterator[pd.DataFrame]:
    """The frame of ``qy`` in chunks of at most ``chunk_rows`` rows (each typed like the whole frame; in
    storage order unless ``qy`` orders, and then each time slice (:func:`time_slices`) is sorted before its
    chunks are yielded, so chunks follow each other in order)."""
    _prepare(con, qy)
    for sql in time_slices(con, qy):
        reader = con.sql(sql, params=qy.params or None).to_arrow_reader(chunk_rows)
        for batch in reader:
            yield finish(qy, pa.Table.from_batches([batch]))


# -- frames in hand: raw rows (system columns + @message) through an in-memory table -----------------


def memory_connection() -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB connection set up as the store's readers are (UTC)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def project(
    pipeline: str,
    raw: pd.DataFrame | None,
    data_root: Path | None = None,
    *,
    columns: Sequence[str] | None = None,
    focus: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """The standard projection of ``raw`` (system columns incl. ``@message``, as a query returns them),
    in the rows' order and with their index."""
    if pipeline not in C.COLUMNS:
        raise ValueError(f"unknown pipeline {pipeline!r}")
    wanted = check_columns(pipeline, columns)
    if raw is None or len(raw) == 0:
        frame = C.empty_frame(pipeline)[wanted]
        frame.attrs["warnings"] = []
        frame.attrs["pipeline"] = pipeline
        return frame
    con = memory_connection()
    try:
        table = load_messages(con, pipeline, raw)
        frame = project_table(
            con, pipeline, table, data_root, columns=wanted, focus=focus, order="input", rows_hint=len(raw)
        )
    finally:
        con.close()
    if not focus and len(frame) == len(raw):
        frame.index = raw.index
    return frame


def prepare(
    con: duckdb.DuckDBPyConnection,
    pipeline: str,
    table: str,
    data_root: Path | None,
    *,
    columns: Sequence[str] | None = None,
    time_range: Any = None,
    focus: dict[str, list[str]] | None = None,
    order: str | None = "time",
) -> Query:
    """:func:`query` for ``table`` in ``con``, with the offloaded bodies it needs looked up first."""
    wanted = check_columns(pipeline, columns)
    offload = None
    if pipeline == "invocations" and (BODY_COLUMNS | SIZE_COLUMNS) & set(wanted):
        offload = offload_relation(con, table, data_root, time_range)
    return query(pipeline, table, columns=wanted, time_range=time_range, focus=focus, order=order, offload=offload)


def project_table(
    con: duckdb.DuckDBPyConnection,
    pipeline: str,
    table: str,
    data_root: Path | None,
    *,
    columns: Sequence[str] | None = None,
    time_range: Any = None,
    focus: dict[str, list[str]] | None = None,
    order: str | None = "time",
    rows_hint: int | None = None,
) -> pd.DataFrame:
    """The projection of ``table`` in ``con`` (:func:`prepare` + :func:`run`)."""
    qy = prepare(con, pipeline, table, data_root, columns=columns, time_range=time_range, focus=focus, order=order)
    return run(con, qy, rows_hint=rows_hint)


def relation(con: duckdb.DuckDBPyConnection, qy: Query) -> duckdb.DuckDBPyRelation:
    """The projection as a lazy DuckDB relation (aggregate it without fetching rows: ``.aggregate(...)``).
    Columns keep the engine's types (times are ``TIMESTAMP_NS`` in UTC); ``_bad`` is dropped."""
    _prepare(con, qy)
    rel = con.sql(qy.sql, params=qy.params or None)
    if "_bad" not in rel.columns and not qy.shared:
        return rel
    return rel.project(", ".join(_restored(qy, c) for c in qy.columns))


def _restored(qy: Query, name: str) -> str:
    """SQL of column ``name`` of ``qy``'s result, a shared column (:func:`shared_columns`) restored."""
    source = qy.shared.get(name)
    if source is None:
        return q(name)
    bit = _bits(qy.shared)[name]
    return f"(CASE WHEN ({DIFFERS} & {bit}) <> 0 THEN {q(name)} ELSE {q(source)} END) AS {q(name)}"


def project_records(pipeline: str, messages: list[str], *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The projection of a few records given as ``@message`` texts (tests, one-value normalisers)."""
    raw = pa.table(
        {
            "@timestamp": pa.array([0] * len(messages), type=pa.timestamp("ns", tz="UTC")),
            "@message": pa.array(messages, type=pa.string()),
            "@ptr": pa.array([str(i) for i in range(len(messages))], type=pa.string()),
        }
    )
    con = memory_connection()
    try:
        table = load_messages(con, pipeline, raw)
        return project_table(con, pipeline, table, None, columns=columns, order="input", rows_hint=len(messages))
    finally:
        con.close()
