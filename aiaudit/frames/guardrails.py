"""Guardrail id, version, action and a one-line assessment summary per invocation.

Why a summary string: assessments are deep per-policy maps keyed by guardrail id; investigations want to
see at a glance *what* fired, in which direction. The summary lists every policy finding as
``<stage>.<policy>:<name>=<action>`` joined by ``"; "``, in record order, e.g.
``input.topic:Bombs=BLOCKED; output.pii:URL=ANONYMIZED``. Policies: ``topic`` (topic name),
``content`` (filter type), ``word`` (custom word), ``managed_word`` (list type, never the matched word),
``pii`` (entity type), ``regex`` (regex name), ``grounding`` (filter type), ``automated_reasoning``.

``guardrail_action`` is ``INTERVENED`` when the body says so (``amazon-bedrock-guardrailAction`` or stop
reason ``guardrail_intervened``), ``NONE`` when a guardrail assessed the call without intervening, and
null when no guardrail is visible in the record. ``guardrail_version`` is only known when the request
body carries ``guardrailConfig`` (Converse); InvokeModel passes it in HTTP headers, which are not logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiaudit.frames.bodies import InputView, OutputView

#: (policy key, list key, short policy name, item field naming the finding)
_POLICIES = (
    ("topicPolicy", "topics", "topic", "name"),
    ("contentPolicy", "filters", "content", "type"),
    ("wordPolicy", "customWords", "word", "match"),
    ("wordPolicy", "managedWordLists", "managed_word", "type"),
    ("sensitiveInformationPolicy", "piiEntities", "pii", "type"),
    ("sensitiveInformationPolicy", "regexes", "regex", "name"),
    ("contextualGroundingPolicy", "filters", "grounding", "type"),
    ("automatedReasoningPolicy", "findings", "automated_reasoning", "type"),
)


@dataclass(frozen=True)
class GuardrailView:
    guardrail_id: str | None = None
    guardrail_version: str | None = None
    guardrail_action: str | None = None
    guardrail_assessment: str | None = None


def summarise(inp: InputView, out: OutputView) -> GuardrailView:
    ids: list[str] = []
    findings: list[str] = []
    for trace in out.guardrail_traces:
        for stage, per_id in trace.items():
            for gid, assessment in per_id.items():
                if gid not in ids:
                    ids.append(gid)
                for entry in assessment if isinstance(assessment, list) else [assessment]:
                    findings.extend(_findings(stage, entry))
    action = out.guardrail_action
    if out.stop_reason == "guardrail_intervened":
        action = "INTERVENED"
    elif action is None and (ids or inp.guardrail_id):
        action = "NONE"
    return GuardrailView(
        guardrail_id=inp.guardrail_id or (ids[0] if ids else None),
        guardrail_version=inp.guardrail_version,
        guardrail_action=action,
        guardrail_assessment="; ".join(findings) or None,
    )


def _findings(stage: str, assessment: Any) -> list[str]:
    if not isinstance(assessment, dict):
        return []
    out: list[str] = []
    for policy, list_key, short, name_key in _POLICIES:
        items = assessment.get(policy, {}).get(list_key) if isinstance(assessment.get(policy), dict) else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                out.append(f"{stage}.{short}:{item.get(name_key)}={item.get('action')}")
    return out
