"""Naive vs selection-aware BG/NBD on real extracts: CDNOW (window rule applied) and FLO.

CDNOW sample: calibration to 1997-09-30, extract = customers with >= 2 occasions whose last
purchase falls in the 182 days up to the analysis date (window start 1997-04-02). Fitted:
naive and corrected on the extract, and the full cohort (all calibration customers). For the
extract's customers: posterior-mean parameters and holdout (to 1998-06-30, 39 weeks) MAE of
the posterior-mean expected purchases, and totals.

FLO: window start 2020-05-30, analysis date 2021-06-01, >= 2 orders. Naive vs corrected
parameters, P(alive) 5/50/95 % over customers (posterior means), expected 26-week purchases.

Usage::

    PYTHONPATH=$PWD python scripts/study_selection_data.py cdnow --draws 500
    PYTHONPATH=$PWD python scripts/study_selection_data.py flo --draws 300
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from flo_bayes.config import load_config
from flo_bayes.io.load import load_input, prepare_loaded
from flo_bayes.models.fitting import bgnbd_data
from flo_bayes.models.selection_simulation import (
    BGNBD_NAMES,
    apply_window_rule,
    fit_bgnbd_on_extract,
    window_length,
)
from flo_bayes.workflow.backtest import holdout_actuals

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def _fit_row(name, fit, seconds):
    return {
        "fit": name,
        **{k: round(fit.mean[k], 4) for k in BGNBD_NAMES},
        **{f"{k}_94": [round(fit.low[k], 4), round(fit.high[k], 4)] for k in BGNBD_NAMES},
        "r_hat_max": round(fit.r_hat_max, 4),
        "ess_bulk_min": round(fit.ess_bulk_min, 1),
        "divergences": fit.divergences,
        "seconds": round(seconds, 1),
    }


def _timed_fit(summary, window, corrected, seed, draws):
    start = time.perf_counter()
    fit = fit_bgnbd_on_extract(
        summary, window=window, corrected=corrected, seed=seed, draws=draws, tune=draws
    )
    return fit, time.perf_counter() - start


def cdnow(draws: int, seed: int) -> None:
    config = load_config(REPO / "configs" / "cdnow.toml")
    analysis_date, holdout_end = date(1997, 9, 30), date(1998, 6, 30)
    window_start = date(1997, 4, 2)  # the 182 days 1997-04-02 .. 1997-09-30
    loaded = load_input(SHARED / "CDNOW_sample.txt", config)
    transactions = loaded.frame
    summary = prepare_loaded(loaded, config).summary
    extract = apply_window_rule(summary, window_start=window_start, min_purchase_occasions=2)
    window = window_length(window_start, analysis_date)
    actual = holdout_actuals(transactions, extract["customer_id"], analysis_date, holdout_end)
    horizon = (holdout_end - analysis_date).days / 7.0
    print(f"CDNOW: {summary.height} customers, extract {extract.height}, window {window:.3f} weeks")
    print(f"holdout actual total (extract customers) {int(actual.purchases.sum())}")
    fits = {
        "naive": _timed_fit(extract, window, False, seed, draws),
        "corrected": _timed_fit(extract, window, True, seed, draws),
        "full_cohort": _timed_fit(summary, None, False, seed, draws),
    }
    data = bgnbd_data(extract)
    for name, (fit, seconds) in fits.items():
        predicted = (
            fit.model.expected_purchases(data, future_t=horizon).mean(("chain", "draw")).values
        )
        row = _fit_row(name, fit, seconds)
        row["holdout_mae"] = round(float(np.mean(np.abs(predicted - actual.purchases))), 4)
        row["holdout_predicted_total"] = round(float(predicted.sum()), 1)
        print(json.dumps(row), flush=True)


def flo(draws: int, seed: int) -> None:
    config = load_config(REPO / "configs" / "flo.toml")
    loaded = load_input(SHARED / "flo_data_20k.csv", config)
    prepared = prepare_loaded(loaded, config)
    summary, analysis_date = prepared.summary, prepared.analysis_date
    window_start = date(2020, 5, 30)
    window = window_length(window_start, analysis_date)
    kept = apply_window_rule(summary, window_start=window_start, min_purchase_occasions=2)
    print(
        f"FLO: {summary.height} customers ({kept.height} meet the rule), analysis date "
        f"{analysis_date}, window {window:.3f} weeks, distinct T {summary['T'].n_unique()}"
    )
    data = bgnbd_data(summary)
    for name, corrected in (("naive", False), ("corrected", True)):
        fit, seconds = _timed_fit(summary, window, corrected, seed, draws)
        alive = fit.model.expected_probability_alive(data).mean(("chain", "draw")).values
        purchases = fit.model.expected_purchases(data, future_t=26).mean(("chain", "draw"))
        row = _fit_row(name, fit, seconds)
        row["p_alive_q05_q50_q95"] = [
            round(float(v), 4) for v in np.quantile(alive, [0.05, 0.5, 0.95])
        ]
        row["expected_purchases_26w_total"] = round(float(purchases.sum()), 1)
        print(json.dumps(row), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", choices=("cdnow", "flo"))
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    pl.Config.set_tbl_rows(20)
    (cdnow if args.data == "cdnow" else flo)(args.draws, args.seed)


if __name__ == "__main__":
    main()
