"""Fetch once: a playbook on an ``aws:`` source sends each pipeline's query once per chunk, counted at
``aiaudit emulate``, and its notebooks, reading the run-local store, find exactly what they find on
``local:`` — evidence citing the AWS ``@ptr`` values, not rows of the deleted run-local store.

The emulator's row cap is small, so the projections are split by time: "once" means one StartQuery per
pipeline and chunk, never a second query for the same pipeline and chunk, and no query from a notebook.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from aiaudit.reports.playbook import get_playbook
from aiaudit.reports.runner import run_playbook

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
GROUPS = {"cloudtrail": "cloudtrail", "bedrock-model-invocation-logging": "invocations", "aws/spans": "spans"}


def pipeline_of(groups: list[str]) -> str:
    if all(g.startswith("/aws/bedrock-agentcore/runtimes/") for g in groups):
        return "runtime_logs"
    (name,) = groups
    return GROUPS[name]


def test_daily_playbook_on_aws_fetches_each_pipeline_once_per_chunk(tmp_path, simulated, emulated_aws):
    data, window = simulated(days=2)
    book = get_playbook("daily-ai-audit", ROOT / "playbooks")
    common = {"start": window["start"], "end": window["end"], "anchor": "now", "progress": False, "redact": False}
    common["notebooks"] = ROOT / "notebooks"
    local = run_playbook(book, source=f"local:{data}", out=tmp_path / "local", **common)
    assert [r.status for r in local.runs] == ["ok"] * len(book.steps)

    # 3 GB of CloudTrail held over 30 days; the fetch covers about 3/30 of it: about 0.3 GB
    facts = {"cloudtrail": {"storedBytes": 3e9, "retentionInDays": 30}}
    with emulated_aws(data, group_facts=facts, env={"AIAUDIT_AWS_MAX_SCAN_GB": "1"}) as emulator:
        remote = run_playbook(book, source="emu", out=tmp_path / "aws", **common)

    assert [r.status for r in remote.runs] == ["ok"] * len(book.steps)
    manifest = json.loads((tmp_path / "aws" / "manifest.json").read_text())
    fetched = manifest["fetched"]
    sent = list(emulator.queries.values())
    # every StartQuery the emulator answered is one of the four projections: no notebook queried AWS
    texts = {p: info["query"].split(": ", 1)[1] for p, info in fetched["pipelines"].items()}
    assert sorted(texts) == ["cloudtrail", "invocations", "runtime_logs", "spans"]
    assert {q.text for q in sent} <= set(texts.values())
    # once per chunk: the manifest lists each query sent, chunks of one pipeline never repeat (the four
    # projections share one text; the emulator tells them apart by the log groups each was sent)
    per_pipeline = Counter(pipeline_of(q.groups) for q in sent)
    for pipeline, info in fetched["pipelines"].items():
        chunks = [(c["time_range"]["start"], c["time_range"]["end"]) for c in info["queries"]]
        assert len(chunks) == len(set(chunks)), pipeline
        assert per_pipeline[pipeline] == len(info["queries"]) >= 1, pipeline
    # ... and the cap bit, so "once" was tested across splits
    assert any(q.statistics["resultCount"] > emulator.cap for q in sent)
    assert fetched["total"]["queries"] == len(sent)
    scanned = sum(q.statistics["bytesScanned"] for q in sent)
    assert fetched["total"]["bytes_scanned"] == pytest.approx(scanned) and scanned > 0
    assert fetched["total"]["estimated_cost_usd"] == pytest.approx(scanned / 1e9 * 0.005)
    guard = fetched["cost_guard"]
    # the fetch reaches 24 h before the range and 5 min beyond both ends; the end second is inclusive:
    # 3 days, 10 minutes and 1 second of a 30-day retention
    reach = pd.Timestamp(window["start"]) - pd.Timestamp(fetched["time_range"]["start"])
    assert reach == pd.Timedelta(hours=24, minutes=5)
    assert guard["max_scan_gb"] == 1.0
    assert guard["estimate"]["bytes"] == pytest.approx(3e9 * (3 * 86400 + 600 + 1) / (30 * 86400))
    # the notebooks read the run-local copy and find what they find locally, evidence as AWS pointers
    assert len(local.findings) > 0
    assert [f.to_dict() for f in remote.findings] == [f.to_dict() for f in local.findings]


def test_cost_guard_refuses_a_playbook_run_before_anything_is_sent(tmp_path, simulated, emulated_aws):
    from aiaudit.sources.aws.costguard import ScanLimitExceeded

    data, window = simulated(days=1, seed=3, scale=0.05)
    config = '[sources.emu]\nkind = "aws"\nregions = ["us-east-1"]\nmax_scan_gb = 0.05\n'
    # the fetch covers the day, the 24 h before it and 5 min on both sides: about 2/30 of 3 GB
    facts = {"cloudtrail": {"storedBytes": 3e9, "retentionInDays": 30}}
    with emulated_aws(data, group_facts=facts, config=config) as emulator, pytest.raises(ScanLimitExceeded) as err:
        run_playbook(
            get_playbook("daily-ai-audit", ROOT / "playbooks"),
            source="emu",
            out=tmp_path / "report",
            start=window["start"],
            end=window["end"],
            notebooks=ROOT / "notebooks",
            progress=False,
        )
    assert emulator.queries == {}  # nothing was sent
    message = str(err.value)
    assert "playbook run (each pipeline fetched once) would scan about 0.201 GB" in message
    assert "max_scan_gb = 0.05" in message and "[sources.emu] max_scan_gb" in message
    assert not (tmp_path / "report" / "index.html").exists()


@pytest.mark.parametrize("unit", ["ns", "us", "ms"])
def test_fetched_events_keep_their_cloudwatch_time_whatever_the_resolution(tmp_path, unit):
    from aiaudit.sources.aws.fetch import _write

    stamps = pd.to_datetime(["2026-11-19T10:00:00.123Z", "2026-11-19T10:00:01.000Z"], utc=True)
    times = pd.Series(stamps).dt.as_unit(unit)
    frame = pd.DataFrame(
        {
            "@timestamp": times,
            "@message": ['{"a": 1}', "plain stdout text"],
            "@logStream": ["s1", "s2"],
            "@ptr": ["p1", "p2"],
        }
    )
    assert _write(frame, tmp_path / "x.jsonl") == (1, 1)  # the text message is counted, not kept
    (line,) = (tmp_path / "x.jsonl").read_text().splitlines()
    # 2026-01-01 is 1,767,225,600 s; + 322 days + 10 h = 1,795,082,400 s; + 123 ms
    assert json.loads(line) == {
        "eventId": "p1",
        "logStreamName": "s1",
        "timestamp": 1795082400123,
        "message": '{"a": 1}',
    }


def inline(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows whose request and response bodies are in the record itself (not offloaded to S3)."""
    if "input_body_s3_path" not in frame.columns:
        return frame
    return frame[frame["input_body_s3_path"].isna() & frame["output_body_s3_path"].isna()]


