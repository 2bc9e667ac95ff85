"""``truth.json`` (what was planted, and who the normal actors are) and ``aiaudit.toml`` (the baseline).

Why the config is generated: notebooks and detections read corporate ranges, expected regions and
models, tool allow-lists and prices from ``[environment]``; writing it from the same world the data
came from means a demo needs no hand-written configuration, and ``aiaudit.core.config.load_config``
validates it like any user's file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiaudit.simulate.baseline import planned_changes
from aiaudit.simulate.scenarios import Incident
from aiaudit.simulate.world import World

if TYPE_CHECKING:
    from aiaudit.simulate.core import SimulationSummary

#: USD per 1,000 tokens (public on-demand list prices, rounded); keys match by substring of the model id.
MODEL_PRICES: dict[str, tuple[float, float]] = {
    "anthropic.claude-3-5-sonnet": (0.003, 0.015),
    "anthropic.claude-3-7-sonnet": (0.003, 0.015),
    "anthropic.claude-sonnet-4": (0.003, 0.015),
    "anthropic.claude-3-haiku": (0.00025, 0.00125),
    "anthropic.claude-3-opus": (0.015, 0.075),
    "amazon.nova-lite": (0.00006, 0.00024),
    "amazon.titan-embed-text-v2": (0.00002, 0.0),
    "meta.llama3-1-8b-instruct": (0.00022, 0.00022),
    "cohere.command-r-plus": (0.003, 0.015),
}


def change_roles(world: World) -> list[str]:
    """The makers of the planned changes (deploy pipelines): the ``change_roles`` of ``aiaudit.toml``."""
    return sorted({change["principal"] for change in planned_changes(world)})


def posture_conditions(world: World, summary: SimulationSummary) -> list[dict[str, Any]]:
    """Conditions the simulated world really has although no incident planted them: an analyst should be
    told about them, so a finding about one counts as true (``rules`` name the entries that report it).

    Today: model calls in a region whose account has no model invocation logging configured there (the
    default in a new region), which the invocation-logging gap detection (X05) reports."""
    if "invocations" not in summary.pipelines or not {"cloudtrail", "cloudtrail-management"} & set(summary.pipelines):
        return []
    out = []
    callers: dict[tuple[str, str], list[str]] = {}
    for actor in world.actors.values():
        if actor.models and actor.region not in actor.account.logging_regions:
            callers.setdefault((actor.account.id, actor.region), []).append(actor.role_arn)
    for (account, region), principals in sorted(callers.items()):
        out.append(
            {
                "id": f"POSTURE-no-invocation-logging-{account}-{region}",
                "kind": "invocation logging not configured",
                "summary": f"model calls in {region} of account {account}, which logs no model invocations there",
                "account": account,
                "region": region,
                "principals": sorted(set(principals)),
                "rules": ["X05"],
                "window": {"start": summary.start, "end": summary.end},
            }
        )
    return out


def baseline_description(world: World) -> dict[str, Any]:
    accounts = [
        {
            "key": a.key,
            "id": a.id,
            "name": a.name,
            "regions": list(a.regions),
            "invocation_logging_regions": list(a.logging_regions),
            "vpc_cidr": a.vpc_cidr,
            "nat_ips": list(a.nat_ips),
            "invocation_log_bucket": a.log_bucket,
        }
        for a in world.accounts.values()
    ]
    actors = [
        {
            "key": a.key,
            "type": a.kind,
            "profile": a.profile,
            "account": a.account.id,
            "region": a.region,
            "principal": a.role_arn,
            "session": a.session_arn(),
            "person": a.person,
            "source_ips": list(a.ips),
            "models": list(a.models),
            "in_scope_of": a.in_scope_of,
        }
        for a in world.actors.values()
    ]
    agents = [
        {
            "name": g.name,
            "runtime_arn": g.runtime_arn,
            "runtime_id": g.runtime_id,
            "region": g.region,
            "execution_role": g.role.role_arn,
            "invoked_by": world.actors[g.caller].role_arn,
            "model": g.model,
            "allowed_tools": list(g.tools),
            "log_group": g.log_group,
            "memory_arn": g.memory_arn,
            "guardrail": world.guardrails[g.guardrail].id if g.guardrail else None,
        }
        for g in world.agents.values()
    ]
    gw = world.gateway
    return {
        "organization_id": world.org_id,
        "trail": {
            "name": world.trail_name,
            "bucket": world.trail_bucket,
            "home_region": "us-east-1",
            "organization_trail": True,
            "multi_region": True,
        },
        "accounts": accounts,
        "office_cidrs": list(world.office_cidrs),
        "actors": actors,
        "agents": agents,
        "gateway": {
            "arn": gw.arn,
            "issuer": gw.issuer,
            "targets": list(gw.targets),
            "target_configs": [
                {"id": t.id, "name": t.name, "kind": t.kind, "backend": t.backend, "runtime_arn": t.runtime_arn}
                for t in gw.target_defs
            ],
            "clients": [
                {
                    "name": c.name,
                    "sub": c.sub,
                    "principal": f"jwt:{gw.issuer}#{c.sub}",
                    "source_ips": list(c.ips),
                    "scope": c.scope,
                }
                for c in gw.clients
            ],
        },
        "guardrails": [
            {"key": g.key, "id": g.id, "arn": g.arn, "name": g.name, "version_in_use": g.version, "region": g.region}
            for g in world.guardrails.values()
        ],
        "benign_noise": [
            "developers denied on iam:CreateRole, bedrock:CreateGuardrail, ec2:RunInstances, model access",
            "ThrottlingException on model calls followed by a successful retry",
            "ValidationException from playground and SDK experiments",
            "the security scanner denied on iam:GetAccountAuthorizationDetails and "
            "bedrock:ListFoundationModelAgreementOffers, and reading GetModelInvocationLoggingConfiguration",
            "the deploy role updating the internal guardrail and publishing version 4, then switching the EU "
            "assistant to it",
            "the org deploy role writing the full event-selector set on day one",
            "the deploy role's nightly apply re-writing every gateway target (UpdateGatewayTarget) on day one",
            "expired gateway tokens (a 401, then success)",
            "a CI evaluation job (ml-eval-runner) calling a model on a long-term access key",
            "a partner integration calling a model on a long-term Bedrock API key (its IAM user BedrockAPIKey-…, "
            "additionalEventData.callWithBearerToken)",
        ],
    }


def write_truth(
    out: Path, world: World, summary: SimulationSummary, incidents: list[Incident], defects: list[dict[str, Any]]
) -> None:
    del incidents  # their JSON (with request ids from the shards) is in summary.incidents
    doc = {
        "generator": "aiaudit simulate",
        "seed": summary.seed,
        "scale": summary.scale,
        "window": {"start": summary.start, "end": summary.end},
        "scenarios": summary.scenarios,
        "records": summary.records,
        "files": summary.files,
        "incidents": summary.incidents,
        "pipelines": list(summary.pipelines),
        "posture": posture_conditions(world, summary),
        "planned_changes": planned_changes(world),
        "baseline": baseline_description(world),
        "defects": defects,
    }
    (out / "truth.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def write_config(out: Path, world: World, days: int) -> None:
    """``aiaudit.toml``: a local source over this folder plus the ``[environment]`` baseline."""
    cidrs = list(world.office_cidrs)
    for acct in world.accounts.values():
        cidrs.append(acct.vpc_cidr)
        cidrs += [f"{ip}/32" for ip in acct.nat_ips]
    break_glass = f"arn:aws:iam::{world.accounts['management'].id}:role/BreakGlassAdmin"
    lines = [
        f"# Written by `aiaudit simulate` (seed {world.seed}): the simulated organisation's baseline.",
        "# Detections and notebooks read [environment]; edit it like any aiaudit.toml.",
        "",
        "[sources.sim]",
        'kind = "local"',
        'path = "."',
        "",
        "[environment]",
        f"accounts = {_toml_list([a.id for a in world.accounts.values()])}",
        f"corporate_cidrs = {_toml_list(cidrs)}",
        f"expected_regions = {_toml_list(['us-east-1', 'us-west-2', 'eu-west-1'])}",
        f"break_glass_roles = {_toml_list([break_glass])}",
        "# roles whose configuration changes are planned (deploy pipelines): change detections report them as",
        "# info and change alarms leave them out",
        f"change_roles = {_toml_list(change_roles(world))}",
        f'default_lookback = "{days}d"',
        "",
        "[environment.expected_models]",
    ]
    seen: dict[str, list[str]] = {}
    for actor in world.actors.values():
        if actor.models:
            seen.setdefault(actor.role_arn, [])
            seen[actor.role_arn] += [m for m in actor.models if m not in seen[actor.role_arn]]
    for arn, models in seen.items():
        lines.append(f"{json.dumps(arn)} = {_toml_list(models)}")
    lines += ["", "[environment.agent_tools]"]
    for agent in world.agents.values():
        lines.append(f"{agent.name} = {_toml_list(list(agent.tools))}")
    for model, (inp, outp) in MODEL_PRICES.items():
        lines += [
            "",
            f"[environment.model_prices.{json.dumps(model)}]",
            f"input_per_1k = {inp}",
            f"output_per_1k = {outp}",
        ]
    (out / "aiaudit.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
