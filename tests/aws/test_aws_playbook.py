"""The same playbook through ``aws:`` (real boto3 against ``aiaudit emulate`` on loopback) and through
``local:`` gives the same findings — with the emulator's row cap small enough that the AWS backend must
split queries by time to receive every row.

Real processes all the way: the playbook runner starts notebook kernels that talk HTTP to the emulator
served from this test process; they find the named source through ``AIAUDIT_CONFIG``.
"""

from __future__ import annotations

import json
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


def test_playbook_findings_agree_between_local_and_emulated_aws(tmp_path, monkeypatch):
    data = tmp_path / "data"
    simulate(data, days=3, seed=13, scale=0.1)
    window = json.loads((data / "truth.json").read_text())["window"]
    book = get_playbook("guardrail-tampering", ROOT / "playbooks")
    # unredacted: pseudonyms use a random key per report folder, by design, so two folders differ there
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
        emulator = Emulator(backend, cap=CAP)
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
            }.items():
                monkeypatch.setenv(name, value)
            # live: every notebook queries the emulator itself (tests/aws/test_fetch_once.py: the default)
            remote = run_playbook(book, source="emu", out=tmp_path / "aws", fetch_once=False, **common)
        finally:
            server.shutdown()

    assert [r.status for r in remote.runs] == ["ok"] * len(book.steps)
    capped = [q for q in emulator.queries.values() if q.statistics["resultCount"] > CAP]
    assert capped, "the cap never bit: the test would not exercise splitting"
    assert len(local.findings) > 0
    assert sorted(f.finding_id for f in remote.findings) == sorted(f.finding_id for f in local.findings)
    assert [f.to_dict() for f in remote.findings] == [f.to_dict() for f in local.findings]
