"""score_customers: columns, determinism across chunking, memory bound, calibration on truth."""

from __future__ import annotations

import tracemalloc

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flo_bayes.predictive import (
    PopulationDraws,
    ScoringSettings,
    interval_coverage,
    pit_covered,
    score_customers,
)

SETTINGS = ScoringSettings(
    horizons={"3m": 13.04, "6m": 26.09},
    cltv_horizon="6m",
    discount_rate_per_time_unit=0.002,
    margin=0.3,
    cltv_thresholds=(10.0, 50.5),
    time_unit="weeks",
    currency="TRY",
)


# same values as conftest.TRUTH (kept here so helpers below need no fixture)
TRUTH = {"r": 0.8, "alpha": 6.0, "a": 0.9, "b": 2.5, "p": 6.0, "q": 4.0, "v": 15.0}


@pytest.fixture(scope="module")
def small_customers(simulate_truth) -> pl.DataFrame:
    sim = simulate_truth(
        1000, TRUTH, horizons=(13.0,), cltv_horizon=13.0, discount_rate=0, margin=1, seed=5
    )
    return sim.frame


def _draws(n_draws: int, seed: int = 0) -> PopulationDraws:
    """A posterior-like cloud around the truth (5 % log-sd)."""
    rng = np.random.default_rng(seed)
    return PopulationDraws(
        **{k: v * np.exp(0.05 * rng.standard_normal(n_draws)) for k, v in TRUTH.items()}
    )


def test_columns_and_dictionary(small_customers):
    result = score_customers(small_customers, _draws(200), SETTINGS, seed=1)
    expected = [
        "customer_id",
        "p_alive",
        "p_alive_q05",
        "p_alive_q95",
        "expected_purchases_3m",
        "expected_purchases_6m",
        "expected_spend_per_purchase",
        "expected_cltv_6m_mean",
        "expected_cltv_6m_q05",
        "expected_cltv_6m_q95",
    ]
    for h in ("3m", "6m"):
        expected += [f"purchases_{h}_pred_{s}" for s in ("mean", "median", "q25", "q75")]
        expected += [f"purchases_{h}_pred_{s}" for s in ("q05", "q95")]
        expected += [f"p_any_purchase_{h}"]
    expected += [f"cltv_6m_pred_{s}" for s in ("mean", "median", "q25", "q75", "q05", "q95")]
    expected += ["p_cltv_6m_gt_10", "p_cltv_6m_gt_50_5"]
    assert result.table.columns == expected
    assert list(result.data_dictionary) == expected
    assert result.table.height == small_customers.height
    assert result.table["purchases_3m_pred_q95"].dtype == pl.Int32
    assert "TRY" in result.data_dictionary["cltv_6m_pred_q95"]
    assert "weeks" in result.data_dictionary["purchases_3m_pred_mean"]
    assert "NOT" in result.data_dictionary["expected_cltv_6m_q95"]
    assert result.data_dictionary_frame().height == len(expected)

    t = result.table
    assert (t["purchases_3m_pred_q05"] <= t["purchases_3m_pred_q25"]).all()
    assert (t["purchases_3m_pred_q75"] <= t["purchases_3m_pred_q95"]).all()
    assert (t["purchases_3m_pred_q95"] <= t["purchases_6m_pred_q95"]).all()
    assert (t["cltv_6m_pred_q05"] <= t["cltv_6m_pred_q95"]).all()
    assert (t["p_cltv_6m_gt_10"] >= t["p_cltv_6m_gt_50_5"]).all()
    # predictive band is wider than the band of the expectation
    pred_width = (t["cltv_6m_pred_q95"] - t["cltv_6m_pred_q05"]).mean()
    exp_width = (t["expected_cltv_6m_q95"] - t["expected_cltv_6m_q05"]).mean()
    assert pred_width > 3 * exp_width
    # predictive mean agrees with the expectation in aggregate (MC error ~1 %)
    ratio = t["cltv_6m_pred_mean"].sum() / t["expected_cltv_6m_mean"].sum()
    assert abs(ratio - 1) < 0.03


