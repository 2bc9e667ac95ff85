"""``aiaudit.connect(spec)``: the one entry point that turns a spec string into a :class:`Source`."""

from __future__ import annotations

from typing import Any

from aiaudit.core.config import Config, load_config
from aiaudit.core.errors import InputError
from aiaudit.sources.aws.source import AwsSource
from aiaudit.sources.base import Source
from aiaudit.sources.local.source import LocalSource
from aiaudit.sources.spec import parse_spec, with_overrides


def connect(spec: str, *, config: Config | None = None, **overrides: Any) -> Source:
    """Open a source.

    ``spec`` is ``local:PATH``, ``aws:PROFILE@REGION[,REGION]`` or a name from ``aiaudit.toml``.
    Overrides: ``cache_dir`` (local store elsewhere, e.g. for a read-only data folder), ``read_only``
    (never ingest; fail if the store is missing), ``ingest`` (False: use the store as it is),
    ``profile``, ``regions``, ``log_groups``.
    """
    cfg = config if config is not None else load_config()
    parsed = with_overrides(parse_spec(spec, cfg), **overrides)
    if parsed.kind == "local":
        return LocalSource(
            parsed,
            cfg,
            read_only=bool(overrides.get("read_only", False)),
            ingest=overrides.get("ingest", True),
        )
    if parsed.kind == "aws":
        return AwsSource(parsed, cfg)
    raise InputError(f"unknown source kind {parsed.kind!r}", where="source")
