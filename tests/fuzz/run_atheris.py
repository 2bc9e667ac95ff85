"""Coverage-guided fuzzing of one registered target with atheris (libFuzzer for Python).

    python -m tests.fuzz.run_atheris TARGET [--runs N | --seconds S] [--seed K] [--report FILE]

Starts from the target's seeds, instruments the ``aiaudit`` package, and stops after ``--runs``
executions or ``--seconds``. Exit status 0 means no crash; an undocumented exception stops the run,
writes the input to ``.fuzz/crashes/<target>/`` (libFuzzer's ``crash-<sha1>`` file) and exits non-zero.
libFuzzer's last line (``Done N runs in S second(s)``) gives the executions (``tests/fuzz/campaign.py``
reads it for docs/reliability.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--seconds", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--crash-dir", type=Path, default=Path(".fuzz/crashes"))
    parser.add_argument("--corpus-dir", type=Path, default=Path(".fuzz/corpus"), help="kept between runs")
    args = parser.parse_args(argv)

    import atheris  # optional dev dependency: only this runner needs it

    with atheris.instrument_imports(include=["aiaudit"]):
        from tests.fuzz.harness import check, load_targets

        targets = load_targets()
    if args.target not in targets:
        parser.error(f"unknown target {args.target!r} (registered: {', '.join(sorted(targets))})")
    target = targets[args.target]

    def one(data: bytes) -> None:
        check(target, data)

    corpus = args.corpus_dir / target.name  # libFuzzer adds the inputs that reach new code here
    corpus.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(target.seeds):
        (corpus / f"seed-{i}").write_bytes(seed)
    crash_dir = args.crash_dir / target.name
    crash_dir.mkdir(parents=True, exist_ok=True)
    libfuzzer = [sys.argv[0], f"-seed={args.seed}", f"-artifact_prefix={crash_dir}/", "-max_len=65536"]
    if args.runs is not None:
        libfuzzer.append(f"-runs={args.runs}")
    if args.seconds is not None:
        libfuzzer.append(f"-max_total_time={args.seconds}")
    libfuzzer.append(str(corpus))
    atheris.Setup(libfuzzer, one)
    atheris.Fuzz()  # exits the process itself when the run ends (non-zero after a crash)
    return 0


if __name__ == "__main__":
    sys.exit(main())
