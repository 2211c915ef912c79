"""Presets ship as package data; command-line overrides are validated like the file."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from datetime import date
from importlib.resources import files
from pathlib import Path

import pytest

from flo_bayes.config import (
    Config,
    ConfigError,
    RunOverrides,
    apply_overrides,
    classic_flo_campaigns,
    default_tier_campaigns,
    load_config,
)
from flo_bayes.config.package_data import PRESETS, preset_path

REPO = Path(__file__).resolve().parents[2]


def test_presets_are_package_data_and_parse_into_the_defaults():
    presets = files("flo_bayes.config") / "presets"
    for name in PRESETS:
        assert (presets / f"{name}.toml").is_file()
        assert preset_path(name).is_file()
    assert Config().campaigns.campaigns == default_tier_campaigns()
    assert [t.name for t in Config().segmentation.target_lists] == [
        c.name for c in classic_flo_campaigns()
    ]


@pytest.mark.slow
def test_the_wheel_ships_the_presets(tmp_path):
    # Build from a copy so the checkout gets no build/ or egg-info folders.
    source = tmp_path / "src"
    shutil.copytree(REPO / "flo_bayes", source / "flo_bayes")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(source)],
        check=True,
    )  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("flo_bayes-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for name in PRESETS:
        assert f"flo_bayes/config/presets/{name}.toml" in names
    assert not any(n.startswith(("benchmarks/", "flo_bayes/benchmarking/")) for n in names)


def test_overrides_are_validated():
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        RunOverrides(seed=-1)
    with pytest.raises(ValueError, match="'flo' or 'transactions'"):
        RunOverrides(data_format="excel")


def test_overrides_rerun_the_cross_key_rules():
    config = apply_overrides(
        Config(), RunOverrides(seed=5, analysis_date=date(2021, 1, 2), data_format="transactions")
    )
    assert (config.seed, config.analysis.analysis_date, config.data.format) == (
        5,
        date(2021, 1, 2),
        "transactions",
    )
    assert apply_overrides(config, RunOverrides()) == config


def test_seed_in_the_file_and_on_the_command_line_share_one_rule(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("seed = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="seed"):
        load_config(path)
