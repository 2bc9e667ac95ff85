"""Measure everything docs/reliability.md reports (``make reliability``), into ``--out`` as JSON.

    python bench/reliability/run.py --out out/reliability [--events 10000000] [--fuzz-seconds 120]
                                    [--only corpus,tests,fuzz,big,kill,readers,disk-full]

Steps: the corpus figures (defect kinds, files, records planted vs kept, peak memory of the load); the
test modules behind each row (counts from pytest's JUnit XML); the fuzz campaign; and the heavy store
runs of ``store_load.py``. Heavy runs share the machine with whatever else runs: the load average is
recorded with each.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable

#: The tests behind each row of the table (all run by ``make test``).
ROWS = {
    "corpus": ["tests/corpus", "tests/readers/test_malformed.py", "tests/frames/test_malformed_numbers.py"],
    "fuzz": ["tests/fuzz", "tests/test_timerange.py", "tests/test_config_spec.py"],
    "injection": ["tests/injection", "tests/sql/test_sql_params.py", "tests/aws/test_aws_split.py"],
    "hostile-content": ["tests/reports/test_redact.py", "tests/reports/test_playbook_runner.py", "tests/test_cli.py"],
    "aws-faults": [
        "tests/aws/test_aws_faults.py",
        "tests/aws/test_emulator_bytes_scanned.py",
        "tests/aws/test_aws_runner_stubber.py",
        "tests/aws/test_aws_emulator.py",
    ],
    "store": ["tests/store/test_disk_full.py", "tests/store/test_concurrency.py", "tests/store/test_incremental.py"],
}


def _corpus(out: Path) -> dict:
    sys.path.insert(0, str(ROOT / "tests" / "corpus"))
    from generate import generate  # the same generator the tests use

    work = Path(tempfile.mkdtemp(prefix="aiaudit-corpus-"))
    cases = generate(work / "data")
    script = (
        "import json, resource, sys\nfrom aiaudit.store.store import Store\n"
        "r = Store(sys.argv[1], cache_dir=sys.argv[2]).ingest()\n"
        "print(json.dumps({'kept': r.records_kept, 'skipped': r.skipped, 'files': r.files_new,"
        " 'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'seconds': r.elapsed_s}))"
    )
    proc = subprocess.run([PY, "-c", script, str(work / "data"), str(work / "store")], capture_output=True, text=True)
    load = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 else {"error": proc.stderr[-500:]}
    shutil.rmtree(work, ignore_errors=True)
    return {
        "kinds": len(cases),
        "files": sum(len(c.files) for c in cases),
        "planted": sum(c.kept for c in cases),
        "expected_skips": sum(len(c.skipped) for c in cases),
        "load": load,
        "loadavg": os.getloadavg()[0],
    }


def _tests(out: Path) -> dict:
    counts = {}
    for row, paths in ROWS.items():
        xml = out / f"junit-{row}.xml"
        subprocess.run(
            [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml}", *paths],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        suite = ET.parse(xml).getroot()
        suite = suite.find("testsuite") if suite.tag == "testsuites" else suite
        assert suite is not None
        total, failures, errors, skipped = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
        counts[row] = {
            "tests": total,
            "passed": total - failures - errors - skipped,
            "failed": failures + errors,
            "skipped": skipped,
            "modules": paths,
        }
    return counts


def _store(what: str, *extra: str) -> dict:
    proc = subprocess.run(
        [PY, str(ROOT / "bench" / "reliability" / "store_load.py"), what, *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr[-800:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "reliability")
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--kill-events", type=int, default=400_000)
    parser.add_argument("--fuzz-seconds", type=int, default=120)
    parser.add_argument("--only", default="corpus,tests,fuzz,big,kill,readers,disk-full")
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    steps = args.only.split(",")
    if "corpus" in steps:
        (out / "corpus.json").write_text(json.dumps(_corpus(out), indent=1))
    if "tests" in steps:
        (out / "tests.json").write_text(json.dumps(_tests(out), indent=1))
    if "fuzz" in steps:
        subprocess.run(
            [PY, "-m", "tests.fuzz.campaign", "--seconds", str(args.fuzz_seconds), "--out", str(out / "fuzz.json")],
            cwd=ROOT,
        )
    if "big" in steps:
        (out / "big.json").write_text(json.dumps(_store("big", "--events", str(args.events))))
    if "kill" in steps:
        (out / "kill.json").write_text(json.dumps(_store("kill", "--events", str(args.kill_events))))
    if "readers" in steps:
        (out / "readers.json").write_text(json.dumps(_store("readers")))
    if "disk-full" in steps:
        (out / "disk-full.json").write_text(json.dumps(_store("disk-full")))
    print(f"figures in {out}")


if __name__ == "__main__":
    main()
