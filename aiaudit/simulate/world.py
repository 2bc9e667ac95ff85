"""The simulated organisation: accounts, regions, actors, agents, gateway, guardrails, address pools.

Why a single frozen description built from the seed: every pipeline (CloudTrail, invocation logs,
spans, runtime logs) and every scenario draws its principals, addresses and resources from here, so a
Bedrock call looks the same in all three pipelines and attackers come from the same name and address
pools as everyone else (no giveaway names). Different seeds give different ids, names, addresses,
the attacker's region and which application's costs spike.

Scenario *effects* (invocation logging off in a region, data-event selectors dropped, a guardrail
version switch) live in :class:`Effects`; they are applied when records are written, so the baseline's
random draws never depend on which scenarios are enabled.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiaudit.simulate.rand import Ids, derive

FIRST_NAMES = (
    "alice",
    "bruno",
    "chen",
    "deepa",
    "elena",
    "farid",
    "grace",
    "hiro",
    "ines",
    "jamal",
    "kofi",
    "lena",
    "mateo",
    "nadia",
    "omar",
    "priya",
    "quinn",
    "rosa",
    "sven",
    "tara",
    "umar",
    "vera",
    "wei",
    "yusuf",
)
LAST_NAMES = (
    "nguyen",
    "silva",
    "wang",
    "iyer",
    "petrova",
    "haddad",
    "obrien",
    "tanaka",
    "moreau",
    "bello",
    "mensah",
    "fischer",
    "garcia",
    "rahman",
    "kaya",
    "patel",
    "walsh",
    "costa",
    "lind",
    "okafor",
)

HOME_REGIONS = ("us-east-1", "us-west-2", "eu-west-1")
UNUSED_REGIONS = ("ap-northeast-1", "eu-central-1", "ap-south-1", "sa-east-1", "ca-central-1", "ap-southeast-2")

ISP_OCTETS = (24, 47, 67, 68, 71, 73, 76, 81, 82, 86, 90, 92, 98, 99, 108, 109, 151, 176, 178, 185, 188, 212, 217)
AWS_OCTETS = (3, 18, 34, 35, 44, 52, 54)

BOTO3_LAMBDA = (
    "Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#5.10.227-239.884.amzn2.x86_64 md/arch#x86_64 "
    "lang/python#3.12.7 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.35.36"
)
JAVA_ECS = (
    "aws-sdk-java/2.29.6 Linux/5.10.228-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5 "
    "vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/legacy"
)
BOTO3_AGENT = (
    "Boto3/1.40.21 md/Botocore#1.40.21 ua/2.1 os/linux#5.10.240-238.959.amzn2.x86_64 md/arch#x86_64 "
    "lang/python#3.12.11 md/pyimpl#CPython m/Z,b,D exec-env/AWS_BedrockAgentCore cfg/retry-mode#standard "
    "Botocore/1.40.21 strands-agents/1.6.0"
)
BOTO3_ECS = (
    "Boto3/1.35.90 md/Botocore#1.35.90 ua/2.0 os/linux#5.10.230-223.885.amzn2.x86_64 md/arch#x86_64 "
    "lang/python#3.12.8 md/pyimpl#CPython exec-env/AWS_ECS_FARGATE cfg/retry-mode#legacy Botocore/1.35.90"
)
CLI_MAC = (
    "aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.6 md/pyimpl#CPython "
    "cfg/retry-mode#standard md/installer#source md/prompt#off"
)
CLI_LINUX = (
    "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.8.0-45-generic md/arch#x86_64 lang/python#3.11.9 "
    "md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off"
)
BOTO3_LAPTOP = (
    "Boto3/1.35.50 md/Botocore#1.35.50 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.7 md/pyimpl#CPython "
    "cfg/retry-mode#legacy Botocore/1.35.50"
)
BOTO3_LINUX = (
    "Boto3/1.34.162 md/Botocore#1.34.162 ua/2.0 os/linux#6.1.0-26-cloud-amd64 md/arch#x86_64 lang/python#3.11.2 "
    "md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.162"
)
TERRAFORM = (
    "APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.80.0 "
    "(+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.6 ua/2.1 os/linux lang/go#1.23.3 "
    "md/GOOS#linux md/GOARCH#amd64 api/bedrock#1.23.2"
)
CONSOLE_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Safari/537.36"
)
HTTPX = "python-httpx/0.28.1"


@dataclass
class Account:
    key: str  # management | prod | dev | data
    id: str
    name: str
    regions: tuple[str, ...]  # regions this account normally uses
    logging_regions: tuple[str, ...]  # regions with model invocation logging to S3 configured
    vpc_cidr: str
    nat_ips: tuple[str, ...]
    log_bucket: str  # invocation-log bucket


@dataclass
class Actor:
    """One principal in one account and region, with how it behaves."""

    key: str
    kind: str  # role | sso | iam_user
    profile: str  # behaviour profile name (see baseline.PROFILES)
    account: Account
    region: str
    role_name: str  # IAM role or user name
    role_arn: str  # normalised principal (role ARN, or user ARN)
    session_name: str
    principal_id: str  # AROA...:session or AIDA...
    ips: tuple[str, ...]
    user_agents: tuple[str, ...]
    rate: float  # baseline events per peak hour at scale 1
    models: tuple[str, ...] = ()  # model ids this principal invokes
    in_scope_of: dict[str, str] | None = None  # Lambda / AgentCore runtime credentials
    console: bool = False
    person: str | None = None  # SSO user e-mail
    timezone_offset: int = 0  # hours from UTC of the people behind it
    api_key: bool = False  # the IAM user behind a long-term Bedrock API key: calls carry a bearer token, no access key

    def session_arn(self) -> str:
        if self.kind == "iam_user":
            return self.role_arn
        return f"arn:aws:sts::{self.account.id}:assumed-role/{self.role_name}/{self.session_name}"

    def identity(self, access_key: str, creation: str) -> dict[str, Any]:
        """The CloudTrail ``userIdentity`` block for one credential session."""
        acct = self.account.id
        if self.kind == "iam_user":
            user: dict[str, Any] = {
                "type": "IAMUser",
                "principalId": self.principal_id,
                "arn": self.role_arn,
                "accountId": acct,
                "accessKeyId": access_key,
                "userName": self.role_name,
            }
            if self.api_key:  # a Bedrock API key is a service-specific credential, not an access key
                del user["accessKeyId"]
            return user
        ident: dict[str, Any] = {
            "type": "AssumedRole",
            "principalId": f"{self.principal_id}:{self.session_name}",
            "arn": self.session_arn(),
            "accountId": acct,
            "accessKeyId": access_key,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": self.principal_id,
                    "arn": self.role_arn,
                    "accountId": acct,
                    "userName": self.role_name,
                },
                "attributes": {"creationDate": creation, "mfaAuthenticated": "false"},
            },
        }
        if self.in_scope_of:
            ident["inScopeOf"] = dict(self.in_scope_of)
        return ident


@dataclass
class Agent:
    """An AgentCore runtime (Strands agent) with its execution role and tools."""

    name: str
    runtime_id: str
    account: Account
    region: str
    role: Actor
    caller: str  # actor key that invokes it (InvokeAgentRuntime)
    model: str  # inference profile id it calls
    tools: tuple[str, ...]  # allowed tools (the allow-list in aiaudit.toml)
    memory_id: str
    oauth_provider: str
    sessions_per_hour: float
    guardrail: str | None = None  # guardrail key

    @property
    def runtime_arn(self) -> str:
        return f"arn:aws:bedrock-agentcore:{self.region}:{self.account.id}:runtime/{self.runtime_id}"

    @property
    def endpoint_arn(self) -> str:
        return f"{self.runtime_arn}/runtime-endpoint/DEFAULT"

    @property
    def log_group(self) -> str:
        return f"/aws/bedrock-agentcore/runtimes/{self.runtime_id}-DEFAULT"

    @property
    def service_name(self) -> str:
        return f"{self.name}.DEFAULT"

    @property
    def memory_arn(self) -> str:
        return f"arn:aws:bedrock-agentcore:{self.region}:{self.account.id}:memory/{self.memory_id}"

    @property
    def workload_identity_arn(self) -> str:
        return (
            f"arn:aws:bedrock-agentcore:{self.region}:{self.account.id}:workload-identity-directory/default/"
            f"workload-identity/{self.name}-{self.runtime_id[-10:].lower()}"
        )

    def resource_attributes(self) -> dict[str, Any]:
        return {
            "deployment.environment.name": "bedrock-agentcore:default",
            "aws.local.service": self.service_name,
            "service.name": self.service_name,
            "cloud.region": self.region,
            "aws.log.stream.names": "otel-rt-logs",
            "telemetry.sdk.name": "opentelemetry",
            "aws.service.type": "gen_ai_agent",
            "telemetry.sdk.language": "python",
            "cloud.provider": "aws",
            "cloud.resource_id": f"{self.endpoint_arn}:DEFAULT",
            "aws.log.group.names": self.log_group,
            "telemetry.sdk.version": "1.33.1",
            "cloud.platform": "aws_bedrock_agentcore",
            "telemetry.auto.version": "0.12.2-aws",
        }


@dataclass
class GatewayClient:
    sub: str
    name: str
    ips: tuple[str, ...]
    scope: str
    rate: float


@dataclass(frozen=True)
class GatewayTarget:
    """One gateway target: the MCP tools ``<name>___<tool>`` are served by ``backend`` (a Lambda ARN, or the
    invocation URL of an MCP server hosted on an AgentCore runtime)."""

    id: str  # 10 upper-case alphanumerics, as the service assigns them
    name: str
    kind: str  # "lambda" | "mcpServer"
    backend: str
    runtime_arn: str | None = None  # the runtime behind an mcpServer endpoint

    def configuration(self) -> dict[str, Any]:
        """``targetConfiguration`` as CreateGatewayTarget / UpdateGatewayTarget take it."""
        if self.kind == "lambda":
            return {"mcp": {"lambda": {"lambdaArn": self.backend, "toolSchema": {"s3": {"uri": _schema_uri(self)}}}}}
        return {"mcp": {"mcpServer": {"endpoint": self.backend}}}


def _schema_uri(target: GatewayTarget) -> str:
    account = target.backend.split(":")[4]
    return f"s3://ai-prod-gateway-schemas-{account}/{target.name}.json"


def runtime_mcp_url(runtime_arn: str, region: str) -> str:
    """The invocation URL of an MCP server hosted on an AgentCore runtime (the ARN URL-encoded)."""
    encoded = runtime_arn.replace(":", "%3A").replace("/", "%2F")
    return f"https://bedrock-agentcore.{region}.amazonaws.com/runtimes/{encoded}/invocations?qualifier=DEFAULT"


@dataclass
class Gateway:
    id: str
    account: Account
    region: str
    issuer: str
    targets: tuple[str, ...]  # MCP tool names, ``<target name>___<tool>``
    clients: list[GatewayClient]
    target_defs: tuple[GatewayTarget, ...] = ()

    def target_of(self, tool: str) -> GatewayTarget | None:
        """The target serving an MCP tool (the tool name's prefix before ``___``)."""
        name = tool.split("___", 1)[0]
        return next((t for t in self.target_defs if t.name == name), None)

    @property
    def arn(self) -> str:
        return f"arn:aws:bedrock-agentcore:{self.region}:{self.account.id}:gateway/{self.id}"

    @property
    def host(self) -> str:
        return f"{self.id}.gateway.bedrock-agentcore.{self.region}.amazonaws.com"


@dataclass
class Guardrail:
    key: str
    id: str
    name: str
    account: Account
    region: str
    version: str  # published version in use at the start

    @property
    def arn(self) -> str:
        return f"arn:aws:bedrock:{self.region}:{self.account.id}:guardrail/{self.id}"


@dataclass
class Effects:
    """Scenario effects applied when records are written (see module docstring)."""

    # (account id, region) -> [(start, end, incident id)] with invocation logging off
    logging_off: dict[tuple[str, str], list[tuple[float, float, str]]] = field(default_factory=dict)
    # from this time, the trail's Bedrock / AgentCore data-event selectors are gone
    data_events_off: tuple[float, str] | None = None
    # from this time, the trail records only its home region
    single_region: tuple[float, str, str] | None = None  # (time, home region, incident)
    # agent name -> (time, guardrail version, incident)
    guardrail_switch: dict[str, tuple[float, str, str]] = field(default_factory=dict)

    def mil_dropped(self, account: str, region: str, t: float) -> str | None:
        """The incident id that turned invocation logging off at ``t``, or None."""
        for start, end, incident in self.logging_off.get((account, region), ()):
            if start <= t < end:
                return incident
        return None


@dataclass
class World:
    seed: int
    start: float
    end: float
    org_id: str
    trail_name: str
    trail_bucket: str
    accounts: dict[str, Account]
    actors: dict[str, Actor]
    agents: dict[str, Agent]
    gateway: Gateway
    guardrails: dict[str, Guardrail]
    office_cidrs: tuple[str, ...]
    external_pool: list[str]  # ISP addresses nobody in the baseline uses (attackers draw from here)
    llmjack_region: str
    cost_actor: str
    effects: Effects = field(default_factory=Effects)

    def account(self, key: str) -> Account:
        return self.accounts[key]

    def draw_external_ip(self, rng: random.Random) -> str:
        """An unused address from the same ISP pool remote employees use."""
        return self.external_pool.pop(int(rng.random() * len(self.external_pool)))


def _ip(rng: random.Random, octets: tuple[int, ...]) -> str:
    return f"{rng.choice(octets)}.{rng.randint(1, 254)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def build_world(seed: int, start: float, end: float, account_ids: Mapping[str, str] | None = None) -> World:
    """Everything about the organisation that does not change over the simulated window.

    ``account_ids`` pins accounts' ids by key (``prod``, ``dev``, ``data``, ``management``): a folder that
    stands for one member account of a real organisation carries that account's id in every record (the
    id is still drawn, so everything else the seed decides stays the same)."""
    rng = derive(seed, "world")
    ids = Ids(rng)
    org_id = "o-" + ids.lower(10)
    office_a = f"{rng.choice(ISP_OCTETS)}.{rng.randint(1, 254)}.{rng.randint(0, 255)}.{rng.choice((0, 32, 64, 96))}/28"
    office_b = f"{rng.choice(ISP_OCTETS)}.{rng.randint(1, 254)}.{rng.randint(0, 255)}.{rng.choice((128, 160, 192))}/28"
    office_ips = [_cidr_host(office_a, i) for i in range(2, 14)] + [_cidr_host(office_b, i) for i in range(2, 14)]

    def account(key: str, name: str, regions: tuple[str, ...], logging: tuple[str, ...], octet: int) -> Account:
        acct_id = ids.digits(12)
        acct_id = (account_ids or {}).get(key, acct_id)
        return Account(
            key=key,
            id=acct_id,
            name=name,
            regions=regions,
            logging_regions=logging,
            vpc_cidr=f"10.{octet}.0.0/16",
            nat_ips=(_ip(rng, AWS_OCTETS), _ip(rng, AWS_OCTETS)),
            log_bucket=f"{name}-bedrock-invocation-logs-{acct_id}",
        )

    accounts = {
        "management": account("management", "org-management", ("us-east-1",), (), 0),
        "prod": account(
            "prod", "ai-prod", ("us-east-1", "us-west-2", "eu-west-1"), ("us-east-1", "us-west-2", "eu-west-1"), 20
        ),
        "dev": account("dev", "ai-dev", ("us-east-1",), ("us-east-1",), 40),
        "data": account("data", "data-platform", ("us-east-1",), (), 60),
    }
    prod, dev, data, mgmt = accounts["prod"], accounts["dev"], accounts["data"], accounts["management"]

    # People: pick distinct names; some work remotely from ISP addresses.
    names = [f"{f}.{last}" for f in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    people = names[:14]
    home_ip = {p: _ip(rng, ISP_OCTETS) for p in people}
    actors: dict[str, Actor] = {}
    role_pids: dict[tuple[str, str], str] = {}

    def role(
        key: str,
        acct: Account,
        region: str,
        role_name: str,
        session: str,
        profile: str,
        ips: tuple[str, ...],
        uas: tuple[str, ...],
        rate: float,
        models: tuple[str, ...] = (),
        in_scope: dict[str, str] | None = None,
        kind: str = "role",
        tz: int = -5,
    ) -> Actor:
        prefix = "AIDA" if kind == "iam_user" else "AROA"
        pid = role_pids.setdefault((acct.id, role_name), prefix + ids.upper(17))
        arn = (
            f"arn:aws:iam::{acct.id}:user/{role_name}"
            if kind == "iam_user"
            else f"arn:aws:iam::{acct.id}:role/{role_name}"
        )
        actor = Actor(
            key=key,
            kind=kind,
            profile=profile,
            account=acct,
            region=region,
            role_name=role_name,
            role_arn=arn,
            session_name=session,
            principal_id=pid,
            ips=ips,
            user_agents=uas,
            rate=rate,
            models=models,
            in_scope_of=in_scope,
            timezone_offset=tz,
        )
        actors[key] = actor
        return actor

    def lambda_scope(acct: Account, region: str, fn: str) -> dict[str, str]:
        return {
            "issuerType": "AWS::Lambda::Function",
            "credentialsIssuedTo": f"arn:aws:lambda:{region}:{acct.id}:function:{fn}",
        }

    sonnet = "anthropic.claude-3-5-sonnet-20240620-v1:0"
    haiku = "anthropic.claude-3-haiku-20240307-v1:0"
    sonnet4 = "us.anthropic.claude-sonnet-4-20250514-v1:0"
    nova = "amazon.nova-lite-v1:0"
    titan = "amazon.titan-embed-text-v2:0"
    llama = "meta.llama3-1-8b-instruct-v1:0"
    cohere = "cohere.command-r-plus-v1:0"
    eu_sonnet = "eu.anthropic.claude-3-7-sonnet-20250219-v1:0"

    role(
        "support_chat",
        prod,
        "us-east-1",
        "support-chat-api-task-role",
        ids.hex(32),
        "app",
        prod.nat_ips,
        (JAVA_ECS,),
        60,
        (sonnet, haiku),
    )
    role(
        "doc_summarizer",
        prod,
        "us-east-1",
        "doc-summarizer-lambda-role",
        "prod-doc-summarizer",
        "app",
        (_ip(rng, AWS_OCTETS), _ip(rng, AWS_OCTETS)),
        (BOTO3_LAMBDA,),
        40,
        (haiku,),
        lambda_scope(prod, "us-east-1", "prod-doc-summarizer"),
    )
    role(
        "claims_triage",
        prod,
        "us-east-1",
        "claims-triage-lambda-role",
        "prod-claims-triage",
        "app",
        (_ip(rng, AWS_OCTETS),),
        (BOTO3_LAMBDA,),
        30,
        (nova, cohere),
        lambda_scope(prod, "us-east-1", "prod-claims-triage"),
    )
    role(
        "embeddings",
        prod,
        "us-west-2",
        "batch-embeddings-task-role",
        ids.hex(32),
        "app",
        prod.nat_ips,
        (BOTO3_ECS,),
        45,
        (titan, llama),
    )
    role(
        "eu_assistant",
        prod,
        "eu-west-1",
        "eu-assistant-lambda-role",
        "prod-eu-assistant",
        "app",
        (_ip(rng, AWS_OCTETS),),
        (BOTO3_LAMBDA,),
        30,
        (eu_sonnet,),
        lambda_scope(prod, "eu-west-1", "prod-eu-assistant"),
        tz=1,
    )
    gh_ips = tuple(
        f"{rng.choice((4, 20, 40, 52))}.{rng.randint(1, 254)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        for _ in range(4)
    )
    role("deploy", prod, "us-east-1", "ml-platform-deploy", "GitHubActions", "deploy", gh_ips, (TERRAFORM,), 6)
    role("mgmt_deploy", mgmt, "us-east-1", "org-platform-deploy", "GitHubActions", "deploy", gh_ips, (TERRAFORM,), 3)
    scanner_ip = (_ip(rng, AWS_OCTETS),)
    for acct in accounts.values():
        role(
            f"scanner_{acct.key}",
            acct,
            "us-east-1",
            "SecurityAuditScanner",
            "prowler-scan",
            "scanner",
            scanner_ip,
            (BOTO3_LINUX,),
            10,
        )
    role("etl", data, "us-east-1", "etl-pipeline-role", "glue-job-run", "etl", data.nat_ips, (BOTO3_ECS,), 40)
    role(
        "svc_reporting",
        data,
        "us-east-1",
        "svc-reporting",
        "svc-reporting",
        "reporting",
        (office_ips[0],),
        (BOTO3_LINUX,),
        12,
        kind="iam_user",
    )

    # SSO permission sets, with people assigned (each assignment is one actor).
    sso_sets = {
        "AdministratorAccess": ids.hex(16),
        "MLEngineer": ids.hex(16),
        "DataScientist": ids.hex(16),
        "ReadOnlyAccess": ids.hex(16),
        "DeveloperAccess": ids.hex(16),
    }
    assignments = [
        (people[0], mgmt, "AdministratorAccess", "admin"),
        (people[1], mgmt, "AdministratorAccess", "admin"),
        (people[0], prod, "AdministratorAccess", "admin"),
        (people[2], prod, "MLEngineer", "engineer"),
        (people[3], prod, "MLEngineer", "engineer"),
        (people[4], prod, "DataScientist", "scientist"),
        (people[5], prod, "DataScientist", "scientist"),
        (people[6], prod, "ReadOnlyAccess", "viewer"),
        (people[2], dev, "DeveloperAccess", "developer"),
        (people[3], dev, "DeveloperAccess", "developer"),
        (people[7], dev, "DeveloperAccess", "developer"),
        (people[8], dev, "DeveloperAccess", "developer"),
        (people[9], dev, "DeveloperAccess", "developer"),
        (people[4], dev, "DataScientist", "developer"),
        (people[10], data, "ReadOnlyAccess", "viewer"),
    ]
    remote = set(people[3::3])
    for person, acct, pset, profile in assignments:
        email = f"{person}@example.com"
        ips = (home_ip[person],) if person in remote else tuple(rng.sample(office_ips, 3))
        console = profile in ("admin", "viewer", "scientist")
        uas = (CONSOLE_UA, CLI_MAC) if console else (CLI_MAC, BOTO3_LAPTOP, CONSOLE_UA)
        models = (sonnet4, haiku, llama) if profile in ("developer", "scientist") else ()
        key = f"sso_{acct.key}_{person.replace('.', '_')}_{pset}"
        suffix = sso_sets.setdefault(f"{acct.key}/{pset}", ids.hex(16))
        actor = role(
            key,
            acct,
            "us-east-1",
            f"AWSReservedSSO_{pset}_{suffix}",
            email,
            profile,
            ips,
            uas,
            {"admin": 6, "engineer": 8, "scientist": 10, "viewer": 4, "developer": 12}[profile],
            models,
            tz=-5 if person not in remote else rng.choice((-8, -5, 1)),
        )
        actor.kind = "sso"
        actor.console = console
        actor.person = email
        actor.role_arn = f"arn:aws:iam::{acct.id}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{pset}_{suffix}"

    # AgentCore runtimes and their execution roles.
    agents: dict[str, Agent] = {}
    agent_specs = [
        (
            "support_agent",
            "us-east-1",
            "support_chat",
            sonnet4,
            ("retrieve_kb", "lookup_order", "create_ticket", "export_orders", "get_api_key", "decrypt_attachment"),
            "zendesk-oauth",
            10.0,
            "support",
        ),
        (
            "research_agent",
            "us-west-2",
            None,
            sonnet4,
            ("code_interpreter", "browser", "http_request", "retrieve_kb"),
            "github-oauth",
            4.0,
            None,
        ),
        (
            "billing_agent",
            "us-east-1",
            "support_chat",
            sonnet4,
            ("lookup_invoice", "get_customer", "issue_refund"),
            "stripe-oauth",
            5.0,
            None,
        ),
    ]
    for name, region, caller, model, tools, oauth, rate, guardrail in agent_specs:
        runtime_id = f"{name}-{ids.mixed(10)}"
        runtime_arn = f"arn:aws:bedrock-agentcore:{region}:{prod.id}:runtime/{runtime_id}"
        exec_role = role(
            f"runtime_{name}",
            prod,
            region,
            f"AmazonBedrockAgentCoreSDKRuntime-{region}-{ids.hex(10)}",
            f"BedrockAgentCore-{ids.uuid()}",
            "runtime",
            prod.nat_ips,
            (BOTO3_AGENT,),
            0,
            (model,),
            {"issuerType": "AWS::BedrockAgentCore::Runtime", "credentialsIssuedTo": runtime_arn},
        )
        caller_key = caller
        if caller_key is None:
            caller_key = next(k for k, a in actors.items() if a.profile == "engineer" and a.account is prod)
        agents[name] = Agent(
            name=name,
            runtime_id=runtime_id,
            account=prod,
            region=region,
            role=exec_role,
            caller=caller_key,
            model=model,
            tools=tools,
            memory_id=f"{name}_mem-{ids.mixed(10)}",
            oauth_provider=oauth,
            sessions_per_hour=rate,
            guardrail=guardrail,
        )

    pool_id = f"us-east-1_{ids.mixed(9)}"
    partners = [
        GatewayClient(ids.lower(26), "partner-crm", (_ip(rng, AWS_OCTETS), _ip(rng, AWS_OCTETS)), "gateway/invoke", 8),
        GatewayClient(ids.lower(26), "internal-portal", prod.nat_ips, "gateway/invoke gateway/read", 12),
        GatewayClient(ids.lower(26), "support_agent", prod.nat_ips, "gateway/invoke", 0),
    ]
    gateway = Gateway(
        id=f"ops-tools-gateway-{ids.lower(10)}",
        account=prod,
        region="us-east-1",
        issuer=f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}",
        targets=(
            "OrdersApi___get_order",
            "OrdersApi___list_orders",
            "TicketsApi___create_ticket",
            "KbSearch___search",
            "SupportAgent___ask_support",
        ),
        clients=partners,
        target_defs=_gateway_targets(seed, prod, agents["support_agent"]),
    )
    guardrails = {
        "support": Guardrail("support", ids.lower(12), "customer-support-guardrail", prod, "us-east-1", "2"),
        "internal": Guardrail("internal", ids.lower(12), "internal-assistant-guardrail", prod, "eu-west-1", "3"),
    }
    actors.update(_key_users(seed, dev, prod, office_ips))
    used = set(office_ips) | set(home_ip.values())
    pool: list[str] = []
    while len(pool) < 64:
        candidate = _ip(rng, ISP_OCTETS)
        if candidate not in used:
            used.add(candidate)
            pool.append(candidate)
    return World(
        seed=seed,
        start=start,
        end=end,
        org_id=org_id,
        trail_name="org-trail",
        trail_bucket=f"aws-cloudtrail-logs-{mgmt.id}-{ids.lower(8)}",
        accounts=accounts,
        actors=actors,
        agents=agents,
        gateway=gateway,
        guardrails=guardrails,
        office_cidrs=(office_a, office_b),
        external_pool=pool,
        llmjack_region=rng.choice(UNUSED_REGIONS),
        cost_actor=rng.choice(("doc_summarizer", "claims_triage", "embeddings")),
    )


JAVA_PARTNER = (
    "aws-sdk-java/2.29.6 Linux/6.1.109-118.189.amzn2023.x86_64 OpenJDK_64-Bit_Server_VM/17.0.12+7-LTS Java/17.0.12"
)


def _key_users(seed: int, dev: Account, prod: Account, office_ips: list[str]) -> dict[str, Actor]:
    """Two IAM users that call Bedrock with long-lived credentials (own random stream, so adding them shifts no
    other id): a CI evaluation job on a long-term access key, and a partner integration on a long-term
    Bedrock API key (the IAM user the console creates for it, BedrockAPIKey-<id>)."""
    rng = derive(seed, "key-users")
    ids = Ids(rng)
    haiku = "anthropic.claude-3-haiku-20240307-v1:0"
    eval_user = Actor(
        key="ml_eval",
        kind="iam_user",
        profile="keyed",
        account=dev,
        region="us-east-1",
        role_name="ml-eval-runner",
        role_arn=f"arn:aws:iam::{dev.id}:user/ml-eval-runner",
        session_name="ml-eval-runner",
        principal_id="AIDA" + ids.upper(17),
        ips=(office_ips[1],),
        user_agents=(BOTO3_LINUX,),
        rate=5,
        models=(haiku,),
    )
    key_name = f"BedrockAPIKey-{ids.lower(4)}"
    partner = Actor(
        key="partner_api_key",
        kind="iam_user",
        profile="keyed",
        account=prod,
        region="us-east-1",
        role_name=key_name,
        role_arn=f"arn:aws:iam::{prod.id}:user/{key_name}",
        session_name=key_name,
        principal_id="AIDA" + ids.upper(17),
        ips=(_ip(rng, AWS_OCTETS), _ip(rng, AWS_OCTETS)),
        user_agents=(JAVA_PARTNER,),
        rate=8,
        models=(haiku,),
        api_key=True,
    )
    return {eval_user.key: eval_user, partner.key: partner}


def _gateway_targets(seed: int, prod: Account, support: Agent) -> tuple[GatewayTarget, ...]:
    """Three Lambda-backed targets and the support agent's MCP server on its runtime (own random stream, so
    adding targets never shifts the world's other ids)."""
    ids = Ids(derive(seed, "gateway-targets"))
    lam = f"arn:aws:lambda:us-east-1:{prod.id}:function:"
    return (
        GatewayTarget(ids.upper(10), "OrdersApi", "lambda", lam + "orders-api"),
        GatewayTarget(ids.upper(10), "TicketsApi", "lambda", lam + "tickets-api"),
        GatewayTarget(ids.upper(10), "KbSearch", "lambda", lam + "kb-search"),
        GatewayTarget(
            ids.upper(10),
            "SupportAgent",
            "mcpServer",
            runtime_mcp_url(support.runtime_arn, support.region),
            runtime_arn=support.runtime_arn,
        ),
    )


def _cidr_host(cidr: str, i: int) -> str:
    base, _ = cidr.split("/")
    a, b, c, d = (int(x) for x in base.split("."))
    return f"{a}.{b}.{c}.{d + i}"


def compact(obj: Any) -> str:
    """Compact JSON, as AWS delivers it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
