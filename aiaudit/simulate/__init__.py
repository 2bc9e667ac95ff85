"""``aiaudit simulate``: a consistent multi-pipeline dataset with planted incidents and ground truth.

``simulate(out, days=3, end=..., seed=7, scale=1.0, scenarios=("all",), with_defects=False)`` writes
CloudTrail (S3 delivery layout), Bedrock invocation logs (S3 layout, large bodies in ``data/``),
``aws/spans`` and AgentCore runtime logs under ``out``, plus ``truth.json`` and ``aiaudit.toml``.
See ``docs/simulate.md``.
"""

from aiaudit.simulate.core import SimulationSummary, simulate
from aiaudit.simulate.scenarios import SCENARIOS

SCENARIO_NAMES: tuple[str, ...] = tuple(SCENARIOS)

__all__ = ["SCENARIO_NAMES", "SimulationSummary", "simulate"]
