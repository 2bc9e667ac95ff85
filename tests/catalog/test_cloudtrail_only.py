"""Most LLMjacking victims log no model invocations: every detection runs on CloudTrail alone (with and
without data events) without an error, and the CloudTrail-only peer entries still find their incidents."""

from __future__ import annotations

from pathlib import Path

import pytest

import aiaudit
from aiaudit.catalog.run import run
from aiaudit.core.config import load_config
from aiaudit.core.timerange import TimeRange
from aiaudit.simulate import simulate
from aiaudit.simulate.score import covered_by, load_truth

pytestmark = pytest.mark.slow

SCENARIOS = (
    "llmjacking",
    "long-term-key-llmjacking",
    "bedrock-api-key-misuse",
    "agentcore-role-outside-runtime",
    "knowledge-base-poisoning",
)


@pytest.mark.parametrize("pipelines", [("cloudtrail",), ("cloudtrail-management",)])
def test_every_detection_runs_on_cloudtrail_alone(tmp_path: Path, pipelines: tuple[str, ...]) -> None:
    out = tmp_path / pipelines[0]
    simulate(out, days=2, seed=31, scale=0.05, end="2026-11-20T00:00:00Z", scenarios=SCENARIOS, pipelines=pipelines)
    truth = load_truth(out)
    with aiaudit.connect(f"local:{out}") as src:
        environment = load_config(out / "aiaudit.toml").environment
        result = run(src, TimeRange.from_dict(truth["window"]), environment=environment)
    assert result.errors == []
    assert {"X27", "X28", "X29", "X12"} <= set(result.skipped), "entries that need invocation or runtime logs say so"
    incidents = truth["incidents"]
    by_rule = {rule: [i for f in found for i in covered_by(f, incidents)] for rule, found in result.found.items()}
    want = {"X16": "long-term-key-llmjacking", "X17": "long-term-key-llmjacking", "X22": "bedrock-api-key-misuse"}
    if pipelines == ("cloudtrail",):  # knowledge-base and the agent's own calls are data events
        want.update({"X23": "agentcore-role-outside-runtime", "X24": "knowledge-base-poisoning"})
    for rule, scenario in want.items():
        assert any(i.endswith(scenario) for i in by_rule.get(rule, [])), f"{rule} misses {scenario} on {pipelines}"
