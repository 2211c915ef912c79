"""Purchase-only draws: BG/NBD parameters alone, each purchase worth a fixed value."""

from __future__ import annotations

import numpy as np
import pytest

from flo_bayes.predictive import PopulationDraws
from flo_bayes.predictive.draws import simulate_customers
from flo_bayes.predictive.expected import expected_spend

BG = {"r": 0.8, "alpha": 6.0, "a": 0.9, "b": 2.5}


def _fixed(value: float, n_draws: int = 50) -> PopulationDraws:
    rng = np.random.default_rng(0)
    # Varied draws, so a mix-up of draw rows would show.
    bg = {k: v * rng.uniform(0.8, 1.2, n_draws) for k, v in BG.items()}
    return PopulationDraws(**bg, p=None, q=None, v=None, fixed_value=value)


def _histories(n: int = 300):
    rng = np.random.default_rng(1)
    T = rng.uniform(10, 50, n)
    x = rng.poisson(3, n).astype(float)
    t_x = np.where(x > 0, rng.uniform(0, 1, n) * T, 0.0)
    return x, t_x, T, x.copy(), np.zeros(n)


def test_undiscounted_value_is_value_times_purchases():
    draws = _fixed(7.5)
    x, t_x, T, gg_n, gg_mean = _histories()
    sim = simulate_customers(
        draws,
        x,
        t_x,
        T,
        gg_n,
        gg_mean,
        horizons=(13.0,),
        cltv_horizon=13.0,
        rng=np.random.default_rng(2),
        margin=0.4,
    )
    assert sim.purchases[0].sum() > 0
    np.testing.assert_allclose(sim.value, 0.4 * 7.5 * sim.purchases[0])


def test_discounted_value_lies_between_the_discount_bounds():
    draws = _fixed(2.0)
    x, t_x, T, gg_n, gg_mean = _histories()
    d, h = 0.01, 26.0
    sim = simulate_customers(
        draws,
        x,
        t_x,
        T,
        gg_n,
        gg_mean,
        horizons=(h,),
        cltv_horizon=h,
        rng=np.random.default_rng(3),
        discount_rate_per_time_unit=d,
    )
    undiscounted = 2.0 * sim.purchases[0]
    assert np.all(sim.value <= undiscounted + 1e-12)
    assert np.all(sim.value >= undiscounted * (1 + d) ** (-h) - 1e-12)
    assert np.any(sim.value < undiscounted)  # the discount does bite


def test_expected_spend_is_the_fixed_value():
    draws = _fixed(4.0)
    spend = expected_spend(draws, np.array([0.0, 5.0]), np.array([0.0, 100.0]))
    assert spend.shape == (draws.n_draws, 2)
    assert np.all(spend == 4.0)


def test_take_keeps_the_fixed_value_and_the_pairing():
    draws = _fixed(3.0)
    taken = draws.take(np.array([4, 1]))
    assert taken.fixed_value == 3.0 and taken.p is None
    np.testing.assert_array_equal(taken.r, draws.r[[4, 1]])


def test_fixed_value_and_spend_parameters_exclude_each_other():
    with pytest.raises(ValueError, match="p, q and v are required"):
        PopulationDraws(**{k: np.ones(3) for k in BG}, p=None, q=None, v=None)
    with pytest.raises(ValueError, match="replaces p, q and v"):
        PopulationDraws(
            **{k: np.ones(3) for k in BG},
            p=np.ones(3),
            q=np.ones(3),
            v=np.ones(3),
            fixed_value=1.0,
        )
