"""Tables an analyst can read: interactive (search, sort, paging, column visibility), wrapped, capped.

Why one function: every table a notebook or report shows has the same needs — log content is
attacker-controlled and must stay text (itables' ``allow_html`` stays off, so DataTables receives the
values HTML-escaped), long ARNs must not push the prompt column off-screen, a row cap must say
"first N of M rows" instead of downsampling silently, and numbers must print as their kind. The
DataTables library is the one itables bundles (offline; :func:`aiaudit.reports.html.ship_itables` puts one
copy in a report folder), so nothing is fetched from the network.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from aiaudit.notebooks.plots import SEVERITY_COLOURS

#: Rows shown per table in a notebook or report; the executed notebook's evidence export keeps them all.
ROW_CAP = 500
#: Free text columns: wrapped, shortened to ``max_text`` and expandable past the first lines, and given the
#: width to be read (the point of ``who_asked_what`` is its prompt and response columns).
TEXT_COLUMNS = ("prompt", "response", "system_prompt", "user_text", "summary", "title", "message")
#: Columns hidden until the analyst shows them ("Column visibility"): pointers and counts that make a table
#: too wide to read at 1400 px. They stay in the data (search finds them) and in the frame.
HIDDEN = (
    "@ptr",
    "finding_id",
    "summary",
    "evidence",
    "evidence_count",
    "rule_ids",
    "subject",
    "playbook",
    "request_ids",
    "resources",
    "left_null_keys",
    "right_null_keys",
    "left_repeated_keys",
    "right_repeated_keys",
)
MONEY_SUFFIXES = ("_usd",)
#: Characters of free text shown before the rest is folded behind "more".
PREVIEW = 160

#: DataTables render function for cells: ARNs shown short (``role/app@1111…``) with the full value on hover,
#: long text folded behind a ``<details>``. itables sends values HTML-escaped (``allow_html`` off): they are
#: decoded to text first and every piece is escaped again here, quotes included, before it becomes markup.
RENDER = """
function (data, type) {
    if (type !== 'display' || typeof data !== 'string') { return data; }
    const text = data.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
    if (text.startsWith('arn:')) {
        const parts = text.split(':');
        const resource = parts.slice(5).join(':');
        const account = parts[4] || '';
        let short = resource.length > 64 ? '\u2026' + resource.slice(-63) : resource;
        if (account) { short += '@' + account.slice(0, 4) + '\u2026'; }
        return '<span class="aiaudit-arn" title="' + esc(text) + '">' + esc(short) + '</span>';
    }
    if (text.length > PREVIEW) {
        return '<details class="aiaudit-text"><summary>' + esc(text.slice(0, PREVIEW)) + '\u2026</summary>'
            + esc(text) + '</details>';
    }
    return esc(text);
}
""".replace("PREVIEW", str(PREVIEW))


#: Severity words as coloured badges (the one palette); anything else falls back to :data:`RENDER`.
SEVERITY_RENDER = """
function (data, type) {
    const known = KNOWN;
    if (type === 'display' && known.includes(data)) {
        return '<span class="aiaudit-sev aiaudit-sev-' + data + '">' + data + '</span>';
    }
    return (RENDER)(data, type);
}
""".replace("KNOWN", str(list(SEVERITY_COLOURS))).replace("RENDER", RENDER.strip())

#: A notebook name as a link to its page in the report folder (names are ``[a-z_]+``; nothing else links).
NOTEBOOK_RENDER = """
function (data, type) {
    if (type === 'display' && typeof data === 'string' && /^[a-z_]+$/.test(data)) {
        return '<a href="' + data + '.html">' + data + '</a>';
    }
    return data;
}
"""

#: Styles of every table (report pages, the index, and a live notebook through :func:`init`).
CSS = "\n".join(
    [
        "table.aiaudit-table { font-size: 12px; }",
        "table.aiaudit-table td { white-space: normal; overflow-wrap: anywhere; vertical-align: top; }",
        "table.aiaudit-table td:not(.dt-type-numeric), table.aiaudit-table th { text-align: left; }",
        "table.aiaudit-table th { white-space: normal; overflow-wrap: anywhere; }",
        "table.aiaudit-table caption { caption-side: top; text-align: left; color: #555; }",
        ".aiaudit-arn { border-bottom: 1px dotted #999; cursor: help; }",
        "details.aiaudit-text summary { cursor: pointer; }",
        ".aiaudit-sev { color: #fff; border-radius: 3px; padding: 1px 6px; font-size: 12px; }",
        *(f".aiaudit-sev-{name} {{ background: {colour}; }}" for name, colour in SEVERITY_COLOURS.items()),
    ]
)


def shorten(value: Any, limit: int) -> Any:
    """Free text cut to ``limit`` characters with an ellipsis (prompts are long and attacker-controlled)."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "…"
    return value


