"""PSIS-LOO comparison of purchase models: pointwise per customer, and the pick rule."""

import numpy as np
import pytest
import xarray as xr
from scipy.special import logsumexp

from flo_bayes.models.comparison import PICK_RULE, FittedPurchase, compare_purchase_models
from flo_bayes.models.protocol import ParameterDraws
from flo_bayes.models.registry import purchase_model

POINTS = {
    "bgnbd": {"r": 0.6, "alpha": 8.0, "a": 0.8, "b": 2.5},
    "mbgnbd": {"r": 0.6, "alpha": 8.0, "a": 0.8, "b": 2.5},
    "pnbd": {"r": 0.6, "alpha": 8.0, "s": 0.7, "beta": 12.0},
}


def _posterior(name, rng, n_chain=2, n_draw=300):
    return xr.Dataset(
        {
            k: (("chain", "draw"), v * np.exp(rng.normal(0, 0.03, (n_chain, n_draw))))
            for k, v in POINTS[name].items()
        }
    )


@pytest.fixture(scope="module")
def comparison():
    rng = np.random.default_rng(3)
    T = rng.uniform(20, 60, 1500)
    x, t_x = purchase_model("pnbd").simulate(POINTS["pnbd"], T, rng)
    fits = [FittedPurchase(purchase_model(n), _posterior(n, rng)) for n in POINTS]
    return compare_purchase_models(fits, x, t_x, T), fits, (x, t_x, T)


def test_elpd_equals_importance_sampling_loo_per_customer(comparison):
    result, fits, (x, t_x, T) = comparison
    for fit in fits:
        theta = ParameterDraws.from_posterior(fit.posterior, fit.model.parameters)
        ll = fit.model.log_likelihood(theta, x, t_x, T)  # (draw, customer)
        # plain importance-sampling LOO: -log mean_s exp(-ll_si); PSIS smooths its weights only
        is_loo = -(logsumexp(-ll, axis=0) - np.log(ll.shape[0]))
        np.testing.assert_allclose(result.pointwise[fit.model.name], is_loo, atol=1e-3)
        row = result.table.filter(model=fit.model.name).row(0, named=True)
        assert row["elpd_loo"] == pytest.approx(is_loo.sum(), abs=0.05)
        assert row["pareto_k_good"] + row["pareto_k_bad"] + row["pareto_k_very_bad"] == x.size


def test_pick_follows_the_stated_rule(comparison):
    result, _, _ = comparison
    table = result.table
    assert result.rule == PICK_RULE
    assert table["elpd_loo"].is_sorted(descending=True)
    best = table.row(0, named=True)
    assert best["elpd_diff"] == 0.0
    complexity = {"bgnbd": 1, "mbgnbd": 2, "pnbd": 3}
    within = [r["model"] for r in table.iter_rows(named=True) if r["within_rule"]]
    assert result.picked == min(within, key=complexity.get)
    assert table.filter(picked=True)["model"].to_list() == [result.picked]
    for r in table.iter_rows(named=True):
        assert r["within_rule"] == (r["elpd_diff"] < max(4.0, 2.0 * r["diff_se"]))


def test_truth_wins_against_a_misspecified_model(comparison):
    """Data from the Pareto/NBD at these parameters: its elpd beats the BG/NBD's at its point."""
    result, _, _ = comparison
    elpd = dict(zip(result.table["model"], result.table["elpd_loo"], strict=True))
    assert elpd["pnbd"] > elpd["bgnbd"]


def test_comparison_rejects_duplicates():
    rng = np.random.default_rng(0)
    fit = FittedPurchase(purchase_model("bgnbd"), _posterior("bgnbd", rng))
    with pytest.raises(ValueError, match="once"):
        compare_purchase_models([fit, fit], [0.0], [0.0], [10.0])
