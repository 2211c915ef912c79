"""Closed-form expectations against pymc-marketing and against brute-force integration."""

from __future__ import annotations

import numpy as np
import pytest

from flo_bayes.predictive import (
    PopulationDraws,
    expected_cltv,
    expected_discounted_purchases,
    expected_purchases,
    expected_spend,
    mixture_probability_alive,
    probability_alive,
)

HORIZON = 13.04


def _flat(data_array, n_customers: int) -> np.ndarray:
    """pymc-marketing (chain, draw, customer_id) -> (S, N), chain-major like PopulationDraws."""
    return data_array.transpose("chain", "draw", "customer_id").values.reshape(-1, n_customers)


@pytest.fixture(scope="module")
def pymc_setup(fitted_models):
    bg, gg, frame = fitted_models
    draws = PopulationDraws.from_posteriors(bg.fit_result, gg.fit_result)
    pdf = frame.to_pandas()
    rfm = pdf.rename(columns={"x": "frequency", "t_x": "recency"})[
        ["customer_id", "frequency", "recency", "T"]
    ]
    spend_data = pdf.rename(columns={"gg_n": "frequency", "gg_mean": "monetary_value"})[
        ["customer_id", "frequency", "monetary_value"]
    ]
    return bg, gg, frame, draws, rfm, spend_data


def test_population_draws_from_datatree_equal_fit_result(fitted_models):
    bg, gg, _ = fitted_models
    from_tree = PopulationDraws.from_posteriors(bg.idata, gg.idata)
    from_dataset = PopulationDraws.from_posteriors(bg.fit_result, gg.fit_result)
    assert from_tree.n_draws == 400
    np.testing.assert_array_equal(from_tree.alpha, from_dataset.alpha)
    np.testing.assert_array_equal(from_tree.v, from_dataset.v)


def test_probability_alive_matches_pymc(pymc_setup):
    bg, _, frame, draws, rfm, _ = pymc_setup
    ours = probability_alive(draws, frame["x"], frame["t_x"], frame["T"])
    ref = _flat(bg.expected_probability_alive(rfm), frame.height)
    assert ours.shape == (draws.n_draws, frame.height)
    np.testing.assert_allclose(ours, ref, rtol=1e-8, atol=0)


@pytest.mark.parametrize("t", [HORIZON, 52.0])
def test_expected_purchases_matches_pymc(pymc_setup, t):
    bg, _, frame, draws, rfm, _ = pymc_setup
    ours = expected_purchases(draws, frame["x"], frame["t_x"], frame["T"], t)
    ref = _flat(bg.expected_purchases(rfm, future_t=t), frame.height)
    np.testing.assert_allclose(ours, ref, rtol=1e-8, atol=0)


def test_expected_spend_matches_pymc(pymc_setup):
    _, gg, frame, draws, _, spend_data = pymc_setup
    ours = expected_spend(draws, frame["gg_n"], frame["gg_mean"])
    ref = _flat(gg.expected_customer_spend(spend_data), frame.height)
    np.testing.assert_allclose(ours, ref, rtol=1e-8, atol=0)


def test_undiscounted_cltv_is_purchases_times_spend(pymc_setup):
    bg, gg, frame, draws, rfm, spend_data = pymc_setup
    ours = expected_cltv(
        draws,
        frame["x"],
        frame["t_x"],
        frame["T"],
        frame["gg_n"],
        frame["gg_mean"],
        horizon=HORIZON,
        margin=0.3,
    )
    ref = (
        0.3
        * _flat(bg.expected_purchases(rfm, future_t=HORIZON), frame.height)
        * _flat(gg.expected_customer_spend(spend_data), frame.height)
    )
    np.testing.assert_allclose(ours, ref, rtol=1e-8, atol=0)


def test_mixture_alive_weights_give_closed_form(pymc_setup):
    _, _, frame, draws, _, _ = pymc_setup
    args = (frame["x"], frame["t_x"], frame["T"])
    np.testing.assert_allclose(
        mixture_probability_alive(draws, *args), probability_alive(draws, *args), rtol=1e-12
    )


