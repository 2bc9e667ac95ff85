"""CI01–CI23: each rule counts its hand-written event under the expected key values and not its near miss;
the validator refuses what Contributor Insights refuses
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContributorInsights-RuleSyntax.html)."""

from __future__ import annotations

import copy
import re

import pytest

from aiaudit.catalog import catalog
from aiaudit.catalog.kinds import contributor_insights as ci
from aiaudit.core.timerange import TimeRange

from . import records

CI_IDS = sorted(i for i in catalog if catalog[i].kind == "contributor_insights")
DAY = TimeRange.from_dict({"start": "2026-03-02T00:00:00Z", "end": "2026-03-02T23:59:59Z"})


def test_every_rule_has_a_case() -> None:
    assert [f"CI{n:02d}" for n in range(1, 24)] == CI_IDS
    assert sorted(records.CI_CASES) == CI_IDS


@pytest.mark.parametrize("entry_id", CI_IDS)
def test_rule_counts_its_event_and_not_its_near_miss(entry_id: str, cases_src: object) -> None:
    _, keys, miss = records.CI_CASES[entry_id]
    rule = ci.spec(catalog[entry_id])
    table = ci.contributors(cases_src.store, rule, DAY, period=None, top=100)  # type: ignore[attr-defined]
    rows = {tuple(row[k] for k in rule.body["Contribution"]["Keys"]): row["value"] for _, row in table.iterrows()}
    assert rows.get(keys, 0) >= 1, f"{entry_id} does not count {keys}: {rows}"
    miss_keys = tuple(_read(miss, path) for path in rule.body["Contribution"]["Keys"])
    assert miss_keys not in rows, f"{entry_id} counts its near miss {miss_keys}"


def _read(event: dict, path: str) -> str | None:
    """A test-side reader of ``$.a.b[0].c`` on a dict (the oracle the store's answer is compared with)."""
    node: object = event
    for part in re.findall(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]", path):
        name, index = part
        if name and isinstance(node, dict):
            node = node.get(name)
        elif index and isinstance(node, list) and int(index) < len(node):
            node = node[int(index)]
        else:
            return None
    return None if node is None else str(node)


def test_top_n_per_period_ranks_by_count(cases_src: object) -> None:
    rule = ci.spec(catalog["CI05"])
    table = ci.contributors(cases_src.store, rule, DAY, period=300, top=1)  # type: ignore[attr-defined]
    assert list(table.columns) == [
        "period_start",
        "rank",
        "$.userIdentity.arn",
        "$.eventName",
        "$.sourceIPAddress",
        "value",
    ]
    assert (table["rank"] == 1).all()
    assert str(table["period_start"].iloc[0]) == "2026-03-02 10:00:00+00:00"


def _rule(**changes: object) -> dict:
    body = copy.deepcopy(ci.spec(catalog["CI01"]).definition(["cloudtrail-group"]))
    contribution = body["Contribution"]
    for key, value in changes.items():
        if key in ("Keys", "Filters", "ValueOf"):
            contribution[key] = value
        else:
            body[key] = value
    return body


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"Keys": ["$.a", "$.b", "$.c", "$.d", "$.e"]}, "1 to 4 fields"),
        ({"Filters": [{"Match": "$.a", "In": ["x"]}] * 5}, "at most 4 filters"),
        ({"Filters": [{"Match": "$.eventName", "In": [f"E{i}" for i in range(11)]}]}, "at most 10 are allowed"),
        ({"Filters": [{"Match": "$.eventName", "In": ["x"], "NotIn": ["y"]}]}, "exactly one operator"),
        ({"Filters": [{"Match": "$.statusCode", "GreaterThan": "400"}]}, "takes one number"),
        ({"Filters": [{"Match": "$.x", "IsPresent": "yes"}]}, "true or false"),
        ({"Filters": [{"Match": "eventName", "In": ["x"]}]}, "not a JSON selector"),
        ({"Schema": {"Name": "CloudWatchLogRule", "Version": 2}}, "Schema must be"),
        ({"AggregateOn": "Average"}, "Count or Sum"),
        ({"AggregateOn": "Sum"}, "needs Contribution.ValueOf"),
        ({"ValueOf": "$.bytes"}, "only for AggregateOn Sum"),
        ({"LogGroupNames": []}, "LogGroupNames or LogGroupARNs"),
        ({"LogFormat": "XML"}, "JSON or CLF"),
    ],
)
def test_validator_refuses_what_aws_refuses(changes: dict, message: str) -> None:
    problems = ci.validate(_rule(**changes))
    assert any(message in p for p in problems), problems


def test_valid_rules_pass_and_log_class_is_checked() -> None:
    for entry_id in CI_IDS:
        assert ci.validate(ci.spec(catalog[entry_id]).definition(["g"])) == []
    assert ci.validate(_rule(), log_group_class="STANDARD") == []
    assert any("Standard-class" in p for p in ci.validate(_rule(), log_group_class="INFREQUENT_ACCESS"))


def test_rule_11_stays_within_ten_values() -> None:
    """The guide moved gateway changes to rule 18 because an In holds 10 values; rule 11 with PutEventSelectors
    added holds 9."""
    names = ci.spec(catalog["CI11"]).body["Contribution"]["Filters"][0]["In"]
    assert len(names) == 9 and "PutEventSelectors" in names
