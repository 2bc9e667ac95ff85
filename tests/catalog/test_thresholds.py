"""A site's own thresholds: [environment.thresholds] "ENTRY.parameter" = value, applied to every detection run
of the entry (explicit parameters win); a wrong key or value is an error naming it."""

from __future__ import annotations

import pytest

from aiaudit.catalog import catalog
from aiaudit.core.config import parse_config
from aiaudit.core.errors import InputError


def _env(table: dict) -> object:
    return parse_config({"environment": {"thresholds": table}}, source_file="site.toml").environment


def test_thresholds_apply_and_explicit_parameters_win(ctx) -> None:
    assert catalog["X14"].detect(ctx)  # the shared records: five denials reach min_denials=5
    strict = _env({"X14.min_denials": 6})
    assert catalog["X14"].with_thresholds(strict, {}) == {"min_denials": 6}
    assert catalog["X14"].with_thresholds(strict, {"min_denials": 5}) == {"min_denials": 5}
    from aiaudit.catalog.run import Context

    site = Context.make(ctx.tel, ctx.time_range, lookback=ctx.lookback, environment=strict)
    assert not catalog["X14"].detect(site)
    assert catalog["X14"].detect(site, min_denials=5)


def test_a_key_without_an_entry_part_is_an_error_naming_it() -> None:
    with pytest.raises(InputError, match=r"environment.thresholds.min_calls"):
        _env({"min_calls": 800})


@pytest.mark.parametrize(
    ("table", "message"),
    [({"X20.min_call": 800}, "X20 has no parameter 'min_call'"), ({"X20.min_calls": "many"}, "must be int")],
)
def test_an_unknown_parameter_or_wrong_type_names_the_config_key(table: dict, message: str) -> None:
    with pytest.raises(InputError) as info:
        catalog["X20"].with_thresholds(_env(table), {})
    assert message in str(info.value) and "[environment.thresholds] X20.min_call" in str(info.value)
