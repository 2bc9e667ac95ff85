"""Regenerate ``docs/img/<notebook>.png``: simulate, execute every notebook headlessly, render, screenshot.

Usage: ``python scripts/screenshots.py [OUT_DIR] [--img docs/img]``. Screenshots need a Chromium
binary (Debian: ``apt-get install chromium``); without one the rendered HTML is still written to
``OUT_DIR`` and the command says so. Why headless Chromium and not plotly's static export: the page is
what a reader gets (tables, markdown and figures together), and kaleido would be one more dependency.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
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


def render_all(out: Path, *, seed: int = 11, scale: float = 0.1) -> list[Path]:
    """Simulate, ingest, execute each notebook (read-only, headless) and write ``<name>.html`` into ``out``."""
    import nbformat
    import papermill

    import aiaudit
    from aiaudit.reports.html import render_notebook, ship_plotly
    from aiaudit.simulate import simulate

    out.mkdir(parents=True, exist_ok=True)
    data = out / "data"
    simulate(data, days=3, seed=seed, scale=scale)
    with aiaudit.connect(f"local:{data}"):
        pass
    window = json.loads((data / "truth.json").read_text())["window"]
    ship_plotly(out)
    pages = []
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")):
        executed = out / notebook.name
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters={
                "source": f"local:{data}",
                "start": window["start"],
                "end": window["end"],
                "anchor": "now",
                "read_only": True,
                "interactive": False,
            },
            kernel_name="python3",
            progress_bar=False,
            cwd=str(NOTEBOOKS),
        )
        banner = f"{notebook.stem} · simulated data (seed {seed}, scale {scale})"
        page = out / f"{notebook.stem}.html"
        page.write_text(render_notebook(nbformat.read(executed, as_version=4), banner=banner), encoding="utf-8")
        pages.append(page)
    return pages


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
    parser.add_argument("out", nargs="?", default=None, help="folder for data and HTML (default: a temp dir)")
    parser.add_argument("--img", default=str(NOTEBOOKS.parent / "docs" / "img"), help="where PNGs go")
    args = parser.parse_args(argv)
    out = Path(args.out or tempfile.mkdtemp(prefix="aiaudit-shots-"))
    pages = render_all(out)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        print(f"HTML in {out}; no Chromium found, no screenshots taken", file=sys.stderr)
        return 1
    img = Path(args.img)
    img.mkdir(parents=True, exist_ok=True)
    for page in pages:
        target = img / f"{page.stem}.png"
        screenshot(page, target, chromium=chromium)
        print(f"{target} ({target.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