def test_chunking_workers_and_seed(small_customers):
    draws = _draws(150)
    kwargs = {"seed": 7, "keep_draws": 20, "rng_block_size": 100}
    whole = score_customers(small_customers, draws, SETTINGS, chunk_size=10_000, **kwargs)
    chunked = score_customers(small_customers, draws, SETTINGS, chunk_size=230, **kwargs)
    threaded = score_customers(
        small_customers, draws, SETTINGS, chunk_size=100, n_workers=2, **kwargs
    )
    expectation_cols = [c for c in whole.table.columns if c.startswith(("p_alive", "expected_"))]
    for other in (chunked, threaded):
        # random part: bit-identical (fixed RNG blocks)
        assert_frame_equal(
            whole.table.drop(expectation_cols), other.table.drop(expectation_cols), check_exact=True
        )
        # deterministic part: same up to SIMD rounding of chunks of different shape
        assert_frame_equal(
            whole.table.select(expectation_cols),
            other.table.select(expectation_cols),
            check_exact=False,
            rel_tol=1e-13,
            abs_tol=0.0,
        )
        np.testing.assert_array_equal(whole.cltv_draws, other.cltv_draws)
        np.testing.assert_array_equal(whole.cltv_total, other.cltv_total)
        for h in SETTINGS.horizons:
            np.testing.assert_array_equal(whole.purchase_totals[h], other.purchase_totals[h])
    assert whole.cltv_draws.shape == (small_customers.height, 20)
    np.testing.assert_array_equal(whole.draw_index, np.floor(np.arange(20) * 150 / 20))
    # kept draws are the simulated ones: their mean tracks the predictive mean
    kept_mean = whole.cltv_draws.mean(axis=1).sum()
    assert abs(kept_mean / whole.table["cltv_6m_pred_mean"].sum() - 1) < 0.1
    other_seed = score_customers(small_customers, draws, SETTINGS, seed=8)
    assert not np.array_equal(
        other_seed.table["cltv_6m_pred_mean"].to_numpy(), whole.table["cltv_6m_pred_mean"]
    )
    # the deterministic part does not depend on the seed at all
    assert_frame_equal(
        other_seed.table.select(expectation_cols),
        whole.table.select(expectation_cols),
        check_exact=False,
        rel_tol=1e-13,
        abs_tol=0.0,
    )


def _peak_bytes(customers: pl.DataFrame, draws: PopulationDraws) -> int:
    tracemalloc.start()
    try:
        score_customers(customers, draws, SETTINGS, seed=1, chunk_size=500, rng_block_size=250)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_customers_times_draws(simulate_truth):
    sim = simulate_truth(
        6000, TRUTH, horizons=(13.0,), cltv_horizon=13.0, discount_rate=0, margin=1, seed=9
    )
    draws = _draws(400)
    small = _peak_bytes(sim.frame.head(1500), draws)
    large = _peak_bytes(sim.frame, draws)
    one_full_matrix = 4500 * draws.n_draws * 8  # what one extra N x S array would add
    # the extra 6000 customers may only add O(N) memory (output columns, inputs)
    assert large - small < 0.25 * one_full_matrix, (small, large)


def test_calibration_on_simulated_truth(simulate_truth, truth_draws):
    """Truth parameters as 'posterior': 90 % / 50 % intervals cover 90 % / 50 % of futures."""
    horizons = {"h13": 13.0, "h26": 26.0}
    d, margin = 0.003, 0.5
    sim = simulate_truth(
        4000,
        TRUTH,
        horizons=tuple(horizons.values()),
        cltv_horizon=26.0,
        discount_rate=d,
        margin=margin,
        seed=2024,
    )
    settings = ScoringSettings(
        horizons=horizons, cltv_horizon="h26", discount_rate_per_time_unit=d, margin=margin
    )
    actual = {name: sim.future_counts[length] for name, length in horizons.items()}
    result = score_customers(
        sim.frame,
        truth_draws,
        settings,
        seed=3,
        actual_purchases=actual,
        actual_value=sim.future_value,
    )
    t = result.table
    for name in horizons:
        cov = interval_coverage(t[f"purchases_{name}_pit"].to_numpy(), (0.5, 0.9))
        assert 0.87 <= cov[0.9] <= 0.93, (name, cov)
        assert 0.46 <= cov[0.5] <= 0.54, (name, cov)
        # exported integer band contains y whenever the PIT says covered (conservative band)
        y = actual[name]
        in_band = (y >= t[f"purchases_{name}_pred_q05"].to_numpy()) & (
            y <= t[f"purchases_{name}_pred_q95"].to_numpy()
        )
        covered = pit_covered(t[f"purchases_{name}_pit"].to_numpy(), 0.9)
        assert np.mean(in_band) >= np.mean(covered)
        # population total inside its predictive band
        totals = result.purchase_totals[name]
        lo, hi = np.quantile(totals, [0.005, 0.995])
        assert lo <= y.sum() <= hi
    cov_value = interval_coverage(t["cltv_h26_pit"].to_numpy(), (0.5, 0.9))
    assert 0.87 <= cov_value[0.9] <= 0.93, cov_value
    assert 0.46 <= cov_value[0.5] <= 0.54, cov_value
    lo, hi = np.quantile(result.cltv_total, [0.005, 0.995])
    assert lo <= sim.future_value.sum() <= hi


def test_bad_inputs(small_customers):
    with pytest.raises(ValueError, match="lacks columns"):
        score_customers(small_customers.drop("gg_n"), _draws(10), SETTINGS, seed=1)
    with pytest.raises(ValueError, match="cltv_horizon"):
        ScoringSettings(horizons={"3m": 13.0}, cltv_horizon="6m")
    with pytest.raises(ValueError, match="only letters"):
        ScoringSettings(horizons={"3 m": 13.0}, cltv_horizon="3 m")
    with pytest.raises(ValueError, match="not supported"):
        ScoringSettings(horizons={"3m": 13.0}, cltv_horizon="3m", count_interval_rule="mid_p")
    with pytest.raises(ValueError, match="unknown horizon"):
        score_customers(
            small_customers, _draws(10), SETTINGS, seed=1, actual_purchases={"9m": np.zeros(3)}
        )
