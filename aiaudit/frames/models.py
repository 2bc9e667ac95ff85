"""Model ids, runtime ARNs and trace ids: one spelling per model, per agent runtime, per trace.

Why: the same model appears as ``anthropic.claude-3-5-sonnet-20240620-v1:0``, as a cross-Region
inference profile ``us.anthropic...`` / ``eu.`` / ``apac.`` / ``global.`` / ``us-gov.`` / ``jp.`` /
``au.`` (the geographies AWS defines), and as a foundation-model or inference-profile ARN. Detections
and cost tables group by the base model. Application inference profiles, provisioned throughput,
custom and imported models are opaque ids whose base model only the Bedrock API knows; they are kept
whole (the ARN) rather than guessed.

The rules are SQL (``*_nodes`` / ``*_sql``), evaluated inside the projection query; the Python
functions evaluate the same SQL for one value (user input: focus values, pivots, baselines).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from aiaudit.derive import expr as E
from aiaudit.frames.scalar import evaluate

#: Cross-Region inference profile geographies (longest first so ``us-gov.`` wins over ``us.``).
GEO_PREFIXES = ("us-gov.", "global.", "apac.", "us.", "eu.", "jp.", "au.")
_RESOLVABLE_ARN_TYPES = ("foundation-model", "inference-profile")


def _strip_geo(x: str) -> str:
    whens = " ".join(
        f"WHEN starts_with({x}, {E.lit(p)}) AND length({x}) > {len(p)} THEN substr({x}, {len(p) + 1})"
        for p in GEO_PREFIXES
    )
    return f"(CASE {whens} ELSE {x} END)"


def model_lookup(g: E.Graph, x: str, field: str) -> None:
    """:func:`model_nodes` of a field, computed once per distinct value (see ``Graph.lookup``)."""
    g.lookup(field, lambda sub, v: model_nodes(sub, x, v), [f"{x}_model", f"{x}_provider"])


def runtime_lookup(g: E.Graph, x: str, field: str) -> None:
    """:func:`runtime_nodes` of a field, computed once per distinct value (see ``Graph.lookup``)."""
    g.lookup(field, lambda sub, v: runtime_nodes(sub, x, v), [f"{x}_runtime", f"{x}_region", f"{x}_account"])


def model_nodes(g: E.Graph, x: str, raw: str) -> None:
    """``{x}_model`` (the base model id) and ``{x}_provider`` of the model id text ``raw``."""
    g.add(f"{x}_mtext", E.known(raw))
    E.arn_nodes(g, f"{x}_m", f"{x}_mtext")
    kinds = ", ".join(E.lit(k) for k in _RESOLVABLE_ARN_TYPES)
    g.add(
        f"{x}_mbase",
        f"(CASE WHEN {x}_mtext IS NULL THEN NULL WHEN NOT {x}_m_ok THEN {x}_mtext"
        f" WHEN {x}_m_head IN ({kinds}) AND {x}_m_rest <> '' THEN {x}_m_rest END)",
    )
    g.add(f"{x}_model", f"(CASE WHEN {x}_mbase IS NULL THEN {x}_mtext ELSE {_strip_geo(f'{x}_mbase')} END)")
    g.add(
        f"{x}_provider",
        f"(CASE WHEN {x}_model IS NULL OR starts_with({x}_model, 'arn:') OR NOT contains({x}_model, '.')"
        f" THEN NULL ELSE split_part({x}_model, '.', 1) END)",
    )


#: An AgentCore runtime ARN: partition, region, account and runtime id (up to the first ``/`` or ``:``).
RUNTIME_ARN = r"^arn:([^:]*):bedrock-agentcore:([^:]*):([^:]*):runtime/([^/:]+)"


def runtime_of_text(x: str) -> str:
    """An AgentCore runtime ARN without its endpoint or qualifier, from a text (NULL when it is not one):
    ``arn:aws:bedrock-agentcore:R:A:runtime/ID/runtime-endpoint/DEFAULT:DEFAULT`` → ``...:runtime/ID``.
    ``x`` is a plain reference (it may be a list lambda's variable)."""
    parts = f"regexp_extract({E.known(x)}, {E.lit(RUNTIME_ARN)}, ['p', 'r', 'a', 'id'])"
    return E.let(
        parts,
        "_rp",
        "(CASE WHEN _rp.id <> '' THEN 'arn:' || _rp.p || ':bedrock-agentcore:' || _rp.r || ':' || _rp.a"
        " || ':runtime/' || _rp.id END)",
    )


def runtime_nodes(g: E.Graph, x: str, raw: str) -> None:
    """``{x}_runtime`` (see :func:`runtime_of_text`) and ``{x}_region`` / ``{x}_account`` (the ARN's, known)
    of the text ``raw``."""
    g.add(f"{x}_text", E.known(raw))
    E.arn_nodes(g, x, f"{x}_text")
    g.add(f"{x}_runtime", runtime_of_text(f"{x}_text"))


def trace_id_sql(x: str) -> str:
    """OTel trace id, lower-case 32 hex; X-Ray ``1-5759e988-bd862e3fe1be46a994272793`` is converted.
    ``x`` is known, lower-cased text."""
    return (
        f"(CASE WHEN starts_with({x}, '1-') AND strlen({x}) - strlen(replace({x}, '-', '')) = 2"
        f" THEN replace(substr({x}, 3), '-', '') ELSE {x} END)"
    )


# -- Python: one value (user input) ----------------------------------------------------------------


@lru_cache(maxsize=4096)
def _model(text: str) -> tuple[str | None, str | None]:
    g = E.Graph()
    model_nodes(g, "_x", "v")
    model, provider = evaluate(g, text, ["_x_model", "_x_provider"])
    return model, provider


def normalise_model_id(model_id: Any) -> str | None:
    """The base model id: profile prefixes and foundation-model / inference-profile ARNs removed."""
    if model_id is None or isinstance(model_id, (dict, list, bool)):
        return None
    return _model(str(model_id))[0]


def model_provider(model_id: Any) -> str | None:
    """``anthropic`` for ``anthropic.claude-...``; None for opaque ids and ARNs."""
    if model_id is None or isinstance(model_id, (dict, list, bool)):
        return None
    return _model(str(model_id))[1]


@lru_cache(maxsize=4096)
def _runtime(text: str) -> str | None:
    g = E.Graph()
    runtime_nodes(g, "_x", "v")
    return evaluate(g, text, ["_x_runtime"])[0]


def normalise_runtime_arn(value: Any) -> str | None:
    """An AgentCore runtime ARN without its endpoint or qualifier:
    ``arn:aws:bedrock-agentcore:R:A:runtime/ID/runtime-endpoint/DEFAULT:DEFAULT`` → ``...:runtime/ID``.

    Spans carry the endpoint form in ``resource.attributes.cloud.resource_id``; CloudTrail names the
    runtime in ``userIdentity.inScopeOf.credentialsIssuedTo`` and ``resources[].ARN``. Non-runtime
    values give None so callers can coalesce.
    """
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return _runtime(str(value))


@lru_cache(maxsize=4096)
def _trace(text: str) -> str | None:
    g = E.Graph()
    g.add("_x", trace_id_sql(f"lower({E.known('v')})"))
    return evaluate(g, text, ["_x"])[0]


def normalise_trace_id(value: Any) -> str | None:
    """OTel trace id, lower-case 32 hex; X-Ray ``1-5759e988-bd862e3fe1be46a994272793`` is converted."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return _trace(str(value))
