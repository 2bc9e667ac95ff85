"""Agent questions: why a session failed, whether the role over-reaches, whether tools stay in scope.

Why sessions are the unit: an agent's story is one AgentCore session (spans' ``session.id``); CloudTrail
reaches it by request id or by the runtime's credentials within the session's window
(:func:`aiaudit.investigate.correlate_sessions`), so every verdict here names the session and cites the
span and CloudTrail records it rests on.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aiaudit.investigate import correlate_sessions
from aiaudit.notebooks import plots
from aiaudit.notebooks.questions.common import (
    Answer,
    agent_name,
    finding_from,
    not_null,
    runtime_principals,
    truthy,
    values,
)

MODEL_ERRORS = ("ThrottlingException", "ValidationException", "ModelTimeoutException", "ModelErrorException",
                "ServiceUnavailableException", "ModelNotReadyException")  # fmt: skip
BUILTIN_TOOLS = {
    "StartCodeInterpreterSession": "code_interpreter",
    "InvokeCodeInterpreter": "code_interpreter",
    "StartBrowserSession": "browser",
    "ConnectBrowserAutomationStream": "browser",
}


def _runtime_focus(inv: Any, sessions: pd.DataFrame) -> pd.DataFrame:
    """A principal focus reaches sessions through the runtimes whose credentials that role holds."""
    principal = inv.focus.get("principal")
    if not principal or sessions.empty:
        return sessions
    ct = inv.tel.projection("cloudtrail", inv.time_range, principal=principal)
    runtimes = set(values(ct, ("runtime_arn",)))
    return sessions[sessions["runtime_arn"].isin(runtimes).fillna(False).astype(bool)]


def join(inv: Any) -> Any:
    """The agent questions' join, as the notebook's cell spells it: sessions with their linked records."""
    return correlate_sessions(inv.tel, inv.time_range, **session_focus(inv))


def session_focus(inv: Any) -> dict[str, str]:
    """The focus keys spans understand (session and request id)."""
    return {k: v for k, v in inv.focus.items() if k in ("session_id", "request_id")}


def sessions(inv: Any, joined: Any = None) -> Any:
    """Sessions in range (narrowed by a session, request or principal focus) with their linked records."""
    corr = join(inv) if joined is None else joined
    corr.frame = _runtime_focus(inv, corr.frame)
    return corr


# -- agent_failure_triage ---------------------------------------------------------------------------


def triage_table(inv: Any, joined: Any = None) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    """Per session: error spans by kind, linked CloudTrail denials and model errors, and a verdict."""
    corr = sessions(inv, joined)
    table = corr.frame.copy()
    spans = inv.tel.projection("spans", inv.time_range)
    spans = spans[spans["session_id"].isin(set(table["session_id"])).fillna(False).astype(bool)]
    ct = corr.frames.get("cloudtrail", pd.DataFrame(columns=["session_id"]))
    errors = spans[truthy(spans, "is_error")].copy()
    errors["kind"] = "other"
    errors.loc[not_null(errors, "tool_name"), "kind"] = "tool"
    errors.loc[not_null(errors, "gen_ai_operation") & errors["tool_name"].isna(), "kind"] = "model"
    denied = ct[truthy(ct, "is_denied")]
    model_err = ct[ct["errorCode"].isin(MODEL_ERRORS).fillna(False).astype(bool)] if "errorCode" in ct else ct[:0]

    def count(frame: pd.DataFrame, kind: str | None = None) -> pd.Series:
        rows = frame if kind is None else frame[frame["kind"] == kind]
        return table["session_id"].map(rows.groupby("session_id").size()).fillna(0).astype(int)

    table["tool_errors"] = count(errors, "tool")
    table["model_errors"] = count(errors, "model") + count(model_err)
    table["other_errors"] = count(errors, "other")
    table["denials"] = count(denied)
    denied_calls = denied.groupby("session_id")["eventName"].agg(lambda s: ", ".join(sorted(set(s.dropna()))))
    table["denied_calls"] = table["session_id"].map(denied_calls).astype(object).fillna("")
    failed_tools = (
        errors[errors["kind"] == "tool"]
        .groupby("session_id")["tool_name"]
        .agg(lambda s: ", ".join(sorted(set(s.dropna()))))
    )
    table["failed_tools"] = table["session_id"].map(failed_tools).astype(object).fillna("")
    table["verdict"] = "ok"
    table.loc[table["other_errors"] > 0, "verdict"] = "unknown"
    table.loc[table["tool_errors"] > 0, "verdict"] = "tool"
    table.loc[table["model_errors"] > 0, "verdict"] = "model"
    table.loc[table["denials"] > 0, "verdict"] = "permission"
    table["agent"] = table["service"].map(agent_name)
    evidence = pd.concat([errors.assign(pipeline="spans"), denied.assign(pipeline="cloudtrail", kind="denial")])
    return table, evidence, corr


def agent_failure_triage(inv: Any, joined: Any = None) -> Answer:
    """Sessions with failures, a verdict per session (model, tool, permission) and its evidence;
    ``joined`` is the notebook's :func:`~aiaudit.investigate.correlate_sessions` (made here when absent)."""
    table, evidence, corr = triage_table(inv, joined)
    failed = table[table["verdict"] != "ok"]
    answer = Answer("agent_failure_triage", tables={"sessions": failed, "evidence": evidence})
    answer.tables["joins"] = corr.report_frame()
    verdicts = failed["verdict"].value_counts().rename("sessions").rename_axis("verdict").reset_index()
    answer.figures["verdicts"] = plots.bar(
        verdicts, x="verdict", y="sessions", title="Failed sessions by verdict", x_label="verdict", y_label="sessions"
    )
    errs = evidence.rename(columns={"kind": "error kind"})
    answer.figures["errors"] = plots.top_contributors(
        errs, key="error kind", time="time", title="Agent errors over time", y_label="errors"
    )
    severity = {"permission": "medium", "model": "low", "tool": "low", "unknown": "low"}
    for _, row in failed.iterrows():
        rows = evidence[evidence["session_id"] == row["session_id"]]
        cause = {
            "permission": f"the role was denied ({row['denied_calls']})",
            "tool": f"a tool failed ({row['failed_tools']})",
            "model": "the model call failed",
            "unknown": "an error span with no tool, model or denial behind it",
        }[row["verdict"]]
        answer.findings.append(
            finding_from(
                rows,
                rule="nb:agent_failure_triage",
                severity=severity[row["verdict"]],
                title=f"{row['agent'] or 'agent'} session failed because {cause}",
                summary=f"verdict: {row['verdict']}; {row['tool_errors']} tool error(s), {row['model_errors']} "
                f"model error(s), {row['denials']} denial(s).",
                resources=("runtime_arn",),
                extra_resources=[row["runtime_arn"]] if isinstance(row["runtime_arn"], str) else [],
            )
        )
    return answer


