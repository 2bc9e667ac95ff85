"""Credentials used where they should not be: long-term keys, Bedrock API keys, AgentCore execution roles,
and IAM changes that hand out new ways in (X16, X22, X23, X31).

Why judged on the credential and not on the call: each of these calls is ordinary for someone — the
console checks model availability, an agent reads S3, an administrator creates access keys. What makes
them an incident is *which credential* made them: a long-term access key (``AKIA…``) never signs for
the console; the IAM user behind a Bedrock API key exists only to call Bedrock; an AgentCore execution
role's session lives inside its runtime (its SDK stamps ``exec-env/AWS_BedrockAgentCore`` in the user
agent and it calls from the runtime's addresses); an access key or password is created by a user for
themselves. Request parameters and ``additionalEventData`` are read from the raw events of the few
candidate rows (:meth:`Context.event`), never for every row.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from aiaudit.catalog.context import Context, among, successful
from aiaudit.catalog.registry import detection
from aiaudit.core.findings import Finding
from aiaudit.core.grouping import Group, findings, mask
from aiaudit.core.vocabulary import compile_patterns, matching, patterns

LLMJACK_WINDOW = "24h"


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) or value is pd.NA else str(value)


def _long_term(frame: pd.DataFrame, prefix: str) -> pd.Series:
    return mask(frame, frame["access_key_id"].astype("string").str.startswith(prefix))


def _listed(frame: pd.DataFrame, items: list[list[str]]) -> pd.Series:
    """One list per row, as an object column (pandas would read a list of lists as a 2-D array)."""
    return pd.Series(items, index=frame.index, dtype=object)


def _reasons(frame: pd.DataFrame, column: str) -> str:
    return "; ".join(sorted({r for items in frame[column] for r in items}))


@detection("X16")
def long_term_key_like_console(
    ctx: Context, entry: Any, *, console_events: list[str], key_prefix: str, empty_agent: bool
) -> list[Finding]:
    ct = ctx.in_range("cloudtrail")
    calls = ct[
        among(ct, "eventSource", ["bedrock.amazonaws.com"]) & _long_term(ct, key_prefix) & ct["principal"].notna()
    ].copy()
    browsers = patterns("browser_user_agents")
    why = []
    for name, agent in zip(calls["eventName"].tolist(), calls["userAgent"].tolist(), strict=True):
        reasons = []
        if name in console_events:
            reasons.append(f"console-only {name}")
        ua = _text(agent).strip()
        if matching(ua, browsers):
            reasons.append("browser user agent")
        elif empty_agent and not ua:
            reasons.append("empty user agent")
        why.append(reasons)
    calls["_why"] = _listed(calls, why)
    hits = calls[mask(calls, calls["_why"].map(bool))]
    return findings(
        hits,
        rule_id=entry.id,
        severity=entry.severity,
        title=lambda g: f"{g.subject}: long-term key {g.listing('access_key_id')} used like the console on Bedrock",
        summary=lambda g: (
            f"{g.count} Bedrock call(s) signed with long-term access key {g.listing('access_key_id')} of {g.subject} "
            f"from {g.listing('source_ip')}: {_reasons(g.rows, '_why')}. The console signs with session "
            "credentials, never a long-term key: a stolen key driven by a script or a browser session replaying it."
        ),
        window=LLMJACK_WINDOW,
        resources=lambda g: g.values("access_key_id", "region", "model_id"),
    )


def _bearer(ctx: Context, ptr: str) -> bool:
    extra = ctx.event(ptr).get("additionalEventData") or {}
    flag = extra.get("callWithBearerToken") if isinstance(extra, dict) else None
    return flag is True or str(flag).lower() == "true"


def _request(ctx: Context, ptr: str) -> dict[str, Any]:
    params = ctx.event(ptr).get("requestParameters")
    return params if isinstance(params, dict) else {}


@detection("X22")
def bedrock_api_key_misuse(
    ctx: Context,
    entry: Any,
    *,
    user_prefix: str,
    identity_checks: list[str],
    credential_events: list[str],
    destructive_events: list[str],
) -> list[Finding]:
    ct = ctx.in_range("cloudtrail")
    names = ct["userIdentity.userName"].astype("string").fillna("")
    phantom = mask(ct, (ct["principal_type"] == "IAMUser") & names.str.startswith(user_prefix))
    bedrock = among(ct, "eventSource", ["bedrock.amazonaws.com"])
    outside = ct[phantom & ~bedrock & ~among(ct, "eventName", identity_checks)].copy()
    outside["_why"] = _listed(
        outside,
        [
            [f"{s.split('.')[0]}:{n} (not Bedrock)"]
            for s, n in zip(outside["eventSource"], outside["eventName"], strict=True)
        ],
    )
    granted = ct[among(ct, "eventName", credential_events) & successful(ct)].copy()
    target = [_text(_request(ctx, str(p)).get("userName")) for p in granted["@ptr"]]
    granted["_why"] = _listed(granted, [[f"{n} for {u}"] for n, u in zip(granted["eventName"], target, strict=True)])
    granted = granted[mask(granted, pd.Series([u.startswith(user_prefix) for u in target], index=granted.index))]
    deletes = ct[among(ct, "eventName", destructive_events) & bedrock & successful(ct)].copy()
    deletes = deletes[mask(deletes, pd.Series([_bearer(ctx, str(p)) for p in deletes["@ptr"]], index=deletes.index))]
    deletes["_why"] = _listed(deletes, [[f"{n} with a Bedrock API key"] for n in deletes["eventName"]])
    hits = pd.concat([outside, granted, deletes])
    hits = hits[hits["principal"].notna()]
    return findings(
        hits,
        rule_id=entry.id,
        severity=entry.severity,
        title=lambda g: f"{g.subject}: Bedrock API key misuse ({_reasons(g.rows, '_why')[:120]})",
        summary=lambda g: (
            f"{_reasons(g.rows, '_why')}. The IAM user behind a Bedrock API key ({user_prefix}…) exists only to call "
            "Bedrock; giving it an access key or a password, or using it elsewhere, turns a model key into an account "
            "foothold. A bearer token that deletes guardrails, logging, models or capacity is a model key used to "
            f"blind or break the account. Source: {g.listing('source_ip')}."
        ),
        window=LLMJACK_WINDOW,
        resources=lambda g: g.values("eventName", "region"),
    )


def _execution_roles(ct: pd.DataFrame, runtime_agent: list[Any]) -> set[str]:
    """Principals that are AgentCore execution roles: their sessions are scoped to a runtime
    (``inScopeOf.issuerType``), their SDK says it runs in one, or their name is the toolkit's."""
    issued = ct[mask(ct, ct["issuer_type"] == "AWS::BedrockAgentCore::Runtime")]["principal"]
    agents = ct[mask(ct, ct["userAgent"].map(lambda ua: bool(matching(_text(ua), runtime_agent))))]["principal"]
    names = ct[mask(ct, ct["principal"].map(lambda p: bool(matching(_text(p), patterns("agentcore_role_names")))))]
    return {str(p) for p in pd.concat([issued, agents, names["principal"]]).dropna()}


