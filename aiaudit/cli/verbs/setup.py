"""`aiaudit setup selectors|filters|rules|dashboard|cloudformation`: the catalogue's deployable artefacts.

Each sub-verb prints one part (``aiaudit.deploy``): ``selectors`` the advanced event selectors for
``put-event-selectors`` (merged with the trail's current set when given); ``filters`` the metric filters and
alarms, ``rules`` the Contributor Insights rules (a CloudFormation template, or ``--format json``: the API
requests); ``dashboard`` the dashboard body for ``put-dashboard``; ``cloudformation`` everything in one
template. Planned-change roles (``[environment] change_roles`` of the active aiaudit.toml) are compiled into
the change filters.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from aiaudit import connect
from aiaudit.cli.common import resolve_time
from aiaudit.cli.verbs import with_subverbs
from aiaudit.core.config import load_config
from aiaudit.core.errors import InputError
from aiaudit.deploy import dashboard_body, log_groups, template, to_yaml
from aiaudit.deploy.cloudformation import parse_emails
from aiaudit.deploy.dashboard import DASHBOARD_NAME
from aiaudit.deploy.payloads import alarm_requests, insight_rule_requests, metric_filter_requests
from aiaudit.deploy.selectors import last_put_event_selectors, parse_resources, plan
from aiaudit.deploy.targets import parse_overrides


def register(parser: argparse.ArgumentParser) -> None:
    subs = with_subverbs(
        parser,
        {
            "selectors": "CloudTrail advanced event selectors (merged with the trail's current set)",
            "filters": "metric filters and their alarms",
            "rules": "Contributor Insights rules",
            "dashboard": "the AI-Workload-Security-Dashboard body",
            "cloudformation": "everything above (but the selectors) as one CloudFormation template",
        },
    )
    sel = subs["selectors"]
    sel.add_argument("--account", required=True, help="12-digit account id the selectors' ARNs name")
    sel.add_argument("--region", required=True, help="Region of the resources (and the ARNs)")
    sel.add_argument(
        "--resource",
        action="append",
        default=[],
        metavar="NAME=ID[,ID]",
        help="a resource id for a placeholder (GATEWAY_ID=gw-1, KB_ID=..., AI_BUCKET_PREFIX=ai-); repeat",
    )
    sel.add_argument(
        "--group", action="append", choices=["org", "bedrock", "agentcore"], help="selector groups (default: all three)"
    )
    sel.add_argument(
        "--current",
        help="the trail's current selectors: get-event-selectors JSON, a selector list, "
        "or a CloudTrail file with a PutEventSelectors event",
    )
    sel.add_argument(
        "--current-from",
        metavar="SOURCE",
        help="take the current selectors from the last PutEventSelectors event in a source's CloudTrail data",
    )
    sel.add_argument("--trail", help="trail name (picks its PutEventSelectors event; names it in the command)")
    sel.add_argument("--since", help="how far back --current-from looks (default: [environment] default_lookback)")
    sel.add_argument("--anchor", default="now", help="what --since counts back from (now or data-end)")
    sel.add_argument("--coverage", action="store_true", help="print only what the current set does not record")
    sel.set_defaults(handler=run_selectors)
    for name in ("filters", "rules", "dashboard", "cloudformation"):
        sub = subs[name]
        sub.add_argument("--source", help="a [sources.NAME] whose log_groups name the pipelines' log groups")
        sub.add_argument(
            "--log-group",
            action="append",
            default=[],
            metavar="PIPELINE=GROUP",
            help="the log group of a pipeline (cloudtrail=..., invocations=..., spans=...); repeat",
        )
        if name in ("filters", "rules"):
            sub.add_argument(
                "--format",
                choices=["cloudformation", "json"],
                default="cloudformation",
                help="a CloudFormation template (default) or the API requests as JSON",
            )
        if name in ("filters", "cloudformation"):
            sub.add_argument(
                "--alarm-email",
                action="append",
                default=[],
                metavar="[TEAM=]ADDRESS",
                help="subscribe an e-mail address to the alarm topics (security=..., ops=..., or both)",
            )
        if name == "dashboard":
            sub.add_argument("--region", required=True, help="Region of the dashboard's metrics and alarms")
            sub.add_argument("--account", required=True, help="account id of the alarms (their ARNs)")
        sub.set_defaults(handler=run_artefact, part=name)


def _note(text: str) -> None:
    print(text, file=sys.stderr)


def run_artefact(args: argparse.Namespace) -> int:
    config = load_config()
    groups = log_groups(config, args.source, parse_overrides(args.log_group))
    roles = config.environment.change_roles
    if roles and args.part in ("filters", "cloudformation"):
        _note(f"{len(roles)} change role(s) from [environment] change_roles compiled into the change filters")
    if args.part == "dashboard":
        if not args.account.isdigit() or len(args.account) != 12:
            raise InputError(f"{args.account!r} is not a 12-digit account id", where="--account")
        partition = (
            "aws-cn" if args.region.startswith("cn-") else "aws-us-gov" if args.region.startswith("us-gov-") else "aws"
        )
        body = dashboard_body(
            groups, args.region, lambda name: f"arn:{partition}:cloudwatch:{args.region}:{args.account}:alarm:{name}"
        )
        _note(f"aws cloudwatch put-dashboard --dashboard-name {DASHBOARD_NAME} --dashboard-body file://dashboard.json")
        print(json.dumps(body, indent=1))
        return 0
    if getattr(args, "format", "cloudformation") == "json":
        requests: dict[str, Any] = (
            {
                "metric_filters": list(metric_filter_requests(groups, roles).values()),
                "alarms": list(alarm_requests().values()),
            }
            if args.part == "filters"
            else {"insight_rules": list(insight_rule_requests(groups).values())}
        )
        print(json.dumps(requests, indent=1))
        return 0
    parts = {
        "filters": ("filters", "alarms"),
        "rules": ("rules",),
        "cloudformation": ("filters", "alarms", "rules", "dashboard"),
    }
    emails = parse_emails(getattr(args, "alarm_email", []) or [])
    sys.stdout.write(to_yaml(template(groups, change_roles=roles, emails=emails, parts=parts[args.part])))
    return 0


def run_selectors(args: argparse.Namespace) -> int:
    if args.current and args.current_from:
        raise InputError("give --current or --current-from, not both", where="--current")
    current: Any = None
    if args.current:
        path = Path(args.current)
        try:
            current = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the current selectors: {exc}", where=str(path)) from None
    elif args.current_from:
        with connect(args.current_from) as src:
            window = resolve_time(args, src, default_since=src.config.environment.default_lookback)
            if window is None:
                raise InputError("the source holds no data", where="--current-from")
            current = last_put_event_selectors(src, window, args.trail)
            _note(f"current selectors from the PutEventSelectors event of {current.get('eventTime')}")
    result = plan(
        args.account,
        args.region,
        parse_resources(args.resource),
        groups=args.group or ("org", "bedrock", "agentcore"),
        current=current,
    )
    if args.coverage:
        for row in result.coverage:
            if row["status"] != "recorded":
                print(
                    f"{row['status']:>12}  {row['selector']}  ({row['records']})"
                    + (f"  — narrowed by {row['by']}" if row["by"] else "")
                )
        return 0
    for note in result.notes:
        _note(f"# {note}")
    missing = [row for row in result.coverage if row["status"] != "recorded"]
    if current is not None:
        _note(
            f"# coverage: {len(result.coverage) - len(missing)} of {len(result.coverage)} recommended selectors "
            "already recorded"
        )
        for row in missing:
            _note(f"#   {row['status']}: {row['selector']} ({row['records']})")
    _note("# PutEventSelectors replaces the whole set and must be called in the trail's home Region:")
    _note(f"#   {result.command(args.trail)}")
    print(json.dumps(result.selectors, indent=1))
    return 0
