"""A purchase-only log (customer_id,date) runs end to end: `run` and `backtest`, no spend model."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest
from typer.testing import CliRunner

from flo_bayes.cli import app
from flo_bayes.config import config_from_dict
from flo_bayes.simulate import simulate_population
from flo_bayes.workflow.backtest import run_backtest

pytestmark = pytest.mark.fit  # NUTS fits on simulated data, short chains

SHORT_RUN = """
seed = 5

[data]
format = "transactions"

[data.transactions]
value_per_purchase = 40.0

[analysis]
analysis_date = 2021-06-01

[sampler]
chains = 2
draws = 150
tune = 150

[prediction]
max_draws = 150
keep_draws = 50
"""
SPEND_COLUMNS = {"total_value", "gg_n", "gg_mean"}


@pytest.fixture(scope="module")
def events(tmp_path_factory):
    population = simulate_population(
        400,
        acquisition_start=date(2020, 1, 1),
        acquisition_end=date(2021, 2, 28),
        observation_end=date(2021, 9, 30),
        seed=8,
    )
    path = tmp_path_factory.mktemp("log") / "events.csv"
    population.transactions.select("customer_id", "date").write_csv(path)
    return path


def test_run_on_a_purchase_only_log(tmp_path, events):
    config = tmp_path / "config.toml"
    config.write_text(SHORT_RUN, encoding="utf-8")
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["run", "--config", str(config), "--data", str(events), "--out", str(out)]
    )
    assert result.exit_code in (0, 3), result.output  # a short fit may miss the ESS gate
    assert "no amount column: purchases only" in result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
    assert manifest["input"]["purchases_only"] is True
    assert manifest["input"]["value_per_purchase"] == 40.0
    assert not (out / "models" / "gamma_gamma.nc").exists()
    summary = pl.read_csv(out / "diagnostics" / "summary.csv")
    assert summary["parameter"].to_list() == ["r", "alpha", "a", "b"]
    assert {f["target"].split(".")[0] for f in manifest["convergence"]["failures"]} <= {"bgnbd"}

    customers = pl.read_parquet(out / "customers.parquet")
    assert not SPEND_COLUMNS & set(customers.columns)
    assert customers["p_alive"].is_between(0, 1).all()
    # With no spend model, value is value_per_purchase x purchases (undiscounted, margin 1
    # unless configured): check it on the closed-form expectations.
    assert (customers["expected_spend_per_purchase"] == 40.0).all()
    assert (customers["monetary_score"] == customers["frequency_score"]).all()
    dictionary = pl.read_csv(out / "data_dictionary.csv")
    assert dictionary["column"].to_list() == customers.columns
    spend_row = dictionary.filter(pl.col("column") == "expected_spend_per_purchase")
    assert "value_per_purchase" in spend_row["description"].item()
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Gamma-Gamma posterior is missing" not in report
    assert "no spend model was fitted" in report


def test_backtest_on_a_purchase_only_log(tmp_path, events):
    config = config_from_dict(
        {
            "data": {"format": "transactions"},
            "sampler": {"chains": 2, "draws": 150, "tune": 150},
            "prediction": {"max_draws": 150},
        }
    )
    report = run_backtest(events, config, date(2021, 6, 1), date(2021, 9, 30), tmp_path / "bt")
    assert report["purchases_only"] is True
    assert report["customers"] > 0
    assert 0.0 < report["coverage_90"] <= 1.0
    assert not any(key.startswith(("spend_", "holdout_spend_")) for key in report)
    log = pl.read_csv(events, try_parse_dates=True)
    holdout = log.filter(
        (pl.col("date") > date(2021, 6, 1)) & (pl.col("date") <= date(2021, 9, 30))
    )
    calibration_ids = log.filter(pl.col("date") <= date(2021, 6, 1))["customer_id"].unique()
    actual = holdout.filter(pl.col("customer_id").is_in(calibration_ids)).unique(
        ["customer_id", "date"]
    )
    assert report["holdout_actual_total"] == actual.height
