"""Tables an analyst reads: values as their kind, a stated row cap, log content escaped, one line when empty."""

from __future__ import annotations

import re

import pandas as pd

from aiaudit.notebooks import plots, tables
from aiaudit.reports.html import external_references

IMG = '<img src=x onerror="window.pwned=1">'


def test_counts_are_integers_money_has_a_currency_and_times_are_utc_seconds() -> None:
    frame = pd.DataFrame(
        {
            "events": [3090.0, 12.0],
            "cost_usd": [1234.5, 0.012],
            "ratio": [0.3333333, 1.0],
            "time": pd.to_datetime(["2026-11-19T10:00:00.123Z", "2026-11-19T11:30:00.000Z"], utc=True),
            "principals": [["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b"], []],
        }
    )
    out = tables.readable(frame)
    assert list(out["events"]) == [3090, 12] and str(out["events"].dtype) == "Int64"
    assert list(out["cost_usd"]) == ["$1,234.50", "$0.01"]
    assert list(out["ratio"]) == [0.33, 1.0]
    assert list(out["time"]) == ["2026-11-19 10:00:00Z", "2026-11-19 11:30:00Z"]
    assert list(out["principals"]) == ["arn:aws:iam::1:role/a, arn:aws:iam::1:role/b", ""]


def test_prompts_are_cut_to_max_text_and_other_text_is_kept() -> None:
    frame = pd.DataFrame({"prompt": ["x" * 30], "principal": ["y" * 30]})
    out = tables.readable(frame, max_text=10)
    assert out["prompt"][0] == "x" * 10 + "…" and out["principal"][0] == "y" * 30


def test_the_row_cap_is_stated() -> None:
    assert tables.caption(500, 1480, "requests") == "requests · first 500 of 1,480 rows"
    assert tables.caption(12, 12) == "12 rows" and tables.caption(1, 1) == "1 row"
    html = tables.to_html(pd.DataFrame({"n": range(30)}), title="t", cap=10)
    assert "first 10 of 30 rows" in html
    assert html.count("], [") == 9  # ten rows of data travel, not thirty


def test_log_content_stays_text_and_the_page_links_nowhere() -> None:
    html = tables.to_html(pd.DataFrame({"prompt": [IMG], "principal": [f"arn:aws:iam::1:role/{IMG}"]}))
    assert IMG not in html and "<img" not in html
    assert "&lt;img src=x onerror=" in html  # itables' allow_html stays off: DataTables receives escaped text
    assert external_references(html) == []
    assert '"allow_html"' not in html  # the option is consumed by itables, never passed to the page as true


def test_an_empty_table_is_one_line(capsys) -> None:
    tables.show(pd.DataFrame({"a": []}), title="flagged", empty="no request matched an indicator")
    assert capsys.readouterr().out == "flagged: no request matched an indicator\n"


def test_an_empty_figure_is_one_line_not_empty_axes(capsys) -> None:
    fig = plots.bar(
        pd.DataFrame({"x": [], "y": []}), x="x", y="y", title="Requests per indicator", x_label="i", y_label="n"
    )
    plots.show(fig)
    assert capsys.readouterr().out == "Requests per indicator: no data in range\n"


def test_one_severity_palette_for_charts_tables_and_the_index() -> None:
    frame = pd.DataFrame(
        {"time": pd.to_datetime(["2026-11-19T10:00:00Z"] * 3, utc=True), "severity": ["low", "high", "medium"]}
    )
    fig = plots.top_contributors(frame, key="severity", time="time", title="t", colours=plots.SEVERITY_COLOURS)
    assert {t.name: t.marker.color for t in fig.data} == {
        s: plots.SEVERITY_COLOURS[s] for s in ("high", "medium", "low")
    }
    assert [t.name for t in fig.data] == ["high", "medium", "low"]  # severity order, not alphabetical
    assert plots.SEVERITY_COLOURS["high"] == "#c62828" and plots.SEVERITY_COLOURS["low"] == "#1565c0"
    for name, colour in plots.SEVERITY_COLOURS.items():
        assert re.search(rf"\.aiaudit-sev-{name} {{ background: {colour}; }}", tables.CSS)
