"""The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): the one home of its math.

A customer buys as a Poisson process of rate ``lambda ~ Gamma(r, rate alpha)`` for an
exponential lifetime of rate ``mu ~ Gamma(s, rate beta)``. Following Fader & Hardie (2005,
"A note on deriving the Pareto/NBD model and related expressions"), with the larger of
``alpha, beta`` written ``m`` and ``d = |alpha - beta|``:

* ``L = Gamma(r + x) alpha^r beta^s / Gamma(r) * [s / (r+s+x) F(t_x) / (m + t_x)^(r+s+x)
  + (r + x) / (r+s+x) F(T) / (m + T)^(r+s+x)]`` with ``F`` the ``2F1`` terms of the note
  (``2F1(r+s+x, s+1 or r+x; r+s+x+1; d / (m + t))``), evaluated in logs exactly as
  pymc-marketing's ``ParetoNBD.logp``;
* ``P(alive) = Gamma(r + x) alpha^r beta^s / (Gamma(r) (alpha+T)^(r+x) (beta+T)^s) / L``;
* ``E[N(T, T+t] | alive] = (r + x)(beta + T) / ((alpha + T)(s - 1)) (1 - ((beta + T) / (beta + T + t))^(s-1))``;
* a new customer: ``E[X(t)] = r beta / (alpha (s - 1)) (1 - (beta / (beta + t))^(s-1))``.

Given alive at ``T``, ``lambda ~ Gamma(r + x, rate alpha + T)`` and ``mu ~ Gamma(s, rate
beta + T)`` independently, and the remaining lifetime is ``Exp(mu)`` (memoryless): the
predictive draws run a Poisson path of rate ``lambda`` until that lifetime ends.

The grouped likelihood used for fitting is a quadrature form of the same likelihood without
``2F1`` (:func:`pareto_nbd_loglike_quadrature`), evaluated once per distinct ``(x, t_x, T)``
triple and weighted by the triple's count.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
from pymc_marketing.clv import ParetoNBDModel
from scipy.special import gammaln, hyp2f1, logsumexp

from flo_bayes.models.protocol import (
    FuturePaths,
    ParameterDraws,
    PurchaseModel,
    as_histories,
)


def distinct_triples(x: np.ndarray, t_x: np.ndarray, T: np.ndarray):
    """Distinct ``(x, t_x, T)`` rows, their counts and the customers' inverse index."""
    rows = np.stack([x, t_x, T], axis=1).astype(np.float64)
    triples, inverse, counts = np.unique(rows, axis=0, return_inverse=True, return_counts=True)
    return triples, counts.astype(np.float64), inverse.reshape(-1)


class _Ops:
    """The few array functions :func:`pareto_nbd_loglike_quadrature` needs, per backend."""

    def __init__(self, module, where, gammaln_, logsumexp0) -> None:
        self.exp, self.log, self.expm1, self.log1p = (
            module.exp,
            module.log,
            module.expm1,
            module.log1p,
        )
        self.abs, self.maximum, self.logaddexp = module.abs, module.maximum, module.logaddexp
        self.where, self.gammaln, self.logsumexp0 = where, gammaln_, logsumexp0


NUMPY_OPS = _Ops(np, np.where, gammaln, lambda a: logsumexp(a, axis=0))
TENSOR_OPS = _Ops(pt, pt.switch, pt.gammaln, lambda a: pt.logsumexp(a, axis=0))
QUADRATURE_NODES = 32


