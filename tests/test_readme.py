"""The README runs as written: every shell example that starts with ``aiaudit`` or ``papermill``.

The examples assume an activated ``.venv`` and the demo's data in ``out/demo/data`` (what ``make demo``
leaves). Here the demo's data is simulated the same way (three days, seed 7) into a temporary ``out/``;
each example runs in a shell from the project folder with ``.venv/bin`` first on PATH, its ``out/`` paths
pointed at the temporary one. Each must exit 0 — or 3 where it asks for ``--fail-on`` — and print
something.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aiaudit.simulate import simulate

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

pytestmark = pytest.mark.slow


def examples() -> list[str]:
    """Lines of the README's ``bash`` blocks that run aiaudit or papermill."""
    text = README.read_text(encoding="utf-8")
    # a line ending in a backslash continues on the next, as in the shell
    blocks = [block.replace("\\\n", " ") for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]
    return [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip().startswith(("aiaudit ", "papermill "))
    ]


def test_the_readme_has_runnable_examples() -> None:
    found = examples()
    assert len(found) >= 10
    assert any(line.startswith("aiaudit detect") for line in found)
    assert any(line.startswith("papermill ") for line in found)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("readme")
    simulate(root / "out" / "demo" / "data", days=3, seed=7)
    return root


@pytest.mark.parametrize("command", examples())
def test_example_runs(command: str, demo: Path) -> None:
    out = f"{demo}/out/"
    line = command.replace("$PWD/out/", out).replace("local:out/", f"local:{out}").replace(" out/", f" {out}")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("AIAUDIT_CONFIG", None)
    done = subprocess.run(["bash", "-c", line], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    allowed = (0, 3) if "--fail-on" in line else (0,)
    assert done.returncode in allowed, f"{command}\nexit {done.returncode}\n{done.stderr[-2000:]}"
    target = re.search(r">\s*(\S+)", line)
    if target:  # an example that writes its output to a file prints nothing, rightly: the file holds it
        written = Path(target.group(1))
        assert (written if written.is_absolute() else ROOT / written).stat().st_size > 0, f"{command} wrote nothing"
    else:
        assert (done.stdout + done.stderr).strip(), f"{command} printed nothing"
    assert "Traceback" not in done.stderr
