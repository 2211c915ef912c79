"""Backtest figures of one scoring result and the comparison table built from them (no NUTS)."""

import numpy as np
import polars as pl
import pytest

from flo_bayes.models.comparison import with_backtest
from flo_bayes.predictive.scoring import ScoringResult
from flo_bayes.workflow.backtest import HoldoutActuals, backtest_figures, holdout_mae


def _scored(predicted, pit, totals) -> ScoringResult:
    table = pl.DataFrame({"purchases_holdout_pred_mean": predicted, "purchases_holdout_pit": pit})
    return ScoringResult(
        table=table,
        data_dictionary={},
        purchase_totals={"holdout": np.asarray(totals, dtype=float)},
        cltv_total=np.zeros(len(totals)),
        cltv_draws=None,
        draw_index=None,
        seed=0,
        rng_block_size=1,
    )


def test_figures_and_table_match_a_hand_computation():
    actual = np.array([0, 3, 1, 0, 2])
    # PITs: inside the 50 % band [0.25, 0.75] for 2, inside the 90 % band [0.05, 0.95] for 4
    pit = [0.5, 0.3, 0.97, 0.1, 0.9]
    actuals = HoldoutActuals(actual, np.zeros(5), np.cumsum(actual))
    # totals 0..100: linear quantiles at exactly 5 and 95, mean 50, actual total 6 inside
    first = backtest_figures(
        _scored([0.5, 2.0, 1.5, 0.0, 1.0], pit, np.arange(101)), actuals, with_spend=False
    )
    assert first["holdout_mae"] == pytest.approx((0.5 + 1.0 + 0.5 + 0.0 + 1.0) / 5)
    assert first["coverage_50"] == pytest.approx(2 / 5)
    assert first["coverage_90"] == pytest.approx(4 / 5)
    assert first["holdout_actual_total"] == 6
    assert (first["holdout_predicted_q05"], first["holdout_predicted_q95"]) == (5.0, 95.0)
    assert first["holdout_predicted_mean"] == 50.0
    # a second model: band 10 .. 20 misses the total 6, MAE smaller
    second = backtest_figures(
        _scored([0.0, 3.0, 1.0, 0.5, 2.0], pit, 10 + np.arange(101) / 10.0),
        actuals,
        with_spend=False,
    )
    assert second["holdout_mae"] == pytest.approx(0.1)
    table = with_backtest(
        pl.DataFrame({"model": ["bgnbd", "pnbd"], "elpd_loo": [-10.0, -11.0]}),
        {"bgnbd": first, "pnbd": second},
    )
    rows = {row["model"]: row for row in table.iter_rows(named=True)}
    assert rows["bgnbd"]["total_in_band"] and not rows["pnbd"]["total_in_band"]
    assert rows["pnbd"]["lowest_holdout_mae"] and not rows["bgnbd"]["lowest_holdout_mae"]
    assert rows["pnbd"]["holdout_predicted_q05"] == pytest.approx(10.5)


def test_holdout_mae_refuses_misaligned_customers():
    with pytest.raises(ValueError, match="differ in shape"):
        holdout_mae(np.zeros(3), np.zeros(4))
