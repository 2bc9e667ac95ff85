"""The report's ``index.html``: findings by severity, links to every notebook, failures shown.

Everything interpolated is escaped with :func:`html.escape`; the page loads nothing.
"""

from __future__ import annotations

import html
from typing import Any

from aiaudit.core.findings import SEVERITIES, Finding
from aiaudit.core.timerange import TimeRange, iso

_COLOURS = {"critical": "#7b0000", "high": "#c62828", "medium": "#ef6c00", "low": "#1565c0", "info": "#555"}

_STYLE = """
body { font: 14px/1.45 -apple-system, Segoe UI, Helvetica, Arial, sans-serif; max-width: 1200px; margin: 2em auto;
       color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #ddd; padding: 4px 8px;
       text-align: left; vertical-align: top; }
.sev { color: #fff; border-radius: 3px; padding: 1px 6px; font-size: 12px; }
.failed { color: #c62828; font-weight: bold; } .meta { color: #666; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _limits(lines: list[str]) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{_e(line)}</li>" for line in lines)
    return f'<h2>What this report cannot show</h2>\n<ul class="limits">{items}</ul>'


def render_index(
    book: Any,
    time_range: TimeRange,
    source: str,
    runs: list[Any],
    findings: list[Finding],
    exit_code: int,
    limitations: list[str] | None = None,
) -> str:
    """The index page; ``limitations`` are the sentences on what the source cannot show (missing pipelines,
    a range that misses the data), listed before anything else."""
    counts = {s: sum(f.severity == s for f in findings) for s in SEVERITIES}
    summary = " · ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts[s]) or "no findings"
    rows_nb = []
    for run in runs:
        link = f'<a href="{_e(run.html)}">{_e(run.title)}</a>' if run.html else _e(run.title)
        status = "ok" if run.status == "ok" else f'<span class="failed">failed</span>: {_e(run.error)}'
        rows_nb.append(
            f"<tr><td>{link}</td><td>{status}</td><td>{len(run.findings)}</td><td>{run.seconds:.1f} s</td></tr>"
        )
    rows_f = []
    for f in findings:
        colour = _COLOURS[f.severity]
        link = f'<a href="{_e(f.notebook)}.html">{_e(f.notebook)}</a>' if f.notebook else ""
        when = f"{iso(f.time_start)}" if f.time_start else ""
        rows_f.append(
            f'<tr><td><span class="sev" style="background:{colour}">{_e(f.severity)}</span></td>'
            f"<td>{_e(f.rule_id)}</td><td>{_e(f.title)}</td><td>{_e(', '.join(f.principals[:3]))}</td>"
            f"<td>{_e(', '.join(f.source_ips[:3]))}</td><td>{_e(when)}</td><td>{link}</td></tr>"
        )
    status = "completed" if exit_code == 0 else ("a notebook failed" if exit_code == 1 else "findings at threshold")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(book.name)} report</title><style>{_STYLE}</style></head>
<body>
<h1>{_e(book.name)}</h1>
<p>{_e(book.description)}</p>
<p class="meta">time range {_e(time_range)} · source {_e(source)} · {_e(status)} · {_e(summary)}</p>
<p class="meta"><a href="findings.json">findings.json</a> · <a href="manifest.json">manifest.json</a></p>
{_limits(limitations or [])}
<h2>Notebooks</h2>
<table><tr><th>notebook</th><th>status</th><th>findings</th><th>time</th></tr>
{"".join(rows_nb)}
</table>
<h2>Findings by severity</h2>
<table><tr><th>severity</th><th>rule</th><th>title</th><th>principals</th><th>source IPs</th><th>time</th>
<th>notebook</th></tr>
{"".join(rows_f) or '<tr><td colspan="7">no findings</td></tr>'}
</table>
</body></html>
"""
