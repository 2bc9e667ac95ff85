"""A query detection's findings do not depend on the order the engine returned tied rows in: Q01 ranks
denied callers ``ORDER BY attempt_count DESC``, and two copies of the same events (a local folder, a fetched
run-local store) may list rows with equal counts either way round."""

from __future__ import annotations

import pandas as pd

from aiaudit.catalog import catalog

CALLER = "arn:aws:iam::111122223333:role/dev"


def test_q01_findings_are_the_same_whichever_order_ties_come_in():
    rows = pd.DataFrame(
        {
            "caller": [CALLER, CALLER, CALLER],
            "eventName": ["InvokeModel", "CreateGuardrail", "ListFoundationModels"],
            "errorCode": ["AccessDeniedException"] * 3,
            "errorMessage": ["denied"] * 3,
            "sourceIPAddress": ["203.0.113.7", "203.0.113.7", "198.51.100.9"],
            "attempt_count": [6, 6, 6],
            # the same first minute for two of them: a tie in time too
            "first_seen": pd.to_datetime(["2026-11-19T22:55:00Z", "2026-11-19T22:55:00Z", "2026-11-19T22:56:00Z"]),
            "last_seen": pd.to_datetime(["2026-11-19T22:58:00Z"] * 3),
        }
    )
    one = catalog["Q01"].findings(rows)
    other = catalog["Q01"].findings(rows.iloc[[1, 0, 2]])
    assert [f.to_dict() for f in one] == [f.to_dict() for f in other]
    (found,) = one
    # by first time, then by value: CreateGuardrail < InvokeModel at 22:55, ListFoundationModels at 22:56
    assert found.title.startswith("CreateGuardrail, InvokeModel, ListFoundationModels denied for")
