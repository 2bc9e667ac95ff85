"""One AgentCore agent invocation across the pipelines, and AgentCore Gateway calls.

Why its own module: an agent turn is the richest cross-pipeline unit (InvokeAgentRuntime in CloudTrail,
model calls in CloudTrail + invocation logs + spans, tool calls as spans plus the AWS events they
cause, memory and token-vault events, otel-rt-logs and stdout lines) and both the baseline and the
scenarios (least privilege, out-of-scope tools, prompt injection, gateway credentials) drive it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiaudit.simulate import bodies
from aiaudit.simulate.emit import Emitter, TraceCtx
from aiaudit.simulate.world import HTTPX, Agent, World

GATEWAY_TOOLS = {
    "lookup_order": "OrdersApi___get_order",
    "create_ticket": "TicketsApi___create_ticket",
    "lookup_invoice": "OrdersApi___list_orders",
    "get_customer": "KbSearch___search",
    "issue_refund": "OrdersApi___get_order",
}

#: tool -> (eventSource, [eventNames], resource type, botocore service name)
AWS_TOOLS: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "retrieve_kb": ("bedrock.amazonaws.com", ("Retrieve",), "AWS::Bedrock::KnowledgeBase", "Bedrock Agent Runtime"),
    "code_interpreter": (
        "bedrock-agentcore.amazonaws.com",
        ("StartCodeInterpreterSession", "InvokeCodeInterpreter", "StopCodeInterpreterSession"),
        "AWS::BedrockAgentCore::CodeInterpreter",
        "Bedrock AgentCore",
    ),
    "browser": (
        "bedrock-agentcore.amazonaws.com",
        ("StartBrowserSession", "StopBrowserSession"),
        "AWS::BedrockAgentCore::Browser",
        "Bedrock AgentCore",
    ),
    "get_api_key": ("secretsmanager.amazonaws.com", ("GetSecretValue",), "", "Secrets Manager"),
    "export_orders": ("s3.amazonaws.com", ("GetObject",), "AWS::S3::Object", "S3"),
    "decrypt_attachment": ("kms.amazonaws.com", ("Decrypt",), "", "KMS"),
}

_DENIED_CODE = {
    "secretsmanager.amazonaws.com": "AccessDeniedException",
    "kms.amazonaws.com": "AccessDeniedException",
    "s3.amazonaws.com": "AccessDenied",
    "bedrock.amazonaws.com": "AccessDeniedException",
    "bedrock-agentcore.amazonaws.com": "AccessDeniedException",
}


@dataclass
class ToolCall:
    name: str
    outcome: str = "success"  # success | denied


@dataclass
class Turn:
    """What happened in one invocation (for truth.json)."""

    request_ids: list[str] = field(default_factory=list)
    end: float = 0.0
    trace_id: str = ""


def gateway_call(
    em: Emitter,
    world: World,
    t: float,
    *,
    sub: str | None,
    ip: str,
    method: str = "tools/call",
    tool: str | None = None,
    status: int = 200,
    scope: str = "gateway/invoke",
    client_id: str | None = None,
    tag: str | None = None,
    ua: str = HTTPX,
) -> str:
    """One InvokeGateway data event: caller in ``additionalEventData.jwt.claims``, errors in
    ``responseElements`` (never in errorCode), identity anonymous."""
    gw = world.gateway
    rpc_id = int(em.rng.random() * 50)
    params: dict[str, Any] = {"id": rpc_id, "method": method, "jsonrpc": "2.0"}
    if method == "tools/call":
        params["params"] = {"name": tool or gw.targets[0], "arguments": "REDACTED"}
    elif method == "initialize":
        params["params"] = {
            "clientInfo": {"name": "mcp", "version": "0.1.0"},
            "protocolVersion": "2025-06-18",
            "capabilities": {},
        }
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": rpc_id}
    if status >= 400:
        message = "Invalid Bearer token" if status == 401 else "Insufficient scope for this operation"
        body["error"] = {"code": -32001 if status == 401 else -32003, "message": message}
    else:
        body["result"] = {"isError": False, "content": "REDACTED"}
    additional: dict[str, Any] | None = None
    if sub is not None and status != 401:
        iat = int(t) - int(em.rng.random() * 3000)
        additional = {}
        target = gw.target_of(params["params"]["name"]) if method == "tools/call" else None
        if target is not None:  # the target serving the tool (tools/list spans every target: none named)
            additional["targetId"] = target.id
        additional |= {
            "jwt": {
                "headers": {"kid": em.ids.mixed(43) + "=", "alg": "RS256"},
                "claims": {
                    "sub": sub,
                    "token_use": "access",
                    "scope": scope,
                    "auth_time": iat,
                    "iss": gw.issuer,
                    "exp": iat + 3600,
                    "iat": iat,
                    "version": 2,
                    "jti": em.ids.uuid(),
                    "client_id": client_id or sub,
                },
                "type": "JWS",
            },
            "downstreamRequestIds": [em.ids.upper(52)],
        }
    return em.cloudtrail(
        None,
        t,
        "bedrock-agentcore.amazonaws.com",
        "InvokeGateway",
        region=gw.region,
        account=gw.account.id,
        identity={"type": "AWSAccount", "principalId": "", "accountId": "anonymous"},
        params={"body": params},
        response={"body": body, "contentType": "application/json", "statusCode": status},
        additional=additional,
        resources=[{"accountId": gw.account.id, "type": "AWS::BedrockAgentCore::Gateway", "ARN": gw.arn}],
        category="Data",
        ip=ip,
        ua=ua,
        tag=tag,
        shared_event=True,
    )


def token_retrieval(
    em: Emitter, agent: Agent, t: float, *, provider: str | None = None, tag: str | None = None
) -> list[str]:
    """The runtime fetches a workload access token, then an OAuth2 token from the token vault."""
    acct, region = agent.account.id, agent.region
    provider = provider or agent.oauth_provider
    r1 = em.cloudtrail(
        agent.role,
        t,
        "bedrock-agentcore.amazonaws.com",
        "GetWorkloadAccessToken",
        params={"workloadName": agent.workload_identity_arn.rsplit("/", 1)[-1]},
        response={"workloadAccessToken": "HIDDEN_DUE_TO_SECURITY_REASONS"},
        resources=[
            {"accountId": acct, "type": "AWS::BedrockAgentCore::WorkloadIdentity", "ARN": agent.workload_identity_arn}
        ],
        category="Data",
        read_only=True,
        tag=tag,
    )
    r2 = em.cloudtrail(
        agent.role,
        t + 0.2,
        "bedrock-agentcore.amazonaws.com",
        "GetResourceOauth2Token",
        params={
            "workloadIdentityToken": "HIDDEN_DUE_TO_SECURITY_REASONS",
            "resourceCredentialProviderName": provider,
            "scopes": ["read", "write"],
            "oauth2Flow": "M2M",
        },
        response={"accessToken": "HIDDEN_DUE_TO_SECURITY_REASONS"},
        resources=[
            {
                "accountId": acct,
                "type": "AWS::BedrockAgentCore::OAuth2CredentialProvider",
                "ARN": f"arn:aws:bedrock-agentcore:{region}:{acct}:token-vault/default/oauth2credentialprovider/"
                f"{provider}",
            }
        ],
        category="Data",
        read_only=True,
        tag=tag,
    )
    return [r1, r2]


def invoke_agent(
    em: Emitter,
    world: World,
    agent: Agent,
    t: float,
    session_id: str,
    prompt: str,
    answer: str,
    tool_calls: list[ToolCall],
    *,
    tag: str | None = None,
    guardrail: tuple[str, str] | None = None,
    intervened: bool = False,
    in_tokens: int = 900,
    caller_ip: str | None = None,
) -> Turn:
    """InvokeAgentRuntime by the caller, then the agent loop inside the runtime."""
    rng, ids = em.rng, em.ids
    caller = world.actors[agent.caller]
    acct, region = agent.account.id, agent.region
    turn = Turn()
    rid0 = em.cloudtrail(
        caller,
        t,
        "bedrock-agentcore.amazonaws.com",
        "InvokeAgentRuntime",
        region=region,
        params={
            "agentRuntimeArn": agent.runtime_arn,
            "runtimeSessionId": session_id,
            "qualifier": "DEFAULT",
            "contentType": "application/json",
            "accept": "application/json",
        },
        response={"runtimeSessionId": session_id, "contentType": "application/json", "statusCode": 200},
        resources=[{"accountId": acct, "type": "AWS::BedrockAgentCore::Runtime", "ARN": agent.runtime_arn}],
        category="Data",
        ip=caller_ip,
        tag=tag,
    )
    turn.request_ids.append(rid0)
    trace_id = ids.trace_id(t)
    turn.trace_id = trace_id
    server_id, agent_span = ids.span_id(), ids.span_id()
    ctx = TraceCtx(agent, trace_id, agent_span, session_id)
    em.stdout_log(agent, t + 0.05, "Invocation request received", rid0, session_id)
    now = t + 0.08
    # memory: recall
    rid = em.cloudtrail(
        agent.role,
        now,
        "bedrock-agentcore.amazonaws.com",
        "RetrieveMemoryRecords",
        params={
            "memoryId": agent.memory_id,
            "namespace": f"/users/{session_id[:8]}/preferences",
            "searchCriteria": {"searchQuery": "HIDDEN_DUE_TO_SECURITY_REASONS", "topK": 3},
        },
        resources=[{"accountId": acct, "type": "AWS::BedrockAgentCore::Memory", "ARN": agent.memory_arn}],
        category="Data",
        read_only=True,
        tag=tag,
    )
    em.aws_client_span(ctx, agent_span, "Bedrock AgentCore", "RetrieveMemoryRecords", now, now + 0.12, rid, 200)
    turn.request_ids.append(rid)
    now += 0.15
    em.otel_log(
        ctx,
        agent_span,
        now,
        "gen_ai.user.message",
        {"content": [{"text": prompt}]},
        scope="opentelemetry.instrumentation.botocore.bedrock-runtime",
    )
    system = bodies.SYSTEM_PROMPTS.get(agent.name.split("_")[0])
    latency = 600 + int(rng.random() * 1800)
    first_stop = "tool_use" if tool_calls else "end_turn"
    out1 = 60 + int(rng.random() * 120)
    rid = em.model_call(
        agent.role,
        now,
        "ConverseStream",
        agent.model,
        prompt,
        "" if tool_calls else answer,
        in_tokens=in_tokens,
        out_tokens=out1,
        latency_ms=latency,
        stop=first_stop,
        system=system,
        guardrail=guardrail,
        intervened=intervened and not tool_calls,
        tag=tag,
        trace=ctx,
        region=region,
    )
    turn.request_ids.append(rid)
    now += latency / 1000.0 + 0.01
    tokens_fetched = False
    for call in tool_calls:
        now, rids, tokens_fetched = _tool(em, world, ctx, call, now, tokens_fetched, tag)
        turn.request_ids.extend(rids)
    if tool_calls:
        latency = 700 + int(rng.random() * 2200)
        rid = em.model_call(
            agent.role,
            now,
            "ConverseStream",
            agent.model,
            prompt,
            answer,
            in_tokens=in_tokens + 400,
            out_tokens=120 + int(rng.random() * 300),
            latency_ms=latency,
            stop="end_turn",
            system=system,
            guardrail=guardrail,
            intervened=intervened,
            tag=tag,
            trace=ctx,
            region=region,
        )
        turn.request_ids.append(rid)
        now += latency / 1000.0 + 0.01
    final = "Sorry, I can't help with that request." if intervened else answer
    em.otel_log(
        ctx,
        agent_span,
        now,
        "gen_ai.choice",
        {
            "index": 0,
            "finish_reason": "guardrail_intervened" if intervened else "end_turn",
            "message": {"content": [{"text": final}]},
        },
        scope="opentelemetry.instrumentation.botocore.bedrock-runtime",
    )
    rid = em.cloudtrail(
        agent.role,
        now + 0.02,
        "bedrock-agentcore.amazonaws.com",
        "CreateEvent",
        params={
            "memoryId": agent.memory_id,
            "actorId": session_id[:8],
            "sessionId": session_id,
            "payload": "HIDDEN_DUE_TO_SECURITY_REASONS",
        },
        resources=[{"accountId": acct, "type": "AWS::BedrockAgentCore::Memory", "ARN": agent.memory_arn}],
        category="Data",
        tag=tag,
    )
    em.aws_client_span(ctx, agent_span, "Bedrock AgentCore", "CreateEvent", now + 0.02, now + 0.1, rid, 200)
    turn.request_ids.append(rid)
    now += 0.12
    failed = any(c.outcome != "success" for c in tool_calls)
    em.span(
        ctx,
        agent_span,
        server_id,
        "invoke_agent Strands Agents",
        "INTERNAL",
        t + 0.06,
        now,
        {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.system": "strands-agents",
            "gen_ai.agent.name": "Strands Agents",
            "gen_ai.request.model": agent.model,
            "gen_ai.agent.tools": list(agent.tools),
        },
    )
    em.span(
        ctx,
        server_id,
        None,
        "POST /invocations",
        "SERVER",
        t + 0.03,
        now + 0.01,
        {
            "http.method": "POST",
            "http.route": "/invocations",
            "http.status_code": 200,
            "aws.local.service": agent.service_name,
            "aws.local.operation": "POST /invocations",
            "aws.span.kind": "LOCAL_ROOT",
        },
        scope="opentelemetry.instrumentation.starlette",
    )
    duration = now - t
    em.stdout_log(
        agent,
        now + 0.01,
        f"Invocation completed successfully ({duration:.3f}s)" + (" with tool errors" if failed else ""),
        rid0,
        session_id,
    )
    turn.end = now + 0.02
    return turn


def _tool(
    em: Emitter, world: World, ctx: TraceCtx, call: ToolCall, now: float, tokens_fetched: bool, tag: str | None
) -> tuple[float, list[str], bool]:
    """Run one tool: its execute_tool span and whatever AWS or gateway calls it makes."""
    agent, rng = ctx.agent, em.rng
    acct, region = agent.account.id, agent.region
    tool_span = em.ids.span_id()
    start = now
    rids: list[str] = []
    error_message = None
    if call.name in GATEWAY_TOOLS:
        if not tokens_fetched:
            rids += token_retrieval(em, agent, now, tag=tag)
            now += 0.4
            tokens_fetched = True
        client = next(c for c in world.gateway.clients if c.name in ("support_agent",))
        rids.append(
            gateway_call(
                em,
                world,
                now,
                sub=client.sub,
                ip=agent.role.ips[0],
                tool=GATEWAY_TOOLS[call.name],
                tag=tag,
                ua="python-httpx/0.28.1",
            )
        )
        em.span(
            ctx,
            em.ids.span_id(),
            tool_span,
            "POST",
            "CLIENT",
            now,
            now + 0.3,
            {
                "http.method": "POST",
                "http.url": f"https://{world.gateway.host}/mcp",
                "http.status_code": 200,
                "aws.local.service": agent.service_name,
            },
            scope="opentelemetry.instrumentation.httpx",
        )
        now += 0.35
    elif call.name in AWS_TOOLS:
        source, names, rtype, service = AWS_TOOLS[call.name]
        resource_arn = _tool_resource(call.name, acct, region, agent)
        session = em.ids.uuid()
        for i, name in enumerate(names):
            denied = call.outcome == "denied" and i == 0
            error = None
            if denied:
                action = f"{source.split('.')[0]}:{name}"
                error = (
                    _DENIED_CODE.get(source, "AccessDenied"),
                    f"User: {agent.role.session_arn()} is not authorized to perform: {action} on resource: "
                    f"{resource_arn} because no identity-based policy allows the {action} action",
                )
                error_message = error[1]
            params: dict[str, Any] = _tool_params(call.name, name, resource_arn, session)
            category = (
                "Data"
                if rtype.startswith("AWS::BedrockAgentCore") or source in ("s3.amazonaws.com", "bedrock.amazonaws.com")
                else "Management"
            )
            resources = (
                [
                    {
                        "accountId": "aws" if "aws:" in resource_arn.split(region)[-1][:5] else acct,
                        "type": rtype,
                        "ARN": resource_arn,
                    }
                ]
                if rtype
                else None
            )
            rid = em.cloudtrail(
                agent.role,
                now,
                source,
                name,
                params=params,
                error=error,
                resources=resources,
                category=category,
                read_only=name.startswith(("Get", "Retrieve")),
                tag=tag,
            )
            rids.append(rid)
            took = 0.05 + rng.random() * (1.5 if name == "InvokeCodeInterpreter" else 0.3)
            em.aws_client_span(ctx, tool_span, service, name, now, now + took, rid, 403 if denied else 200)
            now += took + 0.01
            if denied:
                break
    else:  # plain HTTP tool
        em.span(
            ctx,
            em.ids.span_id(),
            tool_span,
            "GET",
            "CLIENT",
            now,
            now + 0.4,
            {"http.method": "GET", "http.url": "https://api.example.org/search", "http.status_code": 200},
            scope="opentelemetry.instrumentation.requests",
        )
        now += 0.42
    failed = call.outcome != "success"
    em.span(
        ctx,
        tool_span,
        ctx.parent,
        f"execute_tool {call.name}",
        "INTERNAL",
        start,
        now,
        {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.system": "strands-agents",
            "gen_ai.tool.name": call.name,
            "gen_ai.tool.call.id": "tooluse_" + em.ids.mixed(22),
            "gen_ai.tool.status": "error" if failed else "success",
        },
        status="ERROR" if failed else "UNSET",
        message=error_message,
    )
    return now + 0.01, rids, tokens_fetched


def _tool_resource(tool: str, acct: str, region: str, agent: Agent) -> str:
    if tool == "retrieve_kb":
        return f"arn:aws:bedrock:{region}:{acct}:knowledge-base/{agent.runtime_id[-10:].upper()}"
    if tool == "code_interpreter":
        return f"arn:aws:bedrock-agentcore:{region}:aws:code-interpreter/aws.codeinterpreter.v1"
    if tool == "browser":
        return f"arn:aws:bedrock-agentcore:{region}:aws:browser/aws.browser.v1"
    if tool == "get_api_key":
        return f"arn:aws:secretsmanager:{region}:{acct}:secret:prod/{agent.name}/api-credentials-Ab12Cd"
    if tool == "export_orders":
        return f"arn:aws:s3:::ai-customer-exports-{acct}/exports/latest.csv"
    return f"arn:aws:kms:{region}:{acct}:key/{agent.runtime_id[-10:].lower()}-1a2b-4c3d-8e9f-0123456789ab"


def _tool_params(tool: str, name: str, arn: str, session: str) -> dict[str, Any]:
    if tool == "retrieve_kb":
        return {"knowledgeBaseId": arn.rsplit("/", 1)[-1], "retrievalQuery": "***"}
    if tool == "code_interpreter":
        params: dict[str, Any] = {"codeInterpreterIdentifier": "aws.codeinterpreter.v1"}
        if name != "StartCodeInterpreterSession":
            params["sessionId"] = session
        if name == "InvokeCodeInterpreter":
            params["name"] = "executeCode"
        return params
    if tool == "browser":
        params = {"browserIdentifier": "aws.browser.v1"}
        if name != "StartBrowserSession":
            params["sessionId"] = session
        return params
    if tool == "get_api_key":
        return {"secretId": arn}
    if tool == "export_orders":
        bucket, key = arn.split(":::", 1)[1].split("/", 1)
        return {"bucketName": bucket, "Host": f"{bucket}.s3.amazonaws.com", "key": key}
    return {"keyId": arn, "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}
