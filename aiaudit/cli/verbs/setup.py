"""`aiaudit setup selectors|filters|rules|dashboard|cloudformation`."""

from __future__ import annotations

import argparse

from aiaudit.cli.verbs import not_implemented, with_subverbs


def register(parser: argparse.ArgumentParser) -> None:
    subs = with_subverbs(
        parser,
        {
            "selectors": "CloudTrail advanced event selectors",
            "filters": "metric filters and alarms",
            "rules": "Contributor Insights rules",
            "dashboard": "the CloudWatch dashboard",
            "cloudformation": "everything above as one CloudFormation template",
        },
    )
    for sub in subs.values():
        sub.add_argument("--log-group", help="CloudTrail log group the artefacts read")
        sub.set_defaults(handler=not_implemented("deployable artefacts arrive with a later release"))
