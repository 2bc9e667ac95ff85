"""Entries are data: every file validates against schema.json; bad files fail naming file and field."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import yaml

from aiaudit.catalog import ENTRIES, catalog, concepts, entry_files, load_entry, schema
from aiaudit.catalog.registry import DETECTIONS, implementation
from aiaudit.core.errors import InputError

FILES = entry_files()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_entry_file_validates_against_the_schema(path: Path) -> None:
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema())


def test_the_catalogue_holds_the_guide_queries_and_the_detections() -> None:
    ids = set(catalog)
    assert {f"Q{n:02d}" for n in range(1, 28)} | {"QAGG"} <= ids
    assert {f"X{n:02d}" for n in range(1, 16)} <= ids


def test_every_detection_has_one_implementation_and_every_implementation_an_entry() -> None:
    detections = {i for i in catalog if catalog[i].language == "python"}
    for entry_id in detections:
        assert callable(implementation(entry_id))
    assert set(DETECTIONS) == detections


def _write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _base() -> dict:
    return yaml.safe_load((ENTRIES / "guide" / "Q02.yaml").read_text(encoding="utf-8"))


def test_a_missing_field_is_named_with_the_file(tmp_path: Path) -> None:
    data = _base()
    del data["title"]
    path = _write(tmp_path, "Q02", data)
    with pytest.raises(InputError) as info:
        load_entry(path)
    assert "title" in str(info.value) and str(path) in str(info.value)


def test_a_wrong_parameter_type_is_named_with_its_field(tmp_path: Path) -> None:
    data = _base()
    data["parameters"]["limit"]["type"] = "integer"
    with pytest.raises(InputError, match=r"parameters\.limit\.type"):
        load_entry(_write(tmp_path, "Q02", data))


def test_a_detection_may_not_carry_a_query_and_a_query_needs_one(tmp_path: Path) -> None:
    data = _base()
    data.update(kind="detection", language="python")
    with pytest.raises(InputError):
        load_entry(_write(tmp_path, "Q02", data))
    del data["query"]
    assert load_entry(_write(tmp_path, "Q02", data)).kind == "detection"
    data.update(kind="view", language="sql")
    with pytest.raises(InputError, match="query"):
        load_entry(_write(tmp_path, "Q02", data))


def test_a_view_has_no_findings_block_and_produces_no_findings(tmp_path: Path) -> None:
    data = _base()
    assert data["kind"] == "view"
    data["findings"] = {"title": "every row"}
    with pytest.raises(InputError, match="findings"):
        load_entry(_write(tmp_path, "Q02", data))
    assert catalog["Q18"].findings(pd.DataFrame({"caller": ["arn:aws:iam::111122223333:role/app"]})) == []


def test_unknown_concept_and_mismatched_id_are_errors(tmp_path: Path) -> None:
    data = _base()
    data["parameters"]["limit"] = {"type": "list", "default": {"concept": "no_such_list"}}
    with pytest.raises(InputError, match="no_such_list"):
        load_entry(_write(tmp_path, "Q02", data))
    with pytest.raises(InputError, match="file name"):
        load_entry(_write(tmp_path, "Q03", _base()))


def test_one_shared_list_per_concept() -> None:
    denial = concepts()["denial_codes"]
    assert {"AccessDenied", "AccessDeniedException", "Client.UnauthorizedOperation", "VpceAccessDenied"} <= set(denial)
    assert "CreateGuardrailVersion" in concepts()["guardrail_change_events"]
    for entry_id in ("Q01", "Q04", "Q22", "X14"):
        assert catalog[entry_id].parameters["denial_codes"].default == denial
    for entry_id, name in (("Q07", "guardrail_events"), ("Q08", "events"), ("Q21", "events")):
        assert catalog[entry_id].parameters[name].default == concepts()["guardrail_change_events"]
    assert "PutEventSelectors" in catalog["Q05"].parameters["events"].default


def test_dry_run_renders_shared_lists_and_checks_parameters() -> None:
    text = catalog["Q01"].dry_run(min_attempts=3)
    assert "'Client.UnauthorizedOperation'" in text and ">= 3" in text and ":" not in text.split("LIMIT")[1]
    with pytest.raises(InputError, match="no parameter 'nope'"):
        catalog["Q01"].dry_run(nope=1)
    with pytest.raises(InputError, match="must be int"):
        catalog["Q01"].dry_run(limit="ten")
    with pytest.raises(InputError, match="detection"):
        catalog["X01"].dry_run()


def test_guide_fixes_are_in_the_query_text() -> None:
    q17, q21, q22 = (catalog[i].query for i in ("Q17", "Q21", "Q22"))
    assert ":window_seconds" in q17 and ":window_seconds" in q21  # bounded
    assert "guardrailIdentifier" in q21.split("ON", 1)[1]  # keyed on the guardrail
    assert "credentialsIssuedTo` = s.runtime_arn" in q22 and "aws.local.service" not in q22
    assert "errorCode IN :denial_codes" in catalog["Q01"].query


def test_change_alarms_are_marked_and_catalogue_frame_lists_them() -> None:
    frame = catalog.frame()
    alarms = set(frame[frame["change_alarm"]]["id"])
    guide, peers = {"Q05", "Q07", "Q08", "Q21"}, {"X21", "X24", "X25", "X26", "X31"}
    assert alarms == guide | peers | {"AL04", "AL05", "AL07", "AL14", "AL20", "AL25"}
    assert json.loads(frame.to_json(orient="records"))[0]["id"] == "Q01"  # DESIGN §7 family order


def test_docs_list_every_entry() -> None:
    text = (Path(__file__).parents[2] / "docs" / "catalog.md").read_text(encoding="utf-8")
    missing = [i for i in catalog if f"| `{i}` |" not in text]
    assert not missing, f"docs/catalog.md does not list {missing}"
