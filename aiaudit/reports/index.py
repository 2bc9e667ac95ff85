"""The report's ``index.html``: findings by severity, links to every notebook, failures shown.

Everything interpolated is escaped with :func:`html.escape`; the findings table is the notebooks' interactive
table (:func:`aiaudit.notebooks.tables.to_html`, log content escaped), and the page loads only the report
folder's own ``itables.js``.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from aiaudit.core.findings import SEVERITIES, Finding
from aiaudit.core.timerange import TimeRange, iso
from aiaudit.notebooks import tables
from aiaudit.reports.html import ITABLES_JS

_STYLE = """
body { font: 14px/1.45 -apple-system, Segoe UI, Helvetica, Arial, sans-serif; max-width: 1340px; margin: 2em auto;
       color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #ddd; padding: 4px 8px;
       text-align: left; vertical-align: top; }
.failed { color: #c62828; font-weight: bold; } .meta { color: #666; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _limits(lines: list[str]) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{_e(line)}</li>" for line in lines)
    return f'<h2>What this report cannot show</h2>\n<ul class="limits">{items}</ul>'


def findings_table(findings: list[Finding]) -> str:
    """The findings as the notebooks show tables: searchable, sortable, severity badges in the one palette,
    principals short with the full ARN on hover, each finding linked to the notebook that published it."""
    if not findings:
        return "<p>no findings</p>"
    frame = pd.DataFrame(
        [
            {
                "severity": f.severity,
                "rule": f.rule_id,
                "title": f.title,
                "principals": f.principals[0] if len(f.principals) == 1 else ", ".join(f.principals[:3]),
                "source IPs": ", ".join(f.source_ips[:3]),
                "time": iso(f.time_start) if f.time_start else "",
                "notebook": f.notebook or "",
            }
            for f in findings
        ]
    )
    return tables.to_html(frame, title="findings", cap=len(frame))


def render_index(
    book: Any,
    time_range: TimeRange,
    source: str,
    runs: list[Any],
    findings: list[Finding],
    exit_code: int,
    limitations: list[str] | None = None,
    *,
    lead: str = "",
) -> str:
    """The index page; ``limitations`` are the sentences on what the source cannot show (missing pipelines,
    a range that misses the data), listed before anything else; ``lead`` is HTML (already escaped) shown
    next: what is new since the last report (:func:`aiaudit.reports.history.render_section`)."""
    counts = {s: sum(f.severity == s for f in findings) for s in SEVERITIES}
    summary = " · ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts[s]) or "no findings"
    rows_nb = []
    for run in runs:
        link = f'<a href="{_e(run.html)}">{_e(run.title)}</a>' if run.html else _e(run.title)
        status = "ok" if run.status == "ok" else f'<span class="failed">failed</span>: {_e(run.error)}'
        rows_nb.append(
            f"<tr><td>{link}</td><td>{status}</td><td>{len(run.findings)}</td><td>{run.seconds:.1f} s</td></tr>"
        )
    status = "completed" if exit_code == 0 else ("a notebook failed" if exit_code == 1 else "findings at threshold")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(book.name)} report</title>
<style>{_STYLE}{tables.CSS}</style><script src="{ITABLES_JS}"></script></head>
<body>
<h1>{_e(book.name)}</h1>
<p>{_e(book.description)}</p>
<p class="meta">time range {_e(time_range)} · source {_e(source)} · {_e(status)} · {_e(summary)}</p>
<p class="meta"><a href="findings.json">findings.json</a> · <a href="manifest.json">manifest.json</a></p>
{_limits(limitations or [])}
{lead}
<h2>Notebooks</h2>
<table><tr><th>notebook</th><th>status</th><th>findings</th><th>time</th></tr>
{"".join(rows_nb)}
</table>
<h2>Findings by severity</h2>
{findings_table(findings)}
</body></html>
"""
