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

import pytest

import aiaudit
from aiaudit.reports.playbook import get_playbook
from aiaudit.reports.runner import run_playbook
from aiaudit.simulate import simulate
from aiaudit.sources.aws.emulator import Emulator, serve, url_of

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CAP = 2000
GROUPS = {"cloudtrail": "cloudtrail", "bedrock-model-invocation-logging": "invocations", "aws/spans": "spans"}


def pipeline_of(groups: list[str]) -> str:
    if all(g.startswith("/aws/bedrock-agentcore/runtimes/") for g in groups):
        return "runtime_logs"
    (name,) = groups
    return GROUPS[name]


@pytest.mark.xfail(
    strict=False,  # seen once in a full run; whether it always differs is not yet known
    reason="known defect (issue 24, open): since the peer detections merged, one merged LLMjacking finding "
    "(X18 with X01/X03/X20 ...) cites fewer evidence pointers on the fetched aws: copy than on local: "
    "(7b0e89fc9ac0-*, 8e72002aec43-* missing); every other fact and every other finding is equal",
)
def test_daily_playbook_on_aws_fetches_each_pipeline_once_per_chunk(tmp_path, monkeypatch):
    data = tmp_path / "data"
    simulate(data, days=2, seed=13, scale=0.1)
    window = json.loads((data / "truth.json").read_text())["window"]
    book = get_playbook("daily-ai-audit", ROOT / "playbooks")
    common = {"start": window["start"], "end": window["end"], "anchor": "now", "progress": False, "redact": False}
    common["notebooks"] = ROOT / "notebooks"
    local = run_playbook(book, source=f"local:{data}", out=tmp_path / "local", **common)
    assert [r.status for r in local.runs] == ["ok"] * len(book.steps)

    environment = (data / "aiaudit.toml").read_text(encoding="utf-8").split("\n[environment]\n", 1)[1]
    config = tmp_path / "aiaudit.toml"
    config.write_text(
        '[sources.emu]\nkind = "aws"\nregions = ["us-east-1"]\n[sources.emu.log_groups]\n'
        'cloudtrail = "cloudtrail"\ninvocations = "bedrock-model-invocation-logging"\nspans = "aws/spans"\n'
        'runtime_logs = "/aws/bedrock-agentcore/runtimes/"\n\n[environment]\n' + environment,
        encoding="utf-8",
    )
    with aiaudit.connect(f"local:{data}", read_only=True) as backend:
        # 3 GB of CloudTrail held over 30 days; the 2 simulated days are about 2/30 of it: about 0.2 GB
        emulator = Emulator(backend, cap=CAP, group_facts={"cloudtrail": {"storedBytes": 3e9, "retentionInDays": 30}})
        server = serve(emulator)
        try:
            for name, value in {
                "AIAUDIT_CONFIG": str(config),
                "AWS_ENDPOINT_URL": url_of(server),
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AIAUDIT_NO_CACHE": "1",
                "XDG_CACHE_HOME": str(tmp_path / "cache"),
                "AIAUDIT_AWS_MAX_SCAN_GB": "1",
            }.items():
                monkeypatch.setenv(name, value)
            remote = run_playbook(book, source="emu", out=tmp_path / "aws", **common)
        finally:
            server.shutdown()

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
    assert any(q.statistics["resultCount"] > CAP for q in sent)
    assert fetched["total"]["queries"] == len(sent)
    scanned = sum(q.statistics["bytesScanned"] for q in sent)
    assert fetched["total"]["bytes_scanned"] == pytest.approx(scanned) and scanned > 0
    assert fetched["total"]["estimated_cost_usd"] == pytest.approx(scanned / 1e9 * 0.005)
    guard = fetched["cost_guard"]
    # the range's end second is inclusive: 2 days and 1 second of a 30-day retention
    assert guard["max_scan_gb"] == 1.0
    assert guard["estimate"]["bytes"] == pytest.approx(3e9 * (2 * 86400 + 1) / (30 * 86400))
    # the notebooks read the run-local copy and find what they find locally, evidence as AWS pointers
    assert len(local.findings) > 0
    assert [f.to_dict() for f in remote.findings] == [f.to_dict() for f in local.findings]


def test_cost_guard_refuses_a_playbook_run_before_anything_is_sent(tmp_path, monkeypatch):
    from aiaudit.sources.aws.costguard import ScanLimitExceeded

    data = tmp_path / "data"
    simulate(data, days=1, seed=3, scale=0.05)
    window = json.loads((data / "truth.json").read_text())["window"]
    config = tmp_path / "aiaudit.toml"
    config.write_text('[sources.emu]\nkind = "aws"\nregions = ["us-east-1"]\nmax_scan_gb = 0.05\n', encoding="utf-8")
    facts = {"cloudtrail": {"storedBytes": 3e9, "retentionInDays": 30}}  # one day of 30: about 0.1 GB
    with aiaudit.connect(f"local:{data}") as backend:
        emulator = Emulator(backend, group_facts=facts)
        server = serve(emulator)
        try:
            for name, value in {
                "AIAUDIT_CONFIG": str(config),
                "AWS_ENDPOINT_URL": url_of(server),
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1",
                "XDG_CACHE_HOME": str(tmp_path / "cache"),
            }.items():
                monkeypatch.setenv(name, value)
            with pytest.raises(ScanLimitExceeded) as err:
                run_playbook(
                    get_playbook("daily-ai-audit", ROOT / "playbooks"),
                    source="emu",
                    out=tmp_path / "report",
                    start=window["start"],
                    end=window["end"],
                    notebooks=ROOT / "notebooks",
                    progress=False,
                )
        finally:
            server.shutdown()
    assert emulator.queries == {}  # nothing was sent
    message = str(err.value)
    assert "playbook run (each pipeline fetched once) would scan about 0.100 GB" in message
    assert "max_scan_gb = 0.05" in message and "[sources.emu] max_scan_gb" in message
    assert not (tmp_path / "report" / "index.html").exists()


@pytest.mark.parametrize("unit", ["ns", "us", "ms"])
def test_fetched_events_keep_their_cloudwatch_time_whatever_the_resolution(tmp_path, unit):
    import pandas as pd

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
