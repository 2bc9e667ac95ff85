"""Regenerate ``docs/img/*.png``: the daily report's index and every notebook page, at 1400 px.

Usage: ``python scripts/screenshots.py [OUT_DIR] [--report DIR] [--img docs/img]``. With ``--report`` the
pages of an existing report folder are shot (``make demo`` writes ``out/demo/report``; the browser check
``tests/reports/test_browser.py`` checks the same pages); without it a small simulation is run through the
``daily-ai-audit`` playbook into ``OUT_DIR`` first. Screenshots need a Chromium binary (Debian:
``apt-get install chromium``); without one the report is still written and the command says so. Why
headless Chromium and not plotly's static export: the page is what a reader gets (tables, markdown and
figures together), and kaleido would be one more dependency.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


def build_report(out: Path, *, seed: int = 11, scale: float = 0.1) -> Path:
    """Simulate three days and run the daily playbook over them into ``out/report``."""
    from aiaudit.reports.playbook import get_playbook
    from aiaudit.reports.runner import run_playbook
    from aiaudit.simulate import simulate

    data = out / "data"
    simulate(data, days=3, seed=seed, scale=scale)
    window = json.loads((data / "truth.json").read_text())["window"]
    report = out / "report"
    run_playbook(
        get_playbook("daily-ai-audit", ROOT / "playbooks"),
        source=f"local:{data}",
        out=report,
        start=window["start"],
        end=window["end"],
        anchor="now",
        notebooks=NOTEBOOKS,
        progress=False,
    )
    return report


def pages_of(report: Path) -> list[Path]:
    """index.html first, then every notebook page."""
    return [report / "index.html", *sorted(p for p in report.glob("*.html") if p.name != "index.html")]


def screenshot(page: Path, png: Path, *, chromium: str, width: int = 1400, height: int = 2400) -> None:
    """One PNG of the page's first ``height`` pixels (plots need a moment to draw: virtual time budget)."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--virtual-time-budget=5000",
                f"--screenshot={png}",
                f"--window-size={width},{height}",
                page.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=None, help="folder for data and the report (default: a temp dir)")
    parser.add_argument("--report", default=None, help="an existing report folder to shoot instead")
    parser.add_argument("--img", default=str(ROOT / "docs" / "img"), help="where PNGs go")
    args = parser.parse_args(argv)
    report = (
        Path(args.report) if args.report else build_report(Path(args.out or tempfile.mkdtemp(prefix="aiaudit-shots-")))
    )
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        print(f"report in {report}; no Chromium found, no screenshots taken", file=sys.stderr)
        return 1
    img = Path(args.img)
    img.mkdir(parents=True, exist_ok=True)
    for page in pages_of(report):
        target = img / ("report-index.png" if page.name == "index.html" else f"{page.stem}.png")
        screenshot(page, target, chromium=chromium)
        print(f"{target} ({target.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
