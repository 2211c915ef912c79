"""A backtest folder is laid out like a run: manifest, rejected rows, the same load stage."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from flo_bayes.config import config_from_dict
from flo_bayes.io.writers import write_frame
from flo_bayes.runs import open_run
from flo_bayes.simulate import simulate_population
from flo_bayes.workflow.backtest import run_backtest

pytestmark = pytest.mark.fit

CALIBRATION_END = date(2021, 6, 1)


def test_backtest_with_a_single_interval_level_writes_a_manifest(tmp_path):
    population = simulate_population(
        300,
        acquisition_start=date(2020, 1, 1),
        acquisition_end=date(2021, 3, 31),
        observation_end=date(2021, 9, 30),
        seed=5,
    )
    log = tmp_path / "log.csv"
    transactions = population.transactions.select("customer_id", "date", "amount")
    write_frame(transactions, log)
    config = config_from_dict(
        {
            "data": {"format": "transactions"},
            "sampler": {"chains": 2, "draws": 100, "tune": 100},
            # Only the 50 % level: the backtest still judges 50 % and 90 % intervals.
            "prediction": {"interval_levels": [0.5], "max_draws": 100},
        }
    )
    out = tmp_path / "bt"
    report = run_backtest(log, config, CALIBRATION_END, date(2021, 9, 30), out)

    assert 0.0 <= report["coverage_50"] <= 1.0 and 0.0 <= report["coverage_90"] <= 1.0
    run = open_run(out)
    assert run.manifest["kind"] == "backtest"
    assert run.config.analysis.analysis_date == CALIBRATION_END  # the cut of the load stage
    assert run.config.prediction.interval_levels == [0.5]
    assert run.manifest["backtest"]["coverage_90"] == report["coverage_90"]
    assert set(run.manifest["stages"]) == {"load", "fit", "score"}
    held_out = transactions.filter(pl.col("date") > CALIBRATION_END).height
    rejected = pl.read_csv(run.folder.rejected_rows)
    assert rejected["reason_codes"].str.contains("after_analysis_date").sum() == held_out
    assert run.folder.backtest_json.is_file() and run.folder.backtest_customers.is_file()
