"""Each scenario is visible through the public query API when planted, and absent when excluded.

Signatures are written by hand from the scenario descriptions (not read from the simulator's data
structures); thresholds hold for the small datasets of conftest.SMALL at any seed.
"""

from __future__ import annotations

import json

import pytest

import aiaudit

#: scenario -> (SQL returning one count column n, minimum when planted, maximum when excluded)
SIGNATURES = {
    "guardrail-weakened": (
        "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE eventName = 'CreateGuardrailVersion' "
        "AND `userIdentity.arn` LIKE '%AWSReservedSSO_DataScientist%'",
        1,
        0,
    ),
    "audit-tampering": (
        "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE eventName = 'DeleteModelInvocationLoggingConfiguration'",
        1,
        0,
    ),
    "unauthorized-access": (
        "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE eventSource = 'bedrock.amazonaws.com' "
        "AND errorCode IN ('AccessDenied', 'AccessDeniedException') "
        "AND `userIdentity.type` = 'IAMUser'",
        20,
        0,
    ),
    "agent-least-privilege": (
        "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE eventSource IN ('s3.amazonaws.com', "
        "'secretsmanager.amazonaws.com', 'kms.amazonaws.com') AND errorCode IN ('AccessDenied', "
        "'AccessDeniedException') AND `userIdentity.sessionContext.sessionIssuer.userName` "
        "LIKE 'AmazonBedrockAgentCore%'",
        5,
        0,
    ),
    "gateway-credentials": (
        "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE eventName = 'InvokeGateway' "
        "AND `responseElements.statusCode` IN ('401', '403')",
        20,
        4,
    ),
    "out-of-scope-tools": (
        "SELECT COUNT(*) AS n FROM `aws/spans` WHERE `resource.attributes.service.name` = "
        "'billing_agent.DEFAULT' AND `attributes.gen_ai.tool.name` IN ('code_interpreter', "
        "'browser')",
        4,
        0,
    ),
    "cost-spike": (
        "SELECT COUNT(*) AS n FROM `bedrock-model-invocation-logging` WHERE `input.inputTokenCount` >= 6000",
        20,
        2,
    ),
    "prompt-injection": (
        "SELECT COUNT(*) AS n FROM `bedrock-model-invocation-logging` WHERE "
        "`input.inputBodyJson.messages.0.content.0.text` LIKE '%ignore all previous instructions%'",
        1,
        0,
    ),
    "llmjacking": (
        "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE eventName IN ('PutFoundationModelEntitlement', "
        "'CreateFoundationModelAgreement', 'PutUseCaseForModelAccess')",
        3,
        0,
    ),
    "long-term-key-llmjacking": (
        "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE `userIdentity.userName` = 'ml-eval-runner' "
        "AND userAgent LIKE 'Mozilla/%'",
        20,
        0,
    ),
    "bedrock-api-key-misuse": (
        "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE eventName = 'DeleteGuardrail' "
        "AND `additionalEventData.callWithBearerToken` = true",
        1,
        0,
    ),
    "agentcore-role-outside-runtime": (
        "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE `userIdentity.sessionContext.sessionIssuer.userName` "
        "LIKE 'AmazonBedrockAgentCore%' AND userAgent NOT LIKE '%exec-env/AWS_BedrockAgentCore%'",
        3,
        0,
    ),
    "knowledge-base-poisoning": (
        "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE eventName IN ('UpdateDataSource', "
        "'IngestKnowledgeBaseDocuments', 'StartIngestionJob')",
        3,
        0,
    ),
    "trail-coverage-reduced": (
        "SELECT COUNT(*) AS n FROM `cloudtrail` WHERE (eventName = 'PutEventSelectors' "
        "AND `userIdentity.arn` LIKE '%AWSReservedSSO_AdministratorAccess%') "
        "OR (eventName = 'UpdateTrail')",
        1,
        0,
    ),
}


@pytest.fixture(scope="module")
def sources(sim_all, sim_none):
    return aiaudit.connect(f"local:{sim_all[0]}"), aiaudit.connect(f"local:{sim_none[0]}")


@pytest.mark.slow
@pytest.mark.parametrize("scenario", sorted(SIGNATURES))
def test_scenario_present_and_absent(sources, scenario):
    planted, excluded = sources
    sql, minimum, maximum = SIGNATURES[scenario]
    assert int(planted.query(sql).frame["n"].iloc[0]) >= minimum
    assert int(excluded.query(sql).frame["n"].iloc[0]) <= maximum


@pytest.mark.slow
def test_telemetry_gap_calls_without_invocation_logs(sources, sim_all):
    planted, excluded = sources
    truth = json.loads((sim_all[0] / "truth.json").read_text())
    gap = next(i for i in truth["incidents"] if i["scenario"] == "telemetry-gap")
    region = gap["regions"][0]
    ops = ["InvokeModel", "Converse", "ConverseStream", "InvokeModelWithResponseStream"]
    for src, expect_gap in ((planted, True), (excluded, False)):
        ct = src.cloudtrail(None, event_name=ops, region=region)
        ct = ct[ct["errorCode"].isna()]
        logged = set(src.invocations(None, region=region)["requestId"])
        missing = set(ct["requestID"]) - logged
        assert bool(missing) == expect_gap
        if expect_gap:
            assert missing <= set(gap["request_ids"])  # every unlogged call is in the gap's ground truth
