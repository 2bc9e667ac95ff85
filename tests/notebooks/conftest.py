"""Simulate once per seed, ingest once, execute every notebook headlessly (papermill, read-only) in
parallel: the tests then only read the executed notebooks and their findings files.

Why all runs in one fixture: kernels start in worker processes; running the 30 notebook executions
as one pool on 2 cores keeps the whole module near two minutes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
#: name -> (seed, scenarios). Small scale, three days: every scenario still plants its incident.
DATASETS = {"seed11": (11, ("all",)), "seed29": (29, ("all",)), "none": (11, ("none",))}
SCALE = 0.1


@dataclass
class Run:
    dataset: str
    notebook: str
    data: Path
    output: Path
    findings: Path
    error: str


def _execute(notebook: str, data: str, output: str, findings: str, start: str, end: str) -> str:
    import papermill

    try:
        papermill.execute_notebook(
            str(NOTEBOOKS / f"{notebook}.ipynb"),
            output,
            parameters={
                "source": f"local:{data}",
                "start": start,
                "end": end,
                "anchor": "now",
                "findings_out": findings,
                "read_only": True,
                "interactive": False,
            },
            kernel_name="python3",
            progress_bar=False,
            cwd=str(NOTEBOOKS),
            execution_timeout=300,
        )
        return ""
    except Exception as exc:  # reported per notebook by the tests
        return str(exc)[-2000:]


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str], Run]]:
    import aiaudit
    from aiaudit.simulate import simulate

    root = tmp_path_factory.mktemp("nbsim")
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(root / "cache")  # stores of the simulations live here (kernels inherit)
    try:
        windows = {}
        for name, (seed, scenarios) in DATASETS.items():
            data = root / name
            simulate(data, days=3, seed=seed, scale=SCALE, scenarios=scenarios)
            with aiaudit.connect(f"local:{data}"):  # ingest once, before the read-only notebooks
                pass
            window = json.loads((data / "truth.json").read_text())["window"]
            windows[name] = (data, window["start"], window["end"])
        out: dict[tuple[str, str], Run] = {}
        with ProcessPoolExecutor(max_workers=2) as pool:
            futures = {}
            for name, (data, start, end) in windows.items():
                for nb in NAMES:
                    output, findings = root / f"{name}-{nb}.ipynb", root / f"{name}-{nb}.findings.json"
                    futures[(name, nb)] = (
                        pool.submit(_execute, nb, str(data), str(output), str(findings), start, end),
                        Run(name, nb, data, output, findings, ""),
                    )
            for key, (future, run) in futures.items():
                run.error = future.result()
                out[key] = run
        yield out
    finally:
        if saved is None:
            os.environ.pop("XDG_CACHE_HOME", None)
        else:
            os.environ["XDG_CACHE_HOME"] = saved


def load_findings(run: Run) -> list[Any]:
    from aiaudit.core.findings import Finding

    payload = json.loads(run.findings.read_text(encoding="utf-8"))
    return [Finding.from_dict(item) for item in payload["findings"]]


def truth(run: Run) -> dict[str, Any]:
    return json.loads((run.data / "truth.json").read_text(encoding="utf-8"))
