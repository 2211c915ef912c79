"""load_run: frames with the expected columns, lazy posteriors, clear errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from flo_bayes.api import Run, load_run
from flo_bayes.errors import UserInputError


def test_load_run_frames(tiny_run: Path):
    run = load_run(tiny_run)
    assert isinstance(run, Run)
    assert run.manifest["status"] == "complete"
    assert run.customers.height == run.manifest["row_counts"]["customers"]
    for column in ("customer_id", "x", "t_x", "T", "segment", "tier", "p_alive"):
        assert column in run.customers.columns
    assert {"cltv_6m_pred_mean", "cltv_6m_pred_q05", "cltv_6m_pred_q95"} <= set(
        run.customers.columns
    )
    assert list(run.rejected_rows.columns)[:2] == ["line_number", "reason_codes"]
    assert {"model", "parameter", "r_hat", "ess_bulk", "ess_tail"} <= set(
        run.posterior_summary.columns
    )
    assert run.posterior_summary.height == 7
    assert {"segment_profiles", "tier_profiles"} <= set(run.segments)
    # The run plans the default tier campaigns: one summary row each plus TOTAL.
    assert run.campaign_summary is not None
    assert run.campaign_summary.height == len(run.manifest["config"]["campaigns"]["campaigns"]) + 1
    assert isinstance(run.gate_passed, bool)
    assert run.time_unit == "weeks"


def test_lazy_draws_and_posteriors(tiny_run: Path):
    run = load_run(tiny_run)
    draws = run.cltv_draws
    assert draws is not None and draws.columns[0] == "customer_id"
    assert draws.height == run.customers.height
    assert isinstance(run.scan_cltv_draws(), pl.LazyFrame)
    assert set(run.bgnbd_idata["posterior"].data_vars) == {"r", "alpha", "a", "b"}
    assert set(run.gamma_gamma_idata["posterior"].data_vars) == {"p", "q", "v"}
    assert run.population_draws(max_draws=10).n_draws == 10


def test_models_rebuild(tiny_run: Path):
    run = load_run(tiny_run)
    model = run.bgnbd_model
    assert type(model).__name__ == "BetaGeoModel"
    assert model is run.bgnbd_model  # cached


def test_missing_folder_and_manifest(tmp_path: Path):
    with pytest.raises(UserInputError, match="not found"):
        load_run(tmp_path / "nope")
    with pytest.raises(UserInputError, match="no manifest.json"):
        load_run(tmp_path)


def test_incomplete_run_is_refused(tiny_run: Path, tmp_path: Path):
    copy = tmp_path / "run"
    shutil.copytree(tiny_run, copy, ignore=shutil.ignore_patterns("*.nc", "cltv_draws*"))
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest.update(status="failed", failed_stage="fit")
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserInputError, match="not complete.*fit"):
        load_run(copy)


def test_missing_output_is_named(tiny_run: Path, tmp_path: Path):
    copy = tmp_path / "run"
    shutil.copytree(tiny_run, copy, ignore=shutil.ignore_patterns("*.nc", "cltv_draws*"))
    (copy / "customers.parquet").unlink()
    with pytest.raises(UserInputError, match="customer table"):
        load_run(copy)


def test_campaign_summary_is_loaded_when_present(tiny_run: Path, tmp_path: Path):
    copy = tmp_path / "run"
    shutil.copytree(tiny_run, copy, ignore=shutil.ignore_patterns("*.nc", "cltv_draws*"))
    (copy / "campaigns").mkdir(exist_ok=True)
    pl.DataFrame({"campaign": ["vip"], "contacts": [3]}).write_csv(copy / "campaigns/summary.csv")
    summary = load_run(copy).campaign_summary
    assert summary is not None and summary["campaign"].to_list() == ["vip"]
