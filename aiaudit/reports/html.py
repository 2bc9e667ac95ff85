"""Executed notebook -> self-contained, shareable HTML.

Why a template of our own: nbconvert's stock templates load require.js and MathJax from a CDN, so a
shared report would phone home when opened and fail offline. Ours hides code, loads nothing external,
and references the one copy of plotly.js in the report folder (``plotly.min.js``, copied by
:func:`ship_plotly`). Escaping: text outputs are escaped by nbconvert, frames by pandas, figure data is
JSON with ``</`` escaped by plotly; :func:`check_html` verifies what matters before a report is shared.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

from aiaudit.notebooks.tables import CSS

TEMPLATES = Path(__file__).parent / "templates"
PLOTLY_JS = "plotly.min.js"
ITABLES_JS = "itables.js"
#: The output of ``tables.init()`` (itables' offline loader, the whole DataTables bundle inline): a report page
#: loads the folder's one :data:`ITABLES_JS` instead.
_ITABLES_INIT = "injectModule("
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

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


def ship_itables(folder: Path) -> Path:
    """Write the DataTables bundle that itables ships as one classic script in the report folder.

    Why not a module file: browsers refuse ES module imports from ``file://`` pages; like itables' own
    offline loader, the script imports the bundle from a blob URL and publishes the promise under the
    name itables' table snippets wait for."""
    import itables  # optional heavy dependency: only reports render tables
    from itables import javascript

    bundle = Path(itables.__file__).parent / "html" / "dt_bundle.js"
    name = javascript._itables_underscore_version()
    event = javascript._itables_ready_event()
    script = (
        "(function () {\n"
        f"  var name = {json.dumps(name)};\n"
        "  if (window[name]) { return; }\n"
        "  var style = document.createElement('style');\n"
        f"  style.textContent = {json.dumps(bundle.with_suffix('.css').read_text(encoding='utf-8'))};\n"
        "  document.head.appendChild(style);\n"
        f"  var source = {json.dumps(bundle.read_text(encoding='utf-8'))};\n"
        "  var url = URL.createObjectURL(new Blob([source], {type: 'application/javascript'}));\n"
        "  window[name] = import(url);\n"
        f"  window[name].then(function () {{ window.dispatchEvent(new Event({json.dumps(event)})); }});\n"
        "})();\n"
    )
    target = folder / ITABLES_JS
    if not target.exists() or target.read_text(encoding="utf-8") != script:
        target.write_text(script, encoding="utf-8")
    return target


def without_live_parts(nb: Any) -> Any:
    """A copy of the notebook without widget state, widget views and itables' inline loader.

    Why: widget state would make a page load a widget manager from the network (and show nothing
    offline); the loader carries the whole DataTables bundle, which the report folder holds once."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data or _ITABLES_INIT in str(data.get("text/html", "")):
                continue
            kept.append(output)
        if "outputs" in cell:
            cell["outputs"] = kept
    return nb


def inert_json(text: str) -> str:
    """JSON text with ``<``, ``>`` and ``&`` written as ``\\u003c``-style escapes.

    The parsed content is identical (JSON only allows these characters inside strings), but the bytes of
    a shared ``.ipynb``/``findings.json`` can never act as markup, whatever opens them.
    """
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


#: C0 controls but tab and line breaks, DEL, C1 controls (``\\x9b`` is a one-byte CSI), and the bidi overrides
#: and isolates that reorder what a reader sees (Trojan Source).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: Stream text keeps ESC (nbconvert turns ANSI colours into styled spans itself); the rest is made visible.
_STREAM_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert_text(value: str) -> str:
    """Control characters (ANSI escapes, NUL, C1, bidi overrides ...) written as visible ``\\x1b`` text:
    inert in a terminal, a browser or an editor."""
    return _CONTROL.sub(_visible, value)


def inert_value(obj: Any) -> Any:
    """:func:`inert_text` on every string inside a JSON-like structure."""
    if isinstance(obj, str):
        return inert_text(obj)
    if isinstance(obj, list):
        return [inert_value(v) for v in obj]
    if isinstance(obj, dict):
        return {k: inert_value(v) for k, v in obj.items()}
    return obj


def inert_notebook(nb: Any) -> Any:
    """Neutralise control characters in every output of a notebook (in place); stream text keeps ESC,
    whose ANSI colours nbconvert turns into styled spans itself, and loses the rest (C1, bidi, NUL ...)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and isinstance(output.get("text"), str):
                output["text"] = _STREAM_CONTROL.sub(_visible, output["text"])
            if "data" in output:
                output["data"] = inert_value(dict(output["data"]))
            if "evalue" in output:
                output["evalue"] = inert_text(output["evalue"])
    return nb


def render_notebook(nb: Any, *, banner: str = "", plotly_src: str = PLOTLY_JS, itables_src: str = ITABLES_JS) -> str:
    """HTML for an executed (and already redacted) notebook, code cells hidden, no widget state."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="aiaudit_report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    resources = {
        "aiaudit_banner": banner,
        "aiaudit_plotly_src": plotly_src,
        "aiaudit_itables_src": itables_src,
        "aiaudit_css": CSS,
    }
    body, _ = exporter.from_notebook_node(without_live_parts(nb), resources=resources)
    return body


def external_references(html: str) -> list[str]:
    """Every ``src``/``href`` that points off the report folder (must be empty for a shareable report)."""
    return [html[m.start() : m.start() + 80] for m in _EXTERNAL.finditer(html)]


def check_html(html: str, *, planted: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Problems that make a page unsafe to share: external references, planted strings present raw."""
    problems = [f"external reference: {ref}" for ref in external_references(html)]
    problems += [f"raw planted value: {value[:40]}" for value in planted if value in html]
    return problems