def test_mixture_alive_with_tiny_a():
    """FLO-like posterior (a ~ 3e-4): P(alive) ~ 1 and both forms agree."""
    draws = PopulationDraws.constant(
        r=1.5, alpha=20.0, a=3e-4, b=0.5, p=5.0, q=3.0, v=50.0, n_draws=3
    )
    x, t_x, T = (
        np.array([0, 1, 5, 200]),
        np.array([0.0, 0.0, 30.0, 400.0]),
        np.array([5, 50, 60, 420]),
    )
    closed = probability_alive(draws, x, t_x, T)
    np.testing.assert_allclose(mixture_probability_alive(draws, x, t_x, T), closed, rtol=1e-12)
    assert np.all(closed > 0.95)
    assert np.all(np.isfinite(expected_purchases(draws, x, t_x, T, 26.0)))


def test_discounted_quadrature_matches_fine_grid():
    """Gauss-Legendre by-parts result equals a fine (4,000-step) midpoint grid."""
    draws = PopulationDraws(
        r=np.array([0.8, 0.3, 2.0]),
        alpha=np.array([6.0, 1.0, 10.0]),
        a=np.array([0.9, 0.5, 3.0]),
        b=np.array([2.5, 1.5, 8.0]),
        p=np.ones(3) * 6,
        q=np.ones(3) * 4,
        v=np.ones(3) * 15,
    )
    x = np.array([0, 0, 1, 4, 12])
    t_x = np.array([0.0, 0.0, 0.5, 20.0, 30.0])
    T = np.array([0.5, 10.0, 1.0, 40.0, 31.0])
    horizon, d = 26.09, 0.01
    quad = expected_discounted_purchases(draws, x, t_x, T, horizon, d)

    steps = 4_000  # midpoint-grid error ~3e-9 here
    grid = np.linspace(0.0, horizon, steps + 1)
    cumulative = np.stack([expected_purchases(draws, x, t_x, T, t) for t in grid[1:]])
    increments = np.diff(np.concatenate([np.zeros((1, *cumulative.shape[1:])), cumulative]), axis=0)
    mid = 0.5 * (grid[1:] + grid[:-1])
    brute = np.tensordot((1 + d) ** -mid, increments, axes=1)
    # default 4 nodes: ~3e-5 in this steep case (alpha + T = 1.5 weeks, 1 % a week)
    np.testing.assert_allclose(quad, brute, rtol=4e-5)
    quad_6 = expected_discounted_purchases(draws, x, t_x, T, horizon, d, n_nodes=6)
    np.testing.assert_allclose(quad_6, brute, rtol=3e-6)
    quad_12 = expected_discounted_purchases(draws, x, t_x, T, horizon, d, n_nodes=12)
    np.testing.assert_allclose(quad_12, brute, rtol=1e-8)
    # no discounting: exactly the expected purchases
    np.testing.assert_allclose(
        expected_discounted_purchases(draws, x, t_x, T, horizon, 0.0),
        expected_purchases(draws, x, t_x, T, horizon),
        rtol=1e-14,
    )


def test_input_validation():
    draws = PopulationDraws.constant(r=1, alpha=1, a=1.5, b=2, p=1, q=2, v=1, n_draws=2)
    with pytest.raises(ValueError, match="exceed"):
        probability_alive(draws, [1], [5.0], [4.0])
    with pytest.raises(ValueError, match="whole numbers"):
        probability_alive(draws, [1.5], [1.0], [4.0])
    with pytest.raises(ValueError, match="differ in length"):
        probability_alive(draws, [1, 2], [1.0], [4.0])
    with pytest.raises(ValueError, match="q > 1"):
        expected_spend(
            PopulationDraws.constant(r=1, alpha=1, a=1, b=2, p=1, q=0.5, v=1, n_draws=1), [1], [2.0]
        )
