"""Generate N realistic CloudTrail events in S3 delivery layout, fast, cached under bench/data/.

Why templates and not a faker: the bench measures parsing, so events only need the real shape and size
(~1.2 KB: nested userIdentity with sessionContext, requestParameters, responseElements, resources,
tlsDetails) and enough variety that group-bys and dictionaries are not trivial. A handful of event
shapes are filled in with rotating principals, IPs, regions and times; each event gets a unique eventID.
Files are written by a pool of processes (gzip dominates), one folder per event count.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from phases import generate_once

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
ROLES = [f"agent-role-{i}" for i in range(40)] + ["Admin", "SecurityAudit", "ci-deployer", "bedrock-runner"]
EVENTS = [
    ("bedrock.amazonaws.com", "InvokeModel", True),
    ("bedrock.amazonaws.com", "Converse", True),
    ("bedrock.amazonaws.com", "InvokeModelWithResponseStream", True),
    ("bedrock.amazonaws.com", "ListFoundationModels", True),
    ("sts.amazonaws.com", "AssumeRole", False),
    ("s3.amazonaws.com", "GetObject", True),
    ("iam.amazonaws.com", "AttachRolePolicy", False),
    ("bedrock-agentcore.amazonaws.com", "InvokeAgentRuntime", False),
    ("kms.amazonaws.com", "Decrypt", True),
    ("ec2.amazonaws.com", "DescribeInstances", True),
]
MODELS = [
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
    "amazon.nova-pro-v1:0",
    "meta.llama3-70b-instruct-v1:0",
]
ERRORS = [None] * 17 + ["AccessDenied", "ThrottlingException", "ValidationException"]
START = datetime(2026, 11, 1, tzinfo=UTC)
PER_FILE = 2000


def _event(rng: random.Random, when: datetime, region: str) -> dict:
    source, name, read_only = rng.choice(EVENTS)
    role = rng.choice(ROLES)
    session = f"session-{rng.randrange(10_000)}"
    key = f"ASIA{rng.randrange(10**15, 10**16):016d}"
    model = rng.choice(MODELS)
    error = rng.choice(ERRORS)
    event: dict = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": f"AROA{rng.randrange(10**16):016d}:{session}",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
            "accountId": ACCOUNT,
            "accessKeyId": key,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": f"AROA{rng.randrange(10**16):016d}",
                    "arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                    "accountId": ACCOUNT,
                    "userName": role,
                },
                "attributes": {
                    "creationDate": (when - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "mfaAuthenticated": "false",
                },
            },
        },
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}",
        "userAgent": rng.choice(
            [
                "Boto3/1.35.2 md/Botocore#1.35.2 ua/2.0 os/linux#6.1 lang/python#3.12.4",
                "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/macos#23.5.0 md/arch#arm64",
                "aws-sdk-java/2.25.60 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.11",
            ]
        ),
        "requestParameters": {"modelId": model, "contentType": "application/json", "accept": "application/json"},
        "responseElements": None,
        "requestID": str(uuid.UUID(int=rng.getrandbits(128))),
        "eventID": str(uuid.UUID(int=rng.getrandbits(128))),
        "readOnly": read_only,
        "resources": [
            {
                "accountId": ACCOUNT,
                "type": "AWS::Bedrock::Model",
                "ARN": f"arn:aws:bedrock:{region}::foundation-model/{model}",
            }
        ],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"bedrock-runtime.{region}.amazonaws.com",
        },
    }
    if error:
        event["errorCode"] = error
        event["errorMessage"] = f"User: {event['userIdentity']['arn']} is not authorized to perform: {name}"
    return event


def _write_file(args: tuple[Path, int, int]) -> None:
    root, index, count = args
    rng = random.Random(index)
    region = REGIONS[index % len(REGIONS)]
    when = START + timedelta(minutes=5 * index)
    events = [_event(rng, when + timedelta(seconds=rng.randrange(300)), region) for _ in range(count)]
    stamp = when.strftime("%Y%m%dT%H%MZ")
    folder = root / "AWSLogs" / ACCOUNT / "CloudTrail" / region / when.strftime("%Y/%m/%d")
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{ACCOUNT}_CloudTrail_{region}_{stamp}_{index:016x}.json.gz"
    body = json.dumps({"Records": events}, separators=(",", ":")).encode()
    (folder / name).write_bytes(gzip.compress(body, compresslevel=5, mtime=0))


def generate(events: int, base: Path) -> Path:
    """Return the folder holding ``events`` events (generated once, reused afterwards)."""
    return generate_once(base / f"cloudtrail-{events}", events, PER_FILE, _write_file, chunksize=8)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print(generate(n, Path(__file__).parent / "data"))
