"""Shared test helpers: build `raw` frames from sample JSON exactly as a backend hands them over."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
if not SAMPLES.exists():  # the repo may be checked out elsewhere; the samples live beside it
    SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"


def raw_frame(records: list[Any], stamp: str = "2025-01-01T00:00:00Z") -> pd.DataFrame:
    """System columns as the store / Logs Insights return them; dicts become compact JSON text."""
    messages = [r if isinstance(r, str) else json.dumps(r, separators=(",", ":")) for r in records]
    n = len(messages)
    return pd.DataFrame(
        {
            "@timestamp": pd.to_datetime([stamp] * n, utc=True),
            "@message": messages,
            "@log": ["group"] * n,
            "@logStream": ["stream"] * n,
            "@ingestionTime": pd.to_datetime([stamp] * n, utc=True),
            "@ptr": [f"ptr-{i}" for i in range(n)],
        }
    )


def invocation_record(
    model: str, body_in: object, body_out: object, operation: str = "InvokeModel", **extra: object
) -> dict:
    """An invocation log record with the given bodies (the other fields fixed)."""
    rec = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": "2025-03-01T10:00:00Z",
        "accountId": "222233334444",
        "identity": {"arn": "arn:aws:sts::222233334444:assumed-role/app-role/worker-1"},
        "region": "us-east-1",
        "requestId": "req-" + model,
        "operation": operation,
        "modelId": model,
        "input": {"inputContentType": "application/json", "inputBodyJson": body_in},
        "output": {"outputContentType": "application/json", "outputBodyJson": body_out},
    }
    rec.update(extra)
    return rec


def ndjson(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@dataclass(frozen=True)
class Prefix:
    text: str


@dataclass(frozen=True)
class Suffix:
    text: str


@dataclass(frozen=True)
class Both:
    start: str
    end: str


def check_row(row: pd.Series, expected: dict[str, Any], label: str) -> None:
    """Compare one projected row with hand-written expectations (None = missing)."""
    for col, want in expected.items():
        got = row[col]
        missing = got is None or (not isinstance(got, list) and pd.isna(got))
        where = f"{label}: column {col!r}"
        if want is None:
            assert missing, f"{where}: expected missing, got {got!r}"
            continue
        assert not missing, f"{where}: expected {want!r}, got missing"
        if isinstance(want, Prefix):
            assert str(got).startswith(want.text), f"{where}: {got!r} does not start with {want.text!r}"
        elif isinstance(want, Suffix):
            assert str(got).endswith(want.text), f"{where}: {got!r} does not end with {want.text!r}"
        elif isinstance(want, Both):
            assert str(got).startswith(want.start) and str(got).endswith(want.end), f"{where}: {got!r}"
        elif isinstance(want, float):
            assert abs(float(got) - want) < 1e-9, f"{where}: {got!r} != {want!r}"
        elif isinstance(want, list):
            assert list(got) == want, f"{where}: {got!r} != {want!r}"
        else:
            assert got == want, f"{where}: {got!r} != {want!r}"


def values(series: pd.Series) -> list[Any]:
    """A column as a list with None for missing (pd.NA compares ambiguously)."""
    return [None if (not isinstance(v, list) and pd.isna(v)) else v for v in series.tolist()]
