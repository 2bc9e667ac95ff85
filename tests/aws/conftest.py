"""Fixtures for the AWS backend: real boto3 clients against Stubber, a small in-memory Logs Insights
fake for splitting, ``aiaudit emulate`` on loopback over a simulated organisation, and never real AWS
(dummy credentials, no network beyond loopback)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import aiaudit
from aiaudit.simulate import simulate
from aiaudit.sources.aws.emulator import Emulator, serve, url_of


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch, tmp_path):
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("AIAUDIT_CONFIG", str(tmp_path / "aiaudit.toml"))
    (tmp_path / "aiaudit.toml").write_text("", encoding="utf-8")
    for name in list(__import__("os").environ):
        if name.startswith("AIAUDIT_AWS_") or name == "AIAUDIT_NO_CACHE":
            monkeypatch.delenv(name, raising=False)


#: Rows per query the emulator returns: small, so projections are split by time to receive every row.
CAP = 2000
#: The named source ``emu``: the emulator's groups for each pipeline (the simulator's group names).
EMU_SOURCE = (
    '[sources.emu]\nkind = "aws"\nregions = ["us-east-1"]\n[sources.emu.log_groups]\n'
    'cloudtrail = "cloudtrail"\ninvocations = "bedrock-model-invocation-logging"\nspans = "aws/spans"\n'
    'runtime_logs = "/aws/bedrock-agentcore/runtimes/"\n'
)


@pytest.fixture
def simulated(tmp_path):
    """``simulated(days)`` → (data folder, truth window): a simulated organisation written once per test."""

    def make(days: int, *, seed: int = 13, scale: float = 0.1) -> tuple[Path, dict[str, str]]:
        data = tmp_path / "data"
        simulate(data, days=days, seed=seed, scale=scale)
        return data, json.loads((data / "truth.json").read_text())["window"]

    return make


@pytest.fixture
def emulated_aws(tmp_path, monkeypatch):
    """``with emulated_aws(data) as emulator``: ``aiaudit emulate`` on loopback serving the local folder
    ``data``, reachable through real boto3 as the named source ``emu`` (an ``aiaudit.toml`` with the
    folder's ``[environment]``, found through ``AIAUDIT_CONFIG`` by notebook kernels too). ``emulator.queries``
    holds every StartQuery it answered; ``config`` replaces the source's table, ``env`` adds variables."""

    @contextmanager
    def serving(
        data: Path,
        *,
        cap: int = CAP,
        group_facts: dict[str, dict[str, Any]] | None = None,
        config: str | None = None,
        env: dict[str, str] | None = None,
    ) -> Iterator[Emulator]:
        toml = tmp_path / "aiaudit.toml"
        if config is None:
            environment = (data / "aiaudit.toml").read_text(encoding="utf-8").split("\n[environment]\n", 1)[1]
            config = EMU_SOURCE + "\n[environment]\n" + environment
        toml.write_text(config, encoding="utf-8")
        aiaudit.connect(f"local:{data}").close()  # ingested once (a test may not have read it locally)
        with aiaudit.connect(f"local:{data}", read_only=True) as backend:
            emulator = Emulator(backend, cap=cap, group_facts=group_facts)
            server = serve(emulator)
            try:
                settings = {
                    "AIAUDIT_CONFIG": str(toml),
                    "AWS_ENDPOINT_URL": url_of(server),
                    "AIAUDIT_NO_CACHE": "1",
                    **(env or {}),
                }
                for name, value in settings.items():
                    monkeypatch.setenv(name, value)
                yield emulator
            finally:
                server.shutdown()

    return serving
