"""Which log group each pipeline's artefacts read, from a configured source and ``--log-group`` overrides.

Why no CloudTrail default: CloudTrail writes to whatever group the trail names (the guide's
``YOUR_CLOUDTRAIL_LOG_GROUP``); a filter deployed on a guessed name would match nothing, silently. The other
pipelines have the names the guide uses (``bedrock-model-invocation-logging``, ``aws/spans``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from aiaudit.core.config import DEFAULT_LOG_GROUPS, PIPELINES, Config
from aiaudit.core.errors import InputError


def parse_overrides(items: Iterable[str]) -> dict[str, str]:
    """``["cloudtrail=org-trail", ...]`` → ``{"cloudtrail": "org-trail"}`` (``--log-group PIPELINE=GROUP``)."""
    out: dict[str, str] = {}
    for item in items:
        pipeline, sep, group = item.partition("=")
        if not sep or not group.strip():
            raise InputError(f"{item!r}: write PIPELINE=GROUP", where="--log-group")
        if pipeline.strip() not in PIPELINES:
            raise InputError(f"{pipeline!r} is not a pipeline ({', '.join(PIPELINES)})", where="--log-group")
        out[pipeline.strip()] = group.strip()
    return out


def log_groups(config: Config, source: str | None = None, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Pipeline → log group: the guide's names for invocations and spans, then ``[sources.NAME.log_groups]``,
    then the overrides. CloudTrail's group must come from one of the last two."""
    groups = {p: g for p, g in DEFAULT_LOG_GROUPS.items() if p != "cloudtrail"}
    if source:
        if source not in config.sources:
            raise InputError(f"no [sources.{source}] in the configuration", where="--source")
        groups.update(config.sources[source].log_groups)
    groups.update(overrides or {})
    return groups


def group_for(groups: Mapping[str, str], pipeline: str) -> str:
    if pipeline not in groups:
        raise InputError(
            f"no log group for {pipeline}: give --log-group {pipeline}=GROUP, or --source NAME whose "
            f"[sources.NAME.log_groups] names it",
            where="--log-group",
        )
    return groups[pipeline]
