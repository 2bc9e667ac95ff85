"""An independent oracle for the dashboard entries (D01–D11): json.loads over the simulator's files and
pandas, sharing no code with the engine, the readers or the store.

It reads the files the way their formats are documented — Bedrock model-invocation S3 deliveries are
gzipped JSON lines (bodies offloaded to ``data/`` are not log records), ``aws/spans`` exports are gzipped
JSON lines — and computes what each entry says it computes, from its purpose: the stop reason from every
provider's field, token counts from the log's counts with the usage block as fallback, prices by model
family, nearest-rank percentiles (the smallest value with at least p % of values at or below it).
"""

from __future__ import annotations

import gzip
import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

STOP_FIELDS = [
    ("stopReason",), ("stop_reason",), ("finish_reason",), ("completionReason",), ("results", 0, "completionReason"),
    ("outputs", 0, "stop_reason"), ("choices", 0, "finish_reason"), ("generations", 0, "finish_reason"),
]  # fmt: skip
COMPLETE = {"end_turn", "tool_use", "stop_sequence", "stop", "COMPLETE", "FINISH", "FINISHED"}
TRUNCATED = {"max_tokens", "length", "MAX_TOKENS", "LENGTH"}
#: (substring of the model id, input price per 1k, output price per 1k): the entries' default parameters.
PRICES = [
    ("sonnet", 0.003, 0.015), ("haiku", 0.00025, 0.00125), ("opus", 0.015, 0.075), ("nova-lite", 0.00006, 0.00024),
    ("nova-pro", 0.0008, 0.0032), ("llama3", 0.00022, 0.00022), ("command-r", 0.003, 0.015),
    ("titan-embed", 0.00002, 0.0),
]  # fmt: skip
_ASSUMED = re.compile(r"^arn:aws:sts::(.*?):assumed-role/(.*?)/(.*)$", re.S)


def _lines(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _get(value: Any, *path: Any) -> Any:
    for step in path:
        if isinstance(step, int):
            if not isinstance(value, list) or len(value) <= step:
                return None
            value = value[step]
        else:
            if not isinstance(value, dict):
                return None
            value = value.get(step)
    return value


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def invocations(root: Path) -> pd.DataFrame:
    """One row per ModelInvocationLog record, with the values the entries read."""
    rows = []
    for path in sorted((root / "invocations").rglob("*.json.gz")):
        if "data" in path.relative_to(root / "invocations").parts:
            continue
        for record in _lines(path):
            if record.get("schemaType") != "ModelInvocationLog":
                continue
            body = _get(record, "output", "outputBodyJson")
            stop = next((v for p in STOP_FIELDS if (v := _get(body, *p)) is not None), None)
            usage = _get(body, "usage")
            usage = usage if isinstance(usage, dict) else {}
            counts_in = (_get(record, "input", "inputTokenCount"), usage.get("inputTokens"), usage.get("input_tokens"))
            counts_in += (usage.get("prompt_tokens"), _get(body, "prompt_token_count"))
            counts_out = (_get(record, "output", "outputTokenCount"), usage.get("outputTokens"))
            counts_out += (
                usage.get("output_tokens"),
                usage.get("completion_tokens"),
                _get(body, "generation_token_count"),
            )
            tokens_in = next((n for n in counts_in if n is not None), None)
            tokens_out = next((n for n in counts_out if n is not None), None)
            arn = _get(record, "identity", "arn")
            match = _ASSUMED.match(arn) if isinstance(arn, str) else None
            rows.append(
                {
                    "time": pd.Timestamp(record["timestamp"]).tz_convert("UTC"),
                    "modelId": record.get("modelId"),
                    "region": record.get("region"),
                    "inferenceRegion": record.get("inferenceRegion"),
                    "stop_reason": str(stop) if stop is not None else "unknown",
                    "latency": _number(_get(body, "metrics", "latencyMs")),
                    "input_tokens": _number(tokens_in),
                    "output_tokens": _number(tokens_out),
                    "principal": match.group(2) if match else arn,
                    "account": match.group(1) if match else None,
                }
            )
    frame = pd.DataFrame(rows)
    frame["cost"] = [cost(m, i, o) for m, i, o in zip(frame["modelId"], frame["input_tokens"], frame["output_tokens"])]
    return frame


def cost(model: str | None, tokens_in: float | None, tokens_out: float | None) -> float:
    """USD: each family whose name occurs in the model id adds its price."""
    model = model or ""
    price_in = sum(p_in for family, p_in, _ in PRICES if family in model)
    price_out = sum(p_out for family, _, p_out in PRICES if family in model)
    return ((tokens_in or 0.0) * price_in + (tokens_out or 0.0) * price_out) / 1000


def spans(root: Path) -> pd.DataFrame:
    rows = []
    for path in sorted((root / "spans").rglob("*.jsonl.gz")):
        for span in _lines(path):
            attributes = _get(span, "resource", "attributes") or {}
            rows.append(
                {
                    "time": pd.Timestamp(int(span["startTimeUnixNano"]), unit="ns", tz="UTC"),
                    "traceId": span.get("traceId"),
                    "spanId": span.get("spanId"),
                    "name": span.get("name"),
                    "service": attributes.get("service.name"),
                    "agent": attributes.get("aws.service.type") == "gen_ai_agent",
                    "error": _get(span, "status", "code") == "ERROR",
                    "message": _get(span, "status", "message"),
                    "session_id": (span.get("attributes") or {}).get("session.id"),
                    "duration_ms": span["durationNano"] / 1_000_000,
                }
            )
    return pd.DataFrame(rows)


def nearest_rank(values: list[float], percent: float) -> float | None:
    ordered = sorted(v for v in values if v is not None and not math.isnan(v))
    if not ordered:
        return None
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def hour(stamp: pd.Timestamp) -> pd.Timestamp:
    return stamp.floor("h")
