"""Freeze the standard projections as golden files (run once, before projection code changes).

Why: the projections are being re-implemented inside the engine (frames issue); the new code must
equal today's output value for value. This script wrote ``frames/*.parquet`` from the projection code
of the commit that added it, over two inputs that never change:

* ``../shared/samples`` (real public records), read as one local source;
* the 537 events inside ``../shared/samples/cloudtrail/panther_rule_test_events.jsonl`` unwrapped from
  Panther's test envelope (one CloudTrail event per line), for the many identity and time shapes;
* ``sim-1d-seed7.tar.gz``: a one-day simulation with every planted scenario (``aiaudit simulate --days 1
  --seed 7 --scale 0.1 --end 2026-11-20T00:00:00Z``), committed as data so later simulator changes do
  not move the goldens.

Re-running it overwrites the goldens with the *current* code's output: do that only on purpose, when a
projection's documented behaviour changes, and say so in the commit.

    .venv/bin/python tests/goldens/freeze.py
"""

from __future__ import annotations

import os
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parents[2] / "shared" / "samples"
SIM = HERE / "sim-1d-seed7.tar.gz"
FIXED_MTIME = 1_767_225_600  # 2026-01-01T00:00:00Z
PIPELINES = ("cloudtrail", "invocations", "spans", "runtime_logs")


def frames_of(spec_path: Path, cache: Path) -> dict[str, object]:
    import aiaudit
    from aiaudit import TimeRange

    src = aiaudit.connect(f"local:{spec_path}", cache_dir=str(cache))
    everything = TimeRange.parse(None, start="2000-01-01T00:00:00Z", end="2100-01-01T00:00:00Z")
    out = {}
    for pipeline in PIPELINES:
        frame = src.projection(pipeline, everything)
        out[pipeline] = frame.sort_values("@ptr", kind="stable").reset_index(drop=True)
    src.close()
    return out


def copy_samples(into: Path) -> Path:
    """A copy of the samples with a fixed modification time (records without a usable time take it)."""
    import shutil

    folder = into / "samples"
    shutil.copytree(SAMPLES, folder)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
    return folder


def unwrap_panther(into: Path) -> Path:
    """The ``event`` of every line of the Panther rule-test file, as NDJSON (same order)."""
    import json

    folder = into / "panther"
    folder.mkdir()
    lines = (SAMPLES / "cloudtrail" / "panther_rule_test_events.jsonl").read_text(encoding="utf-8").splitlines()
    events = [json.dumps(json.loads(line)["event"]) for line in lines if line.strip()]
    target = folder / "events.json"
    target.write_text("\n".join(events) + "\n", encoding="utf-8")
    os.utime(target, (FIXED_MTIME, FIXED_MTIME))  # records without a usable time take the file's time
    return folder


def extract_sim(into: Path) -> Path:
    with tarfile.open(SIM) as tar:
        tar.extractall(into, filter="data")
    return into / "sim"


def main() -> int:
    out = HERE / "frames"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        inputs = {"samples": copy_samples(tmp_path), "panther": unwrap_panther(tmp_path), "sim": extract_sim(tmp_path)}
        for name, path in inputs.items():
            for pipeline, frame in frames_of(path, tmp_path / f"cache-{name}").items():
                target = out / f"{name}.{pipeline}.parquet"
                frame.attrs = {}
                # no column statistics: their min/max sit uncompressed in the footer, and the simulator's
                # access-key ids (AKIAEXAMPLE…) would show there as key-shaped strings to secret scanners
                frame.to_parquet(target, compression="zstd", index=False, write_statistics=False)
                print(f"{target.relative_to(HERE)}: {len(frame)} rows, {len(frame.columns)} columns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