def in_range(frame: pd.DataFrame, inv) -> pd.DataFrame:
    """The rows of ``frame`` inside the investigation's range (whole seconds, end inclusive)."""
    start, end = pd.Timestamp(inv.time_range.start), pd.Timestamp(inv.time_range.end) + pd.Timedelta(seconds=1)
    return frame[(frame["@timestamp"] >= start) & (frame["@timestamp"] < end)]


def test_an_investigation_on_aws_fetches_each_pipeline_once_and_reads_frames_as_local(
    tmp_path, simulated, emulated_aws
):
    from aiaudit.core.grouping import findings
    from aiaudit.notebooks.investigation import start

    data, window = simulated(days=2)
    when = {"start": window["start"], "end": window["end"], "anchor": "now"}

    def read(inv):
        """What a notebook reads: CloudTrail with two different margins, and invocations."""
        frames = {
            "cloudtrail": inv.cloudtrail(),
            "cloudtrail 5m": inv.cloudtrail(margin="5m"),
            "cloudtrail day before": inv.cloudtrail(before="24h", margin="5m"),
            "invocations": inv.invocations(margin="5m"),
        }
        inv.add(findings(frames["invocations"], rule_id="T1", severity="low", title="{count} calls by {principal}"))
        return frames

    local = start("probe", source=f"local:{data}", findings_out=str(tmp_path / "local.json"), **when)
    expected = read(local)
    local.publish()
    local.close()

    with emulated_aws(data) as emulator:
        inv = start("probe", source="emu", findings_out=str(tmp_path / "aws.json"), **when)
        try:
            frames = read(inv)
            inv.publish()
            described = inv.describe()
            fetched = inv.fetched
            sent = list(emulator.queries.values())
            # a read reaching further back than the copy goes to AWS, and says so
            wider = inv.cloudtrail(before="48h")
            assert len(emulator.queries) > len(sent)
            assert len(wider) >= len(frames["cloudtrail day before"])
            # so does one reading CloudWatch ingestion times (delivery delays), which the copy does not hold
            before_times = len(emulator.queries)
            times = inv.tel.times("invocations", inv.time_range)
            assert len(emulator.queries) == before_times + 1 and len(times) == len(
                frames["invocations"].pipe(in_range, inv)
            )
            wide, delays = inv.fetched["live_reads"]
            assert wide.startswith("cloudtrail projection over ") and "outside the fetched copy" in wide
            assert "reads @ingestionTime, which the fetched copy lacks" in delays
        finally:
            inv.close()

    assert fetched is not None and fetched["live_reads"] == []
    assert not Path(inv.src.copy.root).exists()  # the run-local copy is deleted by close()
    # each pipeline's projection once per chunk, nothing else (no frame, margin or raw read queried AWS)
    assert {q.text for q in sent} == {info["query"].split(": ", 1)[1] for info in fetched["pipelines"].values()}
    per_pipeline = Counter(pipeline_of(q.groups) for q in sent)
    for pipeline, info in fetched["pipelines"].items():
        chunks = [(c["time_range"]["start"], c["time_range"]["end"]) for c in info["queries"]]
        assert len(chunks) == len(set(chunks)) and per_pipeline[pipeline] == len(chunks) >= 1, pipeline
    assert any(q.statistics["resultCount"] > emulator.cap for q in sent)  # the cap bit: chunks were split
    assert fetched["total"]["queries"] == len(sent)
    assert fetched["total"]["bytes_scanned"] == pytest.approx(sum(q.statistics["bytesScanned"] for q in sent))
    assert f"{fetched['total']['queries']} queries" in described and "run-local copy" in described
    # the frames are local's, row for row (the system columns name where each copy keeps a row); bodies Bedrock
    # offloaded to S3 are read from the folder's copy of the bucket locally, and never fetched from S3 on aws:
    for name, frame in frames.items():
        assert len(frame) > 0, name
        assert frame["time"].tolist() == expected[name]["time"].tolist(), name
        where = ["@ptr", "@log", "@logStream"]
        pd.testing.assert_frame_equal(
            inline(frame).drop(columns=where).reset_index(drop=True),
            inline(expected[name]).drop(columns=where).reset_index(drop=True),
            obj=name,
        )
    # published findings cite the AWS @ptr (the emulator serves the local store: its pointers), with the stats
    published = json.loads((tmp_path / "aws.json").read_text())
    assert published["findings"] == json.loads((tmp_path / "local.json").read_text())["findings"]
    assert published["fetched"]["total"]["queries"] == len(sent)
