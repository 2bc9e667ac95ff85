"""Golden table for the principal normaliser: every principal kind of DESIGN §3, through the projection."""

from __future__ import annotations

import pytest

from aiaudit.frames import normalise_principal, principal_key, project

from .helpers import check_row, raw_frame


def _event(identity: dict | None, **extra: object) -> dict:
    rec: dict = {
        "eventVersion": "1.09",
        "eventTime": "2025-05-01T12:00:00Z",
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "InvokeModel",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "requestID": "r-1",
        "eventID": "e-1",
        "recipientAccountId": "111122223333",
    }
    if identity is not None:
        rec["userIdentity"] = identity
    rec.update(extra)
    return rec


ROLE_ISSUER = {
    "type": "Role",
    "principalId": "AROAEXAMPLE",
    "arn": "arn:aws:iam::111122223333:role/service-role/agent-exec",
    "accountId": "111122223333",
    "userName": "agent-exec",
}

# (label, CloudTrail record, expected normalised values) — written by hand
CASES: list[tuple[str, dict, dict]] = [
    (
        "assumed role: issuer ARN, path dropped, session name kept",
        _event(
            {
                "type": "AssumedRole",
                "principalId": "AROAEXAMPLE:botocore-session-1",
                "arn": "arn:aws:sts::111122223333:assumed-role/agent-exec/botocore-session-1",
                "accountId": "111122223333",
                "accessKeyId": "ASIAEXAMPLE1",
                "sessionContext": {"sessionIssuer": ROLE_ISSUER},
            }
        ),
        {
            "principal": "arn:aws:iam::111122223333:role/agent-exec",
            "principal_session": "botocore-session-1",
            "principal_type": "AssumedRole",
            "access_key_id": "ASIAEXAMPLE1",
            "account": "111122223333",
            "cross_account": False,
            "userIdentity.sessionContext.sessionIssuer.arn": "arn:aws:iam::111122223333:role/service-role/agent-exec",
        },
    ),
    (
        "assumed role without issuer: derived from the STS ARN, gov partition kept",
        _event(
            {
                "type": "AssumedRole",
                "arn": "arn:aws-us-gov:sts::444455556666:assumed-role/GovRole/i-0abc",
                "accountId": "444455556666",
            }
        ),
        {
            "principal": "arn:aws-us-gov:iam::444455556666:role/GovRole",
            "principal_session": "i-0abc",
            "principal_type": "AssumedRole",
            "account": "444455556666",
            "cross_account": True,
        },
    ),
    (
        "IAM Identity Center permission set role with an email session",
        _event(
            {
                "type": "AssumedRole",
                "principalId": "AROASSO:alice@example.com",
                "arn": "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_DataScientist_0123abcd/alice@example.com",
                "accountId": "111122223333",
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "arn": "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-1/"
                        "AWSReservedSSO_DataScientist_0123abcd",
                        "accountId": "111122223333",
                        "userName": "AWSReservedSSO_DataScientist_0123abcd",
                    }
                },
            }
        ),
        {
            "principal": "arn:aws:iam::111122223333:role/AWSReservedSSO_DataScientist_0123abcd",
            "principal_session": "alice@example.com",
            "principal_type": "SSORole",
        },
    ),
    (
        "IAM user with a path",
        _event(
            {
                "type": "IAMUser",
                "principalId": "AIDAEXAMPLE",
                "arn": "arn:aws:iam::111122223333:user/ops/bob",
                "accountId": "111122223333",
                "accessKeyId": "AKIAEXAMPLE",
                "userName": "bob",
            }
        ),
        {
            "principal": "arn:aws:iam::111122223333:user/bob",
            "principal_session": None,
            "principal_type": "IAMUser",
            "access_key_id": "AKIAEXAMPLE",
        },
    ),
    (
        "root",
        _event(
            {
                "type": "Root",
                "principalId": "111122223333",
                "arn": "arn:aws:iam::111122223333:root",
                "accountId": "111122223333",
            }
        ),
        {"principal": "arn:aws:iam::111122223333:root", "principal_type": "Root", "account": "111122223333"},
    ),
    (
        "root without ARN or account (Panther sample shape): the receiving account's root",
        _event({"type": "Root", "userName": "root"}),
        {"principal": "arn:aws:iam::111122223333:root", "principal_type": "Root"},
    ),
    (
        "AWS service",
        _event({"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}, sourceIPAddress="lambda.amazonaws.com"),
        {
            "principal": "lambda.amazonaws.com",
            "principal_type": "AWSService",
            "invoked_by": "lambda.amazonaws.com",
            "account": None,
            "cross_account": None,
        },
    ),
    (
        "role acting through a service (invokedBy) stays the role",
        _event(
            {
                "type": "AssumedRole",
                "arn": "arn:aws:sts::111122223333:assumed-role/agent-exec/s",
                "accountId": "111122223333",
                "sessionContext": {"sessionIssuer": ROLE_ISSUER},
                "invokedBy": "bedrock-agentcore.amazonaws.com",
            }
        ),
        {
            "principal": "arn:aws:iam::111122223333:role/agent-exec",
            "invoked_by": "bedrock-agentcore.amazonaws.com",
        },
    ),
    (
        "federated user",
        _event(
            {
                "type": "FederatedUser",
                "principalId": "111122223333:carol",
                "arn": "arn:aws:sts::111122223333:federated-user/carol",
                "accountId": "111122223333",
                "accessKeyId": "ASIAFED",
                "sessionContext": {
                    "sessionIssuer": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/broker"}
                },
            }
        ),
        {
            "principal": "arn:aws:sts::111122223333:federated-user/carol",
            "principal_session": "carol",
            "principal_type": "FederatedUser",
        },
    ),
    (
        "Identity Center user",
        _event(
            {
                "type": "IdentityCenterUser",
                "accountId": "111122223333",
                "onBehalfOf": {
                    "userId": "94482488-3041-7026-18f3-be45837cd0e4",
                    "identityStoreArn": "arn:aws:identitystore::111122223333:identitystore/d-9067230000",
                },
                "credentialId": "cred",
            }
        ),
        {
            "principal": "arn:aws:identitystore:::user/94482488-3041-7026-18f3-be45837cd0e4",
            "principal_type": "IdentityCenterUser",
        },
    ),
    (
        "cross-account caller (role in another account)",
        _event(
            {
                "type": "AssumedRole",
                "arn": "arn:aws:sts::999900001111:assumed-role/partner-reader/job-7",
                "accountId": "999900001111",
                "sessionContext": {
                    "sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::999900001111:role/partner-reader"}
                },
            }
        ),
        {
            "principal": "arn:aws:iam::999900001111:role/partner-reader",
            "account": "999900001111",
            "cross_account": True,
        },
    ),
    (
        "other account without ARN (AWSAccount)",
        _event({"type": "AWSAccount", "principalId": "AROAEXAMPLE:session-name", "accountId": "999900001111"}),
        {
            "principal": "account:999900001111",
            "principal_session": "session-name",
            "principal_type": "AWSAccount",
            "cross_account": True,
        },
    ),
    (
        "SAML user",
        _event({"type": "SAMLUser", "userName": "dave@corp.example"}),
        {"principal": "saml:dave@corp.example", "principal_session": "dave@corp.example", "principal_type": "SAMLUser"},
    ),
    (
        "Gateway caller with JWT claims",
        _event(
            {"type": "AWSAccount", "principalId": "", "accountId": "anonymous"},
            eventSource="bedrock-agentcore.amazonaws.com",
            eventName="InvokeGateway",
            additionalEventData={
                "jwt": {"claims": {"iss": "https://issuer.example/pool", "sub": "client-42", "scope": "a b"}}
            },
        ),
        {
            "principal": "jwt:https://issuer.example/pool#client-42",
            "principal_type": "GatewayJWT",
            "account": None,
            "jwt_iss": "https://issuer.example/pool",
            "jwt_sub": "client-42",
            "jwt_scope": "a b",
        },
    ),
    (
        "Gateway 401 without claims: source IP (first of a list)",
        _event(
            {"type": "AWSAccount", "principalId": "", "accountId": "anonymous"},
            eventSource="bedrock-agentcore.amazonaws.com",
            eventName="InvokeGateway",
            sourceIPAddress="203.0.113.9, 10.0.0.1",
            responseElements={
                "statusCode": 401,
                "body": {"error": {"code": -32001, "message": "Invalid Bearer token"}},
            },
        ),
        {
            "principal": "ip:203.0.113.9",
            "principal_type": "SourceIP",
            "source_ip": "203.0.113.9",
            "source_ips": ["203.0.113.9", "10.0.0.1"],
            "http_status": 401,
            "is_denied": True,
            "is_error": True,
            "gateway_error": "Invalid Bearer token",
        },
    ),
    (
        "redacted identity stays unknown",
        _event(
            {
                "type": "AssumedRole",
                "principalId": "<REDACTED>",
                "arn": "arn:aws:sts::<REDACTED>",
                "accountId": "<REDACTED>",
                "accessKeyId": "<REDACTED>",
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "<REDACTED>", "userName": "Admin"}},
            },
            sourceIPAddress="<REDACTED>",
        ),
        {
            "principal": None,
            "principal_session": None,
            "principal_type": "AssumedRole",
            "access_key_id": None,
            "account": None,
            "cross_account": None,
            "source_ip": None,
            "source_ips": None,
        },
    ),
    (
        "no userIdentity at all",
        _event(None),
        {"principal": None, "principal_type": None},
    ),
]


