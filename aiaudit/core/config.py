"""``aiaudit.toml``: named sources and the environment baseline.

Why strict: a misspelled key in a security tool's config silently turns a check off (msticpy#182 is the
same failure for query parameters). Unknown keys are errors that name the key and the file.

Looked up in the current directory, then ``~/.config/aiaudit/``; ``AIAUDIT_CONFIG`` names a file
explicitly. Nothing about a particular dataset lives in the library: detections and notebooks read
the baseline from here (``Config.environment``).
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiaudit.core.errors import InputError
from aiaudit.core.timerange import parse_duration  # local import: timerange imports nothing from here

PIPELINES = ("cloudtrail", "invocations", "spans", "runtime_logs")

#: Default local log-group names per pipeline (DESIGN §3). ``runtime_logs`` is a prefix.
DEFAULT_LOG_GROUPS: dict[str, str] = {
    "cloudtrail": "cloudtrail",
    "invocations": "bedrock-model-invocation-logging",
    "spans": "aws/spans",
    "runtime_logs": "/aws/bedrock-agentcore/runtimes/",
}

CONFIG_NAME = "aiaudit.toml"


@dataclass(frozen=True)
class ModelPrice:
    """USD per 1,000 tokens."""

    input_per_1k: float
    output_per_1k: float
    cache_read_per_1k: float = 0.0
    cache_write_per_1k: float = 0.0


@dataclass(frozen=True)
class Environment:
    """The baseline detections and notebooks compare against (``[environment]``)."""

    corporate_cidrs: tuple[str, ...] = ()
    expected_regions: tuple[str, ...] = ()
    expected_models: dict[str, tuple[str, ...]] = field(default_factory=dict)
    break_glass_roles: tuple[str, ...] = ()
    #: role ARNs whose configuration changes are planned (deploy pipelines): change detections report them as
    #: info, and the change alarms' filter patterns leave them out
    change_roles: tuple[str, ...] = ()
    agent_tools: dict[str, tuple[str, ...]] = field(default_factory=dict)
    model_prices: dict[str, ModelPrice] = field(default_factory=dict)
    default_lookback: str = "30d"
    accounts: tuple[str, ...] = ()
    #: entry id -> parameter -> value (``[environment.thresholds]``, keys ``"X20.min_calls"``): a site's own
    #: thresholds, applied to every run of the entry (explicit parameters still win)
    thresholds: dict[str, dict[str, Any]] = field(default_factory=dict)

    def thresholds_for(self, entry_id: str) -> dict[str, Any]:
        """The ``[environment.thresholds]`` values of one entry (empty when none are set)."""
        return dict(self.thresholds.get(entry_id, {}))

    def ip_is_corporate(self, ip: str | None) -> bool:
        """True when ``ip`` falls in a configured corporate/NAT/VPC range."""
        if not ip:
            return False
        try:
            address = ipaddress.ip_address(str(ip).strip())
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(cidr, strict=False) for cidr in self.corporate_cidrs)

    def price_for(self, model_id: str | None) -> ModelPrice | None:
        """Longest configured key that ``model_id`` contains (so ``anthropic.claude-3-haiku`` prices every
        haiku version)."""
        if not model_id:
            return None
        best = [key for key in self.model_prices if key in model_id]
        return self.model_prices[max(best, key=len)] if best else None


@dataclass(frozen=True)
class SourceConfig:
    """One ``[sources.NAME]`` table."""

    name: str
    kind: str  # "local" | "aws"
    path: str | None = None
    cache_dir: str | None = None
    profile: str | None = None
    regions: tuple[str, ...] = ()
    log_groups: dict[str, str] = field(default_factory=dict)
    #: the cost guard of an aws source: refuse a query or run estimated to scan more (0: no limit)
    max_scan_gb: float = 0.0
    #: member accounts of an aws source, each reached by assuming ``role`` (sources/aws/accounts.py)
    accounts: tuple[str, ...] = ()
    role: str | None = None
    #: a CloudWatch cross-account observability monitoring account: ``accounts`` are its linked source
    #: accounts, read through ``logGroupIdentifiers`` (ARNs) with the source's own credentials, no role
    monitoring: bool = False


@dataclass(frozen=True)
class Config:
    sources: dict[str, SourceConfig] = field(default_factory=dict)
    environment: Environment = field(default_factory=Environment)
    path: Path | None = None
    #: the suppressions file (``suppressions = "..."``, relative to the config file), for reports and ``detect``
    suppressions: str | None = None

    def log_groups(self, source: str | None = None) -> dict[str, str]:
        """Pipeline -> log group, defaults filled in."""
        groups = dict(DEFAULT_LOG_GROUPS)
        if source and source in self.sources:
            groups.update(self.sources[source].log_groups)
        return groups


# --- schema ---------------------------------------------------------------------------------------
_TOP_KEYS = {"sources", "environment", "suppressions"}
_SOURCE_KEYS = {
    "kind",
    "path",
    "cache_dir",
    "profile",
    "regions",
    "log_groups",
    "max_scan_gb",
    "accounts",
    "role",
    "monitoring",
}
#: ``arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME`` (``:*`` accepted and dropped, as StartQuery wants it)
LOG_GROUP_ARN = re.compile(
    r"^arn:(aws|aws-cn|aws-us-gov|aws-iso[a-z-]*):logs:([a-z0-9-]+):(\d{12}):log-group:([\w./#-]+)$"
)
#: StartQuery takes at most 50 log groups (``logGroupIdentifiers``)
MAX_IDENTIFIERS = 50
_ENV_KEYS = {
    "corporate_cidrs",
    "expected_regions",
    "expected_models",
    "break_glass_roles",
    "change_roles",
    "agent_tools",
    "model_prices",
    "default_lookback",
    "accounts",
    "thresholds",
}
_PRICE_KEYS = {"input_per_1k", "output_per_1k", "cache_read_per_1k", "cache_write_per_1k"}


def find_config(start: Path | None = None) -> Path | None:
    """``$AIAUDIT_CONFIG``, else ``./aiaudit.toml``, else ``~/.config/aiaudit/aiaudit.toml``."""
    explicit = os.environ.get("AIAUDIT_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise InputError(f"AIAUDIT_CONFIG names {path}, which is not a file", where="AIAUDIT_CONFIG")
        return path
    for candidate in ((start or Path.cwd()) / CONFIG_NAME, Path.home() / ".config" / "aiaudit" / CONFIG_NAME):
        if candidate.is_file():
            return candidate
    return None


def load_config(path: str | Path | None = None) -> Config:
    """Read and validate a config file; with no file anywhere, the empty default config."""
    resolved = Path(path) if path else find_config()
    if resolved is None:
        return Config()
    try:
        raw = tomllib.loads(Path(resolved).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", where=str(resolved)) from None
    except OSError as exc:
        raise InputError(f"cannot read config: {exc}", where=str(resolved)) from None
    return parse_config(raw, source_file=str(resolved))


def parse_config(raw: dict[str, Any], *, source_file: str = "aiaudit.toml") -> Config:
    """Validate a parsed TOML document against the schema."""
    _unknown(raw, _TOP_KEYS, source_file, "")
    sources: dict[str, SourceConfig] = {}
    for name, table in _table(raw.get("sources", {}), source_file, "sources").items():
        sources[name] = _parse_source(name, _table(table, source_file, f"sources.{name}"), source_file)
    environment = _parse_environment(_table(raw.get("environment", {}), source_file, "environment"), source_file)
    suppressions = raw.get("suppressions")
    if suppressions is not None:
        _expect(suppressions, str, source_file, "suppressions")
        if not os.path.isabs(suppressions):
            suppressions = str((Path(source_file).parent / suppressions).resolve())
    return Config(sources=sources, environment=environment, path=Path(source_file), suppressions=suppressions)


def _parse_source(name: str, table: dict[str, Any], file: str) -> SourceConfig:
    where = f"sources.{name}"
    _unknown(table, _SOURCE_KEYS, file, where)
    kind = table.get("kind")
    if kind not in ("local", "aws"):
        raise InputError(f"{where}.kind must be 'local' or 'aws', not {kind!r}", where=file)
    if kind == "local" and not table.get("path"):
        raise InputError(f"{where}: a local source needs path = '...'", where=file)
    groups = _table(table.get("log_groups", {}), file, f"{where}.log_groups")
    _unknown(groups, set(PIPELINES), file, f"{where}.log_groups")
    for key, value in groups.items():
        _expect(value, str, file, f"{where}.log_groups.{key}")
    regions = tuple(_str_list(table.get("regions", []), file, f"{where}.regions"))
    if kind == "aws" and not regions:
        raise InputError(f"{where}: an aws source needs regions = ['us-east-1', ...]", where=file)
    for key in ("path", "cache_dir", "profile"):
        if key in table:
            _expect(table[key], str, file, f"{where}.{key}")
    limit = table.get("max_scan_gb", 0.0)
    if not isinstance(limit, int | float) or isinstance(limit, bool) or limit < 0:
        raise InputError(f"{where}.max_scan_gb must be a number of GB, 0 or more (0: no limit)", where=file)
    accounts = tuple(_str_list(table.get("accounts", []), file, f"{where}.accounts"))
    for account in accounts:
        if len(account) != 12 or not account.isdigit():
            raise InputError(f"{where}.accounts: {account!r} is not a 12-digit AWS account id", where=file)
    if len(set(accounts)) != len(accounts):
        raise InputError(f"{where}.accounts: an account is named twice", where=file)
    role = table.get("role")
    if role is not None:
        _expect(role, str, file, f"{where}.role")
    monitoring = table.get("monitoring", False)
    _expect(monitoring, bool, file, f"{where}.monitoring")
    arns = {}
    for key, value in list(groups.items()):
        if value.startswith("arn:"):
            found = LOG_GROUP_ARN.match(value.removesuffix(":*"))
            if not found:
                raise InputError(
                    f"{where}.log_groups.{key}: {value!r} is not a log-group ARN "
                    "(arn:aws:logs:REGION:ACCOUNT:log-group:NAME)",
                    where=file,
                )
            if found.group(2) not in regions:
                raise InputError(
                    f"{where}.log_groups.{key}: the ARN's region {found.group(2)} is not one of regions = "
                    f"{list(regions)} (a monitoring account reads linked accounts in its own region)",
                    where=file,
                )
            groups[key] = arns[key] = value.removesuffix(":*")
    if arns and kind != "aws":
        raise InputError(f"{where}.log_groups: log groups named by ARN need kind = 'aws'", where=file)
    if (arns or monitoring) and role:
        raise InputError(
            f"{where}: role assumes into each account, while "
            + ("monitoring = true" if monitoring else f"log_groups.{next(iter(arns))} (an ARN)")
            + " reads linked accounts through a CloudWatch cross-account observability monitoring account "
            "with its own credentials: use one form",
            where=file,
        )
    if arns and not monitoring:
        monitoring = True  # log groups named by ARN are only readable from a monitoring account
    if monitoring and not accounts and not arns:
        raise InputError(
            f"{where}: monitoring = true needs accounts = ['111122223333', ...] (the linked source accounts) "
            "or log groups named by ARN",
            where=file,
        )
    if monitoring and len(accounts) > MAX_IDENTIFIERS:
        raise InputError(
            f"{where}.accounts: {len(accounts)} linked accounts; StartQuery reads at most {MAX_IDENTIFIERS} "
            "log groups: split the source",
            where=file,
        )
    if accounts and not role and not monitoring:
        raise InputError(
            f"{where}: accounts need role = 'NAME' (the role to assume in each), or monitoring = true "
            "(linked accounts read from a monitoring account)",
            where=file,
        )
    if role and not accounts:
        raise InputError(
            f"{where}: role is assumed in the listed accounts: add accounts = ['111122223333', ...]", where=file
        )
    path = table.get("path")
    if path and kind == "local" and not os.path.isabs(path):
        path = str((Path(file).parent / path).resolve())
    return SourceConfig(
        name=name,
        kind=kind,
        path=path,
        cache_dir=table.get("cache_dir"),
        profile=table.get("profile"),
        regions=regions,
        log_groups=dict(groups),
        max_scan_gb=float(limit),
        accounts=accounts,
        role=role,
        monitoring=monitoring,
    )


def _parse_environment(table: dict[str, Any], file: str) -> Environment:
    _unknown(table, _ENV_KEYS, file, "environment")
    cidrs = tuple(_str_list(table.get("corporate_cidrs", []), file, "environment.corporate_cidrs"))
    for cidr in cidrs:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise InputError(f"environment.corporate_cidrs: {cidr!r} is not a CIDR range", where=file) from None
    models = {
        role: tuple(_str_list(value, file, f"environment.expected_models.{role}"))
        for role, value in _table(table.get("expected_models", {}), file, "environment.expected_models").items()
    }
    tools = {
        agent: tuple(_str_list(value, file, f"environment.agent_tools.{agent}"))
        for agent, value in _table(table.get("agent_tools", {}), file, "environment.agent_tools").items()
    }
    prices: dict[str, ModelPrice] = {}
    for model, spec in _table(table.get("model_prices", {}), file, "environment.model_prices").items():
        where = f"environment.model_prices.{model}"
        spec = _table(spec, file, where)
        _unknown(spec, _PRICE_KEYS, file, where)
        for key in ("input_per_1k", "output_per_1k"):
            if key not in spec:
                raise InputError(f"{where} needs {key}", where=file)
        for key, value in spec.items():
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise InputError(f"{where}.{key} must be a non-negative number", where=file)
        prices[model] = ModelPrice(**{k: float(v) for k, v in spec.items()})
    lookback = table.get("default_lookback", "30d")
    _expect(lookback, str, file, "environment.default_lookback")

    try:
        parse_duration(lookback)
    except InputError as exc:
        raise InputError(f"environment.default_lookback: {exc}", where=file) from None
    thresholds = _parse_thresholds(_table(table.get("thresholds", {}), file, "environment.thresholds"), file)
    return Environment(
        corporate_cidrs=cidrs,
        expected_regions=tuple(_str_list(table.get("expected_regions", []), file, "environment.expected_regions")),
        expected_models=models,
        break_glass_roles=tuple(_str_list(table.get("break_glass_roles", []), file, "environment.break_glass_roles")),
        agent_tools=tools,
        model_prices=prices,
        default_lookback=lookback,
        accounts=tuple(_str_list(table.get("accounts", []), file, "environment.accounts")),
        thresholds=thresholds,
        change_roles=_change_roles(table.get("change_roles", []), file),
    )


def _parse_thresholds(table: dict[str, Any], file: str) -> dict[str, dict[str, Any]]:
    """``"X20.min_calls" = 800`` -> ``{"X20": {"min_calls": 800}}``. Whether the entry has that parameter, and
    whether the value has its type, is checked where entries are known (a run names the key when it is wrong)."""
    out: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        entry_id, dot, name = str(key).partition(".")
        if not dot or not entry_id or not name:
            raise InputError(
                f'environment.thresholds.{key}: write "ENTRY.parameter" = value (e.g. "X20.min_calls" = 800)',
                where=file,
            )
        if isinstance(value, dict):
            raise InputError(f"environment.thresholds.{key} must be a value, not a table", where=file)
        out.setdefault(entry_id, {})[name] = value
    return out


def _change_roles(value: Any, file: str) -> tuple[str, ...]:
    """Role ARNs (``arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME``); anything else names the entry."""
    roles = _str_list(value, file, "environment.change_roles")
    for role in roles:
        parts = role.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam" or not parts[5].startswith("role/"):
            raise InputError(
                f"environment.change_roles: {role!r} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
                where=file,
            )
    return tuple(roles)


def _unknown(table: dict[str, Any], allowed: set[str], file: str, where: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        prefix = f"{where}." if where else ""
        raise InputError(
            f"unknown key {prefix}{extra[0]} (allowed here: {', '.join(sorted(allowed))})",
            where=file,
        )


def _table(value: Any, file: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{where} must be a table", where=file)
    return value


def _expect(value: Any, kind: type, file: str, where: str) -> None:
    if not isinstance(value, kind):
        raise InputError(f"{where} must be a {kind.__name__}, not {type(value).__name__}", where=file)


def _str_list(value: Any, file: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InputError(f"{where} must be a list of strings", where=file)
    return value
