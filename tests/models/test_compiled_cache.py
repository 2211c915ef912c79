"""The numba-cached posteriors equal PyMC's log-density and gradient, and sample well."""

import numpy as np
import pandas as pd
import pytest

from flo_bayes.config import BetaGeoPriors, GammaGammaPriors
from flo_bayes.models.compiled_cache import (
    bgnbd_posterior,
    gamma_gamma_posterior,
    sample_posterior,
)
from flo_bayes.models.fast_bgnbd import FastBetaGeoModel
from flo_bayes.models.fast_gamma_gamma import FastGammaGammaModel
from flo_bayes.models.priors import bgnbd_priors, gamma_gamma_priors

pytestmark = pytest.mark.fit  # numba compilation and sampling; not in the fast unit tier


def _bgnbd_data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    T = rng.integers(1, 200, n).astype(float)
    x = rng.poisson(2.0, n).astype(float)
    t_x = np.where(x > 0, np.floor(rng.uniform(0, 1, n) * T), 0.0)
    x[:5] = [1, 1, 3, 0, 7]
    t_x[:5] = [0.0, T[1], 2.0, 0.0, T[4]]  # edge cases: t_x = 0 with x > 0, t_x = T
    return x, t_x, T


def _check_against_pymc(model, posterior, n_points=6, seed=1):
    """Value and gradient at random points equal PyMC's (log-normal priors, log transform)."""
    logp, dlogp = model.model.compile_logp(), model.model.compile_dlogp()
    names = [v.name for v in model.model.value_vars]  # e.g. alpha_log__
    rng = np.random.default_rng(seed)
    for _ in range(n_points):
        theta = posterior.prior_mu + rng.normal(0, 0.7, posterior.prior_mu.size)
        point = {f"{name}_log__": theta[i] for i, name in enumerate(posterior.names)}
        value, grad = posterior.logp_grad(theta)
        expected = logp(point)
        assert abs(value - expected) <= 1e-8 * abs(expected), (value, expected)
        by_name = dict(zip(names, dlogp(point), strict=True))
        expected_grad = [by_name[f"{name}_log__"] for name in posterior.names]
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-7, atol=1e-8)


def test_bgnbd_posterior_equals_pymc():
    x, t_x, T = _bgnbd_data()
    priors = bgnbd_priors(BetaGeoPriors(), "weeks")
    model = FastBetaGeoModel(model_config={k: p.to_pymc() for k, p in priors.items()})
    model.build_model(
        pd.DataFrame({"customer_id": np.arange(x.size), "frequency": x, "recency": t_x, "T": T})
    )
    _check_against_pymc(model, bgnbd_posterior(x, t_x, T, priors))


def test_gamma_gamma_posterior_equals_pymc():
    rng = np.random.default_rng(2)
    n = rng.integers(1, 30, 2000).astype(float)
    z = rng.gamma(5.0, 8.0, 2000)
    priors = gamma_gamma_priors(GammaGammaPriors(), z)
    model = FastGammaGammaModel(model_config={k: p.to_pymc() for k, p in priors.items()})
    model.build_model(
        pd.DataFrame({"customer_id": np.arange(n.size), "frequency": n, "monetary_value": z})
    )
    _check_against_pymc(model, gamma_gamma_posterior(n, z, priors))


def test_sampling_recovers_simulated_gamma_gamma_parameters():
    """Customers simulated from known (p, q, v): the posterior covers them, no divergences."""
    rng = np.random.default_rng(4)
    truth = {"p": 6.0, "q": 4.0, "v": 15.0}
    n = rng.integers(1, 12, 3000).astype(float)
    nu = rng.gamma(truth["q"], 1.0 / truth["v"], n.size)
    z = rng.gamma(truth["p"] * n, 1.0 / nu) / n  # mean of n Gamma(p, nu) purchases
    posterior = gamma_gamma_posterior(n, z, gamma_gamma_priors(GammaGammaPriors(), z))
    trace = sample_posterior(posterior, chains=2, draws=300, tune=300, cores=1, seed=9)
    assert int(trace["sample_stats"]["diverging"].sum()) == 0
    for name, value in truth.items():
        draws = trace["posterior"][name].values.ravel()
        assert draws.shape == (600,)
        lo, hi = np.quantile(draws, [0.001, 0.999])
        assert lo < value < hi, (name, lo, hi)
