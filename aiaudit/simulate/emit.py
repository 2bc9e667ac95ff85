"""Record builders for the four pipelines: CloudTrail events, invocation-log records, spans, runtime logs.

Why one emitter for baseline and scenarios: a Bedrock call must look identical in every pipeline
whoever makes it, so the same code writes the CloudTrail event, the ModelInvocationLog record and the
ADOT spans with one request id, one principal and consistent times (CloudTrail ``eventTime`` at the
request, the invocation log at completion, spans around both).

Speed: records are built as dicts and serialised once with ``json.dumps``; the largest shared
fragments (``userIdentity``, span ``resource``) are serialised once per credential session or agent
and spliced in as text.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from typing import Any

from aiaudit.simulate import bodies
from aiaudit.simulate.rand import Ids, derive, iso, iso_ms, ns
from aiaudit.simulate.world import Actor, Agent, World

_UI = "\x00UI\x00"
_RES = "\x00RES\x00"
_UI_Q = json.dumps(_UI)
_RES_Q = json.dumps(_RES)
OFFLOAD_BYTES = 100 * 1024  # bodies above this go to the data/ folder (Bedrock's large-data delivery)

_HOSTS = {
    "bedrock.amazonaws.com": "bedrock",
    "bedrock-agentcore.amazonaws.com": "bedrock-agentcore",
}
_RUNTIME_OPS = {"InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream"}
_AGENT_RUNTIME_OPS = {"Retrieve", "RetrieveAndGenerate", "InvokeAgent", "InvokeInlineAgent", "InvokeFlow"}
_AGENT_BUILD_OPS = {
    "GetKnowledgeBase",
    "ListKnowledgeBases",
    "ListDataSources",
    "GetDataSource",
    "UpdateDataSource",
    "StartIngestionJob",
    "GetIngestionJob",
    "IngestKnowledgeBaseDocuments",
    "DeleteKnowledgeBaseDocuments",
    "UpdateAgent",
    "PrepareAgent",
    "GetAgent",
}
_AGENTCORE_CONTROL = {
    "CreateGateway",
    "UpdateGateway",
    "DeleteGateway",
    "CreateGatewayTarget",
    "UpdateGatewayTarget",
    "DeleteGatewayTarget",
    "UpdateAgentRuntime",
    "GetAgentRuntime",
    "ListAgentRuntimes",
    "ListGateways",
}


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def host_for(source: str, name: str, region: str) -> str:
    if source == "bedrock.amazonaws.com":
        if name in _RUNTIME_OPS:
            return f"bedrock-runtime.{region}.amazonaws.com"
        if name in _AGENT_RUNTIME_OPS:
            return f"bedrock-agent-runtime.{region}.amazonaws.com"
        if name in _AGENT_BUILD_OPS:
            return f"bedrock-agent.{region}.amazonaws.com"
        return f"bedrock.{region}.amazonaws.com"
    if source == "bedrock-agentcore.amazonaws.com":
        if name in _AGENTCORE_CONTROL:
            return f"bedrock-agentcore-control.{region}.amazonaws.com"
        return f"bedrock-agentcore.{region}.amazonaws.com"
    service = source.split(".")[0]
    if service in ("iam", "organizations"):
        return f"{service}.amazonaws.com"
    return f"{service}.{region}.amazonaws.com"


@dataclass
class TraceCtx:
    """Where spans of one agent invocation go."""

    agent: Agent
    trace_id: str
    parent: str  # span id of the enclosing span
    session_id: str


class Emitter:
    """Collects records for later routing to files. Items keep what the writer needs to filter them."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.ids = Ids(rng)
        # (t, account id, region, data-event flag ("D" AI, "d" other, "" management), line, request id, tag)
        self.ct: list[tuple[float, str, str, str, str, str, str | None]] = []
        # (t, account id, region, line, request id, tag, offload (relative key, body text) or None)
        self.mil: list[tuple[float, str, str, str, str, str | None, tuple[str, str] | None]] = []
        self.spans: list[tuple[float, str, str, str]] = []  # (end time, account id, region, line)
        self.rt: list[tuple[float, str, str, str]] = []  # (t, agent name, stream, line)
        self._idents: dict[tuple[str, int], str] = {}
        self._resources: dict[str, str] = {}

    # -- identities ---------------------------------------------------------------------------------
    def identity_json(self, actor: Actor, t: float) -> str:
        """The serialised userIdentity for the credential session active at ``t`` (same in every emitter)."""
        period = 0 if actor.kind == "iam_user" else int(t // 21600)
        cached = self._idents.get((actor.key, period))
        if cached is None:
            rng = derive(self.world.seed, "credentials", actor.key, period)
            key = Ids(rng).access_key(temporary=actor.kind != "iam_user")
            creation = iso(period * 21600 + rng.randint(0, 900))
            cached = dumps(actor.identity(key, creation))
            self._idents[(actor.key, period)] = cached
        return cached

    # -- CloudTrail ---------------------------------------------------------------------------------
    def cloudtrail(
        self,
        actor: Actor | None,
        t: float,
        source: str,
        name: str,
        *,
        region: str | None = None,
        account: str | None = None,
        params: Any = None,
        response: Any = None,
        error: tuple[str, str] | None = None,
        resources: list[dict[str, str]] | None = None,
        category: str = "Management",
        read_only: bool = False,
        additional: dict[str, Any] | None = None,
        ip: str | None = None,
        ua: str | None = None,
        request_id: str | None = None,
        identity: dict[str, Any] | None = None,
        tag: str | None = None,
        shared_event: bool = False,
        console: bool = False,
    ) -> str:
        """Append one CloudTrail event; returns its requestID. Bedrock calls of an actor on a Bedrock API key
        (``actor.api_key``) carry ``additionalEventData.callWithBearerToken``, as CloudTrail records them."""
        region = region or (actor.region if actor else "us-east-1")
        account = account or (actor.account.id if actor else "")
        rid = request_id or self.ids.uuid()
        if ip is None and actor is not None:
            ip = actor.ips[int(self.rng.random() * len(actor.ips))]
        if ua is None and actor is not None:
            ua = actor.user_agents[0] if len(actor.user_agents) == 1 else self.rng.choice(actor.user_agents)
        if actor is not None and actor.api_key and source == "bedrock.amazonaws.com":
            additional = {"callWithBearerToken": True, **(additional or {})}
        ev: dict[str, Any] = {
            "eventVersion": "1.11" if source == "bedrock-agentcore.amazonaws.com" else "1.10",
            "userIdentity": identity if identity is not None else _UI,
            "eventTime": iso(t),
            "eventSource": source,
            "eventName": name,
            "awsRegion": region,
            "sourceIPAddress": ip,
            "userAgent": ua,
        }
        if error:
            ev["errorCode"], ev["errorMessage"] = error
        ev["requestParameters"] = params
        ev["responseElements"] = response
        if additional is not None:
            ev["additionalEventData"] = additional
        ev["requestID"] = rid
        ev["eventID"] = self.ids.uuid()
        ev["readOnly"] = read_only
        if resources:
            ev["resources"] = resources
        ev["eventType"] = "AwsApiCall"
        ev["managementEvent"] = category == "Management"
        ev["recipientAccountId"] = account
        if shared_event:
            ev["sharedEventID"] = self.ids.uuid()
        ev["eventCategory"] = category
        ev["tlsDetails"] = {
            "tlsVersion": "TLSv1.3" if source.startswith("bedrock") else "TLSv1.2",
            "cipherSuite": "TLS_AES_128_GCM_SHA256" if source.startswith("bedrock") else "ECDHE-RSA-AES128-GCM-SHA256",
            "clientProvidedHostHeader": host_for(source, name, region),
        }
        if console:
            ev["sessionCredentialFromConsole"] = "true"
        line = dumps(ev)
        if identity is None:
            assert actor is not None
            line = line.replace(_UI_Q, self.identity_json(actor, t), 1)
        # "D": a Bedrock/AgentCore data event (selectors can drop it); "d": any other data event
        flag = ("D" if source in _HOSTS else "d") if category == "Data" else ""
        self.ct.append((t, account, region, flag, line, rid, tag))
        return rid

    # -- Bedrock runtime calls across pipelines -----------------------------------------------------
    def model_call(
        self,
        actor: Actor,
        t: float,
        op: str,
        model: str,
        prompt: str,
        answer: str,
        *,
        region: str | None = None,
        in_tokens: int,
        out_tokens: int,
        latency_ms: int,
        stop: str = "end_turn",
        system: str | None = None,
        guardrail: tuple[str, str] | None = None,
        intervened: bool = False,
        error: tuple[str, str] | None = None,
        ip: str | None = None,
        ua: str | None = None,
        tag: str | None = None,
        trace: TraceCtx | None = None,
        logged: bool = True,
        temperature: float = 0.5,
    ) -> str:
        """One bedrock-runtime call: CloudTrail event, invocation-log record, ADOT spans when traced."""
        region = region or actor.region
        additional = None if error else {"inputTokens": in_tokens, "outputTokens": out_tokens}
        rid = self.cloudtrail(
            actor,
            t,
            "bedrock.amazonaws.com",
            op,
            region=region,
            params={"modelId": model},
            error=error,
            read_only=True,
            additional=additional,
            ip=ip,
            ua=ua,
            tag=tag,
            console=actor.console and ua == actor.user_agents[0] and actor.user_agents[0].startswith("Mozilla"),
        )
        done = t + latency_ms / 1000.0
        if error is None and logged:
            self._invocation(
                actor,
                done,
                region,
                rid,
                op,
                model,
                prompt,
                answer,
                in_tokens,
                out_tokens,
                latency_ms,
                stop,
                system,
                guardrail,
                intervened,
                tag,
                temperature,
            )
        if trace is not None:
            self._model_spans(trace, t, done, rid, op, model, in_tokens, out_tokens, stop, error)
        return rid

    def _invocation(
        self,
        actor: Actor,
        t: float,
        region: str,
        rid: str,
        op: str,
        model: str,
        prompt: str,
        answer: str,
        in_tokens: int,
        out_tokens: int,
        latency_ms: int,
        stop: str,
        system: str | None,
        guardrail: tuple[str, str] | None,
        intervened: bool,
        tag: str | None,
        temperature: float,
    ) -> None:
        account = actor.account
        model_field = model
        inference_region = None
        if model.split(".")[0] in ("us", "eu", "apac", "global"):
            model_field = f"arn:aws:bedrock:{region}:{account.id}:inference-profile/{model}"
            peers = {"us": ("us-east-1", "us-west-2", "us-east-2"), "eu": ("eu-west-1", "eu-central-1", "eu-west-3")}
            inference_region = self.rng.choice(peers.get(model.split(".")[0], (region,)))
        body_in = bodies.request_body(op, model, prompt, system=system, guardrail=guardrail, temperature=temperature)
        gtrace = None
        if guardrail is not None and op in ("Converse", "ConverseStream"):
            gtrace = bodies.guardrail_trace(guardrail[0], intervened, len(prompt))
        text = "Sorry, I can't help with that request." if intervened else answer
        body_out = bodies.response_body(
            op,
            model,
            text,
            in_tokens,
            out_tokens,
            latency_ms,
            stop="guardrail_intervened" if intervened else stop,
            msg_id="msg_bdrk_" + self.ids.mixed(24),
            guardrail_trace=gtrace,
        )
        record: dict[str, Any] = {
            "schemaType": "ModelInvocationLog",
            "schemaVersion": "1.0",
            "timestamp": iso(t),
            "accountId": account.id,
            "identity": {"arn": actor.session_arn()},
            "region": region,
            "requestId": rid,
            "operation": op,
            "modelId": model_field,
        }
        in_json = dumps(body_in)
        offload = None
        input_part: dict[str, Any] = {"inputContentType": "application/json"}
        if len(in_json.encode("utf-8")) > OFFLOAD_BYTES:
            key = time.strftime("%Y/%m/%d/%H", time.gmtime(t))
            rel = f"AWSLogs/{account.id}/BedrockModelInvocationLogs/{region}/{key}/data/{rid}_input.json.gz"
            input_part["inputBodyS3Path"] = f"s3://{account.log_bucket}/{rel}"
            offload = (rel, in_json)
        else:
            input_part["inputBodyJson"] = body_in
        input_part["inputTokenCount"] = in_tokens
        record["input"] = input_part
        if bodies.provider(model) == "amazon-titan":
            record["output"] = {"outputContentType": "application/json", "outputTokenCount": 0}
        else:
            record["output"] = {
                "outputContentType": "application/json",
                "outputBodyJson": body_out,
                "outputTokenCount": out_tokens,
            }
        if inference_region:
            record["inferenceRegion"] = inference_region
        self.mil.append((t, account.id, region, dumps(record), rid, tag, offload))

    # -- spans ----------------------------------------------------------------------------------------
    def resource_json(self, agent: Agent) -> str:
        cached = self._resources.get(agent.name)
        if cached is None:
            cached = dumps({"attributes": agent.resource_attributes()})
            self._resources[agent.name] = cached
        return cached

    def span(
        self,
        ctx: TraceCtx,
        span_id: str,
        parent: str | None,
        name: str,
        kind: str,
        start: float,
        end: float,
        attributes: dict[str, Any],
        *,
        scope: str = "strands.telemetry.tracer",
        status: str = "UNSET",
        message: str | None = None,
    ) -> None:
        start_ns, end_ns = ns(start), ns(end)
        status_obj: dict[str, Any] = {"code": status}
        if message:
            status_obj["message"] = message
        attrs = {"session.id": ctx.session_id, **attributes}
        sp: dict[str, Any] = {
            "resource": _RES,
            "scope": {"name": scope},
            "traceId": ctx.trace_id,
            "spanId": span_id,
        }
        if parent:
            sp["parentSpanId"] = parent
        sp.update(
            {
                "flags": 256,
                "name": name,
                "kind": kind,
                "startTimeUnixNano": start_ns,
                "endTimeUnixNano": end_ns,
                "durationNano": end_ns - start_ns,
                "attributes": attrs,
                "status": status_obj,
            }
        )
        line = dumps(sp).replace(_RES_Q, self.resource_json(ctx.agent), 1)
        self.spans.append((end, ctx.agent.account.id, ctx.agent.region, line))

    def _model_spans(
        self,
        ctx: TraceCtx,
        t: float,
        done: float,
        rid: str,
        op: str,
        model: str,
        in_tokens: int,
        out_tokens: int,
        stop: str,
        error: tuple[str, str] | None,
    ) -> None:
        """Strands' ``chat`` span (gen_ai attributes, no request id) and the botocore client span under it
        (``aws.request_id``: the only span ADOT gives a request id)."""
        chat_id, client_id = self.ids.span_id(), self.ids.span_id()
        failed = error is not None
        self.span(
            ctx,
            chat_id,
            ctx.parent,
            "chat",
            "INTERNAL",
            t - 0.004,
            done + 0.003,
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "strands-agents",
                "gen_ai.request.model": model,
                "gen_ai.usage.input_tokens": 0 if failed else in_tokens,
                "gen_ai.usage.output_tokens": 0 if failed else out_tokens,
                "gen_ai.usage.total_tokens": 0 if failed else in_tokens + out_tokens,
                "gen_ai.response.finish_reasons": [] if failed else [stop],
            },
            status="ERROR" if failed else "UNSET",
            message=f"{error[0]}: {error[1]}" if error else None,
        )
        attrs: dict[str, Any] = {
            "rpc.system": "aws-api",
            "rpc.service": "Bedrock Runtime",
            "rpc.method": op,
            "aws.local.service": ctx.agent.service_name,
            "aws.local.operation": "POST /invocations",
            "aws.remote.service": "AWS::BedrockRuntime",
            "aws.remote.operation": op,
            "aws.request_id": rid,
            "aws.region": ctx.agent.region,
            "gen_ai.system": "aws.bedrock",
            "gen_ai.request.model": model,
            "http.status_code": 400 if failed else 200,
        }
        if not failed:
            attrs["gen_ai.usage.input_tokens"] = in_tokens
            attrs["gen_ai.usage.output_tokens"] = out_tokens
            attrs["gen_ai.response.finish_reasons"] = [stop]
        self.span(
            ctx,
            client_id,
            chat_id,
            f"Bedrock Runtime.{op}",
            "CLIENT",
            t - 0.002,
            done + 0.001,
            attrs,
            scope="opentelemetry.instrumentation.botocore",
            status="ERROR" if failed else "UNSET",
        )

    def aws_client_span(
        self, ctx: TraceCtx, parent: str, service: str, op: str, t: float, end: float, rid: str, status: int
    ) -> None:
        """A botocore client span for an AWS call a tool makes (carries ``aws.request_id``)."""
        failed = status >= 400
        self.span(
            ctx,
            self.ids.span_id(),
            parent,
            f"{service}.{op}",
            "CLIENT",
            t - 0.002,
            end,
            {
                "rpc.system": "aws-api",
                "rpc.service": service,
                "rpc.method": op,
                "aws.local.service": ctx.agent.service_name,
                "aws.remote.service": "AWS::" + service.replace(" ", ""),
                "aws.remote.operation": op,
                "aws.request_id": rid,
                "aws.region": ctx.agent.region,
                "http.status_code": status,
            },
            scope="opentelemetry.instrumentation.botocore",
            status="ERROR" if failed else "UNSET",
        )

    # -- runtime logs ---------------------------------------------------------------------------------
    def otel_log(
        self, ctx: TraceCtx, span_id: str, t: float, event: str, body: Any, *, scope: str, severity: int = 9
    ) -> None:
        rec: dict[str, Any] = {
            "resource": _RES,
            "scope": {"name": scope},
            "timeUnixNano": ns(t),
            "observedTimeUnixNano": ns(t) + 317,
            "severityNumber": severity,
            "severityText": "" if severity == 9 else "WARN",
            "body": body,
            "attributes": {"event.name": event, "session.id": ctx.session_id},
            "flags": 1,
            "traceId": ctx.trace_id,
            "spanId": span_id,
        }
        if event.startswith("gen_ai."):
            rec["attributes"]["gen_ai.system"] = "aws.bedrock"
        line = dumps(rec).replace(_RES_Q, self.resource_json(ctx.agent), 1)
        self.rt.append((t, ctx.agent.name, "otel-rt-logs", line))

    def stdout_log(self, agent: Agent, t: float, message: str, request_id: str, session_id: str) -> None:
        """One line of the container's stdout (``runtime-logs`` stream): plain text, as Python logging prints
        it, in a CloudWatch export-task line (``<ISO time> <message>``)."""
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t)) + f",{int(t * 1000) % 1000:03d}"
        text = f"{stamp} - bedrock_agentcore.app - INFO - [{request_id}] [session {session_id}] {message}"
        self.rt.append((t, agent.name, "runtime-logs", f"{iso_ms(t)} {text}"))
