"""Widgets start from the parameters and edit the investigation; headless they display nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiaudit.core.timerange import TimeRange
from aiaudit.notebooks.widgets import choice_picker, controls, focus_inputs, time_range_picker


@dataclass
class FakeInvestigation:  # the widgets' only contract: time_range and focus attributes
    time_range: TimeRange
    focus: dict = field(default_factory=dict)


def inv():
    return FakeInvestigation(TimeRange("2026-11-19T00:00:00Z", "2026-11-20T00:00:00Z"))


def test_time_picker_starts_from_parameters_and_applies_presets():
    investigation = inv()
    box = time_range_picker(investigation)
    preset, row, status = box.children
    start, end = row.children
    assert (start.value, end.value) == ("2026-11-19T00:00:00Z", "2026-11-20T00:00:00Z")
    preset.value = "1h"
    assert investigation.time_range == TimeRange("2026-11-19T23:00:00Z", "2026-11-20T00:00:00Z")
    assert preset.value == "1h"  # the preset writes the boxes; the buttons must not fall back to "custom"
    preset.value = "3d"
    assert preset.value == "3d" and (start.value, end.value) == ("2026-11-17T00:00:00Z", "2026-11-20T00:00:00Z")
    preset.value = "1h"
    start.value = "not a time"
    assert investigation.time_range == TimeRange("2026-11-19T23:00:00Z", "2026-11-20T00:00:00Z")
    assert "not a time" in status.value
    start.value = "2026-11-19T12:00:00Z"
    assert investigation.time_range.start == TimeRange("2026-11-19T12:00:00Z", "2026-11-19T12:00:00Z").start
    assert preset.value == "custom"  # typed by the analyst


def test_saved_controls_show_a_sentence_not_a_repr():
    import ipywidgets as w

    from aiaudit.notebooks.widgets import SAVED_TEXT, live_only

    bundle = live_only(w.VBox([w.Text(value="x")]))
    assert bundle["text/plain"] == SAVED_TEXT
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "VBox(" not in str(bundle)


def test_principal_picker_and_focus_inputs_edit_focus():
    investigation = inv()
    investigation.focus["principal"] = "arn:aws:iam::1:role/b"
    picker = choice_picker(investigation, "principal", ["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b", None])
    assert picker.value == "arn:aws:iam::1:role/b"
    assert list(picker.options) == ["(all)", "arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b"]
    picker.value = "(all)"
    assert "principal" not in investigation.focus
    boxes = focus_inputs(investigation)
    boxes.children[0].value = " s-1 "
    assert investigation.focus == {"session_id": "s-1"}


def test_headless_controls_display_nothing():
    assert controls(inv(), interactive=False) is None
