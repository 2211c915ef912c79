"""The compiled predictive kernel: same law as the NumPy path and the closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from flo_bayes.predictive import PopulationDraws, expected_cltv, expected_purchases
from flo_bayes.predictive.draws import simulate_customers
from flo_bayes.predictive.intervals import QUANTILE_METHOD
from flo_bayes.predictive.kernel_numba import (
    CustomerStats,
    DrawParameters,
    simulate_draws,
    summarise_draws,
)

from .conftest import TRUTH, simulate_customers_truth

pytestmark = pytest.mark.fit  # numba compilation and sampling; not in the fast unit tier

Z_MAX = 4.5  # 60 customers x a few quantities
HORIZONS = (13.0, 26.0)
S = 4000


@pytest.fixture(scope="module")
def case():
    """60 simulated customers and S population draws around the truth (10 % spread)."""
    sim = simulate_customers_truth(
        60, TRUTH, horizons=HORIZONS, cltv_horizon=26.0, discount_rate=0.0, margin=1.0, seed=3
    )
    rng = np.random.default_rng(11)
    params = {k: v * np.exp(0.1 * rng.standard_normal(S)) for k, v in TRUTH.items()}
    frame = sim.frame
    cols = {c: frame[c].cast(float).to_numpy() for c in ("x", "t_x", "T", "gg_n", "gg_mean")}
    cols["gg_mean"] = np.where(cols["gg_n"] > 0, cols["gg_mean"], np.nan)
    stats = CustomerStats.from_arrays(
        cols["x"], cols["t_x"], cols["T"], cols["gg_n"], np.nan_to_num(cols["gg_mean"])
    )
    return PopulationDraws(**params), DrawParameters.from_arrays(**params), cols, stats


def _z(draws: np.ndarray, target: np.ndarray, per_event: np.ndarray | float = 1.0) -> np.ndarray:
    """Per-customer z-score of the draws' mean against ``target`` (variance floored, see
    tests/predictive/test_predictive_draws.py: ``Var X >= c mu - mu^2``)."""
    floor = np.clip(per_event * target - target**2, 0.0, None)
    se = np.sqrt(np.maximum(draws.var(axis=0, ddof=1), floor) / draws.shape[0])
    return (draws.mean(axis=0) - target) / np.where(se > 0, se, 1.0)


def test_kernel_counts_match_closed_form_and_numpy_path(case):
    population, params, c, stats = case
    counts, _ = simulate_draws(params, stats, horizons=HORIZONS, cltv_horizon=26.0, seed=5)
    reference = simulate_customers(
        population, c["x"], c["t_x"], c["T"], c["gg_n"], c["gg_mean"],
        horizons=HORIZONS, cltv_horizon=26.0, rng=np.random.default_rng(5),
    )  # fmt: skip
    assert counts.shape == (2, S, 60)
    assert np.all(counts[0] <= counts[1])  # nested horizons from one path
    for k, h in enumerate(HORIZONS):
        closed = expected_purchases(population, c["x"], c["t_x"], c["T"], h).mean(axis=0)
        assert np.max(np.abs(_z(counts[k].astype(float), closed))) < Z_MAX
        # two-sample check against the NumPy path, customer by customer
        a, b = counts[k].astype(float), reference.purchases[k].astype(float)
        se = np.sqrt((a.var(axis=0, ddof=1) + b.var(axis=0, ddof=1)) / S)
        z = (a.mean(axis=0) - b.mean(axis=0)) / np.where(se > 0, se, 1.0)
        assert np.max(np.abs(z)) < Z_MAX
        # and the spread agrees too (variance ratio near 1 where there is spread)
        spread = b.var(axis=0) > 0.05
        ratio = a.var(axis=0)[spread] / b.var(axis=0)[spread]
        assert 0.85 < np.median(ratio) < 1.15


@pytest.mark.parametrize("discount", [0.0, 0.01])
def test_kernel_values_match_expected_cltv(case, discount):
    population, params, c, stats = case
    kwargs = {"discount_rate_per_time_unit": discount, "margin": 0.4}
    _, values = simulate_draws(params, stats, horizons=(13.0,), cltv_horizon=30.0, seed=8, **kwargs)
    closed = expected_cltv(
        population, c["x"], c["t_x"], c["T"], c["gg_n"], c["gg_mean"], horizon=30.0, **kwargs
    ).mean(axis=0)
    spend = closed / np.maximum(
        expected_purchases(population, c["x"], c["t_x"], c["T"], 30.0).mean(axis=0), 1e-12
    )
    lowest = 1.01**-30.0 if discount else 1.0
    assert np.max(np.abs(_z(values, closed, per_event=lowest * spend))) < Z_MAX


def test_summaries_are_those_of_the_raw_draws_for_any_chunking(case):
    _, params, _, stats = case
    probs = [0.5, 0.05, 0.95, 0.1, 0.9]
    thresholds = [5.0, 50.0]
    keep = np.array([0, 7, S - 1])
    kw = dict(horizons=HORIZONS, cltv_horizon=26.0, seed=21, margin=0.7)
    counts, values = simulate_draws(params, stats, **kw)
    one = summarise_draws(params, stats, probs=probs, thresholds=thresholds, keep=keep, **kw)
    other = summarise_draws(
        params, stats, probs=probs, thresholds=thresholds, keep=keep, n_workers=2,
        chunk_size=1, **kw,
    )  # fmt: skip
    for k in range(2):
        np.testing.assert_allclose(one.count_mean[:, k], counts[k].mean(axis=0))
        np.testing.assert_allclose(one.p_any[:, k], (counts[k] > 0).mean(axis=0))
        q = np.quantile(counts[k], probs, axis=0, method=QUANTILE_METHOD)
        np.testing.assert_array_equal(one.count_quantiles[:, k, :], q.T)
    np.testing.assert_allclose(one.value_mean, values.mean(axis=0))
    q = np.quantile(values, probs, axis=0, method=QUANTILE_METHOD)
    np.testing.assert_array_equal(one.value_quantiles, q.T)
    for j, threshold in enumerate(thresholds):
        np.testing.assert_allclose(one.p_value_above[:, j], (values > threshold).mean(axis=0))
    np.testing.assert_array_equal(one.kept, values[keep].T)
    np.testing.assert_array_equal(one.count_totals, counts.sum(axis=2))
    np.testing.assert_allclose(one.value_totals, values.sum(axis=1), rtol=1e-12)
    for name in ("count_mean", "count_quantiles", "value_quantiles", "kept", "count_totals"):
        np.testing.assert_array_equal(getattr(one, name), getattr(other, name))


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="shape"):
        DrawParameters.from_arrays(*[np.ones(3)] * 6, np.ones(4))
    with pytest.raises(ValueError, match="t_x <= T"):
        CustomerStats.from_arrays([1.0], [5.0], [4.0], [1.0], [2.0])
