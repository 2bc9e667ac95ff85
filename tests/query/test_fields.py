"""The field planner: names as Logs Insights writes them, and one value per field whichever way it is read.

The agreement test reads, on the real samples, every raw column of ``docs/frames.md`` and every dotted
field the catalogue names (in its SQL and classic queries, metric-filter patterns and Contributor
Insights rules), every way the engine reads a field: through Logs Insights SQL, through classic Logs
Insights QL, through the filter-pattern compiler, through the standard projection (for the documented
columns), straight from the store's table, and from the stored record itself walked by the documented
rule in plain Python (the oracle below, which shares no code with the engine). All must give the same
value for every record.
"""

from __future__ import annotations

import json
import re
from itertools import product
from pathlib import Path
from typing import Any

import pytest
import yaml

import aiaudit
from aiaudit import TimeRange
from aiaudit.catalog.entry import load_entry
from aiaudit.frames import COLUMNS
from aiaudit.query.cwli import run_cwli
from aiaudit.query.cwli.compiler import Compiler
from aiaudit.query.cwli.parser import parse as parse_cwli
from aiaudit.query.fields import (
    TYPED_FIELDS,
    field_kind,
    hot_column,
    key_paths,
    pointers,
    read,
    segments,
)
from aiaudit.query.filterpattern import field_sql, parse_selector
from aiaudit.query.sql import check

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
ENTRIES = Path(__file__).resolve().parents[2] / "aiaudit" / "catalog" / "entries"
EVERYTHING = TimeRange.parse(None, start="2000-01-01T00:00:00Z", end="2100-01-01T00:00:00Z")
PIPELINES = ("cloudtrail", "invocations", "spans", "runtime_logs")


# -- names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("userIdentity.arn", [("userIdentity", False), ("arn", False)]),
        ("resources.0.ARN", [("resources", False), ("0", False), ("ARN", False)]),
        ("`userIdentity.arn`", [("userIdentity", False), ("arn", False)]),  # quoting the whole name
        ("attributes.`session.id`", [("attributes", False), ("session.id", True)]),
        ("a.`b``c`.d", [("a", False), ("b`c", True), ("d", False)]),
        ("@message", [("@message", False)]),
    ],
)
def test_segments(name: str, parts: list[tuple[str, bool]]) -> None:
    assert list(segments(name)) == parts


def test_key_paths_follow_the_pipeline() -> None:
    # AWS's own nested CloudTrail fields (typed columns) are read nested only
    assert key_paths("cloudtrail", "userIdentity.sessionContext.sessionIssuer.arn") == (
        ("userIdentity", "sessionContext", "sessionIssuer", "arn"),
    )
    # any other dotted name may be a literal dotted key (S3 keys in requestParameters)
    assert key_paths("cloudtrail", "requestParameters.key.with") == (
        ("requestParameters", "key", "with"),
        ("requestParameters", "key.with"),
        ("requestParameters.key", "with"),
        ("requestParameters.key.with",),
    )
    # OTel keeps dotted attribute names as keys: every split, nested first; array positions never join
    assert key_paths("spans", "attributes.session.id") == (
        ("attributes", "session", "id"),
        ("attributes", "session.id"),
        ("attributes.session", "id"),
        ("attributes.session.id",),
    )
    assert key_paths("spans", "events.0.name") == (("events", "0", "name"),)
    # a backticked segment is one key in any pipeline
    assert key_paths("cloudtrail", "requestParameters.`x.y`") == (("requestParameters", "x.y"),)
    assert key_paths("spans", "attributes.`aws.request.id`") == (("attributes", "aws.request.id"),)
    assert pointers("cloudtrail", "a/b.c~d") == ["/a~1b/c~0d", "/a~1b.c~0d"]  # JSON Pointer escapes


