"""Configuration: ruff-style select/ignore, per-rule severity, and clear errors for bad files."""

import pytest

from trialguard.config import Config, ConfigError, from_mapping, load, parse_codes
from trialguard.findings import Severity


def test_most_specific_prefix_wins():
    cfg = Config(select=("TG2",), ignore=("TG20",))
    assert not cfg.is_selected("TG201")
    cfg = Config(select=("TG201",), ignore=("TG2",))
    assert cfg.is_selected("TG201")
    assert not cfg.is_selected("TG202")


def test_ingestion_findings_cannot_be_ignored():
    assert Config(ignore=("TG",)).is_selected("TG002")


def test_all_selects_everything_but_ignored():
    cfg = Config(select=("ALL",), ignore=("TG3",))
    assert cfg.is_selected("TG401") and not cfg.is_selected("TG301")


def test_parse_codes():
    assert parse_codes(" tg2, TG301 ,,") == ("TG2", "TG301")


def test_pyproject_section(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.trialguard]\nselect = ["TG2"]\nfail-on = "warning"\n[tool.trialguard.severity]\nTG201 = "info"\n',
        encoding="utf-8")
    cfg = load(cwd=tmp_path)
    assert cfg.select == ("TG2",)
    assert cfg.fail_on == "warning"
    assert cfg.severity_of("TG201", Severity.ERROR) is Severity.INFO
    assert cfg.severity_of("TG202", Severity.ERROR) is Severity.ERROR


def test_trialguard_toml_preferred_over_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.trialguard]\nselect = ["TG2"]\n', encoding="utf-8")
    (tmp_path / "trialguard.toml").write_text('select = ["TG3"]\n', encoding="utf-8")
    assert load(cwd=tmp_path).select == ("TG3",)


def test_pyproject_without_section_gives_defaults(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert load(cwd=tmp_path) == Config()


@pytest.mark.parametrize("data, message", [
    ({"selct": ["TG2"]}, "unknown key(s) selct"),
    ({"select": 3}, "'select' must be a list"),
    ({"severity": {"TG201": "fatal"}}, "severity.TG201: unknown severity 'fatal'"),
    ({"fail-on": "sometimes"}, "'fail-on' must be one of"),
    ({"max-json-depth": 0}, "'max-json-depth' must be a positive integer"),
])
def test_invalid_config_names_the_key(data, message):
    with pytest.raises(ConfigError) as e:
        from_mapping(data, "trialguard.toml")
    assert message in e.value.message
    assert e.value.exit_code == 2


def test_missing_explicit_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load(str(tmp_path / "nope.toml"))


@pytest.mark.parametrize("text, message", [
    ("[tool]\ntrialguard = 3\n", "[tool.trialguard] must be a table of settings, not int"),
    ("tool = 3\n", "[tool] must be a table"),
])
def test_pyproject_section_of_the_wrong_type_is_a_config_error(tmp_path, text, message):
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    for explicit in (str(tmp_path / "pyproject.toml"), None):
        with pytest.raises(ConfigError) as e:
            load(explicit, cwd=tmp_path)
        assert message in e.value.message
