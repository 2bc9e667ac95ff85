"""Which CloudTrail events are model calls, configuration changes, credential retrievals.

The lists come from the one vocabulary (:mod:`aiaudit.core.vocabulary`); this module holds the tests
built on them, so the timeline's change markers, the gap checks and the correlations agree.
"""

from __future__ import annotations

import pandas as pd

from aiaudit.core.vocabulary import words

#: Bedrock runtime calls that write a model invocation log record (operation names are the same).
MODEL_CALLS = frozenset(words("invocation_logged_operations"))
BEDROCK_SOURCES = frozenset(words("bedrock_sources"))

#: Verbs of control-plane actions that change configuration (CloudTrail ``eventName`` prefixes).
CHANGE_VERBS = words("change_verbs")

#: Changes to an existing guardrail.
GUARDRAIL_CHANGES = frozenset(words("guardrail_modify_events"))

#: AgentCore Identity calls that hand a runtime a credential (guide Q14: token vault, OAuth2, API keys).
CREDENTIAL_EVENTS = frozenset(words("agentcore_credential_events"))
CREDENTIAL_TYPES = frozenset(words("agentcore_credential_types"))
#: Calls that set (or remove) a Region's Bedrock model invocation logging: the next one ends the window the
#: previous one may have blinded.
INVOCATION_LOGGING_CHANGES = frozenset(words("invocation_logging_events"))
#: CloudTrail calls after which a trail may record or deliver less (stopped, deleted, reconfigured, selectors
#: replaced).
TRAIL_BLINDING_CHANGES = frozenset(words("trail_blinding_events"))
#: Every call that changes what a trail records: the blinding ones and those that restore a trail.
TRAIL_STATE_CHANGES = TRAIL_BLINDING_CHANGES | frozenset(words("trail_restoring_events"))
#: Control-plane calls that (re)configure which backend serves a gateway target.
GATEWAY_TARGET_CHANGES = frozenset(words("gateway_target_events"))
#: Changes that alter what is recorded or enforced (audit and invocation logging, trails, guardrails, IAM
#: roles and policies, gateways): the list catalogue Q07 reports, not every write API (``PutObject``).
SECURITY_CHANGES = frozenset(
    name
    for concept in (
        "logging_change_events",
        "trail_change_events",
        "guardrail_change_events",
        "iam_role_policy_events",
        "gateway_config_events",
    )
    for name in words(concept)
)


def is_model_call(cloudtrail: pd.DataFrame) -> pd.Series:
    """CloudTrail rows that are Bedrock runtime model calls."""
    if cloudtrail.empty:
        return pd.Series(False, index=cloudtrail.index, dtype=bool)
    return (
        cloudtrail["eventSource"].isin(BEDROCK_SOURCES).fillna(False)
        & cloudtrail["eventName"].isin(MODEL_CALLS).fillna(False)
    ).astype(bool)


def is_change(cloudtrail: pd.DataFrame) -> pd.Series:
    """CloudTrail rows that changed configuration: a change verb, and the call did not fail."""
    if cloudtrail.empty:
        return pd.Series(False, index=cloudtrail.index, dtype=bool)
    names = cloudtrail["eventName"].astype("string").fillna("")
    verb = names.str.startswith(CHANGE_VERBS)
    failed = cloudtrail["is_error"].fillna(False).astype(bool)
    return (verb & ~failed).astype(bool)


def is_security_change(cloudtrail: pd.DataFrame) -> pd.Series:
    """CloudTrail rows that changed security-relevant configuration (:data:`SECURITY_CHANGES`) and did not fail."""
    if cloudtrail.empty:
        return pd.Series(False, index=cloudtrail.index, dtype=bool)
    named = cloudtrail["eventName"].isin(SECURITY_CHANGES).fillna(False).astype(bool)
    return (named & ~cloudtrail["is_error"].fillna(False).astype(bool)).astype(bool)


def guardrail_key(value: object) -> str | None:
    """A guardrail's id from an id or an ARN (the last alphanumeric run, as catalogue Q21 extracts it)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return None
    text = str(value).strip()
    if not text:
        return None
    tail = text.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return tail or None


def is_credential_retrieval(cloudtrail: pd.DataFrame) -> pd.Series:
    """CloudTrail rows where an AgentCore runtime (``inScopeOf.credentialsIssuedTo``) fetched a credential."""
    if cloudtrail.empty:
        return pd.Series(False, index=cloudtrail.index, dtype=bool)
    named = cloudtrail["eventName"].isin(CREDENTIAL_EVENTS).fillna(False)
    typed = cloudtrail["resource_type"].isin(CREDENTIAL_TYPES).fillna(False)
    agentcore = cloudtrail["eventSource"].eq("bedrock-agentcore.amazonaws.com").fillna(False)
    runtime = cloudtrail["runtime_arn"].notna()
    return (agentcore & (named | typed) & runtime).astype(bool)