# -- least_privilege --------------------------------------------------------------------------------


def least_privilege(inv: Any, joined: Any = None) -> Answer:
    """Denials of agent runtime roles on other services, joined to the session and tool that caused them.

    A denied call made while running a tool the agent's allow-list names is a *missing permission*
    (the role is narrower than the agent's job: medium); a call no allowed tool explains *should not
    happen* (high).
    """
    env = inv.environment
    ct = inv.tel.projection("cloudtrail", inv.time_range)
    runtimes = runtime_principals(ct)
    agent_roles = set(runtimes["principal"])
    mine = ct["principal"].isin(agent_roles).fillna(False).astype(bool) & truthy(ct, "is_denied")
    if "principal" in inv.focus:
        mine &= ct["principal"].eq(inv.focus["principal"]).fillna(False).astype(bool)
    denied = ct[mine].copy()
    corr = sessions(inv, joined)
    linked = corr.frames.get("cloudtrail", pd.DataFrame(columns=["@ptr", "session_id"]))
    denied = denied.merge(linked[["@ptr", "session_id"]].drop_duplicates("@ptr"), on="@ptr", how="left")
    if "session_id" in inv.focus:
        denied = denied[denied["session_id"].eq(inv.focus["session_id"]).fillna(False).astype(bool)]
    role_agent = dict(zip(runtimes["principal"], runtimes["agent"], strict=False))
    denied["agent"] = denied["principal"].map(role_agent)
    spans = inv.tel.projection("spans", inv.time_range)
    tools = spans[not_null(spans, "tool_name")][["session_id", "time", "end_time", "tool_name", "is_error"]]
    denied["tool"] = [_tool_at(tools, s, t) for s, t in zip(denied["session_id"], denied["time"], strict=False)]
    allowed = {agent: set(t) for agent, t in env.agent_tools.items()}
    denied["classification"] = [
        "missing permission"
        if isinstance(tool, str) and tool in allowed.get(agent or "", set())
        else "should not happen"
        for tool, agent in zip(denied["tool"], denied["agent"], strict=False)
    ]
    columns = ["time", "agent", "principal", "session_id", "tool", "eventSource", "eventName", "errorCode",
               "resource_arn", "classification", "request_id", "@ptr"]  # fmt: skip
    table = denied[columns].sort_values("time").reset_index(drop=True)
    answer = Answer("least_privilege", tables={"denials": table, "agent_roles": runtimes})
    by = table.assign(
        call=table["eventSource"].str.replace(".amazonaws.com", "", regex=False) + ":" + table["eventName"]
    )
    answer.figures["denials"] = plots.top_contributors(
        by, key="call", time="time", title="Agent-role denials by call over time", y_label="denials"
    )
    per = table.groupby("classification").size().rename("denials").reset_index()
    answer.figures["classes"] = plots.bar(
        per,
        x="classification",
        y="denials",
        title="Denials: missing permission vs should not happen",
        x_label="classification",
        y_label="denials",
    )
    key = table["session_id"].astype("object").where(table["session_id"].notna(), table["principal"].astype("object"))
    for _, rows in table.groupby(key, sort=False):
        bad = rows["classification"].eq("should not happen").any()
        calls = ", ".join(sorted(set(rows["eventSource"].str.replace(".amazonaws.com", "") + ":" + rows["eventName"])))
        answer.findings.append(
            finding_from(
                rows,
                rule="nb:least_privilege",
                severity="high" if bad else "medium",
                title=f"{rows['agent'].iloc[0] or 'agent'} role denied on {calls}"
                + (" (no allowed tool explains it)" if bad else " (an allowed tool needs it: missing permission)"),
                summary="Agent runtime role denied on downstream services; tools from the session's spans, "
                "allow-list from [environment] agent_tools.",
                resources=("resource_arn",),
            )
        )
    if not env.agent_tools:
        answer.notes.append("no [environment] agent_tools: every denial is classed 'should not happen'")
    return answer


