"""The grouped likelihoods equal pymc-marketing's own log-densities to 1e-8."""

import numpy as np
import pandas as pd
import pytest
from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

from flo_bayes.config import BetaGeoPriors, GammaGammaPriors
from flo_bayes.models.fast_bgnbd import FastBetaGeoModel
from flo_bayes.models.fast_gamma_gamma import FastGammaGammaModel
from flo_bayes.models.priors import bgnbd_priors, gamma_gamma_priors


def _bgnbd_data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    T = rng.integers(1, 200, n) / 7.0 * 7  # whole weeks: many repeated values
    x = rng.poisson(2.0, n).astype(float)
    t_x = np.where(x > 0, np.floor(rng.uniform(0, 1, n) * T), 0.0)
    x[:5] = [1, 1, 3, 0, 7]
    t_x[:5] = [0.0, T[1], 2.0, 0.0, T[4]]  # edge cases: t_x = 0 with x > 0, t_x = T
    return pd.DataFrame({"customer_id": np.arange(n), "frequency": x, "recency": t_x, "T": T})


def _compare(library, fast, n_points=5, seed=1, rtol=1e-8):
    f_lib, f_fast = library.model.compile_logp(), fast.model.compile_logp()
    g_lib, g_fast = library.model.compile_dlogp(), fast.model.compile_dlogp()
    rng = np.random.default_rng(seed)
    start = library.model.initial_point()
    assert start.keys() == fast.model.initial_point().keys()
    for _ in range(n_points):
        point = {k: v + rng.normal(0, 0.7) for k, v in start.items()}
        a, b = f_lib(point), f_fast(point)
        assert abs(a - b) <= rtol * abs(a), (a, b)
        np.testing.assert_allclose(g_fast(point), g_lib(point), rtol=rtol)


@pytest.mark.fit  # builds and evaluates the library models' graphs
def test_grouped_bgnbd_equals_library():
    data = _bgnbd_data()
    priors = bgnbd_priors(BetaGeoPriors(), "weeks")
    library = BetaGeoModel(model_config={k: p.to_pymc() for k, p in priors.items()})
    fast = FastBetaGeoModel(model_config={k: p.to_pymc() for k, p in priors.items()})
    library.build_model(data)
    fast.build_model(data)
    _compare(library, fast)
    assert fast.id == library.id  # same model identity: BetaGeoModel.load opens its files


@pytest.mark.fit
def test_grouped_gamma_gamma_equals_library():
    rng = np.random.default_rng(3)
    n = 2000
    data = pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "frequency": rng.integers(1, 12, n).astype(float),
            "monetary_value": rng.gamma(3.0, 40.0, n),
        }
    )
    priors = gamma_gamma_priors(GammaGammaPriors(), data["monetary_value"].to_numpy())
    library = GammaGammaModel(model_config={k: p.to_pymc() for k, p in priors.items()})
    fast = FastGammaGammaModel(model_config={k: p.to_pymc() for k, p in priors.items()})
    library.build_model(data)
    fast.build_model(data)
    _compare(library, fast)


def test_fast_bgnbd_rejects_covariates():
    priors = bgnbd_priors(BetaGeoPriors(), "weeks")
    config = {k: p.to_pymc() for k, p in priors.items()} | {"purchase_covariate_cols": ["z"]}
    with pytest.raises(ValueError, match="covariates"):
        FastBetaGeoModel(model_config=config).build_model(_bgnbd_data().assign(z=1.0))


@pytest.mark.parametrize("name", ["mbgnbd", "pnbd"])
def test_grouped_purchase_models_equal_library(name):
    from flo_bayes.config import PriorSettings
    from flo_bayes.models.priors import purchase_priors
    from flo_bayes.models.registry import purchase_model

    model = purchase_model(name)
    data = _bgnbd_data(n=1500)
    priors = purchase_priors(name, PriorSettings(), "weeks")
    config = {k: p.to_pymc() for k, p in priors.items()}
    library = model.model_class(grouped=False)(model_config=dict(config))
    fast = model.model_class(grouped=True)(model_config=dict(config))
    library.build_model(data)
    fast.build_model(data)
    # the Pareto/NBD's grouped likelihood is a 32-node quadrature of the 2F1 form (error
    # ~1e-5 per customer, see pareto_nbd_loglike_quadrature); the MBG/NBD's is exact
    _compare(library, fast, rtol=1e-5 if name == "pnbd" else 1e-8)
    assert fast.id == library.id


def test_pareto_nbd_quadrature_equals_the_hypergeometric_form():
    from flo_bayes.models.pnbd import pareto_nbd_loglike, pareto_nbd_loglike_quadrature

    data = _bgnbd_data(n=1500)
    x, t_x, T = (data[c].to_numpy() for c in ("frequency", "recency", "T"))
    rng = np.random.default_rng(8)
    for _ in range(4):
        r, alpha, s, beta = np.exp(rng.normal(0, 0.8, 4)) * np.array([0.5, 10.0, 0.6, 12.0])
        exact = pareto_nbd_loglike(r, alpha, s, beta, x, t_x, T)
        quad = pareto_nbd_loglike_quadrature(r, alpha, s, beta, x, t_x, T)
        assert np.max(np.abs(quad - exact)) < 1e-3
        assert abs(quad.sum() - exact.sum()) < 1e-6 * abs(exact.sum())


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "pnbd"])
def test_numpy_log_likelihood_equals_library_logp(name):
    """The per-customer NumPy log-likelihood (used by PSIS-LOO) equals the library's logp."""
    import pymc as pm
    from pymc_marketing.clv import distributions

    from flo_bayes.models.protocol import ParameterDraws
    from flo_bayes.models.registry import purchase_model

    dist_class = {
        "bgnbd": distributions.BetaGeoNBD,
        "mbgnbd": distributions.ModifiedBetaGeoNBD,
        "pnbd": distributions.ParetoNBD,
    }[name]
    model = purchase_model(name)
    data = _bgnbd_data(n=400)
    x, t_x, T = (data[c].to_numpy() for c in ("frequency", "recency", "T"))
    rng = np.random.default_rng(4)
    for _ in range(3):
        point = {n: float(np.exp(rng.normal(0, 0.7))) for n in model.parameters}
        dist = dist_class.dist(**point, T=T)
        expected = pm.logp(dist, np.stack([t_x, x], axis=1)).eval()
        ours = model.log_likelihood(ParameterDraws.constant(point), x, t_x, T)[0]
        np.testing.assert_allclose(ours, expected, rtol=1e-9)
