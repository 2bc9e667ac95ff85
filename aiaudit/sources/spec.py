"""Source spec strings: one syntax wherever a source is named (Python, CLI, notebooks, playbooks).

``local:PATH`` · ``aws:PROFILE@REGION[,REGION...]`` (``aws:@REGION`` = default credential chain) · or
the name of a ``[sources.NAME]`` table in ``aiaudit.toml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from aiaudit.core.config import Config, SourceConfig, load_config
from aiaudit.core.errors import InputError

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class SourceSpec:
    """A parsed spec: what ``connect()`` needs to build a backend."""

    kind: str  # "local" | "aws"
    text: str
    path: Path | None = None
    cache_dir: Path | None = None
    profile: str | None = None
    regions: tuple[str, ...] = ()
    log_groups: dict[str, str] = field(default_factory=dict)
    name: str | None = None  # the config name, when the spec was a name
    accounts: tuple[str, ...] = ()  # aws: member accounts, each reached by assuming ``role``
    role: str | None = None
    #: aws: a cross-account observability monitoring account reading ``accounts``' groups by ARN
    monitoring: bool = False

    def __str__(self) -> str:
        return self.text


def _exists(path: str) -> bool:
    """``Path.exists`` that says False for names the OS refuses (too long: found by fuzzing)."""
    try:
        return Path(path).exists()
    except (OSError, ValueError):
        return False


def parse_spec(text: str, config: Config | None = None) -> SourceSpec:
    """Parse a spec string; names are looked up in ``config`` (default: the discovered aiaudit.toml)."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("empty source spec (use local:PATH, aws:PROFILE@REGION or a configured name)", where="source")
    raw = text.strip()
    if raw.startswith("local:"):
        path = raw[len("local:") :]
        if not path:
            raise InputError("local: needs a path, e.g. local:./data", where="source")
        if "\x00" in path:  # found by fuzzing: the OS refuses such paths later with a bare ValueError
            raise InputError("a path cannot contain a NUL character", where="source")
        try:
            expanded = Path(path).expanduser()
        except RuntimeError:  # '~someone' with no such user (found by fuzzing)
            raise InputError(f"cannot expand {path.split('/')[0]!r}: no such user", where="source") from None
        return SourceSpec(kind="local", text=raw, path=expanded)
    if raw.startswith("aws:"):
        return _parse_aws(raw)
    if ":" in raw.split("/")[0] and not _exists(raw):
        prefix = raw.split(":", 1)[0]
        raise InputError(f"unknown source kind {prefix!r} in {raw!r} (use local: or aws:)", where="source")
    if not _NAME.match(raw):
        raise InputError(f"{raw!r} is neither local:PATH, aws:PROFILE@REGION nor a source name", where="source")
    cfg = config if config is not None else load_config()
    if raw not in cfg.sources:
        known = ", ".join(sorted(cfg.sources)) or "none configured"
        where = str(cfg.path) if cfg.path else "aiaudit.toml"
        raise InputError(f"no source named {raw!r} (known: {known})", where=where)
    return from_source_config(cfg.sources[raw])


def from_source_config(source: SourceConfig) -> SourceSpec:
    if source.kind == "local":
        return SourceSpec(
            kind="local",
            text=source.name,
            path=Path(source.path or ".").expanduser(),
            cache_dir=Path(source.cache_dir).expanduser() if source.cache_dir else None,
            log_groups=dict(source.log_groups),
            name=source.name,
        )
    return SourceSpec(
        kind="aws",
        text=source.name,
        profile=source.profile,
        regions=source.regions,
        log_groups=dict(source.log_groups),
        name=source.name,
        accounts=source.accounts,
        role=source.role,
        monitoring=source.monitoring,
    )


def _parse_aws(raw: str) -> SourceSpec:
    body = raw[len("aws:") :]
    if "@" not in body:
        raise InputError(f"{raw!r}: write aws:PROFILE@REGION (aws:@REGION for the default chain)", where="source")
    profile, _, region_text = body.rpartition("@")
    regions = tuple(r.strip() for r in region_text.split(",") if r.strip())
    if not regions:
        raise InputError(f"{raw!r}: no region after @", where="source")
    for region in regions:
        if not _REGION.match(region):
            raise InputError(f"{raw!r}: {region!r} is not an AWS region name", where="source")
    if len(set(regions)) != len(regions):
        raise InputError(f"{raw!r}: a region is named twice", where="source")
    return SourceSpec(kind="aws", text=raw, profile=profile or None, regions=regions)


def with_overrides(spec: SourceSpec, **overrides: object) -> SourceSpec:
    """Apply ``connect(spec, **overrides)`` keyword overrides (only fields the spec has)."""
    allowed = {"cache_dir", "profile", "regions", "log_groups"}
    unknown = sorted(set(overrides) - allowed - {"read_only", "config", "ingest"})
    if unknown:
        raise InputError(f"unknown connect() option {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
    values = {k: v for k, v in overrides.items() if k in allowed and v is not None}
    if "cache_dir" in values:
        values["cache_dir"] = Path(str(values["cache_dir"])).expanduser()
    if "regions" in values and isinstance(values["regions"], str):
        values["regions"] = (values["regions"],)
    return replace(spec, **values)  # type: ignore[arg-type]