@detection("X23")
def agentcore_role_outside_runtime(
    ctx: Context, entry: Any, *, runtime_sources: list[str], runtime_agents: list[str]
) -> list[Finding]:
    every = ctx.all("cloudtrail")
    runtime_agent = compile_patterns(runtime_agents, "runtime_agents")
    roles = _execution_roles(every, runtime_agent)
    if not roles:
        return []
    mine = every[mask(every, every["principal"].isin(roles)) & every["invoked_by"].isna()].copy()
    mine["in_runtime"] = mine["userAgent"].map(lambda ua: bool(matching(_text(ua), runtime_agent))).astype(bool)
    inside_ips = {
        str(p): set(rows["source_ip"].dropna().astype(str)) for p, rows in mine[mine["in_runtime"]].groupby("principal")
    }
    judged = mine[mine["time"] >= max(pd.Timestamp(ctx.time_range.start), ctx.judge_from)]
    before = mine[mine["time"] < pd.Timestamp(ctx.time_range.start)]
    known = set(zip(before["principal"].astype(str), before["eventSource"].astype(str), strict=True))
    why: list[list[str]] = []
    for row in judged.to_dict("records"):
        reasons = []
        principal, source, ip = str(row["principal"]), _text(row["eventSource"]), _text(row["source_ip"])
        if not row["in_runtime"] and ip not in inside_ips.get(principal, set()):
            agent = (_text(row["userAgent"]) or "no user agent")[:40]
            reasons.append(f"outside the runtime ({ip}, {agent})")
        if source not in runtime_sources and (principal, source) not in known:
            reasons.append(f"{source.split('.')[0]} is not a runtime service")
        why.append(reasons)
    judged = judged.assign(_why=_listed(judged, why))
    hits = judged[mask(judged, judged["_why"].map(bool))]

    def severity(g: Group) -> str:
        return "high" if any(r.startswith("outside") for items in g.rows["_why"] for r in items) else entry.severity

    def how(g: Group) -> str:
        return "outside its runtime" if severity(g) == "high" else "for services its runtime does not use"

    return findings(
        hits,
        rule_id=entry.id,
        severity=severity,
        title=lambda g: f"AgentCore execution role {g.subject} used {how(g)}",
        summary=lambda g: (
            f"{g.count} call(s) by execution role {g.subject} ({g.listing('eventName', 6)}): "
            f"{_reasons(g.rows, '_why')[:400]}. "
            "An agent's role acts from inside its runtime and calls Bedrock, AgentCore, logs, traces, metrics and ECR; "
            "its credentials replayed from elsewhere, or used to explore other services, mean the agent was made to "
            "leak them (metadata endpoint, tool output) or its code was changed."
        ),
        window=LLMJACK_WINDOW,
        resources=lambda g: g.values("access_key_id", "runtime_arn", "eventSource"),
    )


