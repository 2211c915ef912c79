"""The MBG/NBD model (Batislam, Denizel & Filiztekin 2007): the one home of its math.

Like the BG/NBD, but the customer also flips the dropout coin at time 0 (right after the
first purchase), so a customer with ``x = 0`` may already be gone. With
``p ~ Beta(a, b)`` and ``lambda ~ Gamma(r, rate alpha)``:

* Log-likelihood: ``log L = lnG(r+x) - lnG(r) + r log alpha + lnB(a, b+x+1) - lnB(a, b)
  - (r + x) log(alpha + t_x) + log(((alpha + t_x) / (alpha + T))**(r + x) + a / (b + x))``
  (pymc-marketing's ``ModifiedBetaGeoNBD``; the last term is present for every ``x``).
* ``P(alive) = 1 / (1 + a / (b + x) ((alpha + T) / (alpha + t_x))**(r + x))``.
* ``E[N(T, T+t] | alive] = (a + b + x) / (a - 1) (1 - ((alpha + T) / (alpha + T + t))**(r + x)
  2F1(r + x, b + x + 1; a + b + x; t / (alpha + T + t)))``; a new customer's expected
  repeats are ``b / (a - 1) (1 - (alpha / (alpha + t))**r 2F1(r, b + 1; a + b; t / (alpha + t)))``
(the ``x = T = 0`` case times P(alive) ``= b / (a + b)`` after the time-0 coin).

An alive customer has survived ``x + 1`` coin flips, so ``p | alive ~ Beta(a, b + x + 1)``;
predictive draws are otherwise those of the BG/NBD (:class:`flo_bayes.models.bgnbd.BetaGeo`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
from pymc_marketing.clv import ModifiedBetaGeoModel
from scipy.special import expit, gammaln, hyp2f1

from flo_bayes.models.bgnbd import BetaGeo, dropout_cap
from flo_bayes.models.fast_bgnbd import DistinctValues, distinct_values
from flo_bayes.models.protocol import ParameterDraws, as_histories


def mbgnbd_total_loglike(groups: DistinctValues, a, b, r, alpha):
    """Summed MBG/NBD log-likelihood over customers, grouped by distinct values (PyTensor).

    Same decomposition as :func:`flo_bayes.models.fast_bgnbd.bgnbd_total_loglike`: gamma
    terms per distinct ``x``, logarithms per distinct ``t_x`` and ``T``, the ``logaddexp``
    once per distinct ``(x, t_x, T)`` triple, and for ``x = 0`` once per distinct ``T``.
    """
    xv = pt.as_tensor_variable(groups.x_values)
    gamma_terms = (
        pt.gammaln(r + xv)
        - pt.gammaln(r)
        + pt.gammaln(a + b)
        + pt.gammaln(b + xv + 1)
        - pt.gammaln(b)
        - pt.gammaln(a + b + xv + 1)
    )
    total = pt.sum(groups.x_counts * gamma_terms) + groups.n_customers * r * pt.log(alpha)
    log_alpha_t_x = pt.log(alpha + pt.as_tensor_variable(groups.t_x_values))
    total -= pt.sum((r * groups.t_x_counts + groups.t_x_x_sums) * log_alpha_t_x)
    log_alpha_T = pt.log(alpha + pt.as_tensor_variable(groups.T_values))
    # x = 0 (t_x = 0): logaddexp(r (log alpha - log(alpha + T)), log(a / b)) per distinct T.
    total += pt.sum(
        groups.T_zero_counts * pt.logaddexp(r * (pt.log(alpha) - log_alpha_T), pt.log(a / b))
    )
    if groups.triple_counts.size:
        x_triple = xv[groups.triple_x]
        log_c3 = (r + x_triple) * (log_alpha_t_x[groups.triple_t_x] - log_alpha_T[groups.triple_T])
        log_c4 = pt.log(a) - pt.log(b + x_triple)
        total += pt.sum(groups.triple_counts * pt.logaddexp(log_c3, log_c4))
    return total


class FastModifiedBetaGeoModel(ModifiedBetaGeoModel):
    """pymc-marketing's ``ModifiedBetaGeoModel`` with the distinct-value likelihood.

    Same parameters, priors, model type and saved format; no covariates.
    """

    def build_model(self, data: pd.DataFrame) -> None:  # type: ignore[override]
        """Build the model with :func:`mbgnbd_total_loglike` as a potential."""
        if self.covariate_cols:
            raise ValueError("FastModifiedBetaGeoModel does not support covariates")
        self._validate_data(data)
        self.data = data
        groups = distinct_values(
            data["frequency"].to_numpy(), data["recency"].to_numpy(), data["T"].to_numpy()
        )
        coords = {
            "purchase_covariate": [],
            "dropout_covariate": [],
            "customer_id": self.data["customer_id"],
            "obs_var": ["recency", "frequency"],
        }
        with pm.Model(coords=coords) as self.model:
            alpha = self.model_config["alpha"].create_variable("alpha")
            a = self.model_config["a"].create_variable("a")
            b = self.model_config["b"].create_variable("b")
            r = self.model_config["r"].create_variable("r")
            total = mbgnbd_total_loglike(groups, a, b, r, alpha)
            extra = self.extra_log_likelihood(groups, {"a": a, "b": b, "r": r, "alpha": alpha})
            if extra is not None:
                total = total + extra
            pm.Potential("recency_frequency", total)

    def extra_log_likelihood(self, groups: DistinctValues, params: dict):
        """Hook for an additional log-likelihood term (e.g. selection); none by default."""
        return None


class ModifiedBetaGeo(BetaGeo):
    """MBG/NBD: dropout possible at time 0 as well as after each purchase."""

    name = "mbgnbd"
    label = "MBG/NBD"
    parameters = ("r", "alpha", "a", "b")
    complexity = 2
    dropout_at_zero = True

    def model_class(self, grouped: bool) -> type:
        """``FastModifiedBetaGeoModel`` (grouped) or pymc-marketing's ``ModifiedBetaGeoModel``."""
        return FastModifiedBetaGeoModel if grouped else ModifiedBetaGeoModel

    def log_likelihood(self, theta, x, t_x, T):
        """MBG/NBD log-likelihood per draw and customer, ``(S, N)``."""
        x, t_x, T = as_histories(x, t_x, T)
        r, alpha, a, b = self._columns(theta)
        base = (
            gammaln(r + x)
            - gammaln(r)
            + r * np.log(alpha)
            + gammaln(a + b)
            + gammaln(b + x + 1)
            - gammaln(b)
            - gammaln(a + b + x + 1)
            - (r + x) * np.log(alpha + t_x)
        )
        log_c3 = (r + x) * (np.log(alpha + t_x) - np.log(alpha + T))
        return base + np.logaddexp(log_c3, np.log(a) - np.log(b + x))

    def probability_alive(self, theta, x, t_x, T):
        """MBG/NBD P(alive), ``(S, N)`` (below 1 also where ``x == 0``)."""
        x, t_x, T = as_histories(x, t_x, T)
        r, alpha, a, b = self._columns(theta)
        log_div = (r + x) * np.log((alpha + T) / (alpha + t_x)) + np.log(a / (b + x))
        return expit(-log_div)

    def expected_purchases_alive(self, theta, x, T, t):
        """``E[N(T, T+t] | alive]`` of the MBG/NBD, ``(S, N)``."""
        r, alpha, a, b = self._columns(theta)
        x = np.asarray(x, dtype=np.float64)
        T = np.asarray(T, dtype=np.float64)
        if t == 0:
            return np.zeros((theta.n_draws, x.shape[0]))
        at = alpha + T
        c = a + b + x
        return (c / (a - 1)) * (
            1 - (at / (at + t)) ** (r + x) * hyp2f1(r + x, b + x + 1, c, t / (at + t))
        )

    def expected_repeats_new(self, theta: Mapping[str, float], t: np.ndarray) -> np.ndarray:
        """``E[X(t)]`` of a new customer."""
        t = np.asarray(t, dtype=np.float64)
        r, alpha, a, b = (theta[k] for k in ("r", "alpha", "a", "b"))
        return (
            b
            / (a - 1)
            * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + 1, a + b, t / (alpha + t)))
        )

    def _b_posterior(self, theta: ParameterDraws, x: np.ndarray) -> np.ndarray:
        return theta.column("b") + x + 1

    def _dropped_at_zero(self, p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return rng.random(p.shape) < p

    def _new_customer_cap(self, rng, arrivals: np.ndarray, theta: Mapping[str, float]):
        """Dropout at time 0 with ``P = a / (a + b)``; then ``p ~ Beta(a, b + 1)`` after purchases."""
        m = arrivals.shape[0]
        a, b = theta["a"], theta["b"]
        survives = rng.random(m) * (a + b) < b
        cap = dropout_cap(rng, arrivals, np.full(m, a), np.full(m, b + 1.0))
        return np.where(survives, cap, 0)


MBGNBD = ModifiedBetaGeo()
