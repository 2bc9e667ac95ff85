"""Knobs of the AWS backend, with defaults chosen to stay well under the account's quotas.

Why a dataclass read from the environment as well as keywords: ``aiaudit.connect()`` is called from
notebooks and playbooks that only pass a spec string, so the few settings an analyst must change
(``AIAUDIT_NO_CACHE``, the projection language when pointing at the emulator) also come from
``AIAUDIT_AWS_*`` variables. Keywords win over the environment.

Quotas (``reference/logs_insights.md`` §3.4) changed over the years (CWLI 4 → 100 concurrent queries,
SQL/PPL 15): the defaults use well under a quarter of the current values, as the awslabs MCP server
does, and every value is configurable rather than hard-coded.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from aiaudit.core.errors import InputError
from aiaudit.core.result import DEFAULT_PRICE_PER_GB

ENV_PREFIX = "AIAUDIT_AWS_"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "aiaudit" / "results"


@dataclass
class AwsOptions:
    """Everything the runner needs besides the query; see ``docs/aws.md``."""

    cwli_concurrency: int = 8  # per region; account quota 100 (older accounts: 30 or 20)
    sql_concurrency: int = 3  # SQL and PPL together, per region; account quota 15
    cwli_limit: int = 10_000  # StartQuery ``limit`` for CWLI; raised to 100,000 when paging is available
    sql_cap: int = 10_000  # rows SQL/PPL return at most (no paging for them)
    page_size: int = 10_000  # GetQueryResults ``maxItems`` when paging
    timeout_s: float = 3600.0  # overall deadline of one ``query()`` call (AWS times a query out at 60 min)
    poll_initial_s: float = 0.5
    poll_max_s: float = 5.0
    sdk_attempts: int = 3  # botocore's own attempts per call (standard retry mode)
    retries: int = 6  # our own retries on throttling / concurrency errors (botocore retries too)
    retry_base_s: float = 0.5
    retry_max_s: float = 20.0
    min_chunk_s: int = 1  # a capped row query is split down to this width; still capped -> reported
    price_per_gb: float = DEFAULT_PRICE_PER_GB
    max_scan_gb: float = 0.0  # the cost guard: refuse a query estimated above this (0: no limit; costguard.py)
    cache: bool = True
    cache_dir: Path = field(default_factory=default_cache_dir)
    cache_settle_s: int = 900  # ranges ending less than this before now are not cached (data still arriving)
    projection_language: str = "cwli"  # how projections read raw events: "cwli" (as AWS) or "sql"
    progress: bool | None = None  # None: a bar when stderr is a terminal
    record_fetch_max: int = 500  # cut @message values fetched whole (GetLogRecord) per query at most
    record_fetch_rate: float = 5.0  # GetLogRecord calls per second at most
    message_cut_at: int = 0  # a @message of exactly this many characters is taken as cut (0: JSON check only)
    sleep: Callable[[float], None] | None = None  # injectable for tests; default time.sleep
    clock: Callable[[], float] | None = None  # injectable for tests; default time.monotonic

    def __post_init__(self) -> None:
        for name in ("cwli_concurrency", "sql_concurrency", "cwli_limit", "sql_cap", "page_size", "min_chunk_s"):
            if int(getattr(self, name)) < 1:
                raise InputError(f"{name} must be at least 1", where=f"aws option {name}")
        if float(self.max_scan_gb) < 0:
            raise InputError("max_scan_gb must be 0 (no limit) or more", where="aws option max_scan_gb")
        if self.projection_language not in ("cwli", "sql"):
            raise InputError("projection_language must be cwli or sql", where="aws option projection_language")
        self.cache_dir = Path(self.cache_dir).expanduser()

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> AwsOptions:
        """Defaults, then ``AIAUDIT_AWS_<NAME>`` variables, then keyword overrides."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for item in fields(cls):
            raw = source.get(ENV_PREFIX + item.name.upper())
            if raw is None or item.name in ("sleep", "clock"):
                continue
            values[item.name] = _coerce(item.name, raw, getattr(cls(), item.name))
        if source.get("AIAUDIT_NO_CACHE", "").strip().lower() in ("1", "true", "yes"):
            values["cache"] = False
        unknown = sorted(set(overrides) - {f.name for f in fields(cls)})
        if unknown:
            raise InputError(f"unknown AWS option {unknown[0]!r}", where="aws options")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> AwsOptions:
        return replace(self, **changes)


def _coerce(name: str, raw: str, default: Any) -> Any:
    where = ENV_PREFIX + name.upper()
    try:
        if isinstance(default, bool) or default is None:
            low = raw.strip().lower()
            if low not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(raw)
            return low in ("1", "true", "yes")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, Path):
            return Path(raw)
    except ValueError:
        raise InputError(f"cannot read {raw!r} as a {type(default).__name__}", where=where) from None
    return raw
