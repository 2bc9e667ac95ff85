"""Fixtures for the AWS backend: real boto3 clients against Stubber, a small in-memory Logs Insights
fake for splitting, and never real AWS (dummy credentials, no network)."""

from __future__ import annotations

import pytest


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
