"""The comparison table with a backtest per model beside it (no NUTS: posteriors are made up)."""

import numpy as np
import polars as pl
import pytest
import xarray as xr

from flo_bayes.models.comparison import (
    BACKTEST_COLUMNS,
    LOO_COLUMNS,
    PICKED_BY,
    FittedPurchase,
    compare_purchase_models,
    paired_differences,
    with_backtest,
)
from flo_bayes.models.registry import purchase_model

POINTS = {
    "bgnbd": {"r": 0.6, "alpha": 8.0, "a": 0.8, "b": 2.5},
    "mbgnbd": {"r": 0.6, "alpha": 8.0, "a": 0.8, "b": 2.5},
}


def _posterior(name, rng):
    return xr.Dataset(
        {
            k: (("chain", "draw"), v * np.exp(rng.normal(0, 0.03, (2, 200))))
            for k, v in POINTS[name].items()
        }
    )


@pytest.fixture(scope="module")
def comparison():
    rng = np.random.default_rng(8)
    T = rng.uniform(20, 60, 400)
    x, t_x = purchase_model("bgnbd").simulate(POINTS["bgnbd"], T, rng)
    fits = [FittedPurchase(purchase_model(n), _posterior(n, rng)) for n in POINTS]
    return compare_purchase_models(fits, x, t_x, T, excluded={"pnbd": "left out: no reason"})


def _figures(predicted, actual, totals):
    """Backtest figures computed by hand (not by the backtest module)."""
    return {
        "holdout_mae": sum(abs(p - a) for p, a in zip(predicted, actual, strict=True))
        / len(actual),
        "coverage_50": 0.5,
        "coverage_90": 0.875,
        "holdout_actual_total": sum(actual),
        "holdout_predicted_mean": sum(totals) / len(totals),
        "holdout_predicted_q05": min(totals),
        "holdout_predicted_q95": max(totals),
    }


def test_excluded_models_stay_in_the_table_with_their_reason(comparison):
    table = comparison.table
    assert table.columns == list(LOO_COLUMNS)
    assert table["model"].to_list()[-1] == "pnbd"
    left_out = table.filter(pl.col("model") == "pnbd").row(0, named=True)
    assert left_out["note"] == "left out: no reason"
    assert left_out["label"] == "Pareto/NBD"
    assert left_out["elpd_loo"] is None and left_out["picked"] is False
    assert comparison.excluded == {"pnbd": "left out: no reason"}
    assert comparison.picked in ("bgnbd", "mbgnbd")
    assert set(table["picked_by"]) == {PICKED_BY}


def test_backtest_columns_sit_beside_the_loo_row_of_their_model(comparison):
    actual = [0, 2, 1, 0, 5, 0, 1, 3]
    figures = {
        # MAE 0.5 and total band [10, 14] holding the actual 12
        "bgnbd": _figures([0.5, 1.5, 1.5, 0.5, 4.5, 0.5, 0.5, 2.5], actual, [10, 12, 14]),
        # MAE 0.25 and band [13, 16] missing it
        "mbgnbd": _figures([0.25, 2.25, 0.75, 0.25, 4.75, 0.25, 0.75, 3.25], actual, [13, 16]),
    }
    table = with_backtest(comparison.table, figures)
    assert table.columns == [*LOO_COLUMNS, *BACKTEST_COLUMNS]
    # the LOO part, its order and the pick are untouched
    assert table.select(LOO_COLUMNS).equals(comparison.table)
    rows = {row["model"]: row for row in table.iter_rows(named=True)}
    assert rows["bgnbd"]["holdout_mae"] == pytest.approx(0.5)
    assert rows["mbgnbd"]["holdout_mae"] == pytest.approx(0.25)
    assert rows["bgnbd"]["holdout_actual_total"] == 12
    assert rows["bgnbd"]["total_in_band"] is True
    assert rows["mbgnbd"]["total_in_band"] is False
    assert (rows["mbgnbd"]["holdout_predicted_q05"], rows["mbgnbd"]["holdout_predicted_q95"]) == (
        13.0,
        16.0,
    )
    assert rows["mbgnbd"]["lowest_holdout_mae"] and not rows["bgnbd"]["lowest_holdout_mae"]
    assert rows["bgnbd"]["coverage_90"] == 0.875
    assert all(rows["pnbd"][column] is None for column in BACKTEST_COLUMNS)


def test_every_fitted_model_needs_its_backtest(comparison):
    one = _figures([1.0], [1], [1, 2])
    with pytest.raises(ValueError, match=r"missing for \['mbgnbd'\]"):
        with_backtest(comparison.table, {"bgnbd": one})
    with pytest.raises(ValueError, match=r"unknown models \['other'\]"):
        with_backtest(comparison.table, {"bgnbd": one, "mbgnbd": one, "other": one})


def test_small_differences_are_equivalent_whatever_their_se():
    """Nearly nested models: a paired SE of almost 0 must not make 0.1 elpd decisive."""
    base = np.random.default_rng(2).normal(-5.0, 1.0, 2000)
    pointwise = {
        "bgnbd": base - 0.0001,  # 0.2 below the best, paired SE 0
        "mbgnbd": base,
        "pnbd": base - np.where(np.arange(2000) < 100, 0.5, 0.0),  # 50 below, paired SE 4.9
    }
    rows = paired_differences(pointwise)
    assert rows["mbgnbd"] == {"elpd_diff": 0.0, "diff_se": 0.0, "within_rule": True}
    assert rows["bgnbd"]["elpd_diff"] == pytest.approx(0.2)
    assert rows["bgnbd"]["diff_se"] < 1e-9 and rows["bgnbd"]["within_rule"]
    se = np.sqrt(2000 * np.var(np.where(np.arange(2000) < 100, 0.5, 0.0)))
    assert rows["pnbd"]["diff_se"] == pytest.approx(se)
    assert rows["pnbd"]["elpd_diff"] == pytest.approx(50.0)
    assert not rows["pnbd"]["within_rule"]  # 50 > max(4, 2 x 4.9)
