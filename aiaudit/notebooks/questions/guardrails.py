"""Was a guardrail weakened just before unsafe responses?

Why two kinds of evidence: the change itself (``UpdateGuardrail`` request parameters show filter
strengths and policies — a weakened configuration is visible without knowing the old one) and its
effect (invocations naming that guardrail intervene less, or not at all, after the change, and answers
carry disclosure indicators). Either alone is a lead; both together are the story.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from aiaudit.core.timerange import TimeRange
from aiaudit.investigate import guardrail_change_effects
from aiaudit.investigate.content import Indicators
from aiaudit.investigate.vocab import guardrail_key
from aiaudit.notebooks import plots
from aiaudit.notebooks.questions.common import Answer, finding_from, truthy

CHANGES = ("UpdateGuardrail", "CreateGuardrailVersion", "DeleteGuardrail", "DeleteGuardrailVersion")
WEAK = ("NONE", "LOW")
WINDOW = pd.Timedelta(hours=24)


def weaknesses(params: dict[str, Any] | None) -> list[str]:
    """What an ``UpdateGuardrail`` request leaves weak: filters at NONE/LOW input strength (PROMPT_ATTACK
    output must be NONE, so it is not counted), an emptied topic or word policy."""
    if not isinstance(params, dict):
        return []
    out = []
    filters = ((params.get("contentPolicyConfig") or {}).get("filtersConfig")) or []
    for item in filters:
        kind = str(item.get("type", "?"))
        if str(item.get("inputStrength", "")).upper() in WEAK:
            out.append(f"{kind} input {item.get('inputStrength')}")
        if kind != "PROMPT_ATTACK" and str(item.get("outputStrength", "")).upper() in WEAK:
            out.append(f"{kind} output {item.get('outputStrength')}")
    for policy, key in (("topicPolicyConfig", "topicsConfig"), ("wordPolicyConfig", "wordsConfig")):
        if policy in params and not (params.get(policy) or {}).get(key):
            out.append(f"{policy} emptied")
    return out


def changes(inv: Any) -> pd.DataFrame:
    """Successful guardrail changes (from a day before the range), with the weaknesses each leaves."""
    start = inv.time_range.start - WINDOW.to_pytimedelta()

    ct = inv.tel.projection("cloudtrail", TimeRange(start, inv.time_range.end))
    rows = ct[ct["eventName"].isin(CHANGES).fillna(False).astype(bool) & ~truthy(ct, "is_error")].copy()
    rows["guardrail_key"] = rows["guardrail_id"].map(guardrail_key)
    rows["weakened"] = [", ".join(weaknesses(_params(inv, p))) if n == "UpdateGuardrail" else ""
                        for p, n in zip(rows["@ptr"], rows["eventName"], strict=False)]  # fmt: skip
    if "principal" in inv.focus:
        rows = rows[rows["principal"].eq(inv.focus["principal"]).fillna(False).astype(bool)]
    cols = ["time", "eventName", "principal", "source_ip", "guardrail_key", "weakened", "request_id", "@ptr"]
    return rows[cols].sort_values("time").reset_index(drop=True)


def _params(inv: Any, ptr: str) -> dict[str, Any] | None:
    record = inv.tel.record(ptr)
    message = record.get("@message", record)
    data = json.loads(message) if isinstance(message, str) else message
    return data.get("requestParameters") if isinstance(data, dict) else None


def before_after(invocations: pd.DataFrame, change_rows: pd.DataFrame) -> pd.DataFrame:
    """Per change: calls naming its guardrail in the 24 h before and after, interventions, stop reasons,
    answers with disclosure indicators."""
    indicators = Indicators()
    out = []
    for _, change in change_rows.iterrows():
        mine = invocations[invocations["guardrail_key"] == change["guardrail_key"]]
        for side, rows in (
            ("before", mine[(mine["time"] < change["time"]) & (mine["time"] >= change["time"] - WINDOW)]),
            ("after", mine[(mine["time"] > change["time"]) & (mine["time"] <= change["time"] + WINDOW)]),
        ):
            intervened = int(rows["guardrail_action"].eq("INTERVENED").fillna(False).sum())
            out.append(
                {
                    "change_time": change["time"],
                    "change": change["eventName"],
                    "guardrail": change["guardrail_key"],
                    "side": side,
                    "calls": len(rows),
                    "intervened": intervened,
                    "intervention_rate": round(intervened / len(rows), 3) if len(rows) else None,
                    "versions": ", ".join(sorted(set(rows["guardrail_version"].dropna().astype(str)))),
                    "stop_reasons": ", ".join(f"{k}={v}" for k, v in rows["stop_reason"].value_counts().items()),
                    "unsafe_answers": sum(bool(indicators.disclosures(t)) for t in rows["response"].tolist()),
                }
            )
    return pd.DataFrame(out)


def join(inv: Any) -> Any:
    """The question's join, as the notebook's cell spells it: each invocation with the latest change of
    its guardrail in the day before."""
    return guardrail_change_effects(inv.tel, inv.time_range, within=WINDOW.to_pytimedelta())


def guardrail_weakened(inv: Any, joined: Any = None) -> Answer:
    """Guardrail changes → invocations that used them; before/after interventions; findings per change;
    ``joined`` is the notebook's :func:`~aiaudit.investigate.guardrail_change_effects` (made here when absent)."""
    change_rows = changes(inv)
    effects = join(inv) if joined is None else joined
    inv_frame = inv.tel.projection("invocations", inv.time_range).copy()
    inv_frame["guardrail_key"] = inv_frame["guardrail_id"].map(guardrail_key)
    compare = before_after(inv_frame, change_rows)
    answer = Answer("guardrail_weakened", tables={"changes": change_rows, "before_after": compare})
    answer.tables["joins"] = effects.report_frame()
    guarded = inv_frame[inv_frame["guardrail_key"].notna()].copy()
    guarded["outcome"] = (
        guarded["guardrail_key"].astype(str) + " " + guarded["guardrail_action"].fillna("?").astype(str)
    )
    events = pd.concat(
        [
            guarded.assign(pipeline="invocations " + guarded["guardrail_key"].astype(str), is_change=False,
                           summary=guarded["guardrail_action"].fillna("").astype(str)),
            change_rows.assign(pipeline="guardrail changes", is_change=True, summary=change_rows["eventName"]),
        ],
        ignore_index=True,
    )  # fmt: skip
    answer.figures["timeline"] = plots.timeline(
        events, time="time", title="Guardrail changes and the invocations that used them"
    )
    answer.figures["interventions"] = plots.top_contributors(
        guarded, key="outcome", time="time", title="Guardrail outcomes over time", y_label="invocations"
    )
    for _, change in change_rows.iterrows():
        # the change's own rows: two changes at the same second (two accounts of an organisation) are told
        # apart by guardrail; changes equal in both were compared on the same rows, so one of each side
        sides = None
        if len(compare):
            mine = (compare["change_time"] == change["time"]) & (compare["guardrail"] == change["guardrail_key"])
            sides = compare[mine].drop_duplicates("side").set_index("side")
        before = sides.loc["before"] if sides is not None and "before" in sides.index else None
        after = sides.loc["after"] if sides is not None and "after" in sides.index else None
        reasons = []
        if change["weakened"]:
            reasons.append(f"configuration left weak ({change['weakened']})")
        if (
            before is not None
            and after is not None
            and before["intervened"] > 0
            and after["calls"] >= 5
            and after["intervened"] == 0
        ):
            reasons.append(f"interventions fell from {before['intervened']}/{before['calls']} to 0/{after['calls']}")
        if after is not None and after["unsafe_answers"]:
            reasons.append(f"{after['unsafe_answers']} answer(s) with disclosure indicators afterwards")
        affected = inv_frame[
            (inv_frame["guardrail_key"] == change["guardrail_key"])
            & (inv_frame["time"] > change["time"])
            & (inv_frame["time"] <= change["time"] + WINDOW)
        ]
        rows = change_rows[change_rows["@ptr"] == change["@ptr"]]
        severity = "high" if reasons else "info"
        answer.findings.append(
            finding_from(
                rows,
                rule="nb:guardrail_weakened",
                severity=severity,
                title=f"{change['eventName']} on guardrail {change['guardrail_key']}"
                + (": " + "; ".join(reasons) if reasons else " (no weakening seen)"),
                summary=f"{len(affected)} invocation(s) used this guardrail in the 24 h after the change.",
                extra_request_ids=affected["request_id"].dropna().astype(str).tolist() if reasons else [],
                extra_resources=[str(change["guardrail_key"])],
            )
        )
    return answer
