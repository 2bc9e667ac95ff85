"""Golden table for the AgentCore and CloudTrail samples (values typed by hand from the files)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from aiaudit.frames import project

from .helpers import SAMPLES, check_row, ndjson, raw_frame

AC = SAMPLES / "agentcore"
CT = SAMPLES / "cloudtrail"

GOLDEN: dict[str, dict] = {
    "gateway_InvokeGateway_success_jwt.json": {
        "eventName": "InvokeGateway",
        "eventCategory": "Data",
        "principal": "jwt:https://cognito-idp.us-west-2.amazonaws.com/us-west-2_Fxxxxxhtq#4ammgxxxxxxxxxxxm3b8c",
        "principal_type": "GatewayJWT",
        "jwt_iss": "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_Fxxxxxhtq",
        "jwt_sub": "4ammgxxxxxxxxxxxm3b8c",
        "jwt_scope": "python-cognito-resource-server-id/write python-cognito-resource-server-id/read",
        "http_status": 200,
        "gateway_error": None,
        "mcp_method": "tools/call",
        "mcp_tool": "SmithyTarget___ListTables",
        "is_error": False,
        "is_denied": False,
        "source_ip": "35.88.103.184",
        "request_id": "1234abcd-12ab-34cd-56ef-1234567890ab",
        "resources.0.ARN": "arn:aws:bedrock-agentcore:us-west-2:XXXXXXXXXX:gateway/test-gateway-65129e91-mtzoadyihf",
        "resources.0.type": "AWS::BedrockAgentCore::Gateway",
        "host_header": "test-gateway-65129e91-xxxxxxxx.gateway.bedrock-agentcore.us-west-2.amazonaws.com",
        "readOnly": False,
        "managementEvent": False,
        "account": None,
        "recipient_account": "XXXXXXXXXX",
        "time": pd.Timestamp("2025-07-14T02:14:42Z"),
    },
    "gateway_InvokeGateway_auth_error_401.json": {
        "principal": "ip:34.XXX.XXX.206",
        "principal_type": "SourceIP",
        "http_status": 401,
        "gateway_error": "Invalid Bearer token",
        "mcp_method": "initialize",
        "errorCode": None,
        "is_error": True,
        "is_denied": True,
        "jwt_sub": None,
    },
    "gateway_CreateGateway_management.json": {
        "eventName": "CreateGateway",
        "principal": "arn:aws:iam::XXXXXXXXXXXX:role/HydraInvocationRole-xxx",
        "principal_session": "xxxx",
        "principal_type": "AssumedRole",
        "invoked_by": "bedrock-agentcore.amazonaws.com",
        "access_key_id": "xxxxxxxxx",
        "http_status": None,
        "is_error": False,
        "resource_arn": "arn:aws:bedrock-agentcore:us-west-2:XXXXXXXXXXXX:gateway/"
        "test-openapi-gateway-xxxxxxx-8fb4mo6pqx",
        "region": "us-west-2",
    },
    "CreateRegistryRecord__registry-cloudtrail-integration_idx61852076183.json": {
        "eventName": "CreateRegistryRecord",
        "principal": None,
        "principal_type": "AssumedRole",
        "account": None,
        "access_key_id": None,
        "source_ip": None,
        "userIdentity.sessionContext.sessionIssuer.userName": "Admin",
        "recipient_account": "123456789012",
    },
    "GetResourceOauth2Token_trimmed__aws-blog-copy_idx71470890625.json": {
        "eventName": "GetResourceOauth2Token",
        "principal": "arn:aws:iam::111122223333:role/AmazonBedrockAgentCoreConsentPortalDefaultServiceRole-example",
        "principal_session": "consent-dashboard-example",
        "account": "111122223333",
        "region": "ap-southeast-2",
        "resource_type": "AWS::BedrockAgentCore::OAuth2CredentialProvider",
        "eventTime": None,
        "time": pd.Timestamp("2025-01-01T00:00:00Z"),  # no eventTime: the record's @timestamp
    },
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_agentcore_golden(name: str) -> None:
    frame = project("cloudtrail", raw_frame([json.loads((AC / name).read_text())]))
    check_row(frame.iloc[0], GOLDEN[name], name)


def test_every_agentcore_sample_is_in_the_table() -> None:
    assert sorted(p.name for p in AC.glob("*.json")) == sorted(GOLDEN)


def test_cloudtrail_samples() -> None:
    converse = project("cloudtrail", raw_frame(ndjson(CT / "test-converse-json.log"))).iloc[0]
    check_row(
        converse,
        {
            "principal": "arn:aws:iam::00000000000:role/private-ec2-instance-role",
            "principal_session": "i-03cd6b2a7eb4bf3ae",
            "model_id": "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "model_id_raw": "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "request_id": "aff6f361-1ef0-4460-97af-26528a80b511",
            "readOnly": True,
            "host_header": "bedrock-runtime.us-east-1.amazonaws.com",
        },
        "converse",
    )
    tls = project("cloudtrail", raw_frame(ndjson(CT / "test-tls-details-json.log")))
    check_row(
        tls.iloc[0],
        {"principal": "arn:aws:iam::0123456789012:user/Alice", "invoked_by": "signin.amazonaws.com"},
        "tls 1",
    )
    check_row(
        tls.iloc[1],
        {
            "principal": "saml:some.user@my.company.com",
            "source_ips": ["81.2.69.142", "192.168.10.10"],
            "source_ip": "81.2.69.142",
        },
        "tls 2",
    )
    check_row(
        tls.iloc[2],
        {
            "principal": "arn:aws:iam::001122334455:role/SomeRole",
            "principal_type": "SSORole",
            "principal_session": "some.user@my.company.com",
        },
        "tls 3",
    )
    gov = project("cloudtrail", raw_frame(ndjson(CT / "test-us-gov-arn.log"))).iloc[0]
    check_row(gov, {"principal": "arn:aws-us-gov:iam::111111111111:role/ExampleRole", "region": "us-gov-east-1"}, "gov")
    svc = project("cloudtrail", raw_frame(ndjson(CT / "test-assume-role-aws-service-json.log"))).iloc[0]
    check_row(
        svc,
        {
            "principal": "ec2.amazonaws.com",
            "principal_type": "AWSService",
            "resource_arns": ["arn:aws:iam::111111111111:role/ec2-instance-role"],
        },
        "svc",
    )
    idc = project("cloudtrail", raw_frame(ndjson(CT / "test-user-authentication.log"))).iloc[0]
    check_row(idc, {"principal": None, "principal_type": "IdentityCenterUser", "source_ip": None}, "idc redacted")


def test_denial_codes_and_error_quirks() -> None:
    base = {
        "eventTime": "2025-05-01T12:00:00Z",
        "eventName": "GetObject",
        "userIdentity": {"type": "Root", "accountId": "1"},
    }
    rows = [
        {**base, "errorCode": "AccessDenied"},
        {**base, "errorCode": "Client.UnauthorizedOperation"},
        {**base, "errorCode": "VpceAccessDenied", "vpcEndpointId": "vpce-1"},
        {**base, "errorCode": "ThrottlingException"},
        {**base, "errorCode": "200"},  # sample quirk: not an error
        {**base, "errorMessage": "Failed authentication"},  # ConsoleLogin: message without code
        base,
    ]
    frame = project("cloudtrail", raw_frame(rows))
    assert frame["is_denied"].tolist() == [True, True, True, False, False, False, False]
    assert frame["is_error"].tolist() == [True, True, True, True, False, True, False]
    assert frame["vpcEndpointId"].tolist()[2] == "vpce-1"


def test_bedrock_request_parameters() -> None:
    rec = {
        "eventTime": "2025-05-01T12:00:00.123Z",
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "UpdateGuardrail",
        "requestParameters": {
            "guardrailIdentifier": "arn:aws:bedrock:us-east-1:111122223333:guardrail/gr12345",
            "guardrailVersion": "DRAFT",
        },
        "additionalEventData": {"inputTokens": 10, "outputTokens": 4},
        "userIdentity": {
            "type": "AssumedRole",
            "arn": "arn:aws:sts::111122223333:assumed-role/agent/s",
            "inScopeOf": {
                "issuerType": "AWS::BedrockAgentCore::Runtime",
                "credentialsIssuedTo": "arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/my_agent-AbC123"
                "/runtime-endpoint/DEFAULT",
            },
        },
    }
    row = project("cloudtrail", raw_frame([rec])).iloc[0]
    check_row(
        row,
        {
            "guardrail_id": "gr12345",
            "guardrail_version": "DRAFT",
            "input_tokens": 10,
            "output_tokens": 4,
            "runtime_arn": "arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/my_agent-AbC123",
            "issuer_type": "AWS::BedrockAgentCore::Runtime",
            "time": pd.Timestamp("2025-05-01T12:00:00.123Z"),
        },
        "guardrail update",
    )
