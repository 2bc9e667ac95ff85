"""ipywidgets for time range and focus that start from the notebook's parameters.

Why this shape: under papermill there is no front end, so widgets cannot be the source of truth
(papermill#296). Widgets here only *edit* the :class:`~aiaudit.notebooks.investigation.Investigation` built from the
parameters cell; the analysis always reads ``inv.time_range`` and ``inv.focus``. Headless
(``interactive=False``, which the playbook runner passes) nothing is displayed at all, so reports
contain no dead widget placeholders; a notebook saved from JupyterLab shows a sentence, never a repr.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aiaudit.core.errors import AiauditError
from aiaudit.core.timerange import TimeRange, iso

PRESETS = ("1h", "6h", "24h", "3d", "7d", "30d")


def time_range_picker(inv: Any, on_change: Callable[[TimeRange], None] | None = None) -> Any:
    """Preset buttons plus absolute start/end boxes, initialised from ``inv.time_range``."""
    import ipywidgets as w

    anchor = inv.time_range.end
    preset = w.ToggleButtons(options=[*PRESETS, "custom"], value="custom", description="range")
    start = w.Text(value=iso(inv.time_range.start), description="start (UTC)")
    end = w.Text(value=iso(inv.time_range.end), description="end (UTC)")
    status = w.HTML()
    applying = [False]  # a preset writes the boxes: that is not the analyst typing a custom range

    def apply(new: TimeRange) -> None:
        inv.time_range = new
        applying[0] = True
        try:
            start.value, end.value = iso(new.start), iso(new.end)
        finally:
            applying[0] = False
        status.value = f"<small>{new}</small>"
        if on_change:
            on_change(new)

    def on_preset(change: dict[str, Any]) -> None:
        if change["new"] != "custom":
            apply(TimeRange.parse(change["new"], anchor=anchor))

    def on_text(_: Any) -> None:
        if applying[0]:
            return
        try:
            apply(TimeRange.parse(start=start.value, end=end.value))
            preset.value = "custom"
        except AiauditError as exc:  # keep the old range, say why
            status.value = f"<small style='color:#c62828'>{exc}</small>"

    preset.observe(on_preset, names="value")
    start.continuous_update = False
    end.continuous_update = False
    start.observe(on_text, names="value")
    end.observe(on_text, names="value")
    return w.VBox([preset, w.HBox([start, end]), status])


def choice_picker(inv: Any, key: str, options: Iterable[str], on_change: Callable[[str], None] | None = None) -> Any:
    """A dropdown for one focus key (e.g. principal) populated from the data in range."""
    import ipywidgets as w

    values = sorted({str(o) for o in options if o})
    current = inv.focus.get(key, "")
    dropdown = w.Dropdown(options=["(all)", *values], value=current if current in values else "(all)", description=key)

    def changed(change: dict[str, Any]) -> None:
        if change["new"] == "(all)":
            inv.focus.pop(key, None)
        else:
            inv.focus[key] = change["new"]
        if on_change:
            on_change(change["new"])

    dropdown.observe(changed, names="value")
    return dropdown


def focus_inputs(inv: Any, keys: Iterable[str] = ("session_id", "request_id")) -> Any:
    """Free-text focus boxes; values reach queries only through the quoting module."""
    import ipywidgets as w

    boxes = []
    for key in keys:
        box = w.Text(value=inv.focus.get(key, ""), description=key)

        def changed(change: dict[str, Any], key: str = key) -> None:
            value = str(change["new"]).strip()
            if value:
                inv.focus[key] = value
            else:
                inv.focus.pop(key, None)

        box.observe(changed, names="value")
        boxes.append(box)
    return w.HBox(boxes)


def controls(inv: Any, *, interactive: bool = True, principals: Iterable[str] = ()) -> Any:
    """Display the standard controls when a person is driving the notebook; headless, do nothing."""
    if not interactive:
        return None
    import ipywidgets as w
    from IPython.display import display

    box = w.VBox([time_range_picker(inv), choice_picker(inv, "principal", principals), focus_inputs(inv)])
    display(live_only(box), raw=True)
    return None


#: What a saved notebook shows where the controls were, when no widget state is at hand (never a repr).
SAVED_TEXT = "(range and focus controls: live only while the notebook runs; the parameters above are the record)"


def live_only(widget: Any) -> dict[str, Any]:
    """The widget's display bundle with a sentence as its plain-text form instead of ``VBox(children=…)``:
    a notebook saved without widget state (or rendered to HTML) shows the sentence."""
    bundle = dict(widget._repr_mimebundle_() or {})
    bundle["text/plain"] = SAVED_TEXT
    return bundle
