"""The simulator's output loads through the readers unchanged, and its files follow AWS's layouts."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

from aiaudit.core.config import load_config
from aiaudit.simulate import simulate

from .conftest import read_records

CT_NAME = re.compile(r"^(\d{12})_CloudTrail_([a-z]{2}-[a-z]+-\d)_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$")


def test_default_output_loads_with_nothing_skipped(sim_all):
    out, summary = sim_all
    records, skipped, ignored = read_records(out)
    assert skipped == []
    # only the ground truth, the config and offloaded bodies are not records
    assert all(p in ("truth.json", "aiaudit.toml") or "/data/" in p for p in ignored), ignored
    for pipeline in ("cloudtrail", "invocations", "spans", "runtime_logs"):
        assert len(records[pipeline]) == summary.records[pipeline] > 0


def test_cloudtrail_s3_layout(sim_all):
    out, _ = sim_all
    truth = json.loads((out / "truth.json").read_text())
    org = truth["baseline"]["organization_id"]
    files = sorted((out / "cloudtrail").rglob("*.json.gz"))
    assert files
    regions = set()
    for path in files:
        parts = path.relative_to(out / "cloudtrail").parts
        assert parts[0] == "AWSLogs" and parts[1] == org and parts[3] == "CloudTrail"
        match = CT_NAME.match(path.name)
        assert match, path.name
        assert match.group(1) == parts[2] and match.group(2) == parts[4]
        doc = json.loads(gzip.decompress(path.read_bytes()))
        assert list(doc) == ["Records"]
        assert {r["awsRegion"] for r in doc["Records"]} == {parts[4]}
        assert {r["recipientAccountId"] for r in doc["Records"]} == {parts[2]}
        regions.add(parts[4])
    assert {"us-east-1", "us-west-2", "eu-west-1"} <= regions


def test_events_unordered_within_some_files(sim_all):
    out, _ = sim_all
    unordered = 0
    for path in (out / "cloudtrail").rglob("*.json.gz"):
        times = [r["eventTime"] for r in json.loads(gzip.decompress(path.read_bytes()))["Records"]]
        unordered += times != sorted(times)
    assert unordered > 0


def test_ids_are_well_formed(sim_all):
    out, _ = sim_all
    records, _, _ = read_records(out)
    keys = set()
    for ev in records["cloudtrail"]:
        ident = ev["userIdentity"]
        if "accessKeyId" in ident:
            keys.add(ident["accessKeyId"])
        assert re.fullmatch(r"\d{12}", ev["recipientAccountId"])
    assert keys
    for key in keys:  # the repository's secret scanner accepts only EXAMPLE keys
        assert len(key) == 20 and key[:4] in ("ASIA", "AKIA") and "EXAMPLE" in key


def test_large_bodies_are_offloaded_to_data_folder(tmp_path):
    out = tmp_path / "sim"
    simulate(out, days=1, scale=0.05, scenarios=("cost-spike",))
    records, _, _ = read_records(out)
    offloaded = [r for r in records["invocations"] if "inputBodyS3Path" in r["input"]]
    assert offloaded
    for rec in offloaded:
        assert "inputBodyJson" not in rec["input"]
        key = rec["input"]["inputBodyS3Path"].split("/", 3)[3]  # s3://bucket/<key>
        body = out / "invocations" / key
        assert "/data/" in key and body.is_file()
        assert len(gzip.decompress(body.read_bytes())) > 100 * 1024


def test_config_validates_and_describes_the_world(sim_all):
    out, _ = sim_all
    config = load_config(out / "aiaudit.toml")
    assert config.sources["sim"].kind == "local"
    assert Path(config.sources["sim"].path) == out.resolve()
    env = config.environment
    truth = json.loads((out / "truth.json").read_text())
    assert set(env.accounts) == {a["id"] for a in truth["baseline"]["accounts"]}
    assert set(env.expected_regions) == {"us-east-1", "us-west-2", "eu-west-1"}
    assert "code_interpreter" not in env.agent_tools["billing_agent"]
    assert "code_interpreter" in env.agent_tools["research_agent"]
    assert env.price_for("anthropic.claude-3-haiku-20240307-v1:0").input_per_1k == 0.00025
    nat = truth["baseline"]["accounts"][1]["nat_ips"][0]
    assert env.ip_is_corporate(nat)
    assert env.default_lookback == "1d"


def test_defects_only_when_asked(tmp_path, sim_all):
    out = tmp_path / "sim"
    simulate(out, days=1, scale=0.02, scenarios=("none",), with_defects=True)
    truth = json.loads((out / "truth.json").read_text())
    listed = {d["path"] for d in truth["defects"]}
    assert len(listed) == 6
    _, skipped, ignored = read_records(out)
    assert {p for p, _, _ in skipped} | {p for p in ignored if p in listed} <= listed | {"truth.json", "aiaudit.toml"}
    assert {p for p, _, _ in skipped} >= {p for p in listed if "truncated" in p or "badrecords" in p}
    default_out, _ = sim_all
    assert json.loads((default_out / "truth.json").read_text())["defects"] == []


def test_refuses_a_folder_with_other_files(tmp_path):
    import pytest

    from aiaudit.core.errors import InputError

    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        simulate(tmp_path, days=1, scale=0.01)
    assert (tmp_path / "notes.txt").read_text() == "mine"
