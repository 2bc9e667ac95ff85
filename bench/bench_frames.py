"""Projection throughput: 100k records per pipeline, against a json.loads-only baseline in the same run.

CPU time (process_time) is reported because the machine is shared; wall time is shown too.

Run: .venv/bin/python bench/bench_frames.py [N]
"""

from __future__ import annotations

import glob
import json
import sys
import time
from pathlib import Path

import pandas as pd

from aiaudit.frames import project

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


def records(pipeline: str) -> list[str]:
    if pipeline == "invocations":
        lines = (SAMPLES / "invocations" / "elastic-test-aws-bedrock-1-16.log").read_text().splitlines()
        return [json.dumps(json.loads(x), separators=(",", ":")) for x in lines if x.strip()]
    if pipeline == "cloudtrail":
        out = [
            json.dumps(json.loads(Path(p).read_text()), separators=(",", ":"))
            for p in glob.glob(str(SAMPLES / "agentcore/*.json"))
        ]
        for name in ("test-tls-details-json.log", "test-converse-json.log", "test-us-gov-arn.log"):
            out += [x for x in (SAMPLES / "cloudtrail" / name).read_text().splitlines() if x.strip()]
        return out
    if pipeline == "spans":
        return [
            json.dumps(json.loads(Path(p).read_text()), separators=(",", ":"))
            for p in glob.glob(str(SAMPLES / "spans/*.json"))
        ]
    return [x for x in (SAMPLES / "spans" / "otel-rt-logs-1-3.jsonl").read_text().splitlines() if x.strip()]


def main(n: int) -> None:
    for pipeline in ("cloudtrail", "invocations", "spans", "runtime_logs"):
        base = records(pipeline)
        messages = (base * (n // len(base) + 1))[:n]
        raw = pd.DataFrame(
            {
                "@timestamp": pd.Timestamp("2025-01-01", tz="UTC"),
                "@message": messages,
                "@ptr": [str(i) for i in range(n)],
                "@log": "g",
                "@logStream": "s",
            }
        )
        t0 = time.process_time()
        for m in messages:
            json.loads(m)
        t_json = time.process_time() - t0
        t0, w0 = time.process_time(), time.perf_counter()
        frame = project(pipeline, raw)
        t_proj, wall = time.process_time() - t0, time.perf_counter() - w0
        mb = sum(len(m) for m in messages) / 1e6
        print(
            f"{pipeline:13s} rows={len(frame):7d} cols={frame.shape[1]:3d} input={mb:7.1f} MB  "
            f"CPU: json.loads={t_json:6.2f}s  project={t_proj:6.2f}s  ratio={t_proj / t_json:5.1f}x  "
            f"{len(frame) / t_proj:9.0f} rows/s (wall {wall:6.2f}s)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