def pareto_nbd_loglike_quadrature(
    r, alpha, s, beta, x, t_x, T, *, xp: _Ops = NUMPY_OPS, n_nodes: int = QUADRATURE_NODES
):
    """Pareto/NBD log-likelihood by a dropout-time integral: no ``2F1``, cheap gradients.

    Conditioning on the dropout time ``tau`` and integrating ``lambda`` out,
    ``L = Gamma(r+x) alpha^r / Gamma(r) [ (alpha+T)^-(r+x) (beta/(beta+T))^s
    + int_{t_x}^T (alpha+tau)^-(r+x) s beta^s (beta+tau)^-(s+1) dtau ]``. With
    ``y = log((alpha+tau)/(alpha+t_x))`` and ``c = r + x - 1`` the integral is
    ``s beta^s (alpha+t_x)^-c int_0^Y e^(-c y) (beta+tau)^-(s+1) dy``; the substitution
    ``v = (1 - e^(-c y)) / (1 - e^(-c Y))`` absorbs the steep ``e^(-c y)`` (exactly), leaving
    the smooth ``(beta+tau(v))^-(s+1)`` on ``[0, 1]`` for ``n_nodes``-point Gauss-Legendre.
    On CDNOW's triples at the published MLE the largest per-customer error against the
    ``2F1`` form (:func:`pareto_nbd_loglike`) is 2.5e-5 with 32 nodes (total -9594.9762 vs
    -9594.9763); the error falls as ``1 / n_nodes**2``. Works on NumPy arrays
    (:data:`NUMPY_OPS`) and PyTensor tensors (:data:`TENSOR_OPS`); ``x, t_x, T`` are arrays.
    """
    nodes, weights = np.polynomial.legendre.leggauss(n_nodes)
    v = (0.5 * (nodes + 1.0))[:, None]
    log_w = np.log(0.5 * weights)[:, None]
    c = r + x - 1.0
    Y = xp.log((alpha + T) / (alpha + t_x))
    has_interval = t_x < T  # data: no integral when the last purchase is at T
    Y_safe = xp.where(has_interval, Y, 1.0)
    a = xp.maximum(xp.abs(c), 1e-12)
    c_safe = xp.where(c < 0, -a, a)
    # log of int_0^Y e^(-c y) dy = (1 - e^(-cY)) / c, stable for either sign of c
    log_f = xp.log(-xp.expm1(-a * Y_safe)) - xp.log(a) + xp.where(c < 0, a * Y_safe, 0.0)
    y = -xp.log1p(v * xp.expm1(-c_safe * Y_safe)) / c_safe
    tau = (alpha + t_x) * xp.exp(y) - alpha
    log_q = xp.logsumexp0(log_w - (s + 1.0) * xp.log(beta + tau))
    # log of (integral term) / (alive-at-T term)
    log_ratio = (
        xp.log(s)
        - c * xp.log(alpha + t_x)
        + (r + x) * xp.log(alpha + T)
        + s * xp.log(beta + T)
        + log_f
        + log_q
    )
    log_ratio = xp.where(has_interval, log_ratio, -np.inf)
    base = (
        xp.gammaln(r + x)
        - xp.gammaln(r)
        + r * xp.log(alpha)
        - (r + x) * xp.log(alpha + T)
        + s * (xp.log(beta) - xp.log(beta + T))
    )
    return base + xp.logaddexp(0.0, log_ratio)


