"""The deployable kinds as catalogue entries: schema, loading, ``catalog show``/``run``, and ``change_roles``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from aiaudit.catalog import catalog, load_entry
from aiaudit.cli import main
from aiaudit.core.config import parse_config
from aiaudit.core.errors import InputError


def test_kinds_and_languages() -> None:
    kinds = {catalog[i].kind for i in catalog}
    assert {"metric_filter", "alarm", "contributor_insights", "event_selector"} <= kinds
    for entry_id in catalog:
        entry = catalog[entry_id]
        expected = {"metric_filter": "filter_pattern", "alarm": "filter_pattern", "contributor_insights": "ci_rule",
                    "event_selector": "event_selector"}.get(entry.kind)  # fmt: skip
        if expected:
            assert entry.language == expected and entry.deployable and entry.query == ""


def _write(tmp_path: Path, entry_id: str, data: dict) -> Path:
    path = tmp_path / "alarms" / f"{entry_id}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data))
    return path


def test_bad_deployable_entries_are_refused_naming_the_file(tmp_path: Path) -> None:
    data = yaml.safe_load(catalog["MF04"].path.read_text())  # type: ignore[union-attr]
    data["metric_filter"]["pattern"] = '{ $.eventName = "x" '
    with pytest.raises(InputError, match=r"MF04.yaml: metric_filter.pattern: the JSON pattern is not closed"):
        load_entry(_write(tmp_path, "MF04", data))
    alarm = yaml.safe_load(catalog["AL04"].path.read_text())  # type: ignore[union-attr]
    alarm["alarm"]["period"] = 90
    with pytest.raises(InputError, match="multiple of 60"):
        load_entry(_write(tmp_path, "AL04", alarm))
    alarm["alarm"].update(period=60, evaluation_periods=1, datapoints_to_alarm=2)
    with pytest.raises(InputError, match="cannot exceed"):
        load_entry(_write(tmp_path, "AL04", alarm))
    alarm["kind"] = "detection"
    with pytest.raises(InputError, match="AL04.yaml"):
        load_entry(_write(tmp_path, "AL04", alarm))
    rule = yaml.safe_load(catalog["CI11"].path.read_text())  # type: ignore[union-attr]
    rule["contributor_insights"]["rule"]["Contribution"]["Filters"][0]["In"] += ["A", "B"]
    with pytest.raises(InputError, match="at most 10 are allowed"):
        load_entry(_write(tmp_path, "CI11", rule))


def test_show_and_dry_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "show", "MF04"]) == 0
    out = capsys.readouterr().out
    assert "kind: metric_filter" in out and '$.eventName = "CreateGuardrailVersion"' in out
    assert main(["catalog", "run", "AL16", "--dry-run"]) == 0
    assert '"MetricName": "AgentCoreGatewayAuthFailures"' in capsys.readouterr().out
    assert main(["catalog", "list", "--kind", "alarm", "--format", "csv"]) == 0
    assert capsys.readouterr().out.count("\nAL") == 25


def test_change_roles_in_the_environment() -> None:
    env = parse_config({"environment": {"change_roles": ["arn:aws:iam::111122223333:role/ci/deploy"]}}).environment
    assert env.change_roles == ("arn:aws:iam::111122223333:role/ci/deploy",)
    with pytest.raises(InputError, match="not an IAM role ARN"):
        parse_config({"environment": {"change_roles": ["arn:aws:iam::111122223333:user/deploy"]}})
    with pytest.raises(InputError, match="list of strings"):
        parse_config({"environment": {"change_roles": "arn:aws:iam::111122223333:role/deploy"}})
