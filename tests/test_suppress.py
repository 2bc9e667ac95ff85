"""Suppressions files: format, strict checking with file and entry named, matching, expiry."""

from __future__ import annotations

from datetime import date

import pytest

from aiaudit.core.errors import InputError
from aiaudit.core.findings import Finding
from aiaudit.core.suppress import apply, load_suppressions

ROLE = "arn:aws:iam::111122223333:role/nightly-eval"
OTHER = "arn:aws:iam::111122223333:role/app"

TOML = """
[[suppress]]
rule = "X07"
subject = "principal:arn:aws:iam::111122223333:role/nightly-*"
reason = "load tests call every enabled model each night"
owner = "ai-platform@example.com"
expires = 2027-03-31

[[suppress]]
rule = "Q0*"
subject = "*"
reason = "accepted during the migration"
owner = "secops"
expires = "2026-12-01"
"""


def finding(rule_id: str, principal: str, **kw) -> Finding:
    return Finding(
        rule_id=rule_id,
        severity="high",
        title="t",
        time_start="2026-11-19T10:00:00Z",
        subject=f"principal:{principal}",
        principals=[principal],
        **kw,
    )


def test_toml_entries_match_by_rule_and_subject_globs(tmp_path):
    path = tmp_path / "suppressions.toml"
    path.write_text(TOML)
    entries = load_suppressions(path)
    assert [(s.rule, s.expires) for s in entries] == [("X07", date(2027, 3, 31)), ("Q0*", date(2026, 12, 1))]
    found = [finding("X07", ROLE), finding("X07", OTHER), finding("Q05", OTHER), finding("X01", ROLE)]
    applied = apply(found, entries, today=date(2026, 11, 20))
    marks = [f.suppressed["reason"] if f.suppressed else None for f in applied.findings]
    assert marks == ["load tests call every enabled model each night", None, "accepted during the migration", None]
    assert applied.findings[0].suppressed["owner"] == "ai-platform@example.com"
    assert applied.findings[0].suppressed["expires"] == "2027-03-31"
    assert applied.findings[0].suppressed["where"] == [f"{path}:suppress[1]"]
    assert applied.suppressed == 2 and applied.warnings == []
    assert applied.findings[1] is found[1]  # untouched findings are the same objects


def test_expiry_holds_through_the_last_day_then_warns_and_stops(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(TOML)
    entries = load_suppressions(path)
    on_the_day = apply([finding("Q05", OTHER)], entries, today=date(2026, 12, 1))
    assert on_the_day.findings[0].suppressed is not None and on_the_day.warnings == []
    after = apply([finding("Q05", OTHER)], entries, today=date(2026, 12, 2))
    assert after.findings[0].suppressed is None
    assert after.warnings == [
        "suppression expired on 2026-12-01 and no longer suppresses: rule Q0*, subject * "
        f"(owner secops; {path}:suppress[2])"
    ]


def test_a_merged_finding_is_suppressed_only_when_every_rule_is(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(TOML)
    entries = load_suppressions(path)
    merged = finding("X07", ROLE, rule_ids=["X07", "X09"])
    both = finding("Q05", ROLE, rule_ids=["Q05", "X07"])
    applied = apply([merged, both], entries, today=date(2026, 11, 20))
    assert applied.findings[0].suppressed is None  # X09 is not accepted
    assert applied.findings[1].suppressed["where"] == [f"{path}:suppress[2]", f"{path}:suppress[1]"]  # Q0*, X07
    assert applied.matched == {f"{path}:suppress[1]": 1, f"{path}:suppress[2]": 1}


def test_yaml_form_and_errors_name_file_entry_and_line(tmp_path):
    good = tmp_path / "s.yaml"
    good.write_text(
        "suppress:\n  - rule: X07\n    subject: '*'\n    reason: r\n    owner: o\n    expires: 2027-01-31\n"
    )
    assert load_suppressions(good)[0].expires == date(2027, 1, 31)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "suppress:\n  - rule: X07\n    subject: '*'\n    reason: r\n    owner: o\n    expires: 2027-01-31\n"
        "  - rule: X08\n    subject: '*'\n    reason: r\n    owner: o\n"
    )
    with pytest.raises(InputError, match=r"missing expires") as err:
        load_suppressions(bad)
    assert str(err.value).count(f"{bad}:suppress[2] (line 7)") == 1
    cases = {
        'rule = "X"\nsubject = "*"\nreason = "r"\nowner = "o"\nexpires = 2027-01-01\nuntil = 1': "unknown key 'until'",
        'rule = "X"\nsubject = "*"\nreason = ""\nowner = "o"\nexpires = 2027-01-01': "reason must be a non-empty",
        'rule = "X"\nsubject = "*"\nreason = "r"\nowner = "o"\nexpires = 2027-01-01T10:00:00Z': "not a time",
        'rule = "X"\nsubject = "*"\nreason = "r"\nowner = "o"\nexpires = "next March"': "YYYY-MM-DD",
    }
    for body, message in cases.items():
        path = tmp_path / "case.toml"
        path.write_text("[[suppress]]\n" + body + "\n")
        with pytest.raises(InputError, match=message) as err:
            load_suppressions(path)
        assert f"{path}:suppress[1]" in str(err.value)
    with pytest.raises(InputError, match="only 'suppress'"):
        (tmp_path / "top.toml").write_text('[[suppression]]\nrule = "X"\n')
        load_suppressions(tmp_path / "top.toml")
    with pytest.raises(InputError, match=r"\.toml, \.yaml"):
        (tmp_path / "s.json").write_text("[]")
        load_suppressions(tmp_path / "s.json")
    with pytest.raises(InputError, match="cannot read"):
        load_suppressions(tmp_path / "missing.toml")
