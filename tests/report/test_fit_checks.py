"""Fit-to-data checks: the simulators reproduce the models' closed-form moments."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import hyp2f1

from flo_bayes.diagnostics import fit_checks
from flo_bayes.predictive import PopulationDraws, probability_alive

THETA = {"r": 0.8, "alpha": 6.0, "a": 1.5, "b": 3.0, "p": 6.0, "q": 4.0, "v": 15.0}


def _expected_repeat_purchases(r, alpha, a, b, t):
    """FHL (2005) eq. 9: E[X(t)] for a new customer."""
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def test_simulated_repeat_purchases_match_bgnbd_moments():
    rng = np.random.default_rng(1)
    t = 30.0
    n = 200_000
    one = {k: np.array([THETA[k]]) for k in ("r", "alpha", "a", "b")}
    x = fit_checks.simulate_repeat_purchases(**one, T=np.full(n, t), rng=rng)[0]
    expected = _expected_repeat_purchases(THETA["r"], THETA["alpha"], THETA["a"], THETA["b"], t)
    assert abs(x.mean() - expected) < 4 * x.std() / np.sqrt(n)
    p_zero = (THETA["alpha"] / (THETA["alpha"] + t)) ** THETA["r"]
    assert abs((x == 0).mean() - p_zero) < 4 * np.sqrt(p_zero * (1 - p_zero) / n)


def test_simulated_mean_spend_matches_gamma_gamma_mean():
    rng = np.random.default_rng(2)
    n = 200_000
    p, q, v = (np.array([THETA[k]]) for k in ("p", "q", "v"))
    spend = fit_checks.simulate_mean_spend(p, q, v, np.full(n, 3.0), rng)[0]
    expected = THETA["p"] * THETA["v"] / (THETA["q"] - 1)
    assert spend.mean() == pytest.approx(expected, rel=0.02)


def test_count_bins_one_and_two_dimensional():
    counts = np.array([[0, 1, 1, 5, 9], [2, 2, 2, 0, 3]])
    assert fit_checks.count_bins(counts[0], 4).tolist() == [1, 2, 0, 2]
    assert fit_checks.count_bins(counts, 4).tolist() == [[1, 2, 0, 2], [1, 0, 3, 1]]


def test_period_transactions_check_shapes_and_totals():
    draws = PopulationDraws.constant(**THETA, n_draws=20)
    rng = np.random.default_rng(3)
    T = rng.uniform(1, 50, size=500)
    x = rng.poisson(2, size=500)
    check = fit_checks.period_transactions_check(draws, x, T, rng, max_count=5)
    assert check.labels == ["0", "1", "2", "3", "4", "5+"]
    assert check.observed.sum() == 500
    assert check.predicted.shape == (20, 6)
    assert (check.predicted.sum(axis=1) == 500).all()


def test_period_transactions_check_is_reproducible():
    draws = PopulationDraws.constant(**THETA, n_draws=5)
    T = np.linspace(1, 40, 100)
    x = np.arange(100) % 4
    one = fit_checks.period_transactions_check(draws, x, T, np.random.default_rng(9))
    two = fit_checks.period_transactions_check(draws, x, T, np.random.default_rng(9))
    np.testing.assert_array_equal(one.predicted, two.predicted)


def test_frequency_recency_grid_matches_probability_alive():
    draws = PopulationDraws.constant(**THETA, n_draws=3)
    grid = fit_checks.frequency_recency_grid(draws, max_x=4, T=40.0, horizon=26.0, n_recency=5)
    assert grid.p_alive.shape == (5, 5)
    assert np.isnan(grid.p_alive[0, 1:]).all() and grid.p_alive[0, 0] == 1.0
    direct = probability_alive(draws, np.array([3.0]), np.array([grid.t_x[2]]), np.array([40.0]))
    assert grid.p_alive[3, 2] == pytest.approx(direct[0, 0])
    # More recent last purchases mean more likely alive and more expected purchases.
    assert np.all(np.diff(grid.p_alive[3]) > 0)
    assert np.all(np.diff(grid.expected_purchases[3]) > 0)


def test_spend_check_shares_sum_to_one():
    draws = PopulationDraws.constant(**THETA, n_draws=10)
    rng = np.random.default_rng(4)
    n = rng.integers(1, 6, size=400)
    spend = fit_checks.simulate_mean_spend(
        np.array([6.0]), np.array([4.0]), np.array([15.0]), n, rng
    )[0]
    check = fit_checks.spend_check(draws, n, spend, rng, n_bins=20)
    assert check.observed.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(check.predicted.sum(axis=1), 1.0)
    assert check.predicted_mean.mean() == pytest.approx(check.observed_mean, rel=0.1)
