"""Run every registered fuzz target under atheris and record executions and crashes (``make fuzz``).

    python -m tests.fuzz.campaign --seconds 600 --out out/reliability/fuzz.json

One child process per target (libFuzzer exits the process when a run ends). The JSON written is what
``bench/reliability/report.py`` puts in docs/reliability.md: per target, executions, seconds, seed and
the crash files left in ``.fuzz/crashes/<target>/``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .harness import load_targets

_ROOT = Path(__file__).resolve().parents[2]  # `python -m tests.fuzz.run_atheris` runs from the repository
_DONE = re.compile(r"Done (\d+) runs in (\d+) second")
_STAT = re.compile(r"^#(\d+)\s", re.MULTILINE)


def run_target(name: str, *, seconds: int | None, runs: int | None, seed: int, crash_dir: Path) -> dict[str, Any]:
    crash_dir = crash_dir.resolve()
    command = [
        sys.executable,
        "-m",
        "tests.fuzz.run_atheris",
        name,
        "--seed",
        str(seed),
        "--crash-dir",
        str(crash_dir),
        "--corpus-dir",
        str(crash_dir.parent / "corpus"),
    ]
    if seconds is not None:
        command += ["--seconds", str(seconds)]
    if runs is not None:
        command += ["--runs", str(runs)]
    started = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True, timeout=(seconds or 600) + 300, cwd=_ROOT)
    done = _DONE.search(proc.stderr)
    stats = _STAT.findall(proc.stderr)
    executions = int(done.group(1)) if done else (int(stats[-1]) if stats else 0)
    crashes = sorted(p.name for p in (crash_dir / name).glob("crash-*")) if (crash_dir / name).exists() else []
    return {
        "target": name,
        "executions": executions,
        "seconds": round(time.monotonic() - started, 1),
        "seed": seed,
        "exit": proc.returncode,
        "crashes": crashes,
        "last_error": next((line for line in proc.stderr.splitlines() if line.startswith("Crash: ")), None),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=None, help="per target")
    parser.add_argument("--runs", type=int, default=None, help="per target (instead of --seconds)")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--out", type=Path, default=Path("out/reliability/fuzz.json"))
    parser.add_argument("--crash-dir", type=Path, default=Path(".fuzz/crashes"))
    parser.add_argument("targets", nargs="*", help="default: every registered target")
    args = parser.parse_args(argv)
    names = args.targets or sorted(load_targets())
    results = []
    for name in names:
        result = run_target(name, seconds=args.seconds, runs=args.runs, seed=args.seed, crash_dir=args.crash_dir)
        print(
            f"{name}: {result['executions']:,} executions in {result['seconds']} s, "
            f"{len(result['crashes'])} crash file(s)",
            flush=True,
        )
        results.append(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    return 1 if any(r["exit"] != 0 for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
