"""SEL-BR-*, SEL-AC-*, SEL-ORG-*: filled in for an account, Region and resource ids; every set passes the
validation; the validator refuses what CloudTrail refuses; current sets are read, merged and checked for
coverage (AdvancedFieldSelector: https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html;
quota: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html)."""

from __future__ import annotations

import itertools

import pytest

from aiaudit.catalog import catalog
from aiaudit.catalog.kinds import event_selector as sel
from aiaudit.core.errors import InputError
from aiaudit.deploy.selectors import parse_resources, plan
from aiaudit.simulate.baseline import full_selectors

ACCOUNT, REGION = "123456789012", "eu-west-1"
ALL_RESOURCES = {
    "AGENT_ID": ["AGENT1"],
    "ALIAS_ID": ["ALIAS1"],
    "KB_ID": ["KB1"],
    "FLOW_ID": ["FLOW1"],
    "GUARDRAIL_ID": ["gr1"],
    "PROMPT_ID": ["P1"],
    "POLICY_ID": ["pol1"],
    "PROJECT_ID": ["proj1"],
    "TOOL_ID": ["tool1"],
    "BEDROCK_EXECUTION_ROLE_NAME": ["BedrockExec"],
    "CUSTOM_TOOL_ID": ["ci1"],
    "CUSTOM_BROWSER_ID": ["br1"],
    "DIRECTORY_ID": ["default"],
    "PROVIDER_NAME": ["github"],
    "RUNTIME_ID": ["rt1"],
    "GATEWAY_ID": ["gw-1", "gw-2"],
    "MEMORY_ID": ["mem1"],
    "EVALUATOR_ID": ["ev1"],
    "AI_BUCKET_PREFIX": ["ai-training-data-"],
    "LAMBDA_PREFIX": ["prod-"],
}


def _ids(prefix: str) -> list[str]:
    return [i for i in catalog if i.startswith(prefix)]


def test_the_guides_counts_and_one_selector_per_resource_type() -> None:
    assert len(_ids("SEL-BR-")) == 18 and len(_ids("SEL-AC-")) == 14 and len(_ids("SEL-ORG-")) == 6
    for prefix, types in (("SEL-BR-", sel.BEDROCK_TYPES), ("SEL-AC-", sel.AGENTCORE_TYPES)):
        covered = sorted(
            sel._condition(sel.spec(catalog[i]).field_selectors, "resources.type")[1][0] for i in _ids(prefix)
        )
        assert covered == sorted(types)


@pytest.mark.parametrize(
    ("groups", "resources"),
    [
        (("org", "bedrock", "agentcore"), ALL_RESOURCES),
        (("org", "bedrock", "agentcore"), {}),
        (("bedrock",), {"AGENT_ID": ["A"]}),
        (("agentcore",), {"GATEWAY_ID": ["gw"]}),
    ],
)
def test_every_generated_set_passes_validation(groups: tuple[str, ...], resources: dict) -> None:
    selectors, _ = sel.recommended(ACCOUNT, REGION, resources, groups)
    assert sel.validate(selectors) == []


def test_placeholders_are_filled_and_optional_ones_cut_the_prefix() -> None:
    full = sel.fill(
        sel.spec(catalog["SEL-BR-AGENTALIAS"]), ACCOUNT, REGION, {"AGENT_ID": ["A1", "A2"], "ALIAS_ID": ["L"]}
    )
    assert full is not None
    assert full["FieldSelectors"][2] == {
        "Field": "resources.ARN",
        "StartsWith": [
            "arn:aws:bedrock:eu-west-1:123456789012:agent-alias/A1/L",
            "arn:aws:bedrock:eu-west-1:123456789012:agent-alias/A2/L",
        ],
    }
    cut = sel.fill(sel.spec(catalog["SEL-BR-AGENTALIAS"]), ACCOUNT, REGION, {})
    assert cut is not None and cut["FieldSelectors"][2]["StartsWith"] == [
        "arn:aws:bedrock:eu-west-1:123456789012:agent-alias/"
    ]
    gateway = sel.fill(sel.spec(catalog["SEL-AC-GATEWAY"]), ACCOUNT, "cn-north-1", {"GATEWAY_ID": ["gw"]})
    assert gateway is not None and gateway["FieldSelectors"][2]["StartsWith"] == [
        "arn:aws-cn:bedrock-agentcore:cn-north-1:123456789012:gateway/gw"
    ]
    inline = sel.fill(
        sel.spec(catalog["SEL-BR-INLINEAGENT"]), ACCOUNT, REGION, {"BEDROCK_EXECUTION_ROLE_NAME": ["Exec"]}
    )
    assert inline is not None and inline["FieldSelectors"][3] == {
        "Field": "userIdentity.arn",
        "StartsWith": ["arn:aws:sts::123456789012:assumed-role/Exec"],
    }
    assert sel.fill(sel.spec(catalog["SEL-ORG-S3-AI-WRITES"]), ACCOUNT, REGION, {}) is None  # required prefix missing
    selectors, notes = sel.recommended(ACCOUNT, REGION, {}, ("org",))
    assert [s["Name"] for s in selectors] == [
        "Management events",
        "Bedrock-NetworkActivity-VpceAccessDenied",
        "Lambda-NetworkActivity-VpceAccessDenied",
        "S3-NetworkActivity-VpceAccessDenied",
    ]
    assert any("SEL-ORG-S3-AI-WRITES left out" in n for n in notes)


