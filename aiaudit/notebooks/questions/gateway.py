"""Which external caller triggered the agent through the Gateway, and which credentials did the agent use?

Why by source address first: a Gateway 401 carries no JWT claims (the caller is ``ip:<address>``), so
the only thread from failed attempts to the JWT subject that later succeeds is the address. Then the
runtime's TokenVault / OAuth2 / API-key retrievals in the window after that caller's calls show which
credentials the agent used on its behalf.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from aiaudit.core.grouping import mask
from aiaudit.notebooks import plots
from aiaudit.notebooks.questions.common import Answer, finding_from, not_null, runtime_principals

CREDENTIAL_EVENTS = (
    "GetResourceOauth2Token",
    "GetResourceApiKey",
    "GetWorkloadAccessToken",
    "GetWorkloadAccessTokenForJWT",
    "GetWorkloadAccessTokenForUserId",
)
#: Failures from one address within this window make a burst (one expired token is routine).
BURST_WINDOW = pd.Timedelta(minutes=15)
BURST_MIN = 5
#: Credential retrievals within this window after a suspicious caller's last call are attributed to it.
FOLLOW_WINDOW = pd.Timedelta(minutes=30)
#: Distinct credential providers one runtime role reads within FAN_WINDOW that count as a fan-out.
FAN_MIN = 3
FAN_WINDOW = pd.Timedelta(minutes=10)


def gateway_calls(inv: Any) -> pd.DataFrame:
    ct = inv.tel.projection("cloudtrail", inv.time_range)
    calls = ct[ct["eventName"].eq("InvokeGateway").fillna(False).astype(bool) | not_null(ct, "mcp_method")].copy()
    calls["failed"] = calls["http_status"].fillna(200).astype(int) >= 400 if len(calls) else []
    return calls


def callers(calls: pd.DataFrame) -> pd.DataFrame:
    """Per caller (JWT subject, or address for claim-less 401s): calls, failures, tools, addresses, span."""
    if calls.empty:
        return pd.DataFrame(columns=["principal", "calls", "failures", "first", "last", "source_ips", "methods"])
    grouped = calls.groupby("principal")
    return (
        pd.DataFrame(
            {
                "calls": grouped.size(),
                "failures": grouped["failed"].sum().astype(int),
                "first": grouped["time"].min(),
                "last": grouped["time"].max(),
                "source_ips": grouped["source_ip"].agg(lambda s: ", ".join(sorted(set(s.dropna())))),
                "methods": grouped["mcp_method"].agg(lambda s: ", ".join(sorted(set(s.dropna())))),
            }
        )
        .reset_index()
        .sort_values("failures", ascending=False)
    )


def bursts(calls: pd.DataFrame) -> list[pd.DataFrame]:
    """Per source address: runs of failures at least BURST_MIN long within BURST_WINDOW."""
    out = []
    for _, rows in calls[mask(calls, calls["failed"])].sort_values("time").groupby("source_ip"):
        times = rows["time"].tolist()
        for i in range(len(times)):
            window = rows[(rows["time"] >= times[i]) & (rows["time"] <= times[i] + BURST_WINDOW)]
            if len(window) >= BURST_MIN:
                out.append(rows)
                break
    return out


def credential_events(inv: Any) -> pd.DataFrame:
    ct = inv.tel.projection("cloudtrail", inv.time_range)
    creds = ct[ct["eventName"].isin(CREDENTIAL_EVENTS).fillna(False).astype(bool)].copy()
    creds["provider"] = creds["resource_arn"].astype("string").str.rsplit("/", n=1).str[-1]
    roles = runtime_principals(ct)
    creds["agent"] = creds["principal"].map(dict(zip(roles["principal"], roles["agent"], strict=False)))
    return creds


def gateway_caller_credentials(inv: Any) -> Answer:
    """Gateway callers (failures, new subjects), the runtime credentials used after them, findings."""
    calls = gateway_calls(inv)
    creds = credential_events(inv)
    focus = inv.focus.get("principal")
    if focus:
        ips = set(calls.loc[calls["principal"] == focus, "source_ip"].dropna())
        calls = calls[(calls["principal"] == focus) | calls["source_ip"].isin(ips)]
    table = callers(calls)
    answer = Answer("gateway_caller_credentials", tables={"callers": table})
    answer.figures["callers"] = plots.top_contributors(
        calls.assign(outcome=calls["principal"].astype(str) + calls["failed"].map({True: " (failed)", False: ""})),
        key="outcome", time="time", title="Gateway calls per caller over time", y_label="calls",
    )  # fmt: skip
    answer.figures["credentials"] = plots.top_contributors(
        creds.assign(what=creds["eventName"].astype(str) + " " + creds["provider"].fillna("").astype(str)),
        key="what", time="time", title="Runtime credential retrievals over time", y_label="retrievals",
    )  # fmt: skip
    followed = []
    for rows in bursts(calls):
        ip = rows["source_ip"].iloc[0]
        later = calls[(calls["source_ip"] == ip) & ~calls["failed"] & (calls["time"] >= rows["time"].min())]
        story = pd.concat([rows, later])
        succeeded = not later.empty
        answer.findings.append(
            finding_from(
                story,
                rule="nb:gateway_caller_credentials",
                severity="high" if succeeded else "medium",
                title=f"{len(rows)} Gateway authentication failure(s) from {ip}"
                + (
                    f", then {len(later)} successful call(s) by {', '.join(sorted(set(later['principal'])))}"
                    if succeeded
                    else ""
                ),
                summary="401s carry no claims (caller ip:<address>); the address links them to the JWT subject "
                "that later called tools.",
                resources=("resource_arn",),
            )
        )
        if succeeded:
            followed.append(story)
    used = []
    for story in followed:
        start, end = story["time"].min(), story["time"].max() + FOLLOW_WINDOW
        window = creds[(creds["time"] >= start) & (creds["time"] <= end)]
        if len(window):
            used.append(window.assign(after_caller=", ".join(sorted(set(story["principal"])))))
            answer.findings.append(
                finding_from(
                    window,
                    rule="nb:gateway_caller_credentials",
                    severity="high",
                    title=f"{len(window)} credential retrieval(s) by the runtime after the suspicious Gateway "
                    f"caller ({', '.join(sorted(set(window['provider'].dropna())))})",
                    summary="TokenVault / OAuth2 / API-key retrievals by agent runtime roles within "
                    f"{FOLLOW_WINDOW} of the caller's last Gateway call.",
                    resources=("resource_arn",),
                )
            )
    answer.tables["credentials_after_callers"] = pd.concat(used) if used else creds[:0]
    for rows in _fan_outs(creds):
        if any(set(rows["@ptr"]) & set(u["@ptr"]) for u in used):
            continue
        answer.findings.append(
            finding_from(
                rows,
                rule="nb:gateway_caller_credentials",
                severity="medium",
                title=f"{rows['principal'].iloc[0]} read credentials from {rows['provider'].nunique()} providers "
                f"within {FAN_WINDOW}",
                summary="Credential fan-out by one runtime role.",
                resources=("resource_arn",),
            )
        )
    cols = ["time", "agent", "principal", "eventName", "provider", "errorCode", "request_id", "@ptr"]
    answer.tables["credentials"] = creds[cols].sort_values("time").reset_index(drop=True)
    return answer


def _fan_outs(creds: pd.DataFrame) -> list[pd.DataFrame]:
    out = []
    provided = creds[creds["eventName"].ne("GetWorkloadAccessToken").fillna(False).astype(bool)]
    for _, rows in provided.sort_values("time").groupby("principal"):
        for start in rows["time"]:
            window = rows[(rows["time"] >= start) & (rows["time"] <= start + FAN_WINDOW)]
            if window["provider"].nunique() >= FAN_MIN:
                out.append(window)
                break
    return out
