"""What the benchmark scripts share: each phase in a fresh process pinned to the given cores, its result
read back from one ``RESULT {json}`` line, and data sets generated once in parallel and cached.

Why a fresh process per phase: peak RSS (``ru_maxrss``) only ever grows, so a phase's memory is its own
only in a process of its own; and a phase must not find the previous one's pages or caches warm.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any


def peak_mb() -> float:
    """This process's peak resident set size so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(result: dict[str, Any]) -> None:
    """Print a child phase's result, with its peak RSS, for :func:`run_phase` to read."""
    result["peak_mb"] = peak_mb()
    print("RESULT " + json.dumps(result, default=str))


def run_phase(script: str, name: str, args: Sequence[str], cpus: str) -> dict[str, Any]:
    """Run ``script --child NAME ARGS`` in a fresh process (pinned with ``taskset -c CPUS`` when given) and
    return the result it reported; a phase that reports nothing stops the benchmark with its output."""
    cmd = [sys.executable, script, "--child", name, *args]
    if cpus and shutil.which("taskset"):
        cmd = ["taskset", "-c", cpus, *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise SystemExit(f"phase {name} failed:\n{proc.stdout}\n{proc.stderr}")


def generate_once(
    root: Path, count: int, per_file: int, write_file: Callable[[tuple[Path, int, int]], None], chunksize: int
) -> Path:
    """``root`` holding ``count`` items written ``per_file`` to a file by ``write_file((root, index, n))``
    in a process pool, generated once (a ``.complete`` marker) and reused afterwards."""
    done = root / ".complete"
    if done.exists():
        return root
    files = [(root, i, min(per_file, count - i * per_file)) for i in range((count + per_file - 1) // per_file)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(write_file, files, chunksize=chunksize))
    done.write_text(str(count))
    return root
