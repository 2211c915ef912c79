"""PSIS-LOO on an extract: the pointwise log-likelihood is conditional on the selection rule."""

import numpy as np
import pytest
import xarray as xr
from scipy.special import logsumexp

from flo_bayes.models.comparison import (
    FittedPurchase,
    compare_purchase_models,
    selection_log_probability,
)
from flo_bayes.models.protocol import ParameterDraws
from flo_bayes.models.registry import purchase_model
from flo_bayes.models.selection import WindowSelection, bgnbd_selection_probability_reference

POINT = {"r": 0.9, "alpha": 6.0, "a": 0.7, "b": 3.0}
WINDOW = 26.0


def _draws(n=4, seed=0):
    rng = np.random.default_rng(seed)
    return ParameterDraws({k: v * np.exp(rng.normal(0, 0.1, n)) for k, v in POINT.items()})


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd"])
def test_selection_term_matches_the_scipy_reference_per_customer(name):
    theta = _draws()
    # repeated T, T inside the window (t0 = 0) and well before it
    T = np.array([40.0, 10.0, 80.0, 40.0, 26.5, 120.0])
    logp = selection_log_probability(purchase_model(name), theta, T, WindowSelection(WINDOW, 2))
    assert logp.shape == (theta.n_draws, T.size)
    for s in range(theta.n_draws):
        params = {k: float(v[s]) for k, v in theta.values.items()}
        for i, age in enumerate(T):
            t0 = max(0.0, age - WINDOW)
            ref = bgnbd_selection_probability_reference(
                params["r"], params["alpha"], params["a"], params["b"], t0, age - t0, model=name
            )
            assert logp[s, i] == pytest.approx(np.log(ref), rel=1e-8)


def test_customers_kept_for_sure_contribute_nothing():
    # min one occasion: a first purchase inside the window keeps the customer
    T = np.array([10.0, 40.0, 20.0])
    logp = selection_log_probability(
        purchase_model("bgnbd"), _draws(), T, WindowSelection(WINDOW, 1)
    )
    assert np.all(logp[:, [0, 2]] == 0.0)
    assert np.all(logp[:, 1] < 0.0)


def test_pareto_nbd_has_no_selection_term():
    with pytest.raises(ValueError, match="no selection-aware likelihood for Pareto/NBD"):
        selection_log_probability(purchase_model("pnbd"), _draws(), [30.0], WindowSelection(WINDOW))


def test_loo_uses_the_conditional_likelihood():
    rng = np.random.default_rng(4)
    T = rng.uniform(5, 60, 600)
    model = purchase_model("bgnbd")
    x, t_x = model.simulate(POINT, T, rng)
    rule = WindowSelection(WINDOW, 2)
    kept = ~rule.violations(x, t_x, T)
    x, t_x, T = x[kept], t_x[kept], T[kept]
    posterior = xr.Dataset(
        {
            k: (("chain", "draw"), v * np.exp(rng.normal(0, 0.03, (2, 150))))
            for k, v in POINT.items()
        }
    )
    conditional = compare_purchase_models(
        [FittedPurchase(model, posterior, rule)], x, t_x, T, excluded={"pnbd": "left out"}
    )
    plain = compare_purchase_models([FittedPurchase(model, posterior)], x, t_x, T)
    theta = ParameterDraws.from_posterior(posterior, model.parameters)
    ll = model.log_likelihood(theta, x, t_x, T) - selection_log_probability(model, theta, T, rule)
    is_loo = -(logsumexp(-ll, axis=0) - np.log(ll.shape[0]))
    np.testing.assert_allclose(conditional.pointwise["bgnbd"], is_loo, atol=1e-3)
    # conditioning on being kept raises every customer's predictive density
    assert np.all(conditional.pointwise["bgnbd"] > plain.pointwise["bgnbd"])
    assert conditional.excluded == {"pnbd": "left out"}
