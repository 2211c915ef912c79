"""Interval rule (inverted-CDF bands, randomised PIT) and PopulationDraws construction."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from flo_bayes.predictive import (
    PopulationDraws,
    equal_tailed_quantiles,
    interval_coverage,
    randomized_pit,
    thin_indices,
)
from flo_bayes.predictive.columns import threshold_label
from flo_bayes.predictive.intervals import quantile_label


def test_randomized_pit_is_uniform_for_discrete_outcomes():
    """Correct predictive distribution of a very discrete count: coverage = level."""
    rng = np.random.default_rng(0)
    n_customers, n_draws = 4000, 2000
    means = rng.uniform(0.05, 2.0, n_customers)  # mostly 0 / 1 / 2
    draws = rng.poisson(means, size=(n_draws, n_customers))
    actual = rng.poisson(means)
    pit = randomized_pit(draws, actual, np.random.default_rng(1))
    assert np.all((pit >= 0) & (pit <= 1))
    cov = interval_coverage(pit, (0.5, 0.8, 0.9))
    for level, share in cov.items():
        assert abs(share - level) < 0.025, cov
    # a naive "y inside the integer band" rule over-covers here
    bands = equal_tailed_quantiles(draws, (0.5,))
    lo, hi = bands[0.5]
    assert np.mean((actual >= lo) & (actual <= hi)) > 0.6


def test_pit_of_continuous_outcome_is_plain_cdf():
    draws = np.arange(1, 101, dtype=float)[:, None] * np.ones((1, 3))
    pit = randomized_pit(draws, np.array([0.5, 50.5, 200.0]), np.random.default_rng(0))
    np.testing.assert_allclose(pit, [0.0, 0.5, 1.0])


def test_inverted_cdf_bands_are_draw_values():
    draws = np.repeat(np.arange(10)[:, None], 2, axis=1)  # values 0..9, S = 10
    (lo, hi) = equal_tailed_quantiles(draws, (0.8,))[0.8]
    np.testing.assert_array_equal(lo, [0, 0])  # smallest v with F(v) >= 0.1
    np.testing.assert_array_equal(hi, [8, 8])  # smallest v with F(v) >= 0.9


def test_labels():
    assert [quantile_label(q) for q in (0.05, 0.25, 0.5, 0.975, 0.005)] == [
        "q05",
        "q25",
        "q50",
        "q97_5",
        "q0_5",
    ]
    assert [threshold_label(t) for t in (100.0, 250.5, 1e6)] == ["100", "250_5", "1000000"]


def _posterior(names, n_chain, n_draw, offset=0.0):
    values = np.arange(n_chain * n_draw, dtype=float).reshape(n_chain, n_draw) + 1 + offset
    return xr.Dataset(
        {name: (("chain", "draw"), values * (k + 1)) for k, name in enumerate(names)},
        coords={"chain": np.arange(n_chain), "draw": np.arange(n_draw)},
    )


def test_population_draws_from_posteriors():
    bg = _posterior(["r", "alpha", "a", "b"], 2, 5)
    gg = _posterior(["p", "q", "v"], 2, 5, offset=100)
    draws = PopulationDraws.from_posteriors(bg, gg)
    assert draws.n_draws == 10
    np.testing.assert_array_equal(draws.r, np.arange(1, 11))  # chain-major flattening
    np.testing.assert_array_equal(draws.alpha, 2 * np.arange(1, 11))
    np.testing.assert_array_equal(draws.p, np.arange(101, 111))
    thinned = PopulationDraws.from_posteriors(bg, gg, max_draws=4)
    np.testing.assert_array_equal(thinned.r, 1 + thin_indices(10, 4))
    np.testing.assert_array_equal(thin_indices(10, 4), [0, 2, 5, 7])
    # unequal sizes: both thinned to the smaller, evenly
    short_gg = _posterior(["p", "q", "v"], 1, 4, offset=100)
    mixed = PopulationDraws.from_posteriors(bg, short_gg)
    assert mixed.n_draws == 4
    np.testing.assert_array_equal(mixed.r, 1 + thin_indices(10, 4))


def test_population_draws_rejects_covariate_dims_and_bad_values():
    bg = _posterior(["r", "alpha", "a", "b"], 1, 3)
    bg["alpha"] = bg["alpha"].expand_dims(customer_id=[0, 1])
    with pytest.raises(ValueError, match="covariates"):
        PopulationDraws.from_posteriors(bg, _posterior(["p", "q", "v"], 1, 3))
    with pytest.raises(ValueError, match="positive"):
        PopulationDraws.constant(r=-1, alpha=1, a=1, b=1, p=1, q=2, v=1, n_draws=2)
    with pytest.raises(KeyError, match="no variable"):
        PopulationDraws.from_posteriors(_posterior(["r", "alpha", "a", "b"], 1, 3), bg)
