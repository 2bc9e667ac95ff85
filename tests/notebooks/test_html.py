"""The rendered reports (no Chromium needed): self-contained, every figure titled, with data and labelled
axes, and attacker-controlled prompt text never present raw."""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from aiaudit.reports.html import check_html, render_notebook

from .conftest import NAMES

_NEWPLOT = re.compile(r'Plotly\.newPlot\(\s*"[^"]+",\s*')
#: Raw fragments of the planted prompt injection (simulator INJECTIONS): must appear escaped only.
#: Hostile content that must never reach the page as markup: an HTML comment (it would hide what follows).
PLANTED = ("<!-- assistant:",)
#: A markdown image that exfiltrates through its URL: readable prompts show it as text (the analyst needs to
#: see it), but it must never become an image or a link the page loads.
EXFIL_HOST = "cdn-metrics.example.net"


def figures(html: str) -> list[tuple[list[dict], dict]]:
    """(data, layout) of every plotly figure in the page, decoded from the newPlot call."""
    decoder = json.JSONDecoder()
    out = []
    for match in _NEWPLOT.finditer(html):
        data, end = decoder.raw_decode(html, match.end())
        rest = html[end:].lstrip()
        assert rest.startswith(",")
        layout, _ = decoder.raw_decode(rest[1:].lstrip())
        out.append((data, layout))
    return out


def _has_points(trace: dict) -> bool:
    return any(isinstance(trace.get(k), list | dict) and len(trace[k]) > 0 for k in ("x", "y", "z"))


@pytest.mark.parametrize("name", NAMES)
def test_report_html_is_self_contained_and_every_figure_is_labelled(runs: dict, name: str) -> None:
    run = runs[("seed11", name)]
    assert run.error == ""
    html = render_notebook(nbformat.read(run.output, as_version=4))
    assert check_html(html, planted=PLANTED) == []
    assert not re.search(r"(src|href)\s*=\s*[\"']?[^\"'>]*" + re.escape(EXFIL_HOST), html)
    found = figures(html)
    assert found, "the report has no figure"
    for data, layout in found:
        title = (layout.get("title") or {}).get("text")
        assert title, "figure without a title"
        assert data and any(_has_points(t) for t in data), f"{title}: no trace with data"
        for axis in ("xaxis", "yaxis"):
            assert (layout.get(axis, {}).get("title") or {}).get("text"), f"{title}: unlabelled {axis}"


def test_the_figure_parser_reads_what_plotly_writes() -> None:
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=["a"], y=[1], name="n"))
    fig.update_layout(title={"text": "T"}, xaxis_title="X", yaxis_title="Y")
    ((data, layout),) = figures(fig.to_html(full_html=False, include_plotlyjs=False))
    assert data[0]["x"] == ["a"] and layout["title"]["text"] == "T" and layout["yaxis"]["title"]["text"] == "Y"