@pytest.mark.parametrize(("label", "record", "expected"), CASES, ids=[c[0] for c in CASES])
def test_principal_kinds(label: str, record: dict, expected: dict) -> None:
    frame = project("cloudtrail", raw_frame([record]))
    check_row(frame.iloc[0], expected, label)


# invocation-log identity.arn strings → (principal, session, type, account)
ARN_CASES = [
    (
        "arn:aws:sts::123456789012:assumed-role/my-bedrock-role/my-session",
        "arn:aws:iam::123456789012:role/my-bedrock-role",
        "my-session",
        "AssumedRole",
        "123456789012",
    ),
    (
        "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_1a2b/erin@example.com",
        "arn:aws:iam::123456789012:role/AWSReservedSSO_Admin_1a2b",
        "erin@example.com",
        "SSORole",
        "123456789012",
    ),
    (
        "arn:aws-cn:sts::123456789012:assumed-role/cn-role/s",
        "arn:aws-cn:iam::123456789012:role/cn-role",
        "s",
        "AssumedRole",
        "123456789012",
    ),
    (
        "arn:aws:iam::123456789012:user/john.doe@example.com",
        "arn:aws:iam::123456789012:user/john.doe@example.com",
        None,
        "IAMUser",
        "123456789012",
    ),
    ("arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:root", None, "Root", "123456789012"),
    (
        "arn:aws:sts::123456789012:federated-user/fed",
        "arn:aws:sts::123456789012:federated-user/fed",
        "fed",
        "FederatedUser",
        "123456789012",
    ),
    ("<redacted>", None, None, None, None),
    ("<REDACTED>", None, None, None, None),
    ("", None, None, None, None),
]


