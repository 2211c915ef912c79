"""``flo-bayes backtest`` with ``[model] purchase = "compare"``: a backtest per model beside LOO."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import polars as pl
import pytest

from flo_bayes.config import config_from_dict
from flo_bayes.io.writers import write_frame
from flo_bayes.models.comparison import BACKTEST_COLUMNS, LOO_COLUMNS, PICKED_BY
from flo_bayes.models.registry import PURCHASE_MODELS
from flo_bayes.runs import RunFolder
from flo_bayes.simulate import simulate_population
from flo_bayes.workflow.backtest import run_backtest

pytestmark = pytest.mark.fit

CALIBRATION_END = date(2021, 6, 1)
HOLDOUT_END = date(2021, 9, 30)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compare")
    population = simulate_population(
        300,
        acquisition_start=date(2020, 1, 1),
        acquisition_end=date(2021, 3, 31),
        observation_end=HOLDOUT_END,
        seed=11,
    )
    log = tmp / "log.csv"
    transactions = population.transactions.select("customer_id", "date", "amount")
    write_frame(transactions, log)
    config = config_from_dict(
        {
            "data": {"format": "transactions"},
            "model": {"purchase": "compare"},
            "sampler": {"chains": 2, "draws": 100, "tune": 150},
            "prediction": {"max_draws": 100},
        }
    )
    out = tmp / "bt"
    report = run_backtest(log, config, CALIBRATION_END, HOLDOUT_END, out)
    return report, RunFolder(out), transactions


def test_every_model_has_its_loo_and_backtest_row(compared):
    report, folder, _ = compared
    table = pl.read_csv(folder.model_comparison)
    assert table.columns == [*LOO_COLUMNS, *BACKTEST_COLUMNS]
    assert sorted(table["model"]) == sorted(PURCHASE_MODELS)
    assert table["picked"].sum() == 1
    assert set(table["picked_by"]) == {PICKED_BY}
    assert table["lowest_holdout_mae"].sum() == 1
    assert (
        table.filter(pl.col("lowest_holdout_mae"))["holdout_mae"][0] == table["holdout_mae"].min()
    )
    saved = json.loads(folder.backtest_json.read_text())["model_comparison"]
    assert saved["picked"] == report["model_comparison"]["picked"]
    assert saved["picked"] == table.filter(pl.col("picked"))["model"][0]
    assert [row["model"] for row in saved["models"]] == table["model"].to_list()
    # each model is scored with its own aggregate shock; the picked one is the headline's
    assert set(saved["aggregate_shock"]) == set(PURCHASE_MODELS)
    assert saved["aggregate_shock"][saved["picked"]] == report["aggregate_shock"]


def test_table_figures_recompute_from_the_per_customer_output(compared):
    report, folder, transactions = compared
    table = pl.read_csv(folder.model_comparison)
    customers = pl.read_parquet(folder.backtest_customers)
    # the holdout occasions counted here, independently of holdout_actuals
    holdout = (
        transactions.filter((pl.col("date") > CALIBRATION_END) & (pl.col("date") <= HOLDOUT_END))
        .unique(["customer_id", "date"])
        .join(customers.select("customer_id"), on="customer_id", how="semi")
    )
    actual = customers["holdout_purchases_actual"].to_numpy()
    assert actual.sum() == holdout.height
    for row in table.iter_rows(named=True):
        name = row["model"]
        predicted = customers[f"purchases_holdout_pred_mean_{name}"].to_numpy()
        pit = customers[f"purchases_holdout_pit_{name}"].to_numpy()
        assert row["holdout_mae"] == pytest.approx(np.abs(predicted - actual).mean(), rel=1e-12)
        assert row["coverage_90"] == pytest.approx(((pit >= 0.05) & (pit <= 0.95)).mean())
        assert row["coverage_50"] == pytest.approx(((pit >= 0.25) & (pit <= 0.75)).mean())
        assert row["holdout_actual_total"] == holdout.height
        low, high = row["holdout_predicted_q05"], row["holdout_predicted_q95"]
        assert low <= row["holdout_predicted_mean"] <= high
        assert row["total_in_band"] == (low <= holdout.height <= high)
        # the mean of the total's draws equals the sum of the per-customer means
        assert row["holdout_predicted_mean"] == pytest.approx(predicted.sum(), rel=1e-9)


def test_the_backtest_headline_is_the_picked_model(compared):
    report, folder, _ = compared
    picked = report["model_comparison"]["picked"]
    row = pl.read_csv(folder.model_comparison).filter(pl.col("model") == picked).row(0, named=True)
    for key in ("holdout_mae", "coverage_50", "coverage_90", "holdout_predicted_q95"):
        assert report[key] == pytest.approx(row[key], rel=1e-12)
    customers = pl.read_parquet(folder.backtest_customers)
    assert customers["purchases_holdout_pred_mean"].equals(
        customers[f"purchases_holdout_pred_mean_{picked}"], check_names=False
    )
