"""Model ids and runtime ARNs: one spelling per model, one per agent runtime.

Why: the same model appears as ``anthropic.claude-3-5-sonnet-20240620-v1:0``, as a cross-Region
inference profile ``us.anthropic...`` / ``eu.`` / ``apac.`` / ``global.`` / ``us-gov.`` / ``jp.`` /
``au.`` (the geographies AWS defines), and as a foundation-model or inference-profile ARN. Detections
and cost tables group by the base model. Application inference profiles, provisioned throughput,
custom and imported models are opaque ids whose base model only the Bedrock API knows; they are kept
whole (the ARN) rather than guessed.
"""

from __future__ import annotations

from typing import Any

from aiaudit.frames.principals import known, parse_arn

#: Cross-Region inference profile geographies (longest first so ``us-gov.`` wins over ``us.``).
GEO_PREFIXES = ("us-gov.", "global.", "apac.", "us.", "eu.", "jp.", "au.")

_RESOLVABLE_ARN_TYPES = {"foundation-model", "inference-profile"}


def normalise_model_id(model_id: Any) -> str | None:
    """The base model id: profile prefixes and foundation-model / inference-profile ARNs removed."""
    s = known(model_id)
    if s is None:
        return None
    arn = parse_arn(s)
    if arn is not None:
        kind, _, rest = arn.resource.partition("/")
        if kind not in _RESOLVABLE_ARN_TYPES or not rest:
            return s
        s = rest
    for prefix in GEO_PREFIXES:
        if s.startswith(prefix) and len(s) > len(prefix):
            return s[len(prefix) :]
    return s


def model_provider(model_id: Any) -> str | None:
    """``anthropic`` for ``anthropic.claude-...``; None for opaque ids and ARNs."""
    base = normalise_model_id(model_id)
    if base is None or base.startswith("arn:") or "." not in base:
        return None
    return base.split(".", 1)[0]


def normalise_runtime_arn(value: Any) -> str | None:
    """An AgentCore runtime ARN without its endpoint or qualifier:
    ``arn:aws:bedrock-agentcore:R:A:runtime/ID/runtime-endpoint/DEFAULT:DEFAULT`` → ``...:runtime/ID``.

    Spans carry the endpoint form in ``resource.attributes.cloud.resource_id``; CloudTrail names the
    runtime in ``userIdentity.inScopeOf.credentialsIssuedTo`` and ``resources[].ARN``. Non-runtime
    values give None so callers can coalesce.
    """
    arn = parse_arn(value)
    if arn is None or arn.service != "bedrock-agentcore":
        return None
    kind, _, rest = arn.resource.partition("/")
    if kind != "runtime" or not rest:
        return None
    runtime_id = rest.split("/", 1)[0].split(":", 1)[0]
    if not runtime_id:
        return None
    return f"arn:{arn.partition}:{arn.service}:{arn.region}:{arn.account}:runtime/{runtime_id}"
