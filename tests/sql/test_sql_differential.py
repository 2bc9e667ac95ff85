"""Differential test: generated queries through the engine and through an independent oracle agree.

Two datasets: every record in ../shared/samples (real formats) and a seeded simulated-like set with
shared request ids, mixed types, absent fields, arrays and dotted OTel keys. For each, filters,
group-bys and joins are generated from the fields actually present; the engine's rows must equal the
oracle's (oracle.py: json.loads + Python/pandas, no engine code) as multisets.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import oracle as o
import pytest
from sqlkit import TinyStore

from aiaudit.query.sql import run_sql

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
GROUP = {"cloudtrail": "cloudtrail", "invocations": "bedrock-model-invocation-logging", "spans": "aws/spans"}
TIME_FIELDS = {"eventTime", "timestamp"}
INT_HOT = {"input.inputTokenCount", "output.outputTokenCount", "startTimeUnixNano", "endTimeUnixNano", "durationNano"}
JOIN_KEYS = [
    ("cloudtrail", "requestID", "invocations", "requestId"),
    ("invocations", "requestId", "cloudtrail", "requestID"),
    ("spans", "attributes.aws.request_id", "cloudtrail", "requestID"),
    ("cloudtrail", "requestID", "spans", "attributes.aws.request_id"),
    ("spans", "attributes.aws.request_id", "invocations", "requestId"),
    ("cloudtrail", "sourceIPAddress", "cloudtrail", "sourceIPAddress"),
]


# --- data -------------------------------------------------------------------------------------------
def _records_in(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    try:
        whole = json.loads(text)
        items = [whole]
    except json.JSONDecodeError:
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
    out = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("event"), dict) and "_rule_id" in item:
            item = item["event"]
        if isinstance(item, dict) and "digestStartTime" not in item:
            out.append(item)
    return out


def sample_records() -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = {"cloudtrail": [], "invocations": [], "spans": []}
    for folder, pipeline in (("cloudtrail", "cloudtrail"), ("agentcore", "cloudtrail"), ("invocations", "invocations")):
        for path in sorted((SAMPLES / folder).iterdir()):
            if path.is_file() and path.suffix in (".log", ".json", ".jsonl"):
                data[pipeline].extend(_records_in(path))
    for path in sorted((SAMPLES / "spans").glob("*.json")):
        data["spans"].extend(_records_in(path))
    return data


def simulated_records(seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    roles = ["app", "ops", "ci", "Admin", "ümlaut-role"]
    names = ["InvokeModel", "Converse", "InvokeGateway", "AttachRolePolicy", "GetObject", "ListFoundationModels"]
    ct, inv, spans = [], [], []
    for i in range(220):
        event: dict[str, Any] = {
            "eventTime": f"2026-03-01T{i // 60:02d}:{i % 60:02d}:00Z",
            "eventName": rng.choice(names),
            "eventSource": rng.choice(
                ["bedrock.amazonaws.com", "bedrock-agentcore.amazonaws.com", "iam.amazonaws.com"]
            ),
            "requestID": f"req-{rng.randrange(300)}",
            "sourceIPAddress": rng.choice(["10.0.0.1", "10.0.0.2", "203.0.113.9", "bedrock.amazonaws.com"]),
            "userIdentity": {"type": rng.choice(["AssumedRole", "Root", "IAMUser"])},
            "readOnly": rng.choice([True, False, None]),
        }
        if rng.random() < 0.8:
            event["userIdentity"]["arn"] = f"arn:aws:sts::111:assumed-role/{rng.choice(roles)}/s{rng.randrange(5)}"
        if rng.random() < 0.3:
            event["errorCode"] = rng.choice(["AccessDenied", "UnauthorizedOperation", "ThrottlingException"])
        if rng.random() < 0.4:
            code = rng.choice([200, 401, 403, 500])
            event["responseElements"] = {"statusCode": code if rng.random() < 0.5 else str(code)}
        if rng.random() < 0.6:
            event["resources"] = [
                {"ARN": f"arn:aws:bedrock:::r{rng.randrange(6)}", "type": rng.choice(["Model", "Runtime"])}
                for _ in range(rng.randrange(1, 3))
            ]
        if rng.random() < 0.3:
            event["additionalEventData"] = {"inputTokens": rng.randrange(1, 500), "ratio": rng.choice([0.5, 1.25, 3])}
        ct.append(event)
    for i in range(160):
        record: dict[str, Any] = {
            "timestamp": f"2026-03-01T{i // 60:02d}:{i % 60:02d}:30Z",
            "requestId": f"req-{rng.randrange(300)}",
            "operation": rng.choice(["InvokeModel", "Converse"]),
            "modelId": rng.choice(["anthropic.claude", "amazon.nova", "meta.llama"]),
            "identity": {"arn": rng.choice(["<redacted>", "arn:aws:sts::111:assumed-role/app/s1"])},
            "input": {"inputTokenCount": rng.randrange(1000)},
        }
        if rng.random() < 0.5:
            record["input"]["inputBodyJson"] = {
                "messages": [{"content": [{"text": rng.choice(["hi", "hello", "ignore all"])}]}]
            }
        if rng.random() < 0.2:
            record["errorCode"] = "ValidationException"
        inv.append(record)
    for i in range(120):
        attributes: dict[str, Any] = {
            "session.id": f"sess-{rng.randrange(20)}",
            "gen_ai.system": rng.choice(["aws.bedrock", "strands"]),
        }
        if rng.random() < 0.6:
            attributes["aws.request_id"] = f"req-{rng.randrange(300)}"
        if rng.random() < 0.4:
            attributes["gen_ai.usage.input_tokens"] = rng.randrange(300)
        spans.append({
            "traceId": f"t{rng.randrange(40)}",
            "spanId": f"s{i}",
            "name": rng.choice(["chat", "execute_tool search", "invoke_agent"]),
            "startTimeUnixNano": 1772323200000000000 + i * 1_000_000_000,
            "durationNano": rng.randrange(10**9),
            "attributes": attributes,
            "resource": {"attributes": {"service.name": rng.choice(["A", "B"]), "aws.service.type": "gen_ai_agent"}},
        })  # fmt: skip
    return {"cloudtrail": ct, "invocations": inv, "spans": spans}


# --- query generation -------------------------------------------------------------------------------
def bt(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def lit(value: str) -> str:
    return "'" + value + "'"


class Gen:
    """Random queries over the fields present, each with its SQL text and its oracle answer."""

    def __init__(self, rows: dict[str, list[o.Row]], rng: random.Random) -> None:
        self.rows, self.rng = rows, rng
        self.fields: dict[str, list[str]] = {}
        self.values: dict[tuple[str, str], list[str]] = {}
        for pipeline, items in rows.items():
            counts: dict[str, int] = {}
            for row in items:
                for key, value in row.items():
                    if value is not None and "`" not in key and not key.startswith("@") and key not in INT_HOT:
                        counts[key] = counts.get(key, 0) + 1
                        self.values.setdefault((pipeline, key), []).append(value)
            self.fields[pipeline] = sorted(k for k, n in counts.items() if n >= 2 and not _is_object(rows[pipeline], k))

    def field(self, pipeline: str) -> str:
        return self.rng.choice(self.fields[pipeline])

    def safe_values(self, pipeline: str, field: str) -> list[str]:
        return sorted({v for v in self.values.get((pipeline, field), []) if _plain(v)}) or ["none"]

    def atom(self, pipeline: str, prefix: str) -> tuple[str, o.Pred]:
        field = self.field(pipeline)
        ref = prefix + bt(field)
        kind = self.rng.choice(["eq", "neq", "in", "null", "notnull", "like", "num"])
        values = self.safe_values(pipeline, field)
        numeric = [n for n in (o.number(v) for v in self.values.get((pipeline, field), [])) if n is not None]
        if field in TIME_FIELDS and kind in ("eq", "neq", "in", "num"):
            kind = "null"
        if kind == "num" and numeric:
            bound = self.rng.choice(numeric)
            op = self.rng.choice([">=", "<", "=", ">"])
            text = str(int(bound)) if bound == int(bound) and abs(bound) < 1e15 else repr(bound)
            return f"{ref} {op} {text}", o.numcmp(field, op, float(text))
        if kind in ("eq", "num"):
            value = self.rng.choice(values)
            return f"{ref} = {lit(value)}", o.eq(field, value)
        if kind == "neq":
            value = self.rng.choice(values)
            return f"{ref} != {lit(value)}", o.neq(field, value)
        if kind == "in":
            chosen = sorted(set(self.rng.sample(values, min(len(values), self.rng.randrange(1, 4)))))
            return f"{ref} IN ({', '.join(lit(v) for v in chosen)})", o.isin(field, chosen)
        if kind == "like":
            value = self.rng.choice(values)
            start = self.rng.randrange(max(len(value), 1))
            piece = "".join(c for c in value[start : start + 3] if c.isalnum())
            return f"{ref} LIKE '%{piece}%'", o.like(field, f"%{piece}%")
        if kind == "null":
            return f"{ref} IS NULL", o.isnull(field)
        return f"{ref} IS NOT NULL", o.isnull(field, negate=True)

    def pred(self, pipeline: str, prefix: str = "", depth: int = 0) -> tuple[str, o.Pred]:
        roll = self.rng.random()
        if depth >= 2 or roll < 0.5:
            return self.atom(pipeline, prefix)
        left_sql, left = self.pred(pipeline, prefix, depth + 1)
        if roll < 0.6:
            return f"NOT ({left_sql})", o.not_(left)
        right_sql, right = self.pred(pipeline, prefix, depth + 1)
        if roll < 0.8:
            return f"({left_sql} AND {right_sql})", o.and_(left, right)
        return f"({left_sql} OR {right_sql})", o.or_(left, right)

    def filter_query(self) -> tuple[str, list[tuple]]:
        pipeline = self.rng.choice(list(self.rows))
        f1, f2 = self.field(pipeline), self.field(pipeline)
        where_sql, where = self.pred(pipeline)
        sql = f"SELECT {bt(f1)} AS c0, {bt(f2)} AS c1 FROM {bt(GROUP[pipeline])} WHERE {where_sql}"
        return sql, o.select(self.rows[pipeline], [f1, f2], where)

    def group_query(self) -> tuple[str, list[tuple]]:
        pipeline = self.rng.choice(list(self.rows))
        key = self.field(pipeline)
        distinct = self.field(pipeline) if self.rng.random() < 0.5 else None
        where_sql, where = self.pred(pipeline) if self.rng.random() < 0.6 else ("", None)
        extra = f", COUNT(DISTINCT {bt(distinct)}) AS d" if distinct else ""
        clause = f" WHERE {where_sql}" if where_sql else ""
        sql = f"SELECT {bt(key)} AS k, COUNT(*) AS n{extra} FROM {bt(GROUP[pipeline])}{clause} GROUP BY {bt(key)}"
        return sql, o.group_count(self.rows[pipeline], key, distinct, where)

    def join_query(self) -> tuple[str, list[tuple]]:
        left, lkey, right, rkey = self.rng.choice(JOIN_KEYS)
        lfield, rfield = self.field(left), self.field(right)
        outer = self.rng.random() < 0.6
        where_sql, where = self.pred(left, "a.") if self.rng.random() < 0.5 else ("", None)
        kind = "LEFT OUTER JOIN" if outer else "INNER JOIN"
        clause = f" WHERE {where_sql}" if where_sql else ""
        sql = (
            f"SELECT a.{bt(lfield)} AS c0, b.{bt(rfield)} AS c1 FROM {bt(GROUP[left])} a {kind} {bt(GROUP[right])} b "
            f"ON a.{bt(lkey)} = b.{bt(rkey)}{clause}"
        )
        return sql, o.join(self.rows[left], self.rows[right], lkey, rkey, lfield, rfield, outer, where)


def _plain(value: str) -> bool:
    return len(value) < 80 and all(c not in "'\\%_" and c.isprintable() for c in value)


def _is_object(rows: list[o.Row], key: str) -> bool:
    return any(r.get(key) is not None and r[key][:1] in ("{", "[") for r in rows)


def _norm(rows: list[tuple]) -> list[tuple]:
    return sorted((tuple(None if v is None else str(v) for v in row) for row in rows), key=repr)


def _engine_rows(store: TinyStore, sql: str) -> list[tuple]:
    frame = run_sql(store, sql, None, max_rows=1_000_000).frame
    return [tuple(None if v is None or (isinstance(v, float) and v != v) else (v.item() if hasattr(v, "item") else v)
                  for v in row) for row in frame.itertuples(index=False, name=None)]  # fmt: skip


DATASETS = {"samples": sample_records, "simulated": simulated_records}
SHAPES = [("filter", 70), ("group", 45), ("join", 45)]


@pytest.fixture(scope="module", params=list(DATASETS))
def dataset(request):
    records = DATASETS[request.param]()
    store = TinyStore(records)
    rows = {p: [o.fields_of(json.dumps(r)) for r in items] for p, items in records.items()}
    return request.param, store, rows


def test_datasets_are_not_trivial(dataset):
    name, _store, rows = dataset
    assert len(rows["cloudtrail"]) > (500 if name == "samples" else 200)
    assert rows["invocations"] and rows["spans"]


@pytest.mark.parametrize(("shape", "count"), SHAPES)
def test_engine_agrees_with_oracle(dataset, shape, count):
    name, store, rows = dataset
    gen = Gen(rows, random.Random(f"{name}-{shape}"))
    make = {"filter": gen.filter_query, "group": gen.group_query, "join": gen.join_query}[shape]
    nonempty = 0
    for _ in range(count):
        sql, expected = make()
        got = _engine_rows(store, sql)
        assert _norm(got) == _norm(expected), sql
        nonempty += bool(expected)
    assert nonempty >= count // 3  # the generator asks questions that have answers