@pytest.mark.parametrize(("arn", "principal", "session", "kind", "account"), ARN_CASES)
def test_identity_arn(
    arn: str, principal: str | None, session: str | None, kind: str | None, account: str | None
) -> None:
    p = normalise_principal(arn)
    assert (p.principal, p.principal_session, p.principal_type, p.account) == (principal, session, kind, account)


def test_invocation_and_cloudtrail_agree_on_a_role() -> None:
    """The same role seen by both pipelines is one principal, whatever its path."""
    ct = normalise_principal(
        {
            "type": "AssumedRole",
            "arn": "arn:aws:sts::111122223333:assumed-role/agent-exec/s1",
            "accountId": "111122223333",
            "sessionContext": {"sessionIssuer": ROLE_ISSUER},
        }
    )
    inv = normalise_principal("arn:aws:sts::111122223333:assumed-role/agent-exec/s2")
    assert ct.principal == inv.principal == "arn:aws:iam::111122223333:role/agent-exec"


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("arn:aws:sts::111122223333:assumed-role/agent-exec/s1", "arn:aws:iam::111122223333:role/agent-exec"),
        ("arn:aws:iam::111122223333:role/service-role/agent-exec", "arn:aws:iam::111122223333:role/agent-exec"),
        ("jwt:https://issuer.example/pool#client-42", "jwt:https://issuer.example/pool#client-42"),
        ("ip:203.0.113.9", "ip:203.0.113.9"),
        ("ec2.amazonaws.com", "ec2.amazonaws.com"),
        ("<redacted>", None),
        ("  ", None),
    ],
)
def test_principal_key(value: str, key: str | None) -> None:
    assert principal_key(value) == key
