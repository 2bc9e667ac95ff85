"""Spec strings and aiaudit.toml: strict schema, errors that name the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiaudit.core.config import Config, load_config
from aiaudit.core.errors import InputError
from aiaudit.sources.spec import parse_spec, with_overrides

GOOD = """
[sources.prod]
kind = "aws"
profile = "security-audit"
regions = ["us-east-1", "eu-west-1"]
[sources.prod.log_groups]
cloudtrail = "aws-cloudtrail-logs/management-events"
invocations = "bedrock-model-invocation-logging"
spans = "aws/spans"
runtime_logs = "/aws/bedrock-agentcore/runtimes/"

[sources.lab]
kind = "local"
path = "data/lab"

[environment]
corporate_cidrs = ["10.0.0.0/8", "198.51.100.0/24"]
expected_regions = ["us-east-1"]
break_glass_roles = ["arn:aws:iam::111122223333:role/BreakGlass"]
default_lookback = "30d"
[environment.expected_models]
"arn:aws:iam::111122223333:role/app" = ["anthropic.claude-3-haiku-20240307-v1:0"]
[environment.agent_tools]
support-agent = ["http_request", "lookup_order"]
[environment.model_prices."anthropic.claude-3-haiku"]
input_per_1k = 0.00025
output_per_1k = 0.00125
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "aiaudit.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_config_loads(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    prod = cfg.sources["prod"]
    assert prod.kind == "aws" and prod.regions == ("us-east-1", "eu-west-1")
    assert cfg.log_groups("prod")["cloudtrail"] == "aws-cloudtrail-logs/management-events"
    assert cfg.sources["lab"].path == str((tmp_path / "data/lab").resolve())
    env = cfg.environment
    assert env.ip_is_corporate("10.1.2.3") and env.ip_is_corporate("198.51.100.7")
    assert not env.ip_is_corporate("203.0.113.9") and not env.ip_is_corporate("not-an-ip")
    price = env.price_for("anthropic.claude-3-haiku-20240307-v1:0")
    assert price is not None and price.output_per_1k == 0.00125
    assert env.price_for("meta.llama3") is None
    assert env.agent_tools["support-agent"] == ("http_request", "lookup_order")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[sources.x]\nkind='local'\npath='.'\nregoins=['us-east-1']\n", "unknown key sources.x.regoins"),
        ("[environment]\ncorporate_cidr=['10.0.0.0/8']\n", "unknown key environment.corporate_cidr"),
        ("[enviroment]\n", "unknown key enviroment"),
        ("[sources.x]\nkind='gcp'\n", "kind must be 'local' or 'aws'"),
        ("[sources.x]\nkind='local'\n", "needs path"),
        ("[sources.x]\nkind='aws'\n", "needs regions"),
        ("[sources.x]\nkind='aws'\nregions=['us-east-1']\n[sources.x.log_groups]\ntrail='x'\n", "log_groups.trail"),
        ("[environment]\ncorporate_cidrs=['10.0.0.300/8']\n", "not a CIDR"),
        ("[environment]\ndefault_lookback='a month'\n", "default_lookback"),
        ("[environment.model_prices.m]\ninput_per_1k=1\n", "needs output_per_1k"),
        ("[environment.model_prices.m]\ninput_per_1k=-1\noutput_per_1k=1\n", "non-negative"),
        ("[environment]\nexpected_regions='us-east-1'\n", "must be a list of strings"),
        ("this is = not toml [", "invalid TOML"),
    ],
)
def test_config_errors_name_the_key_and_the_file(tmp_path, text, fragment):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_config(path)
    assert fragment in str(info.value)
    assert str(path) in str(info.value)


def test_config_discovery_order(tmp_path, monkeypatch):
    monkeypatch.delenv("AIAUDIT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert load_config().sources == {}
    home_cfg = tmp_path / "home" / ".config" / "aiaudit"
    home_cfg.mkdir(parents=True)
    (home_cfg / "aiaudit.toml").write_text("[sources.h]\nkind='local'\npath='/data'\n")
    assert set(load_config().sources) == {"h"}
    write(tmp_path, "[sources.cwd]\nkind='local'\npath='.'\n")
    assert set(load_config().sources) == {"cwd"}
    monkeypatch.setenv("AIAUDIT_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(InputError, match="AIAUDIT_CONFIG"):
        load_config()


def test_spec_local_and_aws():
    spec = parse_spec("local:./data", Config())
    assert spec.kind == "local" and spec.path == Path("./data")
    spec = parse_spec("aws:security-audit@us-east-1,eu-west-1", Config())
    assert (spec.kind, spec.profile, spec.regions) == ("aws", "security-audit", ("us-east-1", "eu-west-1"))
    spec = parse_spec("aws:@us-gov-west-1", Config())
    assert spec.profile is None and spec.regions == ("us-gov-west-1",)


def test_spec_names_resolve_through_config(tmp_path):
    cfg = load_config(write(tmp_path, GOOD))
    spec = parse_spec("prod", cfg)
    assert spec.kind == "aws" and spec.name == "prod" and spec.log_groups["spans"] == "aws/spans"
    with pytest.raises(InputError, match="no source named 'staging'.*known: lab, prod"):
        parse_spec("staging", cfg)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty source spec"),
        ("local:", "needs a path"),
        ("aws:us-east-1", "PROFILE@REGION"),
        ("aws:p@", "no region"),
        ("aws:p@us-east", "not an AWS region"),
        ("aws:p@us-east-1,us-east-1", "named twice"),
        ("gcp:project", "unknown source kind 'gcp'"),
        ("has spaces", "neither"),
    ],
)
def test_bad_specs(text, fragment):
    with pytest.raises(InputError, match=fragment):
        parse_spec(text, Config())


def test_connect_overrides_are_checked():
    spec = parse_spec("aws:p@us-east-1", Config())
    assert with_overrides(spec, regions="eu-west-1").regions == ("eu-west-1",)
    with pytest.raises(InputError, match="unknown connect\\(\\) option 'region'"):
        with_overrides(spec, region="eu-west-1")


def test_fuzz_findings_are_input_errors() -> None:
    """Found by fuzzing (atheris): a spec with a ':' and a name longer than the OS allows raised OSError."""
    from aiaudit.core.errors import InputError as _InputError
    from aiaudit.sources.spec import parse_spec as _parse_spec

    with pytest.raises(_InputError, match="unknown source kind"):
        _parse_spec("aw" + "\ufffd" * 300 + "s:x")


@pytest.mark.parametrize(("spec", "message"), [("local:~\x01", "no such user"), ("local:/data\x00x", "NUL")])
def test_fuzz_findings_in_local_paths(spec: str, message: str) -> None:
    """Found by fuzzing (hypothesis): '~' + an unknown user raised RuntimeError, a NUL raised ValueError."""
    from aiaudit.core.errors import InputError as _InputError
    from aiaudit.sources.spec import parse_spec as _parse_spec

    with pytest.raises(_InputError, match=message):
        _parse_spec(spec)
