"""Golden table: values typed by hand from the raw sample files, checked against what the readers load.

Every expected value below was read off the sample file itself (not produced by the reader). Paths use
``/`` between levels because OTel attribute names contain dots (``attributes/gen_ai.usage.input_tokens``);
``@timestamp`` is the record's time as ISO text (or epoch ms for nanosecond sources), ``@flag`` the
reason a record has no usable time. ``ABSENT`` means the key is not in the record.

The Panther file wraps each event (``{_source_file, _rule_id, _test_name, _expected_result, event}``);
the test unwraps it into NDJSON with the same line numbers, as a user exporting the events would.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from aiaudit.readers import RawRecord, read_file

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples not present")

ABSENT = object()
NO_ERROR = object()  # errorCode absent or null

CT = "cloudtrail/"
AC = "agentcore/"
INV = "invocations/elastic-test-aws-bedrock-1-16.log"
PANTHER = "panther"  # the unwrapped Panther events, line numbers as in the original file

ROWS: list[tuple[str, int, dict[str, Any]]] = [
    # ---- cloudtrail/ (Elastic and Beats test files) -------------------------------------------------------
    (CT + "beats-delete-trail-json.log", 1, {
        "eventName": "DeleteTrail", "requestID": "EXAMPLE-d44f-4a2a-966f-EXAMPLE",
        "userIdentity/arn": "arn:aws:iam::0123456789012:user/Alice", "@timestamp": "2020-01-09T20:09:51.000Z",
        "errorCode": ABSENT,
    }),
    (CT + "beats-insight-json.log", 1, {
        "eventCategory": "Insight", "eventType": "AwsCloudTrailInsight", "eventName": ABSENT,
        "insightDetails/eventName": "AttachUserPolicy", "@timestamp": "2020-09-09T23:00:00.000Z",
    }),
    (CT + "test-assume-role-aws-service-json.log", 1, {
        "eventName": "AssumeRole", "requestID": "9c1b6a4e-2f1d-4c1e-9a77-0f5d3b8e2a10", "userIdentity/arn": ABSENT,
        "userIdentity/invokedBy": "ec2.amazonaws.com", "@timestamp": "2024-10-08T10:15:32.000Z",
        "responseElements/credentials/expiration": "Oct 8, 2024, 4:15:32 PM",
    }),
    (CT + "test-assume-role-json.log", 1, {
        "eventName": "AssumeRole", "requestID": "b96b0e4e-e561-11e9-8b3f-7b396EXAMPLE",
        "userIdentity/arn": "arn:aws:sts::111111111111:assumed-role/JohnDoe/JohnRole1",
        "@timestamp": "2019-10-02T22:12:29.000Z", "resources/0/ARN": "arn:aws:iam::111122223333:role/JohnRole2",
    }),
    (CT + "test-assume-role-json.log", 2, {
        "requestID": "b96b0e4e-e561-11e9-8b3f-7b396EXAMPLE",
        "resources/0/ARN": "arn:aws:iam::444455556666:role/SAMLTestRoleShibboleth",
        "resources/1/type": "AWS::IAM::SAMLProvider", "@timestamp": "2019-10-02T22:12:29.000Z",
    }),
    (CT + "test-attach-role-policy-json.log", 1, {
        "eventName": "AttachRolePolicy", "requestID": "8a11d75b-c8c9-47a8-9ce7-6a916d2561fa",
        "userIdentity/arn": "arn:aws:iam::000000000:user/test@elastic.co", "@timestamp": "2024-10-15T08:28:01.000Z",
        "requestParameters/policyArn": "arn:aws:iam::aws:policy/SecurityAudit",
    }),
    (CT + "test-console-login-json.log", 1, {
        "eventName": "ConsoleLogin", "requestID": ABSENT, "userIdentity/arn": "arn:aws:iam::111122223333:user/JohnDoe",
        "@timestamp": "2014-07-16T15:49:27.000Z", "errorCode": ABSENT, "responseElements/ConsoleLogin": "Success",
    }),
    (CT + "test-console-login-json.log", 2, {
        "userIdentity/arn": "arn:aws:iam::111122223333:user/JaneDoe", "errorCode": ABSENT,
        "errorMessage": "Failed authentication", "@timestamp": "2014-07-08T17:35:27.000Z",
    }),
    (CT + "test-console-login-json.log", 3, {
        "userIdentity/arn": "arn:aws:sts::123456789012:assumed-role/RoleToBeAssumed/MySessionName",
        "userIdentity/sessionContext/attributes/creationDate": "20131102T010628Z",
        "@timestamp": "2014-07-08T17:35:27.000Z",
    }),
    (CT + "test-converse-json.log", 1, {
        "eventName": "Converse", "requestID": "aff6f361-1ef0-4460-97af-26528a80b511",
        "userIdentity/arn": "arn:aws:sts::00000000000:assumed-role/private-ec2-instance-role/i-03cd6b2a7eb4bf3ae",
        "requestParameters/modelId": "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "@timestamp": "2024-10-29T15:51:44.000Z", "errorCode": ABSENT,
    }),
    (CT + "test-get-bucket-policy-json.log", 1, {
        "eventName": "GetBucketPolicy", "requestID": "7DRDBED4X4BTGMF3",
        "userIdentity/arn": "arn:aws:sts::0000000000:assumed-role/AWSServiceRoleForConfig/AWSConfig-Describe",
        "@timestamp": "2024-11-01T14:43:10.000Z", "vpcEndpointId": "vpce-16a4477f",
    }),
    (CT + "test-get-caller-identity-json.log", 1, {
        "eventName": "GetCallerIdentity", "requestID": "12ab45a7-ecba-479c-890e-87c5e40cba71",
        "userIdentity/arn": "arn:aws:iam::00000000000:user/terraformer", "@timestamp": "2024-11-02T00:20:40.000Z",
    }),
    (CT + "test-tls-details-json.log", 1, {
        "eventName": "UploadSSHPublicKey", "requestID": "EXAMPLE-44b9-41cd-90f2-EXAMPLE",
        "userIdentity/arn": "arn:aws:iam::0123456789012:user/Alice", "@timestamp": "2020-01-10T16:06:40.000Z",
    }),
    (CT + "test-tls-details-json.log", 2, {
        "eventName": "action", "requestID": "001122334455", "errorCode": "200", "userIdentity/arn": ABSENT,
        "userIdentity/type": "SAMLUser", "sourceIPAddress": "81.2.69.142, 192.168.10.10",
        "@timestamp": "2025-01-15T08:07:37.000Z",
    }),
    (CT + "test-tls-details-json.log", 3, {
        "eventName": "ListDirectoryBuckets", "requestID": "0106F706590101946500BC4F0B00B6F003616E8F",
        "userIdentity/arn": "arn:aws:sts::001122334455:assumed-role/SomeRole/some.user@my.company.com",
        "@timestamp": "2025-01-14T13:28:54.000Z",
    }),
    (CT + "test-update-trail-json.log", 1, {
        "eventName": "UpdateTrail", "requestID": "5d40662a-49f7-11e6-97e4-dEXAMPLE",
        "userIdentity/arn": "arn:aws:iam::123456789012:user/Alice", "errorCode": "TrailNotFoundException",
        "@timestamp": "2016-07-14T19:15:45.000Z",
    }),
    (CT + "test-update-trail-json.log", 2, {
        "requestID": "EXAMPLE-f3da-42d1-84f5-EXAMPLE", "userIdentity/arn": "arn:aws:iam::0123456789012:user/Alice",
        "errorCode": ABSENT, "@timestamp": "2020-01-08T20:58:45.000Z",
    }),
    (CT + "test-us-gov-arn.log", 1, {
        "eventName": "UpdateInstanceInformation", "requestID": "be50efb8-2ecb-4a40-a9ac-533ffa351EXAMPLE",
        "userIdentity/arn": "arn:aws-us-gov:sts::111111111111:assumed-role/ExampleRole/i-example1234567890",
        "awsRegion": "us-gov-east-1", "@timestamp": "2026-01-05T18:46:26.000Z",
    }),
    (CT + "test-user-authentication.log", 1, {
        "eventName": "UserAuthentication", "requestID": "redacted", "userIdentity/arn": "",
        "userIdentity/type": "IdentityCenterUser", "eventType": "AwsServiceEvent",
        "@timestamp": "2025-09-22T12:29:21.000Z",
    }),
    # ---- agentcore/ (AWS documentation examples) -----------------------------------------------------------
    (AC + "CreateRegistryRecord__registry-cloudtrail-integration_idx61852076183.json", 1, {
        "eventName": "CreateRegistryRecord", "requestID": "12345678-1234-1234-1234-123456789012",
        "userIdentity/arn": "arn:aws:sts::<REDACTED>", "@timestamp": "2026-04-08T01:33:24.000Z",
    }),
    (AC + "GetResourceOauth2Token_trimmed__aws-blog-copy_idx71470890625.json", 1, {
        "eventName": "GetResourceOauth2Token", "requestID": ABSENT,
        "userIdentity/arn": "arn:aws:sts::111122223333:assumed-role/"
        "AmazonBedrockAgentCoreConsentPortalDefaultServiceRole-example/consent-dashboard-example",
        "@timestamp": None, "@flag": "missing eventTime",
    }),
    (AC + "gateway_CreateGateway_management.json", 1, {
        "eventName": "CreateGateway", "requestID": "0fb99b0b-a4d1-xxxx-8aee-c703adaa6bd9",
        "userIdentity/arn": "arn:aws:sts::XXXXXXXXXXXX:assumed-role/HydraInvocationRole-xxxxxxxxx/xxxx",
        "responseElements/gatewayId": "test-openapi-gateway-9c8f7109-8fb4mo6pqx",
        "@timestamp": "2025-07-14T02:47:38.000Z",
    }),
    (AC + "gateway_InvokeGateway_auth_error_401.json", 1, {
        "eventName": "InvokeGateway", "requestID": "1234abcd-12ab-34cd-56ef-1234567890ab", "errorCode": ABSENT,
        "responseElements/statusCode": 401, "responseElements/body/error/message": "Invalid Bearer token",
        "userIdentity/accountId": "anonymous", "userIdentity/arn": ABSENT, "additionalEventData": ABSENT,
        "@timestamp": "2025-07-14T02:14:42.000Z",
    }),
    (AC + "gateway_InvokeGateway_success_jwt.json", 1, {
        "eventName": "InvokeGateway", "requestID": "1234abcd-12ab-34cd-56ef-1234567890ab",
        "additionalEventData/jwt/claims/sub": "4ammgxxxxxxxxxxxm3b8c",
        "additionalEventData/jwt/claims/iss": "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_Fxxxxxhtq",
        "responseElements/statusCode": 200, "@timestamp": "2025-07-14T02:14:42.000Z",
    }),
    # ---- invocations/ (Elastic aws_bedrock pipeline test + AWS guide) --------------------------------------
    (INV, 1, {
        "requestId": "6f9e9644-95a1-4c3c-892f-b51372320d5e", "operation": "InvokeModelWithResponseStream",
        "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
        "identity/arn": "arn:aws:iam::111111111111:user/john.doe@example.com",
        "input/inputTokenCount": 571, "output/outputTokenCount": 281, "@timestamp": "2024-04-18T22:54:57.000Z",
        "errorCode": ABSENT,
    }),
    (INV, 2, {
        "requestId": "142471d6-56dd-46a8-b502-08711ec9a410", "operation": "Converse",
        "modelId": "ai21.jamba-instruct-v1:0", "identity/arn": "arn:aws:iam::13457018785544:user/user",
        "input/inputTokenCount": 0, "output/outputTokenCount": 0, "@timestamp": "2024-09-05T07:37:51.000Z",
    }),
    (INV, 3, {
        "requestId": "ef4eb10d-5bc0-46b8-a6b4-0c7aa93024c1", "operation": "Converse",
        "modelId": "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "identity/arn": "arn:aws:iam::891377031307:user/shashank",
        "@timestamp": "2024-11-21T11:25:18.000Z",
    }),
    (INV, 4, {
        "requestId": "6d97c170-4ec6-4798-8035-6a38a1bc751f", "input/inputTokenCount": 37,
        "output/outputTokenCount": 62, "@timestamp": "2024-11-21T08:38:21.000Z",
    }),
    (INV, 5, {
        "requestId": "9b6c3dc7-5ace-4a53-94f4-8dd7e551f41a", "input/inputTokenCount": 16,
        "output/outputTokenCount": 82, "@timestamp": "2024-11-20T16:47:52.000Z",
    }),
    (INV, 6, {
        "requestId": "29c32fc4-bb1a-462a-a781-d4e499f00e6a", "operation": "InvokeModelWithResponseStream",
        "modelId": "anthropic.claude-3-sonnet-20240229-v1:0",
        "identity/arn": "arn:aws:iam::144492464627:user/andrew.kroh@elastic.co",
        "@timestamp": "2024-04-25T20:21:37.000Z",
    }),
    (INV, 9, {
        "requestId": "787423d4-0618-4465-8835-10161b3ebc12", "input/inputTokenCount": 70,
        "output/outputTokenCount": 209, "@timestamp": "2024-11-21T11:48:13.000Z",
    }),
    (INV, 10, {
        "requestId": "6f902217-521c-4d33-aa6f-95b9715b2fe8", "operation": "InvokeModel",
        "modelId": "anthropic.claude-3-sonnet-20240229-v1:0", "identity/arn": "<redacted>", "accountId": "<redacted>",
        "region": "ap-south-1", "input/inputTokenCount": 859, "output/outputTokenCount": 15,
        "@timestamp": "2024-12-23T12:37:59.000Z",
    }),
    (INV, 11, {
        "requestId": "abcdef12-3456-7890-abcd-ef1234567890", "operation": "ConverseStream", "modelId": "dummy-model-v1",
        "identity/arn": "arn:aws:sts::123456789012:assumed-role/DUMMYROLE/dummyuser",
        "input/inputTokenCount": 320, "output/outputTokenCount": 300, "@timestamp": "2024-10-11T12:15:04.000Z",
    }),
    (INV, 12, {
        "requestId": "19926a63-3c07-4481-864c-49516d208539", "modelId": "anthropic.claude-v2:1",
        "identity/arn": "arn:aws:sts::795142007471:assumed-role/BEDROCKPLAYGROUNDACCESS/uwga",
        "input/inputTokenCount": 3263, "output/outputTokenCount": 300, "@timestamp": "2025-01-09T18:49:23.000Z",
    }),
    (INV, 15, {
        "requestId": "29c32fc4-bb1a-462a-a781-d4e499f00e6a", "system": "some text",
        "@timestamp": "2024-04-25T20:21:37.000Z",
    }),
    ("invocations/sample_invocation_log_cohere_invokemodel.json", 1, {
        "requestId": "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "operation": "InvokeModel",
        "modelId": "cohere.command-r-plus-v1:0",
        "identity/arn": "arn:aws:sts::123456789012:assumed-role/my-bedrock-role/my-session",
        "input/inputTokenCount": 8, "output/outputTokenCount": 20, "schemaVersion": ABSENT,
        "@timestamp": "2026-04-17T14:21:50.000Z",
    }),
    # ---- spans/ (aws/spans records and runtime OTel log records) --------------------------------------------
    ("spans/aws_observability_doc_sample_model_call_span.json", 1, {
        "traceId": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", "spanId": "1a2b3c4d5e6f7a8b",
        "parentSpanId": "9c8d7e6f5a4b3c2d", "name": "chat us.anthropic.claude-sonnet-4-6", "durationNano": 2644916837,
        "attributes/gen_ai.usage.input_tokens": 1980, "attributes/gen_ai.usage.output_tokens": 119,
        "attributes/session.id": "session-a1b2c3d4-e5f6-7890", "@timestamp": None,
        "@flag": "missing startTimeUnixNano", "@log": "aws/spans",
    }),
    ("spans/aws_observability_doc_sample_tool_span.json", 1, {
        "spanId": "2b3c4d5e6f7a8b9c", "durationNano": 37505594, "attributes/gen_ai.tool.name": "http_request",
        "@timestamp": None, "@log": "aws/spans",
    }),
    ("spans/langgraph_chat_span_actual_trace_schema__idx21209450936.json", 1, {
        "traceId": "693450f70706ee542404439f03c99a12", "spanId": "e6b23d1a2e6ddadc",
        "startTimeUnixNano": 1765036280876512050, "endTimeUnixNano": 1765036282425105992,
        "durationNano": 1548593942, "attributes/gen_ai.usage.input_tokens": 1086,
        "attributes/gen_ai.usage.output_tokens": 65, "attributes/session.id": "test-token-stream-12345678901234567890",
        "@timestamp": 1765036280876,
    }),
    ("spans/policy_span1_AuthorizeAction_ALLOW__idx61520086539.json", 1, {
        "traceId": "6a6a005492b3acc3e318e0f22ae9909e", "spanId": "e94f9481b9a43495",
        "startTimeUnixNano": 1785331800758000000, "attributes/aws.agentcore.policy.authorization_decision": "ALLOW",
        "attributes/aws.request.id": "5eaaa11d-64cc-445e-8c6e-948ebe76f632",
        "attributes/http.response.status_code": 200, "@timestamp": 1785331800758,
    }),
    ("spans/policy_span2_PartiallyAuthorizeActions_DENY__idx61520086539.json", 1, {
        "spanId": "9ca47dd6a8e67249", "startTimeUnixNano": 1785331797355000000,
        "attributes/aws.request.id": "9387e92e-f6a3-4e4b-ad2e-120659d2c934",
        "attributes/aws.agentcore.policy.denied_tools/0": "hr-database___create_payout", "@timestamp": 1785331797355,
    }),
    ("spans/otel-rt-logs-1-3.jsonl", 1, {
        "@pipeline": "runtime_logs", "traceId": "69fa1f0879d01d2e2401006021a9e3d9", "spanId": "7cba7f714dc8b6f2",
        "timeUnixNano": 1777999625236330240, "severityText": "WARN", "@timestamp": 1777999625236,
        "@log": "/aws/bedrock-agentcore/runtimes/acr_cmk_demo-nerCnuBMNU-DEFAULT", "@logStream": "otel-rt-logs",
    }),
    ("spans/otel-rt-logs-1-3.jsonl", 2, {
        "@pipeline": "runtime_logs", "traceId": "69e8e3ee24e8eb755250b36d063d7d98", "spanId": "a9c374049aedc61c",
        "timeUnixNano": 1776870387242306543, "attributes/session.id": "6be9ce38-8726-4045-b006-0b06dd627ed4",
        "@timestamp": 1776870387242,
        "@log": "/aws/bedrock-agentcore/runtimes/restaurant_assistant_demo-N1g4Vp8Xrb-DEFAULT",
    }),
    ("spans/otel-rt-logs-1-3.jsonl", 3, {
        "@pipeline": "runtime_logs", "spanId": "9e18e6dcbeace41d", "timeUnixNano": 1777999625339605916,
        "attributes/event.name": "gen_ai.user.message", "@timestamp": 1777999625339,
    }),
    # ---- cloudtrail/panther_rule_test_events.jsonl (unwrapped) -------------------------------------------------
    (PANTHER, 10, {
        "eventName": "ModifyImageAttribute", "requestID": "1111", "errorCode": "UnauthorizedOperation",
        "userIdentity/arn": "arn:aws:sts::123456789012:assumed-role/example-role/example-user",
        "@timestamp": "2019-01-01T00:00:00.000Z",
    }),
    (PANTHER, 15, {
        "eventName": "DeleteModelInvocationLoggingConfiguration", "requestID": "7b9b25ca-be2d-4428-9793-0a677c32b823",
        "userIdentity/arn": "arn:aws:sts::123123123123:assumed-role/DevAdmin/dr.evil", "errorCode": NO_ERROR,
        "@timestamp": "2025-01-21T17:49:47.000Z",
    }),
    (PANTHER, 17, {
        "eventName": "UpdateGuardrail", "requestID": "4ebcfaab-52e6-4027-9307-dbfe671b1cdb",
        "@timestamp": "2025-01-21T17:39:10.000Z",
    }),
    (PANTHER, 20, {
        "eventName": "DescribeAccount", "requestID": "1c40241b-c59c-4d4a-8301-b612545f9c5c",
        "userIdentity/arn": "arn:aws:sts::123456789123:assumed-role/TestUser/test_123456789123",
        "@timestamp": "2022-11-21T18:06:52.000Z",
    }),
    (PANTHER, 23, {
        "eventName": "LeaveOrganization", "requestID": "67dce4b9-c7d1-4c91-a686-d34bbd5365eb",
        "userIdentity/arn": "arn:aws:sts::111122223333:assumed-role/SampleRole/SampleSession",
        "errorCode": "AccessDenied", "@timestamp": "2025-01-20T15:59:33.000Z",
    }),
    (PANTHER, 35, {"eventName": "ConsoleLogin", "eventTime": ABSENT, "@timestamp": None, "@flag": "missing eventTime"}),
    (PANTHER, 56, {
        "eventName": "ListFunctions20150331", "requestID": "ea7dbdf9-6c03-421e-abf4-f201919f9f26",
        "userIdentity/arn": "arn:aws:iam::187901811700:user/exposed.user", "errorCode": "AccessDenied",
        "@timestamp": "2024-06-02T20:16:32.000Z",
    }),
    (PANTHER, 92, {
        "eventName": "DescribeInstanceAttribute", "requestID": "f2362cc7-4396-4be5-950c-16c36dddde76",
        "userIdentity/arn": "arn:aws:sts::111122223333:assumed-role/SampleRole/sample-session",
        "errorCode": "Client.UnauthorizedOperation", "@timestamp": "2024-12-11T21:49:07.000Z",
    }),
    (PANTHER, 101, {
        "eventName": "RunInstances", "requestID": "b663854b-4ebf-4be3-8de0-9c5471904762",
        "userIdentity/arn": "arn:aws:sts::900138736586:assumed-role/stratus-red-team-ec2lui-role-idtzskbvtd/"
        "aws-go-sdk-1722511821294449000",
        "errorCode": "Client.UnauthorizedOperation", "@timestamp": "2024-08-01T11:30:23.000Z",
    }),
    (PANTHER, 103, {
        "eventName": "AuthorizeSecurityGroupIngress", "requestID": "91f34d65-513d-4e9f-a3de-e8d27f7ee4b2",
        "userIdentity/arn": "arn:aws:sts::112233445566:assumed-role/TestAdmin/alan", "errorCode": NO_ERROR,
        "@timestamp": "2021-01-24T04:55:45.000Z",
    }),
    (PANTHER, 113, {
        "eventName": "RunInstances", "requestID": "5e7636b9-d5b5-4bb1-8e37-f98ae7c04e52",
        "userIdentity/arn": "arn:aws:sts::123123123123:assumed-role/AWSServiceRoleForAmazonEKSNodegroup/EKS",
        "errorCode": "Client.DryRunOperation", "@timestamp": "2022-10-13T16:35:33.000Z",
    }),
    (PANTHER, 309, {
        "eventName": "SetRepositoryPolicy", "requestID": "95fd6392-627c-467b-b940-895183d3298d",
        "userIdentity/arn": "arn:aws:sts::112233445566:assumed-role/ServiceRole/AWSCloudFormation",
        "@timestamp": "2020-11-20T06:19:05.000Z",
    }),
    (PANTHER, 328, {
        "eventName": "ExternalIdPDirectoryLogin", "requestID": "redacted", "eventTime": "redacted",
        "@timestamp": None, "@flag": "unparseable eventTime: 'redacted'",
    }),
    (PANTHER, 334, {
        "eventName": "DeleteBucket", "requestID": "EEEE5AAAAAA44444", "errorCode": "BucketNotEmpty",
        "@timestamp": None, "@flag": "missing eventTime",
    }),
    (PANTHER, 394, {
        "eventName": "GetSecretValue", "requestID": "5128b35f-0daf-4c5e-948a-21a1c507968c",
        "userIdentity/arn": "arn:aws:sts::123123123123:assumed-role/"
        "AWSReservedSSO_DevAdmin_635426549a280cc6/evil.genius",
        "errorCode": "AccessDenied", "@timestamp": "2024-10-17T21:48:45.000Z",
    }),
    (PANTHER, 439, {
        "eventName": "ChangePassword", "requestID": "a431f05e-67e1-11ea-bc55-0242ac130003",
        "userIdentity/arn": "arn:aws:iam::123456789012:user/test_user", "errorCode": "PasswordPolicyViolation",
        "@timestamp": "2019-12-31T01:50:46.000Z",
    }),
    (PANTHER, 444, {
        "eventName": "GetObject", "errorCode": "VpceAccessDenied", "@timestamp": "2023-03-01T00:00:00.000Z",
    }),
    (PANTHER, 461, {
        "eventName": "ListApplications", "eventTime": "...", "@timestamp": None,
        "@flag": "unparseable eventTime: '...'",
    }),
    (PANTHER, 462, {"eventName": "CreateAccountResult", "@timestamp": "2021-05-20T15:53:47.000Z"}),
    (PANTHER, 463, {
        "eventName": "CreateAccount", "requestID": "2222222222222222222222222222", "eventSource": ABSENT,
        "@timestamp": "2020-11-05T21:21:46.000Z",
    }),
    (PANTHER, 466, {
        "eventName": "CreateUser", "responseElements/user/userName": "Bob Cat", "@timestamp": None,
        "@flag": "missing eventTime",
    }),
    (PANTHER, 505, {
        "eventName": "ConsoleLogin", "userIdentity/arn": "arn:aws:iam::123456789012:user/tester",
        "@timestamp": "2023-05-26T20:14:51.000Z",
    }),
]  # fmt: skip


def _get(data: Any, path: str) -> Any:
    for part in path.split("/"):
        if isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return ABSENT
    return data


def _iso(ms: int) -> str:
    moment = datetime.fromtimestamp(ms // 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[int, RawRecord]]:
    """file key → line → record, for every file the table names."""
    unwrapped = tmp_path_factory.mktemp("panther") / "panther_events.jsonl"
    with (SAMPLES / "cloudtrail" / "panther_rule_test_events.jsonl").open(encoding="utf-8") as source:
        unwrapped.write_text("".join(json.dumps(json.loads(line)["event"]) + "\n" for line in source))
    result: dict[str, dict[int, RawRecord]] = {}
    for key in {row[0] for row in ROWS}:
        path = unwrapped if key == PANTHER else SAMPLES / key
        load = read_file(path, SAMPLES if key != PANTHER else None)
        records = list(load.records)
        by_line = {r.line: r for r in records}
        assert len(by_line) == len(records), f"{key}: two records share a line"
        result[key] = by_line
    return result


def test_table_is_big_enough() -> None:
    assert len(ROWS) >= 60
    folders = {key.split("/")[0] for key, _, _ in ROWS}
    assert folders == {"cloudtrail", "agentcore", "invocations", "spans", PANTHER}


@pytest.mark.parametrize(("key", "line", "expected"), ROWS, ids=[f"{k.split('/')[-1]}:{n}" for k, n, _ in ROWS])
def test_golden_record(loaded: dict[str, dict[int, RawRecord]], key: str, line: int, expected: dict[str, Any]) -> None:
    record = loaded[key].get(line)
    assert record is not None, f"{key}: no record at line {line}"
    # @message is the compact JSON of the record (what Logs Insights shows), and parses back to the same data.
    assert json.loads(record.message) == record.data
    assert ", " not in record.message[:3] and record.message.startswith("{")
    for field, want in expected.items():
        if field == "@timestamp":
            got: Any = record.timestamp_ms
            if isinstance(want, str):
                assert got is not None, f"{field}: no time (flag {record.time_flag!r})"
                got = _iso(got)
            assert got == want, field
            if want is not None:
                assert record.time_flag is None
        elif field == "@flag":
            assert record.time_flag == want
        elif field == "@log":
            assert record.log_group == want
        elif field == "@logStream":
            assert record.log_stream == want
        elif field == "@pipeline":
            assert record.pipeline == want
        elif want is NO_ERROR:
            assert _get(record.data, field) in (ABSENT, None), field
        else:
            got = _get(record.data, field)
            assert got == want, f"{field}: {got!r} != {want!r}"
            assert type(got) is type(want) or want is ABSENT, f"{field}: type {type(got).__name__}"


def test_pipelines_follow_the_folders(loaded: dict[str, dict[int, RawRecord]]) -> None:
    expected = {
        "cloudtrail": "cloudtrail",
        "agentcore": "cloudtrail",
        "invocations": "invocations",
        PANTHER: "cloudtrail",
    }
    for key, records in loaded.items():
        folder = key.split("/")[0]
        for record in records.values():
            if folder == "spans":
                want = "runtime_logs" if key.endswith("otel-rt-logs-1-3.jsonl") else "spans"
            else:
                want = expected[folder]
            assert record.pipeline == want, f"{key}:{record.line}"
            default_group = {"cloudtrail": "cloudtrail", "invocations": "bedrock-model-invocation-logging"}
            if want in default_group:
                assert record.log_group == default_group[want]


def test_nanosecond_integers_stay_exact(loaded: dict[str, dict[int, RawRecord]]) -> None:
    # 1765036280876512050 is not representable as a double (it would read back as ...512000).
    span = loaded["spans/langgraph_chat_span_actual_trace_schema__idx21209450936.json"][1]
    assert span.data["startTimeUnixNano"] == 1765036280876512050
    assert '"startTimeUnixNano":1765036280876512050' in span.message
    assert float(span.data["startTimeUnixNano"]) != 1765036280876512050
