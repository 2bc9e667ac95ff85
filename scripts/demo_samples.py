"""``python scripts/demo_samples.py SAMPLES CACHE``: the frame part of ``make demo-samples``.

Prints the CloudTrail standard projection of the sample records with normalised principals, so a new
user sees in one screen what the library gives them.
"""

from __future__ import annotations

import sys

import pandas as pd

import aiaudit

COLUMNS = ["@timestamp", "eventName", "principal", "principal_type", "sourceIPAddress", "errorCode"]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python scripts/demo_samples.py DATA_DIR CACHE_DIR", file=sys.stderr)
        return 2
    data, cache = argv
    with aiaudit.connect(f"local:{data}", cache_dir=cache) as src:
        frame = src.cloudtrail()
        shown = frame[[c for c in COLUMNS if c in frame.columns]].sort_values("@timestamp").tail(15)
        with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 60):
            print(f"{len(frame)} CloudTrail events; the latest 15:")
            print(shown.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