def _tool_at(tools: pd.DataFrame, session: Any, when: Any) -> str | None:
    """The tool span of ``session`` running at ``when`` (±2 s), preferring failed ones."""
    if not isinstance(session, str):
        return None
    rows = tools[tools["session_id"] == session]
    pad = pd.Timedelta(seconds=2)
    rows = rows[(rows["time"] - pad <= when) & (rows["end_time"].fillna(rows["time"]) + pad >= when)]
    if rows.empty:
        return None
    rows = rows.sort_values("is_error", ascending=False, na_position="last")
    return str(rows["tool_name"].iloc[0])


# -- agent_tool_scope -------------------------------------------------------------------------------


def tool_uses(inv: Any) -> pd.DataFrame:
    """Every tool use: ``execute_tool`` spans and AgentCore built-in tool calls in CloudTrail, per agent."""
    spans = inv.tel.projection("spans", inv.time_range, **{k: v for k, v in inv.focus.items() if k == "session_id"})
    used = spans[not_null(spans, "tool_name")]
    from_spans = pd.DataFrame(
        {
            "time": used["time"],
            "agent": used["service"].map(agent_name),
            "tool": used["tool_name"],
            "session_id": used["session_id"],
            "runtime_arn": used["runtime_arn"],
            "request_id": pd.NA,
            "principal": pd.NA,
            "policy_decision": used.get("policy_decision"),
            "source": "span",
            "@ptr": used["@ptr"],
        }
    )
    ct = inv.tel.projection("cloudtrail", inv.time_range)
    builtin = ct[ct["eventName"].isin(list(BUILTIN_TOOLS)).fillna(False).astype(bool) & not_null(ct, "runtime_arn")]
    from_ct = pd.DataFrame(
        {
            "time": builtin["time"],
            "agent": builtin["runtime_arn"].map(agent_name),
            "tool": builtin["eventName"].map(BUILTIN_TOOLS),
            "session_id": pd.NA,
            "runtime_arn": builtin["runtime_arn"],
            "request_id": builtin["request_id"],
            "principal": builtin["principal"],
            "policy_decision": pd.NA,
            "source": "cloudtrail",
            "@ptr": builtin["@ptr"],
        }
    )
    out = pd.concat([f for f in (from_spans, from_ct) if len(f)] or [from_spans], ignore_index=True)
    roles = runtime_principals(ct)
    role_of = dict(zip(roles["runtime_arn"], roles["principal"], strict=False))
    out["principal"] = out["principal"].where(out["principal"].notna(), out["runtime_arn"].map(role_of))
    if "principal" in inv.focus:
        out = out[out["principal"].eq(inv.focus["principal"]).fillna(False).astype(bool)]
    if "session_id" in inv.focus:
        out = out[out["session_id"].eq(inv.focus["session_id"]).fillna(False).astype(bool) | out["session_id"].isna()]
    return out.sort_values("time").reset_index(drop=True)


