"""Reader throughput against the least work any reader must do, measured in the same run.

Baseline: ``gzip.decompress`` + one ``json.loads`` per file + one compact ``json.dumps`` per event (the
``@message`` text). The reader adds sniffing, classification, time parsing, log-group/stream resolution
and accounting on top. Also measured: the same events as NDJSON (one ``json.loads`` per line), and, if
orjson is importable, the baseline with orjson, to show what switching parsers would buy.

Usage: ``python bench/readers.py [events]`` (default 20000; data from bench/gen_cloudtrail.py).
"""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_cloudtrail import generate

from aiaudit.readers import discover, read_file


def interleaved(rounds: int, candidates: list[tuple[str, Callable[[], int]]]) -> list[tuple[str, float, int]]:
    """Best time of each candidate over ``rounds`` rounds that run them all in turn.

    Interleaving keeps ratios honest on a shared machine: load that comes and goes hits every candidate.
    """
    best = {name: float("inf") for name, _ in candidates}
    counts = dict.fromkeys(best, 0)
    for _ in range(rounds):
        for name, fn in candidates:
            start = time.perf_counter()
            counts[name] = fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return [(name, best[name], counts[name]) for name, _ in candidates]


def main() -> None:
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    root = generate(events, Path(__file__).resolve().parent / "data")
    files = [p for p in discover(root) if p.name.endswith(".json.gz")]
    blobs = [p.read_bytes() for p in files]
    encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

    def baseline() -> int:
        n = 0
        for blob in blobs:
            for record in json.loads(gzip.decompress(blob))["Records"]:
                encode(record)
                n += 1
        return n

    def reader() -> int:
        return sum(len(list(read_file(p, root).records)) for p in files)

    with tempfile.TemporaryDirectory() as tmp:
        ndjson = Path(tmp) / "events.jsonl"
        with ndjson.open("w", encoding="utf-8") as out:
            for blob in blobs:
                for record in json.loads(gzip.decompress(blob))["Records"]:
                    out.write(json.dumps(record) + "\n")

        def ndjson_baseline() -> int:
            n = 0
            for text_line in ndjson.read_text(encoding="utf-8").split("\n"):
                if text_line:
                    encode(json.loads(text_line))
                    n += 1
            return n

        def ndjson_reader() -> int:
            return len(list(read_file(ndjson).records))

        candidates: list[tuple[str, Callable[[], int]]] = [
            ("S3 .json.gz baseline (gunzip+loads+dumps)", baseline),
            ("S3 .json.gz read_file", reader),
            ("NDJSON baseline (loads+dumps per line)", ndjson_baseline),
            ("NDJSON read_file", ndjson_reader),
        ]
        try:
            import orjson

            def orjson_baseline() -> int:
                n = 0
                for blob in blobs:
                    for record in orjson.loads(gzip.decompress(blob))["Records"]:
                        orjson.dumps(record)
                        n += 1
                return n

            candidates.append(("S3 .json.gz baseline with orjson", orjson_baseline))
        except ImportError:
            print("orjson not importable: no orjson row")
        rows = interleaved(7, candidates)
    base = rows[0][1]
    print(f"{len(files)} files, {events} events")
    for name, seconds, count in rows:
        rate = count / seconds if seconds == seconds and seconds > 0 else float("nan")
        print(f"{name:45s} {seconds:7.3f} s  {rate:10,.0f} events/s  x{seconds / base:5.2f} of baseline")


if __name__ == "__main__":
    main()
