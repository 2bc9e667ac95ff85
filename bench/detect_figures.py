"""The real-accounts figures per seed: what ``aiaudit detect`` shows an analyst on a three-day simulation.

    .venv/bin/python bench/detect_figures.py [--seeds 7 11 23] [--scale 1]

For each seed: simulate three days (every scenario), run every detection over the simulated window with
the simulation's ``[environment]`` baseline and without any, and print incidents covered, findings at low
and above, and medium-and-above precision (findings covering an incident or a posture condition ÷
findings), next to the targets (every incident; ≤ 150; ≥ 0.95). ``tests/catalog/test_simulated.py``
asserts the same on the same seeds.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import aiaudit
from aiaudit.catalog.run import run
from aiaudit.core.config import Environment
from aiaudit.core.timerange import TimeRange
from aiaudit.simulate import simulate
from aiaudit.simulate.score import MAX_FINDINGS, MIN_PRECISION, figures, load_truth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11, 23])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    print(f"targets: every incident covered; <= {MAX_FINDINGS} findings at low+; medium+ precision >= {MIN_PRECISION}")
    print(
        f"{'seed':>4} {'baseline':<9} {'incidents':>9} {'low+':>5} {'medium+':>7} {'true':>5} {'precision':>9} {'s':>6}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            root = Path(tmp) / str(seed)
            simulate(root, days=3, seed=seed, scale=args.scale)
            truth = load_truth(root)
            window = TimeRange.from_dict(truth["window"])
            with aiaudit.connect(f"local:{root}") as src:
                for label, env in (("yes", None), ("none", Environment())):
                    started = time.monotonic()
                    result = run(src, window, environment=env)
                    fig = figures(result.findings("low"), truth)
                    errors = f"  ERRORS: {len(result.errors)}" if result.errors else ""
                    print(
                        f"{seed:>4} {label:<9} {len(fig.covered):>4}/{fig.incidents:<4} {fig.findings_low_up:>5} "
                        f"{fig.medium_up:>7} {fig.medium_up_true:>5} {fig.precision:>9.3f} "
                        f"{time.monotonic() - started:>6.1f}{errors}"
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
