"""Backtest: calibrated intervals on simulated truth (fitted posterior) and on CDNOW."""

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from flo_bayes.config import Config, load_config
from flo_bayes.io.writers import write_frame
from flo_bayes.simulate import simulate_population
from flo_bayes.workflow.backtest import run_backtest

REPO = Path(__file__).resolve().parents[2]


def _transactions_config() -> Config:
    config = Config()
    return config.model_copy(
        update={"data": config.data.model_copy(update={"format": "transactions"})}
    )


@pytest.mark.slow
def test_fitted_intervals_cover_simulated_futures(tmp_path):
    population = simulate_population(
        4000,
        acquisition_start=date(2019, 1, 1),
        acquisition_end=date(2020, 12, 31),
        observation_end=date(2021, 12, 31),
        seed=2024,
    )
    log = tmp_path / "log.csv"
    write_frame(population.transactions.select("customer_id", "date", "amount"), log)
    report = run_backtest(
        log, _transactions_config(), date(2021, 6, 1), date(2021, 12, 31), tmp_path / "bt"
    )
    assert report["convergence_passed"]
    assert 0.87 <= report["coverage_90"] <= 0.93, report["coverage_90"]
    assert 0.45 <= report["coverage_50"] <= 0.55, report["coverage_50"]
    assert (
        report["holdout_predicted_q05"]
        <= report["holdout_actual_total"]
        <= report["holdout_predicted_q95"]
    )
    for name in ("backtest.json", "calibration_vs_holdout.png", "tracking_weekly.png"):
        assert (tmp_path / "bt" / name).stat().st_size > 0
    per_customer = pl.read_parquet(tmp_path / "bt" / "backtest_customers.parquet")
    assert per_customer.height == 4000


@pytest.mark.slow
def test_cdnow_backtest_coverage(tmp_path, cdnow_file):
    config = load_config(REPO / "configs" / "cdnow.toml")
    report = run_backtest(cdnow_file, config, date(1997, 9, 30), date(1998, 6, 30), tmp_path)
    saved = json.loads((tmp_path / "backtest.json").read_text())
    assert saved["coverage_90"] == report["coverage_90"]
    assert report["customers"] == 2357
    assert report["holdout_actual_total"] == 1882
    assert 0.87 <= report["coverage_90"] <= 0.93
    assert 0.45 <= report["coverage_50"] <= 0.55
    # The must-show: the actual holdout total inside the total's 90 % band. It holds only with
    # the aggregate shock estimated on the calibration period; the parameter-only band misses
    # it (the BG/NBD at the published MLE expects 1,654 too: the model, not the fit, is low).
    assert report["aggregate_shock"]["status"] == "estimated"
    assert 0.05 <= report["aggregate_shock"]["sigma_median"] <= 0.25
    assert report["holdout_predicted_q05"] <= 1882 <= report["holdout_predicted_q95"]
    assert report["holdout_spend_predicted_q05"] <= report["holdout_spend_actual_total"]
    assert report["holdout_spend_actual_total"] <= report["holdout_spend_predicted_q95"]
    plain = report["without_aggregate_shock"]
    assert plain["holdout_predicted_q95"] < 1882
    assert 0.87 <= plain["coverage_90"] <= 0.93


@pytest.mark.slow
def test_cdnow_extract_backtest_matches_the_full_cohort_fit(tmp_path, cdnow_file):
    """Issue 13's must-show: an activity-window extract of CDNOW, fitted selection-aware."""
    config = load_config(REPO / "configs" / "cdnow_extract.toml")
    report = run_backtest(cdnow_file, config, date(1997, 9, 30), date(1998, 6, 30), tmp_path / "bt")
    assert report["selection"]["min_purchase_occasions"] == 2
    assert report["convergence_passed"] and report["full_cohort_fit"]["convergence_passed"]
    cohort_mae = report["full_cohort_fit"]["holdout_mae"]
    assert report["holdout_mae"] <= 1.03 * cohort_mae, (report["holdout_mae"], cohort_mae)
    assert 0.87 <= report["coverage_90"] <= 0.93, report["coverage_90"]