def test_bad_account_region_and_resource_names_are_refused() -> None:
    with pytest.raises(InputError, match="12-digit"):
        sel.recommended("1234", REGION)
    with pytest.raises(InputError, match="Region"):
        sel.recommended(ACCOUNT, "Ireland")
    with pytest.raises(InputError, match="placeholder 'GATEWAYID'"):
        sel.recommended(ACCOUNT, REGION, {"GATEWAYID": ["x"]})
    assert parse_resources(["GATEWAY_ID=a,b", "KB_ID=k"]) == {"GATEWAY_ID": ["a", "b"], "KB_ID": ["k"]}
    with pytest.raises(InputError, match="NAME=ID"):
        parse_resources(["GATEWAY_ID"])


def _data(*extra: dict) -> dict:
    return {
        "Name": "s",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::Bedrock::Guardrail"]},
            *extra,
        ],
    }


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            _data({"Field": "resources.ARN", "StartsWith": ["a"]}, {"Field": "resources.ARN", "NotStartsWith": ["b"]}),
            "two field selectors on resources.ARN",
        ),
        (
            _data({"Field": "resources.ARN", "StartsWith": ["arn:aws:bedrock:REGION:ACCOUNT_ID:guardrail/"]}),
            "still holds a placeholder",
        ),
        (
            _data({"Field": "resources.ARN", "StartsWith": ["arn:aws:bedrock:{region}:1:guardrail/"]}),
            "still holds a placeholder",
        ),
        (_data({"Field": "resources.ARN", "StartsWith": ["arn:aws:bedrock:*"]}), "no wildcards"),
        (_data({"Field": "readOnly", "Equals": ["yes"]}), "true or false"),
        (_data({"Field": "readOnly", "NotEquals": ["true"]}), "Equals only"),
        (
            {
                "Name": "s",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::Bedrock::Agent"]},
                ],
            },
            "not a CloudTrail data-event resource type",
        ),
        (
            {"Name": "s", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}]},
            "exactly one resources.type",
        ),
        (
            {
                "Name": "s",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Management"]},
                    {"Field": "eventName", "Equals": ["InvokeModel"]},
                ],
            },
            "do not take eventName",
        ),
        (
            {
                "Name": "s",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["NetworkActivity"]},
                    {"Field": "eventSource", "Equals": ["bedrock.amazonaws.com"]},
                    {"Field": "errorCode", "Equals": ["AccessDenied"]},
                ],
            },
            "only equal VpceAccessDenied",
        ),
        (
            {"Name": "s", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Insight"]}]},
            "eventCategory must equal",
        ),
        ({"Name": "s", "FieldSelectors": []}, "non-empty list"),
    ],
)
def test_validator_refuses_what_cloudtrail_refuses(selector: dict, message: str) -> None:
    problems = sel.validate([selector])
    assert any(message in p for p in problems), problems


def test_the_500_value_quota() -> None:
    many = [
        _data(
            {
                "Field": "resources.ARN",
                "StartsWith": [f"arn:aws:bedrock:us-east-1:1:guardrail/g{i}" for i in range(100)],
            }
        )
        for _ in range(5)
    ]
    assert sel.count_values(many) == 5 * 102
    assert any("at most 500" in p for p in sel.validate(many))
    with pytest.raises(InputError, match="at most 500"):
        plan(ACCOUNT, REGION, {"GATEWAY_ID": [f"gw-{i}" for i in range(470)]})
    current = {"AdvancedEventSelectors": many[:4]}  # 408 values, fine alone; with the recommended set, not
    with pytest.raises(InputError, match="CloudTrail allows 500 per trail"):
        plan(ACCOUNT, REGION, {}, current=current)


