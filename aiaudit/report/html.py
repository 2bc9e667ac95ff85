"""Executed notebook -> self-contained, shareable HTML.

Why a template of our own: nbconvert's stock templates load require.js and MathJax from a CDN, so a
shared report would phone home when opened and fail offline. Ours hides code, loads nothing external,
and references the one copy of plotly.js in the report folder (``plotly.min.js``, copied by
:func:`ship_plotly`). Escaping: text outputs are escaped by nbconvert, frames by pandas, figure data is
JSON with ``</`` escaped by plotly; :func:`check_html` verifies what matters before a report is shared.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "templates"
PLOTLY_JS = "plotly.min.js"

_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
_RAW_SCRIPT = re.compile(r"<script\b[^>]*>", re.I)


def ship_plotly(folder: Path) -> Path:
    """Copy plotly.js into the report folder once (what every page references)."""
    import plotly

    source = Path(plotly.__file__).parent / "package_data" / PLOTLY_JS
    target = folder / PLOTLY_JS
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        shutil.copyfile(source, target)
    return target


def render_notebook(nb: Any, *, banner: str = "", plotly_src: str = PLOTLY_JS) -> str:
    """HTML for an executed (and already redacted) notebook, code cells hidden."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="aiaudit_report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"aiaudit_banner": banner, "aiaudit_plotly_src": plotly_src})
    return body


def external_references(html: str) -> list[str]:
    """Every ``src``/``href`` that points off the report folder (must be empty for a shareable report)."""
    return [html[m.start() : m.start() + 80] for m in _EXTERNAL.finditer(html)]


def check_html(html: str, *, planted: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Problems that make a page unsafe to share: external references, planted strings present raw."""
    problems = [f"external reference: {ref}" for ref in external_references(html)]
    problems += [f"raw planted value: {value[:40]}" for value in planted if value in html]
    return problems
