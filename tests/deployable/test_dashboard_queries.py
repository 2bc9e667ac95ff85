"""D01–D07, the dashboard's own queries (rows 1 and 5–7), on hand-written invocation logs and spans with the
expected figures computed by hand (prices: the list prices written in the queries, USD per 1,000 tokens:
Claude 3 Haiku 0.00025 in / 0.00125 out, Sonnet 0.003 / 0.015)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import aiaudit
from aiaudit.catalog import catalog
from aiaudit.core.timerange import TimeRange

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"
ACCOUNT = "111122223333"
DAY = TimeRange.from_dict({"start": "2026-03-02T00:00:00Z", "end": "2026-03-02T23:59:59Z"})


def _inv(
    n: int, model: str, who: str, tokens: tuple[int, int], output: dict[str, Any], infer: str = "us-east-1"
) -> dict:
    return {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": f"2026-03-02T10:0{n}:00Z",
        "accountId": ACCOUNT,
        "identity": {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{who}/{who}-session"},
        "region": "us-east-1",
        "inferenceRegion": infer,
        "requestId": f"d-req-{n}",
        "operation": "Converse",
        "modelId": model,
        "input": {"inputContentType": "application/json", "inputTokenCount": tokens[0]},
        "output": {"outputContentType": "application/json", "outputTokenCount": tokens[1], "outputBodyJson": output},
    }


INVOCATIONS = [
    _inv(1, HAIKU, "app-a", (1000, 2000), {"stopReason": "end_turn", "metrics": {"latencyMs": 800}}),
    _inv(2, HAIKU, "app-a", (3000, 0), {"stopReason": "tool_use"}),
    _inv(3, SONNET, "app-b", (2000, 1000), {"stopReason": "max_tokens", "metrics": {"latencyMs": 1500}}, "us-west-2"),
    _inv(4, "acme.unknown-v1", "app-b", (500, 500), {"stop_reason": "end_turn"}),
]


def _span(trace: str, name: str, ms: int, *, error: bool = False, kind: str = "gen_ai_agent") -> dict:
    start = int(pd.Timestamp("2026-03-02T10:05:00Z").value)
    return {
        "resource": {"attributes": {"service.name": "agent.DEFAULT", "aws.service.type": kind}},
        "traceId": trace,
        "spanId": f"{trace}-{name}",
        "parentSpanId": "",
        "name": name,
        "kind": "INTERNAL",
        "startTimeUnixNano": start,
        "endTimeUnixNano": start + ms * 1_000_000,
        "durationNano": ms * 1_000_000,
        "status": {"code": "ERROR" if error else "UNSET"},
        "attributes": {"session.id": "s-1"},
    }


SPANS = [
    _span("t1", "chat", 200),
    _span("t1", "execute_tool", 400, error=True),
    _span("t2", "invoke_agent", 600),
    _span("t3", "GET /health", 900, kind="service"),  # not an agent span
]


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root: Path = tmp_path_factory.mktemp("dashboard-queries")
    for name, rows in (("invocations", INVOCATIONS), ("spans", SPANS)):
        (root / name).mkdir()
        (root / name / f"{name}.ndjson").write_text("".join(json.dumps(r) + "\n" for r in rows))
    source = aiaudit.connect(f"local:{root}")
    yield source
    source.close()


def _rows(src: Any, entry_id: str) -> list[dict]:
    return catalog[entry_id].run(src, DAY).frame.astype(object).to_dict(orient="records")


def test_d01_completions_ok_vs_truncated(src: Any) -> None:
    rows = _rows(src, "D01")
    assert [(r["ok"], r["truncated"], r["invocations"]) for r in rows] == [(3, 1, 4)]


def test_d02_latency_by_model_and_region(src: Any) -> None:
    rows = {
        (r["modelId"], r["inferenceRegion"]): (r["invocations"], r["p50_ms"], r["p95_ms"]) for r in _rows(src, "D02")
    }
    assert rows == {(SONNET, "us-west-2"): (1, 1500, 1500), (HAIKU, "us-east-1"): (1, 800, 800)}


def test_d03_traces_and_error_traces(src: Any) -> None:
    assert [(r["traces"], r["error_traces"]) for r in _rows(src, "D03")] == [(2, 1)]


def test_d04_components_by_p95(src: Any) -> None:
    rows = [(r["component"], r["spans"], r["p95_ms"], r["errors"]) for r in _rows(src, "D04")]
    assert rows == [("invoke_agent", 1, 600, 0), ("execute_tool", 1, 400, 1), ("chat", 1, 200, 0)]


def test_d05_cost_by_model(src: Any) -> None:
    rows = {r["modelId"]: r for r in _rows(src, "D05")}
    assert rows[HAIKU]["estimated_usd"] == pytest.approx(0.0035)  # 1000×0.00025 + 2000×0.00125 + 3000×0.00025, /1000
    assert rows[SONNET]["estimated_usd"] == pytest.approx(0.021)  # 2000×0.003 + 1000×0.015, /1000
    assert pd.isna(rows["acme.unknown-v1"]["estimated_usd"])  # not priced: tokens only
    assert (rows[HAIKU]["input_tokens"], rows[HAIKU]["output_tokens"]) == (4000, 2000)
    assert list(rows)[:2] == [SONNET, HAIKU]


def test_d06_top_spenders_and_d07_total(src: Any) -> None:
    rows = [(r["caller"].split("/")[1], round(r["estimated_usd"], 6)) for r in _rows(src, "D06")]
    assert rows == [("app-b", 0.021), ("app-a", 0.0035)]
    total = _rows(src, "D07")
    assert total[0]["estimated_usd"] == pytest.approx(0.0245) and total[0]["invocations"] == 4