def _broad_inline(document: Any) -> bool:
    """An inline policy document that allows every action on every resource."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return '"*"' in document and "Allow" in document
    statements = document.get("Statement") if isinstance(document, dict) else None
    for st in statements if isinstance(statements, list) else [statements] if statements else []:
        if not isinstance(st, dict) or st.get("Effect") != "Allow":
            continue
        actions = st.get("Action")
        resources = st.get("Resource")
        actions = actions if isinstance(actions, list) else [actions]
        resources = resources if isinstance(resources, list) else [resources]
        if any(a in ("*", "iam:*") for a in actions) and "*" in resources:
            return True
    return False


@detection("X31")
def iam_persistence(
    ctx: Context, entry: Any, *, credential_events: list[str], grant_events: list[str], broad_policies: list[str]
) -> list[Finding]:
    ct = ctx.in_range("cloudtrail")
    iam = ct[among(ct, "eventSource", ["iam.amazonaws.com"]) & successful(ct) & ct["principal"].notna()]
    candidates = iam[among(iam, "eventName", [*credential_events, *grant_events])]
    why = []
    for row in candidates.to_dict("records"):
        params = _request(ctx, str(row["@ptr"]))
        name = _text(row["eventName"])
        reasons = []
        if name in credential_events:
            target = _text(params.get("userName"))
            caller = _text(row["userIdentity.userName"])
            if target and (row["principal_type"] != "IAMUser" or target != caller):
                reasons.append(f"{name} for user {target}")
        else:
            policy = _text(params.get("policyArn")).rsplit("/", 1)[-1]
            whom = params.get("roleName") or params.get("userName") or params.get("groupName") or ""
            if policy in broad_policies:
                reasons.append(f"{name} {policy} to {whom}")
            elif _broad_inline(params.get("policyDocument")) and (
                name != "CreatePolicyVersion" or params.get("setAsDefault")
            ):
                reasons.append(f"{name} allowing * on * to {whom or params.get('policyArn', '')}")
        why.append(reasons)
    candidates = candidates.assign(_why=_listed(candidates, why))
    hits = candidates[mask(candidates, candidates["_why"].map(bool))]
    return findings(
        hits,
        rule_id=entry.id,
        severity=entry.severity,
        title=lambda g: f"{g.subject}: {_reasons(g.rows, '_why')[:140]}",
        summary=lambda g: (
            f"{_reasons(g.rows, '_why')} (from {g.listing('source_ip')}). An access key or console password made for "
            "another user, or administrator rights attached to a role or user, is how a foothold becomes "
            "persistent; AI roles are a favourite target because their permissions are rarely reviewed."
        ),
        window="1h",
        resources=lambda g: g.values("eventName"),
    )