def readable(frame: pd.DataFrame, *, max_text: int = 500) -> pd.DataFrame:
    """Values as their kind: counts as integers, money as ``$1,234.56``, times as UTC seconds, lists
    joined, free text shortened to ``max_text``; column names kept."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        label = str(name)
        if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(column):
            out[name] = column.dt.strftime("%Y-%m-%d %H:%M:%SZ")
        elif pd.api.types.is_float_dtype(column) and label.endswith(MONEY_SUFFIXES):
            out[name] = column.map(lambda v: "" if pd.isna(v) else f"${v:,.2f}")
        elif pd.api.types.is_float_dtype(column) and _integral(column):
            out[name] = column.astype("Int64")
        elif pd.api.types.is_float_dtype(column):
            out[name] = column.round(2)
        elif column.dtype == object or pd.api.types.is_string_dtype(column):
            limit = max_text if label in TEXT_COLUMNS else 2000
            out[name] = column.map(lambda v, limit=limit: _plain(v, limit))
    return out


def _integral(column: pd.Series) -> bool:
    present = column.dropna()
    return bool(len(present)) and bool((present == present.round()).all()) and bool(present.abs().max() < 2**53)


def _plain(value: Any, limit: int) -> Any:
    if isinstance(value, (list, tuple, set)):
        value = ", ".join(str(v) for v in value)
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return shorten(value, limit) if isinstance(value, str) else str(value)


def caption(shown: int, total: int, title: str = "") -> str:
    """``title · first 500 of 1,480 rows`` (or ``· 12 rows`` when all are shown)."""
    rows = f"first {shown:,} of {total:,} rows" if shown < total else f"{total:,} row{'s' if total != 1 else ''}"
    return f"{title} · {rows}" if title else rows


def options(frame: pd.DataFrame, hide: Sequence[str] = HIDDEN) -> dict[str, Any]:
    """itables options of every table: offline, escaped, no silent downsampling, wrapped text, the
    columns in ``hide`` hidden until shown."""
    from itables import JavascriptFunction  # optional at import time: only notebooks and reports render tables

    text_targets = [i for i, c in enumerate(frame.columns) if str(c) in TEXT_COLUMNS]
    hidden = [i for i, c in enumerate(frame.columns) if str(c) in hide]
    severity = [i for i, c in enumerate(frame.columns) if str(c) == "severity"]
    notebook = [i for i, c in enumerate(frame.columns) if str(c) == "notebook"]
    return {
        "connected": False,
        "allow_html": False,
        "maxBytes": 0,
        "maxRows": 0,
        "maxColumns": 0,
        "showIndex": False,
        "classes": "display compact cell-border aiaudit-table",
        "lengthMenu": [10, 25, 100, 500],
        "pageLength": 10,
        "buttons": ["pageLength", "colvis"],
        "autoWidth": False,
        "columnDefs": [
            *([{"targets": severity, "render": JavascriptFunction(SEVERITY_RENDER)}] if severity else []),
            *([{"targets": notebook, "render": JavascriptFunction(NOTEBOOK_RENDER)}] if notebook else []),
            {"targets": "_all", "render": JavascriptFunction(RENDER)},
            *([{"targets": text_targets, "width": "22em"}] if text_targets else []),
            *([{"targets": hidden, "visible": False}] if hidden else []),
        ],
        "style": "width: 100%; table-layout: fixed;",  # fits the page: columns share its width, text wraps
        "layout": {"topStart": "buttons", "topEnd": "search", "bottomStart": "info", "bottomEnd": "paging"},
        "display_logo_when_loading": False,
    }


#: itables' loading message and static preview link to its web site; a shared report links nowhere.
_ITABLES_LINK = re.compile(r"<a href=https://itables\.org[^>]*>(.*?)</a>", re.S)


def offline(html: str) -> str:
    """itables' HTML without its links to itables.org (their text stays)."""
    return _ITABLES_LINK.sub(r"\1", html)


def show(
    frame: pd.DataFrame,
    *,
    title: str = "",
    max_text: int = 500,
    cap: int = ROW_CAP,
    empty: str = "no rows",
    hide: Sequence[str] = (),
) -> None:
    """Display ``frame`` as an interactive table (or one line saying ``empty`` when it has no rows); the
    columns in ``hide`` (and :data:`HIDDEN`) start hidden."""
    from IPython.display import display

    if frame is None or len(frame) == 0:
        print(f"{title}: {empty}" if title else empty)
        return
    plain = f"<table: {caption(min(cap, len(frame)), len(frame), title)}; columns {', '.join(map(str, frame.columns))}>"
    html = to_html(frame, title=title, max_text=max_text, cap=cap, hide=(*HIDDEN, *hide))
    display({"text/html": html, "text/plain": plain}, raw=True)


def to_html(
    frame: pd.DataFrame, *, title: str = "", max_text: int = 500, cap: int = ROW_CAP, hide: Sequence[str] = HIDDEN
) -> str:
    """The interactive table's HTML (needs the DataTables bundle on the page: :func:`init` or a report's
    ``itables.js``)."""
    import itables  # optional at import time: only notebooks and reports render tables

    shown = readable(frame.head(cap).reset_index(drop=True), max_text=max_text)
    text = itables.to_html_datatable(shown, caption=caption(len(shown), len(frame), title), **options(shown, hide))
    return offline(text)


def init() -> None:
    """Load the bundled DataTables once per notebook (offline: the library travels inside the output)."""
    import itables  # optional at import time: only notebooks and reports render tables
    from IPython.display import HTML, display

    itables.init_notebook_mode(all_interactive=False, connected=False)
    display(HTML(f"<style>{CSS}</style>"))
