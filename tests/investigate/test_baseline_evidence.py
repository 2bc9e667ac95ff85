"""Baselines ("new", "first use") and evidence bundles (records, hashes, queries, manifest)."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest

from aiaudit.core.config import Environment
from aiaudit.core.findings import Finding
from aiaudit.core.timerange import TimeRange
from aiaudit.investigate import Baseline, Telemetry, export_evidence, gaps, verify_evidence

from . import story as S

LOOKBACK = TimeRange("2026-01-10T09:00:00Z", "2026-01-10T10:07:59Z")
WINDOW = TimeRange("2026-01-10T10:08:00Z", "2026-01-10T12:59:59Z")


def test_new_principals_ips_and_first_use(data):
    base = Baseline.build(data, LOOKBACK, Environment())
    assert base.known["principal"] == {S.APP_ROLE, S.AGENT_ROLE}
    assert base.is_new("principal", S.MALLORY) and not base.is_new("principal", S.APP_ROLE)
    assert not base.is_new("source_ip", "10.0.1.5") and base.is_new("source_ip", S.MALLORY_IP)
    assert base.is_new("model", S.MODEL, owner=S.MALLORY) and not base.is_new("model", S.MODEL, owner=S.APP_ROLE)
    assert not base.is_new("tool", "s3_reader", owner="support_agent.DEFAULT")
    ct = Telemetry.of(data).projection("cloudtrail", WINDOW)
    first = base.first_use(ct, "principal")
    assert list(zip(first["value"], first["count"], first["first_time"].astype(str))) == [
        (S.MALLORY, 3, "2026-01-10 10:10:00+00:00")
    ]


def test_environment_extends_the_baseline(data):
    env = Environment(
        corporate_cidrs=("203.0.113.0/24",),
        expected_models={S.MALLORY: (S.MODEL,)},
        agent_tools={"support_agent.DEFAULT": ("web_search",)},
    )
    base = Baseline.build(data, LOOKBACK, env)
    assert not base.is_new("source_ip", S.MALLORY_IP)  # corporate range
    assert not base.is_new("model", S.MODEL, owner=S.MALLORY)
    assert not base.is_new("tool", "web_search", owner="support_agent.DEFAULT")
    assert base.is_new("tool", "shell", owner="support_agent.DEFAULT")


def test_baseline_from_investigation_range_and_width(data):
    base = Baseline.build(data, before=WINDOW, width="68m", environment=Environment())
    assert base.lookback == LOOKBACK


def test_evidence_bundle_folder(store, tr, tmp_path):
    tel = Telemetry.of(store)
    found = gaps(tel, tr, lookback="1h")
    extra = Finding(rule_id="nb:test", severity="low", title="dangling", evidence=["no-such-ptr"])
    manifest = export_evidence(tel, [*found, extra], tmp_path / "bundle", time_range=tr)
    assert len(manifest["records"]) == 3 and manifest["time_range"] == tr.to_dict()
    assert [m["ptr"] for m in manifest["missing"]] == ["no-such-ptr"]
    assert manifest["queries"] == len(tel.queries) > 0
    by_request = {}
    for entry in manifest["records"]:
        body = (tmp_path / "bundle" / entry["file"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == entry["sha256"] and len(body) == entry["bytes"]
        record = json.loads(body)
        by_request[record.get("requestID") or record.get("requestId") or record["attributes"]["aws.request_id"]] = (
            record
        )
    assert by_request[S.R3] == S.CLOUDTRAIL[3]  # the raw record, as exported
    assert by_request[S.R4] == S.INVOCATIONS[2]
    assert by_request[S.R6] == S.SPANS[5]
    queries = json.loads((tmp_path / "bundle" / "queries.json").read_text())
    assert all({"query", "stats", "time_range"} <= set(q) for q in queries)
    assert verify_evidence(tmp_path / "bundle") == []
    (tmp_path / "bundle" / manifest["records"][0]["file"]).write_text("{}")
    assert verify_evidence(tmp_path / "bundle") == [
        f"{manifest['records'][0]['file']}: sha256 differs from the manifest"
    ]


def test_evidence_bundle_zip_is_reproducible(store, tr, tmp_path):
    found = gaps(store, tr, lookback="1h")
    when = TimeRange("2026-02-01T00:00:00Z", "2026-02-01T00:00:00Z").start
    a = export_evidence(store, found, tmp_path / "a.zip", created=when)
    export_evidence(store, found, tmp_path / "b.zip", created=when)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        names = set(archive.namelist())
    assert {"manifest.json", "findings.json", "queries.json"} <= names
    assert {r["file"] for r in a["records"]} <= names
    assert verify_evidence(tmp_path / "a.zip") == []


def test_evidence_needs_known_result_types(store, tmp_path):
    with pytest.raises(TypeError):
        export_evidence(store, [], tmp_path / "x", results=[object()])