class FastParetoNBDModel(ParetoNBDModel):
    """pymc-marketing's ``ParetoNBDModel`` with a grouped, hypergeometric-free likelihood.

    Same parameters, priors, model type and saved format; no covariates. The likelihood is
    evaluated once per distinct ``(x, t_x, T)`` triple, weighted by its count, with the
    quadrature form :func:`pareto_nbd_loglike_quadrature`: the library's ``ParetoNBD.logp``
    differentiates ``2F1`` through a per-element series (``Grad2F1Loop``) that made one
    gradient cost seconds on CDNOW's 1,016 triples and the NUTS fit take half an hour.
    """

    def build_model(self, data: pd.DataFrame) -> None:  # type: ignore[override]
        """Build the model: quadrature log-likelihood per distinct triple, count-weighted."""
        if self.covariate_cols:
            raise ValueError("FastParetoNBDModel does not support covariates")
        self._validate_data(data)
        self.data = data
        triples, counts, _ = distinct_triples(
            data["frequency"].to_numpy(), data["recency"].to_numpy(), data["T"].to_numpy()
        )
        coords = {
            "purchase_covariate": [],
            "dropout_covariate": [],
            "obs_var": ["recency", "frequency"],
            "customer_id": self.data["customer_id"],
        }
        with pm.Model(coords=coords) as self.model:
            alpha = self.model_config["alpha"].create_variable("alpha")
            beta = self.model_config["beta"].create_variable("beta")
            r = self.model_config["r"].create_variable("r")
            s = self.model_config["s"].create_variable("s")
            logp = pareto_nbd_loglike_quadrature(
                r, alpha, s, beta, triples[:, 0], triples[:, 1], triples[:, 2], xp=TENSOR_OPS
            )
            total = (counts * logp).sum()
            extra = self.extra_log_likelihood(
                triples, counts, {"r": r, "alpha": alpha, "s": s, "beta": beta}
            )
            if extra is not None:
                total = total + extra
            pm.Potential("recency_frequency", total)

    def extra_log_likelihood(self, triples: np.ndarray, counts: np.ndarray, params: dict):
        """Hook for an additional log-likelihood term (e.g. selection); none by default."""
        return None


def pareto_nbd_loglike(r, alpha, s, beta, x, t_x, T) -> np.ndarray:
    """Pareto/NBD log-likelihood, broadcast over arguments (pymc-marketing's formula in NumPy)."""
    rsx = r + s + x
    rx = r + x
    cond = alpha >= beta
    larger = np.where(cond, alpha, beta)
    smaller = np.where(cond, beta, alpha)
    diff = larger - smaller
    second_t1 = np.where(cond, s + 1, rx)
    second_t2 = np.where(cond, s, rx + 1)
    refactored = rsx * np.log(larger + t_x)
    hyp_t1 = np.log(hyp2f1(rsx, second_t1, rsx + 1, diff / (larger + t_x)))
    hyp_t2 = (
        np.log(hyp2f1(rsx, second_t2, rsx + 1, diff / (larger + T)))
        - rsx * np.log(larger + T)
        + refactored
    )
    a1 = gammaln(rx) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) - refactored
    a2 = np.log(s) - np.log(rsx) + hyp_t1
    a3 = np.log(rx) - np.log(rsx) + hyp_t2
    return a1 + np.logaddexp(a2, a3)


