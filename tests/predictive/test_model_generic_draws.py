"""Prediction with each purchase model: draw means equal the model's closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from flo_bayes.models.registry import purchase_model
from flo_bayes.predictive import (
    PopulationDraws,
    expected_cltv,
    expected_purchases,
    probability_alive,
    simulate_customers,
)
from flo_bayes.predictive.aggregate_shock import _expected_block_counts

THETA = {
    "bgnbd": {"r": 0.6, "alpha": 4.0, "a": 0.8, "b": 2.5},
    "mbgnbd": {"r": 0.6, "alpha": 4.0, "a": 0.8, "b": 2.5},
    "pnbd": {"r": 0.6, "alpha": 4.0, "s": 0.7, "beta": 12.0},
}
SPEND = {"p": 6.0, "q": 4.0, "v": 15.0}
N_DRAWS = 20_000
Z_MAX = 4.5


def _customers():
    x = np.array([0.0, 0.0, 1.0, 3.0, 7.0, 2.0])
    t_x = np.array([0.0, 0.0, 5.0, 20.0, 30.0, 2.0])
    T = np.array([10.0, 39.0, 30.0, 35.0, 31.0, 38.0])
    gg_n = np.array([0.0, 0.0, 2.0, 4.0, 8.0, 3.0])
    gg_mean = np.array([0.0, 0.0, 20.0, 35.0, 12.0, 50.0])
    return x, t_x, T, gg_n, gg_mean


def _z(draws: np.ndarray, target: np.ndarray) -> np.ndarray:
    se = draws.std(axis=0, ddof=1) / np.sqrt(draws.shape[0])
    return (draws.mean(axis=0) - target) / np.where(se > 0, se, 1.0)


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "pnbd"])
def test_draws_match_the_models_closed_forms(name):
    draws = PopulationDraws.constant(n_draws=N_DRAWS, model=name, **THETA[name], **SPEND)
    assert draws.model is purchase_model(name)
    x, t_x, T, gg_n, gg_mean = _customers()
    rng = np.random.default_rng(7)
    sim = simulate_customers(
        draws,
        x,
        t_x,
        T,
        gg_n,
        gg_mean,
        horizons=[13.0, 26.0],
        cltv_horizon=26.0,
        rng=rng,
        discount_rate_per_time_unit=0.01,  # exercises the purchase-time windows
    )
    alive = probability_alive(draws, x, t_x, T)[0]
    assert np.all(np.abs(_z(sim.alive.astype(float), alive)) < Z_MAX)
    for k, h in enumerate((13.0, 26.0)):
        target = expected_purchases(draws, x, t_x, T, h)[0]
        assert np.all(np.abs(_z(sim.purchases[k].astype(float), target)) < Z_MAX)
    cltv = expected_cltv(
        draws, x, t_x, T, gg_n, gg_mean, horizon=26.0, discount_rate_per_time_unit=0.01
    )[0]
    assert np.all(np.abs(_z(sim.value, cltv)) < Z_MAX)
    assert np.all(sim.purchases[0] <= sim.purchases[1])


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "pnbd"])
def test_simulated_purchase_times_match_expected_repeats(name):
    # block totals of new customers simulated by the model average to its E[X(t)] closed form
    model = purchase_model(name)
    first_age = np.repeat(np.array([60, 150, 273]), 400)  # days since first purchase
    expected = _expected_block_counts(first_age, THETA[name], 7.0, 28, 4, model)
    rng = np.random.default_rng(3)
    window = (first_age + 1).astype(np.float64)
    totals = []
    for _ in range(300):
        owner, tau = model.simulate_purchase_times(THETA[name], window, rng, 7.0)
        made = tau >= 1.0
        reach = first_age[owner[made]] + 1 - tau[made]
        block = np.ceil(reach / 28).astype(np.int64) - 1
        totals.append(np.bincount(block[block < 4], minlength=4))
    totals = np.array(totals, dtype=float)
    assert np.all(np.abs(_z(totals, expected)) < Z_MAX)


def test_population_draws_name_the_models_parameters():
    with pytest.raises(ValueError, match="Pareto/NBD draws need parameters"):
        PopulationDraws.constant(n_draws=2, model="pnbd", **THETA["bgnbd"], **SPEND)
    draws = PopulationDraws.constant(n_draws=3, model="pnbd", **THETA["pnbd"], **SPEND)
    assert draws.beta.tolist() == [12.0] * 3
    assert draws.take(np.array([0, 2])).model.name == "pnbd"
    assert draws.with_rate_multiplier(np.full(3, 2.0)).has_shock