def test_read_gives_expression_and_kind() -> None:
    expr, kind = read("cloudtrail", "userIdentity.arn")
    assert expr.sql("duckdb") == '"userIdentity.arn"' and kind == "text"
    expr, kind = read("cloudtrail", "requestParameters.name")
    assert expr.sql("duckdb") == (
        "LIST_AGGREGATE(JSON_EXTRACT_STRING(\"@message\", ['/requestParameters/name', '/requestParameters.name']),"
        " 'any_value')"
    )
    assert kind == "text"
    expr, _ = read("cloudtrail", "`requestParameters`.`name`")  # one literal key per backticked segment
    assert expr.sql("duckdb") == "JSON_EXTRACT_STRING(\"@message\", '/requestParameters/name')"
    assert read("spans", "startTimeUnixNano")[1] == "num"
    assert read("cloudtrail", "eventTime")[1] == "timetext"
    assert read("cloudtrail", "@timestamp")[1] == "time"
    # a store without the typed column (an older layout) is read from the JSON
    assert not hot_column("cloudtrail", "userIdentity.arn", {"@message"})
    assert field_kind("invocations", "input.inputTokenCount") == "num"


# -- the oracle: the documented rule, in plain Python ------------------------------------------------


def oracle_text(value: Any) -> str | None:
    """A JSON value as a field's text: strings as they are, numbers and booleans as JSON, containers as
    compact JSON, null as missing."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def oracle_read(pipeline: str, record: dict[str, Any], name: str) -> str | None:
    """``name`` read from a parsed record: the first way the dotted name splits into keys that the record
    has, fewest joins first (array positions as numbers, never joined); AWS's typed CloudTrail and
    invocation fields nested only."""
    parts = name.split(".")
    nested_only = pipeline in ("cloudtrail", "invocations") and name in {n for n, _ in TYPED_FIELDS[pipeline]}
    if not nested_only:
        gaps = [i for i in range(len(parts) - 1) if not (parts[i].isdigit() or parts[i + 1].isdigit())]
        masks = sorted(product((False, True), repeat=len(gaps)), key=sum)
    else:
        gaps, masks = [], [()]
    for mask in masks:
        joined = {g for g, on in zip(gaps, mask) if on}
        keys = [parts[0]]
        for i, part in enumerate(parts[1:]):
            if i in joined:
                keys[-1] += "." + part
            else:
                keys.append(part)
        found, value = _walk(record, keys)
        if found and value is not None:
            return oracle_text(value)
    return None


def _walk(value: Any, keys: list[str]) -> tuple[bool, Any]:
    for key in keys:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return False, None
    return True, value


def as_text(value: Any) -> str | None:
    """A value of a query result or a frame cell, as field text."""
    if value is None:
        return None
    try:
        if value != value:  # NaN / NA
            return None
    except (TypeError, ValueError):
        pass
    if str(value) in ("<NA>", "NaT"):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- the fields -----------------------------------------------------------------------------------


def documented_fields() -> dict[str, list[str]]:
    """Per pipeline, the raw columns of docs/frames.md (their name is the field they read)."""
    return {p: [c.name for c in cols if c.source.replace("[0]", ".0") == c.name] for p, cols in COLUMNS.items()}


#: A JSON selector of a filter pattern or a Contributor Insights rule (``$.resources[0].type``).
_SELECTOR = re.compile(r"\$(?:\.[A-Za-z0-9_-]+|\[\d+\])+")


def catalogue_fields() -> dict[str, set[str]]:
    """Per pipeline, the dotted field names the catalogue uses: columns of its SQL queries (parsed), raw
    fields of its classic queries (as the classic-QL compiler asks the scan for them), and the selectors
    of its metric-filter patterns and Contributor Insights rules."""
    from sqlglot import exp

    out: dict[str, set[str]] = {p: set() for p in PIPELINES}
    for path in sorted(ENTRIES.glob("*/*.yaml")):
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        language = entry.get("language")
        names: set[str] = set()
        if language == "sql" and entry.get("query"):
            tree = check(entry["query"])
            names = {c.name for c in tree.find_all(exp.Column) if "." in c.name}
        elif language == "cwli" and entry.get("query"):
            text = load_entry(path).dry_run()  # parameters bound to their defaults
            names = set(Compiler(parse_cwli(text), lambda _name: "text").compile().raw)
        elif language in ("filter_pattern", "ci_rule"):
            block = entry.get("metric_filter") or entry.get("contributor_insights") or {}
            names = {parse_selector(m).dotted for m in _SELECTOR.findall(json.dumps(block))}
        for pipeline in entry.get("pipelines") or []:
            out[pipeline] |= {n for n in names if "." in n and not n.startswith("@")}
    return out


def test_the_catalogue_uses_dotted_fields() -> None:
    fields = catalogue_fields()
    assert "userIdentity.arn" in fields["cloudtrail"]
    assert "input.inputBodyJson.messages.0.content.0.text" in fields["invocations"]
    assert "attributes.session.id" in fields["spans"]
    assert "output.outputBodyJson.stopReason" in fields["invocations"]  # D01, a classic query
    assert "userIdentity.sessionContext.sessionIssuer.arn" in fields["cloudtrail"]  # metric filters


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Any:
    src = aiaudit.connect(f"local:{SAMPLES}", cache_dir=str(tmp_path_factory.mktemp("fields-store")))
    yield src
    src.close()


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_every_field_reads_the_same_four_ways(samples: Any, pipeline: str) -> None:
    documented = documented_fields()[pipeline]
    fields = sorted(set(documented) | catalogue_fields()[pipeline])
    con = samples.store.connection()
    records = {
        ptr: json.loads(msg) for ptr, msg in con.execute(f'SELECT "@ptr", "@message" FROM "{pipeline}"').fetchall()
    }
    assert records, pipeline
    typed = {name for name, _ in TYPED_FIELDS[pipeline]}
    frame = samples.projection(pipeline, EVERYTHING, columns=["@ptr", *documented])
    projected = {c: dict(zip(frame["@ptr"], frame[c].astype(object))) for c in documented}
    table_columns = {name for (name,) in con.execute(f"SELECT name FROM pragma_table_info('{pipeline}')").fetchall()}
    checked = 0
    for name in fields:
        sql = samples.query(f"SELECT `@ptr`, `{name}` AS v FROM `{pipeline}`", EVERYTHING).frame
        by_sql = dict(zip(sql["@ptr"], sql["v"].astype(object)))
        # the classic engine's own answer: the source then types it as GetQueryResults rows are typed (an
        # alias whose every value looks like a number becomes one), which is result typing, not field reading
        classic = run_cwli(samples.store, f"fields @ptr, `{name}` as v", EVERYTHING, log_groups=[pipeline]).frame
        by_classic = dict(zip(classic["@ptr"], classic["v"].astype(object)))
        stored = dict(con.execute(f'SELECT "@ptr", "{name}" FROM "{pipeline}"').fetchall()) if name in typed else None
        by_pattern = None
        selector = "$" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in name.split("."))
        if _SELECTOR.fullmatch(selector):  # a name a filter pattern can write
            value = field_sql(pipeline, parse_selector(selector), table_columns).value
            by_pattern = dict(con.execute(f'SELECT "@ptr", {value} FROM "{pipeline}"').fetchall())
        for ptr, record in records.items():
            want = oracle_read(pipeline, record, name)
            got = {"sql": as_text(by_sql.get(ptr)), "classic QL": as_text(by_classic.get(ptr))}
            if stored is not None:
                got["store"] = as_text(stored.get(ptr))
            if by_pattern is not None:
                got["filter pattern"] = as_text(by_pattern.get(ptr))
            if name in projected:
                got["projection"] = as_text(projected[name].get(ptr))
            for way, value in got.items():
                assert value == want, f"{pipeline}.{name} @ptr {ptr}: {way} gives {value!r}, the record {want!r}"
            checked += 1
    assert checked >= len(records)


def test_the_samples_exercise_literal_dotted_keys(samples: Any) -> None:
    """Spans in the samples keep ``session.id`` as one key: the oracle's split rule is really used."""
    con = samples.store.connection()
    messages = [json.loads(m) for (m,) in con.execute('SELECT "@message" FROM spans').fetchall()]
    assert any("session.id" in (m.get("attributes") or {}) for m in messages)
    assert re.search(r"session\.id", json.dumps(messages))