def agent_tool_scope(inv: Any) -> Answer:
    """Tools each agent used against its allow-list ([environment] agent_tools); out-of-scope uses by session."""
    env = inv.environment
    uses = tool_uses(inv)
    allowed = {agent: set(tools) for agent, tools in env.agent_tools.items()}
    uses["allowed"] = [
        (tool in allowed[agent]) if agent in allowed else pd.NA
        for agent, tool in zip(uses["agent"], uses["tool"], strict=False)
    ]
    uses["policy"] = uses["policy_decision"].fillna("") if "policy_decision" in uses else ""
    matrix = uses.pivot_table(index="agent", columns="tool", values="time", aggfunc="count", fill_value=0)
    answer = Answer("agent_tool_scope", tables={"uses": uses, "matrix": matrix})
    answer.tables["allow_list"] = pd.DataFrame(
        [{"agent": a, "allowed tools": ", ".join(sorted(t))} for a, t in sorted(allowed.items())]
    )
    answer.figures["uses"] = plots.top_contributors(
        uses.assign(agent_tool=uses["agent"].fillna("?") + ": " + uses["tool"].astype(str)),
        key="agent_tool",
        time="time",
        title="Tool uses per agent over time",
        y_label="tool uses",
    )
    outside = uses[uses["allowed"].eq(False).fillna(False).astype(bool)]
    answer.tables["out_of_scope"] = outside
    per = outside.groupby("tool").size().rename("uses").reset_index()
    answer.figures["out_of_scope"] = plots.bar(
        per, x="tool", y="uses", title="Tool uses outside the allow-list", x_label="tool", y_label="uses"
    )
    # CloudTrail built-in tool calls carry no session: they join the session of the same runtime running then
    sessions_of = (
        uses.dropna(subset=["session_id"])
        .groupby("session_id")
        .agg(start=("time", "min"), end=("time", "max"), runtime_arn=("runtime_arn", "first"))
    )
    key = outside["session_id"].astype("object").copy()
    for idx in outside.index[outside["session_id"].isna()]:
        row = outside.loc[idx]
        near = sessions_of[
            (sessions_of["runtime_arn"] == row["runtime_arn"])
            & (sessions_of["start"] - pd.Timedelta(minutes=2) <= row["time"])
            & (sessions_of["end"] + pd.Timedelta(minutes=2) >= row["time"])
        ]
        key.loc[idx] = near.index[0] if len(near) else f"{row['agent']}@{row['time']:%Y-%m-%dT%H}"
    for _, rows in outside.groupby(key, sort=False):
        agent = rows["agent"].dropna().iloc[0] if rows["agent"].notna().any() else "agent"
        tools = ", ".join(sorted(set(rows["tool"].astype(str))))
        answer.findings.append(
            finding_from(
                rows,
                rule="nb:agent_tool_scope",
                severity="high",
                title=f"{agent} used tools outside its allow-list: {tools}",
                summary="Tool spans / AgentCore built-in tool calls not in [environment] agent_tools for this agent.",
                resources=("runtime_arn",),
            )
        )
    unknown = sorted(set(uses["agent"].dropna()) - set(allowed))
    if unknown:
        answer.notes.append(f"no allow-list for: {', '.join(unknown)} (their tools are listed, not judged)")
    return answer
