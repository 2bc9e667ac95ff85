"""The notebooks' questions by name: one function per notebook, and the planted incidents each answers.

Why a registry: notebooks, tests and the simulator's ``truth.json`` (``expected.notebooks``) must agree on
names; :data:`SCENARIOS` says which simulated scenarios each notebook is expected to surface, which is
what the notebook tests assert with :func:`aiaudit.core.findings.covers`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiaudit.core.findings import findings_frame
from aiaudit.notebooks.questions import agents, content, detected, guardrails
from aiaudit.notebooks.questions.agents import agent_failure_triage, agent_tool_scope, least_privilege, session_focus
from aiaudit.notebooks.questions.common import Answer, values
from aiaudit.notebooks.questions.content import request_focus, who_asked_what
from aiaudit.notebooks.questions.cost import cost_attribution
from aiaudit.notebooks.questions.dashboard import overview_dashboard
from aiaudit.notebooks.questions.detections import detections
from aiaudit.notebooks.questions.gateway import gateway_caller_credentials
from aiaudit.notebooks.questions.guardrails import guardrail_weakened
from aiaudit.notebooks.questions.health import telemetry_health

__all__ = ["JOINS", "QUESTIONS", "READS", "SCENARIOS", "Answer", "answer", "request_focus", "session_focus"]

QUESTIONS: dict[str, Callable[..., Answer]] = {
    "who_asked_what": who_asked_what,
    "agent_failure_triage": agent_failure_triage,
    "guardrail_weakened": guardrail_weakened,
    "least_privilege": least_privilege,
    "gateway_caller_credentials": gateway_caller_credentials,
    "agent_tool_scope": agent_tool_scope,
    "overview_dashboard": overview_dashboard,
    "detections": detections,
    "cost_attribution": cost_attribution,
    "telemetry_health": telemetry_health,
}

#: Simulator scenarios (``aiaudit simulate``) whose incidents each notebook's findings must cover.
SCENARIOS: dict[str, tuple[str, ...]] = {
    "who_asked_what": ("prompt-injection",),
    "agent_failure_triage": ("agent-least-privilege",),
    "guardrail_weakened": ("guardrail-weakened",),
    "least_privilege": ("agent-least-privilege",),
    "gateway_caller_credentials": ("gateway-credentials",),
    "agent_tool_scope": ("out-of-scope-tools",),
    "overview_dashboard": ("unauthorized-access", "audit-tampering", "trail-coverage-reduced"),
    "detections": (
        "guardrail-weakened",
        "audit-tampering",
        "agent-least-privilege",
        "out-of-scope-tools",
        "llmjacking",
        "trail-coverage-reduced",
        "long-term-key-llmjacking",
        "bedrock-api-key-misuse",
        "agentcore-role-outside-runtime",
        "knowledge-base-poisoning",
    ),
    "cost_attribution": ("cost-spike", "llmjacking"),
    "telemetry_health": ("audit-tampering", "trail-coverage-reduced", "telemetry-gap"),
}

#: Notebooks allowed medium+ findings on a simulation with no incidents, and why.
BASELINE_EXCEPTIONS = {
    "detections": "reports the catalogue verbatim: guide queries Q07/Q08/Q21 flag every AI configuration "
    "change at medium, including the baseline's planned guardrail release",
}


#: What each question reads. A pipeline missing in range is said once in the answer's notes, in words a
#: user can act on (what it would have shown, how it is collected) — never a silently empty table.
READS: dict[str, tuple[str, ...]] = {
    "who_asked_what": ("invocations", "cloudtrail", "spans"),
    "agent_failure_triage": ("spans", "cloudtrail", "invocations"),
    "guardrail_weakened": ("cloudtrail", "invocations"),
    "least_privilege": ("cloudtrail", "spans"),
    "gateway_caller_credentials": ("cloudtrail", "cloudtrail-data"),
    "agent_tool_scope": ("spans", "cloudtrail"),
    "overview_dashboard": ("cloudtrail", "cloudtrail-data", "invocations", "spans", "runtime_logs"),
    "detections": ("cloudtrail", "cloudtrail-data", "invocations", "spans", "runtime_logs"),
    "cost_attribution": ("invocations", "cloudtrail"),
    "telemetry_health": ("cloudtrail", "cloudtrail-data", "invocations", "spans", "runtime_logs"),
}


#: The join each question is answered from, by name (the notebooks spell it out in a cell of its own).
JOINS: dict[str, Callable[[Any], Any]] = {
    "who_asked_what": content.join,
    "agent_failure_triage": agents.join,
    "least_privilege": agents.join,
    "guardrail_weakened": guardrails.join,
}


def answer(name: str, inv: Any, joined: Any = None) -> Answer:
    """Run the question of notebook ``name`` (on the notebook's ``joined`` frame when it passes one); its
    notes start with what the source cannot show for it."""
    result = QUESTIONS[name](inv, joined) if joined is not None else QUESTIONS[name](inv)
    result.notes[:0] = inv.limitations(READS[name])
    if name in detected.RELATED:
        found = detected.for_question(inv, name)
        result.tables["detections"] = findings_frame(found)
        result.findings = detected.reuse(result.findings, found)
    return result


def principals_in_range(inv: Any) -> list[str]:
    """Normalised principals seen in CloudTrail and invocation logs in range (the principal picker)."""
    found = set(values(inv.tel.projection("cloudtrail", inv.time_range), ("principal",)))
    found |= set(values(inv.tel.projection("invocations", inv.time_range), ("principal",)))
    return sorted(found)
