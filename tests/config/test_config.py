"""Config validation: unknown keys, wrong types and impossible values name the file and key."""

from pathlib import Path

import pytest

from flo_bayes.config import Config, config_from_dict, load_config
from flo_bayes.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_toml_equals_built_in_defaults():
    assert load_config(REPO / "configs" / "default.toml") == Config()


@pytest.mark.parametrize("name", ["flo.toml", "cdnow.toml", "cdnow_extract.toml"])
def test_shipped_configs_validate(name):
    config = load_config(REPO / "configs" / name)
    assert Path(config.data.path).is_absolute()


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("[sampler]\nchianz = 4\n", "sampler.chianz", "unknown key"),
        ("[sampler]\nchains = 'four'\n", "sampler.chains", "integer"),
        ("[prediction]\nmargin = 1.5\n", "prediction.margin", "less than or equal to 1"),
        ("[prediction]\ncltv_horizon_months = 12.0\n", "prediction", "must be one of"),
        ("[analysis]\ntime_unit = 'fortnights'\n", "analysis.time_unit", "'days' or 'weeks'"),
        (
            "[priors.bgnbd]\nr = { median = -1.0, log_sd = 1.0 }\n",
            "priors.bgnbd.r.median",
            "greater than 0",
        ),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, text, key, fragment):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    assert key in message
    assert fragment in message


def test_invalid_toml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(_write(tmp_path, "seed = = 3"))
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.toml")


def test_unknown_key_names_the_nearest_key_of_its_section():
    from flo_bayes.errors import ConfigError

    with pytest.raises(ConfigError, match=r"unknown key 'sampler.draw' \(did you mean 'draws'\?"):
        config_from_dict({"sampler": {"draw": 500}})
    with pytest.raises(ConfigError, match=r"'report.languag' \(did you mean 'language'\?"):
        config_from_dict({"report": {"languag": "tr"}})
    # Nothing close: no guess, the usual advice.
    with pytest.raises(ConfigError, match=r"unknown key 'zzz' \(check its spelling"):
        config_from_dict({"zzz": 1})


def test_report_language_is_configured_and_overridden_from_the_command_line():
    from flo_bayes.config import RunOverrides, apply_overrides

    assert Config().report.language == "en"
    assert config_from_dict({"report": {"language": "tr"}}).report.language == "tr"
    assert apply_overrides(Config(), RunOverrides(language="tr")).report.language == "tr"
    with pytest.raises(ConfigError, match="report.language"):
        config_from_dict({"report": {"language": "de"}})
