"""Plotly figures for investigations, with one consistent look.

Why functions over frames (not notebook code): every figure a report shows needs a title, labelled
axes, UTC times and escaped hover text; putting that here means notebooks stay one call per figure and
the report test can check every figure the same way. :func:`show` emits the figure so that JupyterLab
renders it interactively and the HTML report references the folder's single copy of plotly.js.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import plotly.graph_objects as go

PIPELINE_COLOURS = {
    "cloudtrail": "#1f77b4",
    "invocations": "#2ca02c",
    "spans": "#9467bd",
    "runtime_logs": "#8c564b",
    "change": "#d62728",
}
#: The one severity palette: the report index, findings tables and every chart by severity use it.
SEVERITY_COLOURS = {
    "critical": "#7b0000",
    "high": "#c62828",
    "medium": "#ef6c00",
    "low": "#1565c0",
    "info": "#757575",
}
LAYOUT = {
    "template": "plotly_white",
    "height": 420,
    "margin": {"l": 60, "r": 20, "t": 60, "b": 50},
    "font": {"family": "DejaVu Sans, Liberation Sans, Arial, sans-serif"},
}
EMPTY = "aiaudit_empty"


def _finish(fig: go.Figure, title: str, x: str, y: str) -> go.Figure:
    fig.update_layout(title={"text": title}, xaxis_title=x, yaxis_title=y, **LAYOUT)
    return fig


def _empty(title: str, x: str, y: str, message: str = "no data in range") -> go.Figure:
    """A figure with nothing to draw: :func:`show` prints one line for it instead of empty axes."""
    fig = _finish(go.Figure(), title, x, y)
    fig.update_layout(meta={EMPTY: message})
    return fig


def is_empty(fig: go.Figure) -> str:
    """The sentence of a figure made with nothing to draw ('' for a figure with data)."""
    meta = fig.layout.meta
    return str(meta.get(EMPTY, "")) if isinstance(meta, dict) else ""


def timeline(
    events: pd.DataFrame,
    *,
    title: str = "Timeline",
    time: str = "@timestamp",
    lane: str = "pipeline",
    label: str = "summary",
    change: str | None = "is_change",
) -> go.Figure:
    """Events from all pipelines in lanes, changes drawn as red diamonds with a vertical marker."""
    if events.empty:
        return _empty(title, "time (UTC)", "pipeline")
    fig = go.Figure()
    is_change = events[change].fillna(False).astype(bool) if change and change in events else None
    for name, group in events[~is_change if is_change is not None else slice(None)].groupby(lane, sort=False):
        fig.add_trace(
            go.Scatter(
                x=group[time],
                y=group[lane],
                mode="markers",
                name=str(name),
                marker={"color": PIPELINE_COLOURS.get(str(name), "#7f7f7f"), "size": 7},
                hovertext=group[label].astype(str) if label in group else None,
                hoverinfo="x+text",
            )
        )
    if is_change is not None and is_change.any():
        changes = events[is_change]
        fig.add_trace(
            go.Scatter(
                x=changes[time],
                y=changes[lane],
                mode="markers",
                name="configuration change",
                marker={"color": PIPELINE_COLOURS["change"], "symbol": "diamond", "size": 12},
                hovertext=changes[label].astype(str) if label in changes else None,
                hoverinfo="x+text",
            )
        )
        for moment in changes[time].head(50):
            fig.add_vline(x=moment, line_width=1, line_dash="dot", line_color=PIPELINE_COLOURS["change"])
    return _finish(fig, title, "time (UTC)", "pipeline")


def top_contributors(
    frame: pd.DataFrame,
    *,
    key: str,
    title: str,
    time: str = "@timestamp",
    freq: str = "1h",
    n: int = 10,
    value: str | None = None,
    y_label: str = "events",
    colours: dict[str, str] | None = None,
) -> go.Figure:
    """Top-N values of ``key`` over time (stacked bars), the rest folded into "other"; ``colours`` fixes
    the colour (and order) of known values, e.g. :data:`SEVERITY_COLOURS`."""
    if frame.empty or key not in frame:
        return _empty(title, "time (UTC)", y_label)
    data = frame[[time, key] + ([value] if value else [])].copy()
    data[key] = data[key].fillna("(none)").astype(str)
    weights = data[value].fillna(0) if value else pd.Series(1, index=data.index)
    top = weights.groupby(data[key]).sum().sort_values(ascending=False).head(n).index
    data["series"] = data[key].where(data[key].isin(top), "other")
    data["bucket"] = data[time].dt.floor(freq)
    data["weight"] = weights
    table = data.pivot_table(index="bucket", columns="series", values="weight", aggfunc="sum", fill_value=0)
    series = list(table.columns)
    if colours:
        series = [c for c in colours if c in table.columns] + [c for c in series if c not in colours]
    fig = go.Figure(
        [
            go.Bar(
                x=table.index,
                y=table[c],
                name=str(c),
                marker={"color": colours[c]} if colours and c in colours else None,
            )
            for c in series
        ]
    )
    fig.update_layout(barmode="stack")
    return _finish(fig, title, "time (UTC)", y_label)


def session_waterfall(spans: pd.DataFrame, *, title: str = "Session waterfall", limit: int = 200) -> go.Figure:
    """Spans of one or a few traces as horizontal bars from start to end; errors in red."""
    needed = {"@timestamp", "duration_ms", "name"}
    if spans.empty or not needed <= set(spans.columns):
        return _empty(title, "time (UTC)", "span")
    data = spans.sort_values("@timestamp").head(limit)
    status = data["status_code"] if "status_code" in data else pd.Series("", index=data.index)
    colours = ["#d62728" if str(s).upper() == "ERROR" else "#9467bd" for s in status]
    fig = go.Figure(
        go.Bar(
            base=data["@timestamp"],
            x=data["duration_ms"].fillna(0).astype(float),
            y=[f"{i:03d} {n}" for i, n in enumerate(data["name"].astype(str))],
            orientation="h",
            marker={"color": colours},
            name="span",
            hovertext=data["name"].astype(str),
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(type="date")
    return _finish(fig, title, "time (UTC)", "span")


def alarm_grid(states: pd.DataFrame, *, title: str = "Alarm states") -> go.Figure:
    """Alarms (rows) by time bucket (columns): 1 = in alarm, 0 = ok."""
    if states.empty:
        return _empty(title, "time (UTC)", "alarm")
    fig = go.Figure(
        go.Heatmap(
            z=states.values,
            x=list(states.columns),
            y=list(states.index),
            colorscale=[[0, "#e8f5e9"], [1, "#c62828"]],
            zmin=0,
            zmax=1,
            showscale=False,
            name="state",
        )
    )
    return _finish(fig, title, "time (UTC)", "alarm")


def cost_breakdown(
    costs: pd.DataFrame, *, by: str, title: str = "Estimated cost", value: str = "cost_usd"
) -> go.Figure:
    """Horizontal bars of estimated cost by one dimension (principal, model, agent, region)."""
    if costs.empty or by not in costs:
        return _empty(title, "USD", by)
    data = costs.groupby(costs[by].fillna("(none)").astype(str))[value].sum().sort_values().tail(20)
    fig = go.Figure(go.Bar(x=data.values, y=data.index, orientation="h", name=value))
    return _finish(fig, title, "estimated cost (USD)", by)


def bar(frame: pd.DataFrame, *, x: str, y: str, title: str, x_label: str, y_label: str) -> go.Figure:
    """A plain bar chart with the house style."""
    if frame.empty:
        return _empty(title, x_label, y_label)
    return _finish(go.Figure(go.Bar(x=frame[x], y=frame[y], name=y)), title, x_label, y_label)


def show(fig: go.Figure) -> None:
    """Display a figure: interactive in JupyterLab; in reports, an HTML div using the shipped plotly.js."""
    from IPython.display import display

    if message := is_empty(fig):
        print(f"{fig.layout.title.text}: {message}")
        return
    bundle: dict[str, Any] = {
        "application/vnd.plotly.v1+json": json.loads(fig.to_json()),
        "text/html": fig.to_html(full_html=False, include_plotlyjs=False),
        "text/plain": f"<figure: {fig.layout.title.text}>",
    }
    display(bundle, raw=True)


def timeline_figure(events: pd.DataFrame, *, title: str = "Timeline") -> Any:
    """The figure of a :func:`aiaudit.investigate.timeline` frame (lanes per pipeline, changes as red diamonds)."""
    return timeline(events, title=title, time="time", lane="pipeline", label="summary", change="is_change")