class ParetoNBDPurchaseModel(PurchaseModel):
    """Pareto/NBD: exponential lifetimes, dropout at any time."""

    name = "pnbd"
    label = "Pareto/NBD"
    parameters = ("r", "alpha", "s", "beta")
    complexity = 3
    dropout_at_zero = True

    def model_class(self, grouped: bool) -> type:
        """``FastParetoNBDModel`` (grouped) or pymc-marketing's ``ParetoNBDModel``."""
        return FastParetoNBDModel if grouped else ParetoNBDModel

    @staticmethod
    def _columns(theta: ParameterDraws):
        return tuple(theta.column(name) for name in ("r", "alpha", "s", "beta"))

    def log_likelihood(self, theta, x, t_x, T):
        """Per-customer log-likelihood ``(S, N)``, computed once per distinct triple."""
        x, t_x, T = as_histories(x, t_x, T)
        triples, _, inverse = distinct_triples(x, t_x, T)
        r, alpha, s, beta = self._columns(theta)
        ll = pareto_nbd_loglike(r, alpha, s, beta, triples[:, 0], triples[:, 1], triples[:, 2])
        return ll[:, inverse]

    def probability_alive(self, theta, x, t_x, T):
        """P(alive at T), ``(S, N)``."""
        x, t_x, T = as_histories(x, t_x, T)
        r, alpha, s, beta = self._columns(theta)
        log_alive = (
            gammaln(r + x)
            - gammaln(r)
            + r * np.log(alpha / (alpha + T))
            - x * np.log(alpha + T)
            + s * np.log(beta / (beta + T))
        )
        return np.minimum(np.exp(log_alive - self.log_likelihood(theta, x, t_x, T)), 1.0)

    def expected_purchases_alive(self, theta, x, T, t):
        """``E[N(T, T+t] | alive]``, ``(S, N)``."""
        r, alpha, s, beta = self._columns(theta)
        x = np.asarray(x, dtype=np.float64)
        T = np.asarray(T, dtype=np.float64)
        bt = beta + T
        return (r + x) * bt / (alpha + T) * (1 - (bt / (bt + t)) ** (s - 1)) / (s - 1)

    def expected_repeats_new(self, theta: Mapping[str, float], t: np.ndarray) -> np.ndarray:
        """``E[X(t)]`` of a new customer."""
        t = np.asarray(t, dtype=np.float64)
        r, alpha, s, beta = (theta[k] for k in ("r", "alpha", "s", "beta"))
        return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))

    def draw_future_paths(self, theta, x, t_x, T, breaks, rng, rate_multiplier=None):
        """Alive draw, Gamma rates, Poisson arrivals until the exponential lifetime ends."""
        S, n = theta.n_draws, x.shape[0]
        alive = rng.random((S, n)) < self.probability_alive(theta, x, t_x, T)
        lam = rng.gamma(theta.column("r") + x) / (theta.column("alpha") + T)
        if rate_multiplier is not None:
            lam *= np.asarray(rate_multiplier, dtype=np.float64)[:, None]
        mu = rng.gamma(np.broadcast_to(theta.column("s"), (S, n))) / (theta.column("beta") + T)
        lifetime = rng.standard_exponential((S, n)) / mu
        lam[~alive] = 0.0
        # arrivals happen only while alive: run the path on the clock min(h, lifetime)
        counts = np.empty((breaks.shape[0], S, n), dtype=np.int64)
        previous = np.zeros((S, n))
        total = np.zeros((S, n), dtype=np.int64)
        for k, h_k in enumerate(breaks):
            now = np.minimum(h_k, lifetime)
            total = total + rng.poisson(lam * (now - previous))
            counts[k] = total
            previous = now
        return FuturePaths(breaks, alive, counts, counts, lifetime)

    def simulate_purchase_times(self, theta, window, rng, time_scale=1.0):
        """Gamma rates, exponential lifetime, Poisson arrivals while alive on the window."""
        window = np.asarray(window, dtype=np.float64)
        m = window.shape[0]
        lam = rng.gamma(theta["r"], 1.0 / theta["alpha"], size=m) / time_scale
        mu = rng.gamma(theta["s"], 1.0 / theta["beta"], size=m) / time_scale
        active = np.minimum(rng.standard_exponential(m) / mu, window)
        purchases = rng.poisson(lam * active)
        owner = np.repeat(np.arange(m), purchases)
        return owner, rng.random(owner.shape[0]) * active[owner]

    def simulate(self, theta, T, rng, *, recency=True):
        """Histories of new customers observed for ``T`` (``theta`` and ``T`` broadcast)."""
        T = np.asarray(T, dtype=np.float64)
        shape = np.broadcast_shapes(*(np.shape(theta[k]) for k in self.parameters), T.shape)
        lam = rng.gamma(theta["r"], 1.0 / np.asarray(theta["alpha"]), shape)
        mu = rng.gamma(theta["s"], 1.0 / np.asarray(theta["beta"]), shape)
        window = np.minimum(rng.standard_exponential(shape) / mu, T)
        x = rng.poisson(lam * window)
        if not recency:
            return x, None
        # the last of x uniform arrival times on the active window
        t_x = np.where(x > 0, window * rng.random(shape) ** (1.0 / np.maximum(x, 1)), 0.0)
        return x.astype(np.float64), t_x


PNBD = ParetoNBDPurchaseModel()
