"""The same playbook through ``aws:`` (real boto3 against ``aiaudit emulate`` on loopback) and through
``local:`` gives the same findings — with the emulator's row cap small enough that the AWS backend must
split queries by time to receive every row.

Real processes all the way: the playbook runner starts notebook kernels that talk HTTP to the emulator
served from this test process; they find the named source through ``AIAUDIT_CONFIG``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aiaudit.reports.playbook import get_playbook
from aiaudit.reports.runner import run_playbook

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_playbook_findings_agree_between_local_and_emulated_aws(tmp_path, simulated, emulated_aws):
    data, window = simulated(days=3)
    book = get_playbook("guardrail-tampering", ROOT / "playbooks")
    # unredacted: pseudonyms use a random key per report folder, by design, so two folders differ there
    common = {"start": window["start"], "end": window["end"], "anchor": "now", "progress": False, "redact": False}
    common["notebooks"] = ROOT / "notebooks"

    local = run_playbook(book, source=f"local:{data}", out=tmp_path / "local", **common)
    assert [r.status for r in local.runs] == ["ok"] * len(book.steps)

    with emulated_aws(data) as emulator:
        # live: every notebook queries the emulator itself (tests/aws/test_fetch_once.py: the default)
        remote = run_playbook(book, source="emu", out=tmp_path / "aws", fetch_once=False, **common)

    assert [r.status for r in remote.runs] == ["ok"] * len(book.steps)
    capped = [q for q in emulator.queries.values() if q.statistics["resultCount"] > emulator.cap]
    assert capped, "the cap never bit: the test would not exercise splitting"
    assert len(local.findings) > 0
    assert sorted(f.finding_id for f in remote.findings) == sorted(f.finding_id for f in local.findings)
    assert [f.to_dict() for f in remote.findings] == [f.to_dict() for f in local.findings]
