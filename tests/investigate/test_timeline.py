"""Timelines: one ordered frame over every pipeline, changes marked, focus reaching linked pipelines."""

from __future__ import annotations

from aiaudit.investigate import timeline
from aiaudit.notebooks.plots import timeline_figure

from . import story as S


def test_whole_range_is_ordered_with_changes_marked(data, tr):
    events = timeline(data, tr)
    assert len(events) == 7 + 4 + 6 + 1
    assert events["time"].is_monotonic_increasing
    assert list(events.loc[events["is_change"], "event"]) == ["UpdateGuardrail"]
    assert set(events["pipeline"]) == {"cloudtrail", "invocations", "spans", "runtime_logs"}
    first = events.iloc[0]
    assert first["pipeline"] == "cloudtrail" and first["summary"].startswith(f"Converse (bedrock) by {S.APP_ROLE}")
    denied = events[events["event"] == "GetObject"].iloc[0]
    assert denied["summary"].endswith("→ AccessDenied") and bool(denied["is_error"])


def test_principal_focus_reaches_spans_through_request_ids(data, tr):
    events = timeline(data, tr, principal=S.AGENT_ROLE)
    by_pipeline = events.groupby("pipeline").size().to_dict()
    # CloudTrail: Converse r2 + GetObject; invocation r2; S1's four spans; the runtime log on T1
    assert by_pipeline == {"cloudtrail": 2, "invocations": 1, "spans": 4, "runtime_logs": 1}
    assert set(events.loc[events["pipeline"] == "cloudtrail", "via"]) == {"focus"}
    assert set(events.loc[events["pipeline"] == "spans", "via"]) == {"request_id", "trace_id"}


def test_no_follow_keeps_only_pipelines_the_focus_applies_to(data, tr):
    events = timeline(data, tr, follow=False, principal=S.MALLORY)
    assert set(events["pipeline"]) == {"cloudtrail", "invocations"} or set(events["pipeline"]) == {"cloudtrail"}
    assert len(events) == 3


def test_figure_has_a_change_trace(data, tr):
    fig = timeline_figure(timeline(data, tr), title="story")
    names = [trace.name for trace in fig.data]
    assert "configuration change" in names and "spans" in names
    assert fig.layout.title.text == "story"