def test_current_sets_in_every_shape() -> None:
    advanced = [{"Name": "mgmt", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}]
    assert sel.current_selectors(
        {"TrailARN": "arn:aws:cloudtrail:us-east-1:1:trail/t", "AdvancedEventSelectors": advanced}
    ) == (advanced, "arn:aws:cloudtrail:us-east-1:1:trail/t")
    basic = {
        "TrailARN": "arn:aws:cloudtrail:eu-west-1:1:trail/t",
        "EventSelectors": [
            {
                "ReadWriteType": "WriteOnly",
                "IncludeManagementEvents": True,
                "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::ai-data/"]}],
            }
        ],
    }
    converted, _ = sel.current_selectors(basic)
    assert converted == [
        {
            "Name": "Management events (from event selector 1)",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Management"]},
                {"Field": "readOnly", "Equals": ["false"]},
            ],
        },
        {
            "Name": "AWS::S3::Object data events (from event selector 1)",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                {"Field": "readOnly", "Equals": ["false"]},
                {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::ai-data/"]},
            ],
        },
    ]
    event = {
        "eventName": "PutEventSelectors",
        "eventTime": "2026-11-17T09:07:00Z",
        "requestParameters": {"trailName": "org", "advancedEventSelectors": full_selectors()},
        "responseElements": {"trailARN": "arn:aws:cloudtrail:us-east-1:1:trail/org"},
    }
    from_event, arn = sel.current_selectors(
        {
            "Records": [
                dict(
                    event,
                    eventTime="2026-11-01T00:00:00Z",
                    requestParameters={"trailName": "org", "advancedEventSelectors": []},
                ),
                event,
            ]
        }
    )
    assert arn == "arn:aws:cloudtrail:us-east-1:1:trail/org" and len(from_event) == len(full_selectors())
    assert from_event[1]["FieldSelectors"][1] == {"Field": "resources.type", "Equals": ["AWS::Bedrock::AgentAlias"]}
    with pytest.raises(InputError, match="not a get-event-selectors"):
        sel.current_selectors({"foo": 1})


def test_coverage_names_what_is_not_recorded_and_narrower() -> None:
    current = [
        {
            "Name": "gw",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::BedrockAgentCore::Gateway"]},
            ],
        },
        {
            "Name": "sessions-read",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::Bedrock::Session"]},
                {"Field": "readOnly", "Equals": ["true"]},
            ],
        },
    ]
    wanted, _ = sel.recommended(ACCOUNT, REGION, {}, ("bedrock", "agentcore"))
    rows = {row["selector"]: row for row in sel.coverage(current, wanted)}
    assert (
        rows["AgentCore-Gateway-DataEvents"]["status"] == "recorded"
        and rows["AgentCore-Gateway-DataEvents"]["by"] == "gw"
    )
    assert rows["Bedrock-Session-DataEvents"]["status"] == "narrower"
    assert rows["Bedrock-Tool-DataEvents"]["status"] == "not recorded"
    merged = sel.merge(current, wanted)
    assert [s["Name"] for s in merged.selectors][:3] == ["Management events", "gw", "sessions-read"]
    assert "Bedrock-Session-DataEvents" in merged.added and "AgentCore-Gateway-DataEvents" not in merged.added
    assert merged.notes and "management-events selector" in merged.notes[0]


def test_prefix_coverage_is_directional() -> None:
    broad = {
        "Name": "b",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::ai-"]},
        ],
    }
    narrow = {
        "Name": "n",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::ai-training-"]},
        ],
    }
    assert sel.coverage([broad], [narrow])[0]["status"] == "recorded"
    assert sel.coverage([narrow], [broad])[0]["status"] == "narrower"


def test_every_template_entry_renders() -> None:
    for entry_id in itertools.chain(_ids("SEL-BR-"), _ids("SEL-AC-")):
        text = catalog[entry_id].dry_run(account=ACCOUNT, region=REGION)
        assert '"Name"' in text and "{" in text
