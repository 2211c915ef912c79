"""The BG/NBD model (Fader, Hardie & Lee 2005): the one home of its math.

Customer ``i`` buys as a Poisson process of rate ``lambda ~ Gamma(r, rate alpha)`` and
after each purchase drops out with probability ``p ~ Beta(a, b)``; a customer with
``x = 0`` repeat purchases is always alive.

* Log-likelihood (FHL eq. 6): ``log L = G(x) + r log alpha - (r + x) log(alpha + t_x)
  + log(c3 + [x > 0] a / (b + x - 1))`` with ``c3 = ((alpha + t_x) / (alpha + T))**(r + x)``
  and ``G(x)`` the gamma-function terms of :mod:`flo_bayes.models.fast_bgnbd` (the grouped
  likelihood used for fitting).
* ``P(alive) = 1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))**(r + x))``.
* ``E[N(T, T+t] | alive] = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t))**(r + x)
  2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t)))`` (FHL eq. 10), with ``x = T = 0``
  the expected repeats of a new customer.

The hypergeometric closed form is the one used everywhere (scoring, fit checks, the
aggregate shock). Checked against adaptive quadrature of
``integral (1 - (1 + p t / (alpha + T))**-(r + x)) / p dBeta(p; a, b + x)`` it is accurate to
1e-12 relative on CDNOW's and FLO's parameters (``a`` down to 3e-4, ``b`` up to 800) and
loses accuracy only as ``a -> 1`` (1e-7 at ``a = 1 + 1e-7``), while a 64-node Gauss-Jacobi
rule errs by 6-23 % when ``t / alpha`` is large and fails for ``b`` in the thousands.

Posterior predictive draws for an existing customer: alive at ``T`` with P(alive);
``lambda ~ Gamma(r + x, rate alpha + T)``; Poisson arrivals from ``T``; the number of further
purchases is capped by a beta-geometric ``G`` with ``p ~ Beta(a, b + x)`` integrated out
(:func:`dropout_cap`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.special import expit, gammaln, hyp2f1

from flo_bayes.models.protocol import (
    FuturePaths,
    ParameterDraws,
    PurchaseModel,
    as_histories,
    poisson_paths,
)

MIN_DROPOUT_PROBABILITY = 1e-12


def dropout_cap(
    rng: np.random.Generator, arrivals: np.ndarray, a: np.ndarray, b_x: np.ndarray
) -> np.ndarray:
    """Return ``min(G, arrivals)`` with ``G`` beta-geometric, ``p ~ Beta(a, b_x)`` integrated out.

    ``P(G > j | G > j - 1) = (b_x + j - 1) / (a + b_x + j - 1)`` (Polya urn form of
    ``E[(1 - p)**j]``). ``arrivals`` holds the purchase opportunities; ``a`` and ``b_x``
    broadcast against it. One uniform per simulated purchase; no Beta draws, so a tiny
    ``a`` (FLO: ``a ~ 3e-4``) is no problem.
    """
    cap = np.zeros(arrivals.shape, dtype=np.int64)
    cap_flat = cap.reshape(-1)
    active = np.flatnonzero(arrivals)
    a_act = np.broadcast_to(a, arrivals.shape).reshape(-1)[active]
    b_act = np.broadcast_to(b_x, arrivals.shape).reshape(-1)[active]
    m_act = arrivals.reshape(-1)[active]
    j = 1
    while active.size:
        cap_flat[active] = j  # purchase j is made
        more = m_act > j
        active, a_act, b_act, m_act = active[more], a_act[more], b_act[more], m_act[more]
        stay = rng.random(active.size) * (a_act + b_act + (j - 1)) < b_act + (j - 1)
        active, a_act, b_act, m_act = active[stay], a_act[stay], b_act[stay], m_act[stay]
        j += 1
    return cap


def beta_geo_alive_expectation(r, alpha, a, b, x, T, t: float) -> np.ndarray:
    """``E[N(T, T+t] | alive]`` of the BG/NBD, broadcast over its arguments (FHL eq. 10)."""
    if t == 0:
        return np.zeros(np.broadcast(r, x).shape)
    rx = r + x
    at = alpha + T
    c = a + b + x - 1
    value = (c / (a - 1)) * (1 - (at / (at + t)) ** rx * hyp2f1(rx, b + x, c, t / (at + t)))
    if not np.all(np.isfinite(value)):
        bad = np.unique(np.nonzero(~np.isfinite(np.atleast_2d(value)))[-1])
        raise FloatingPointError(
            f"hyp2f1 gave non-finite expected purchases for {bad.size} (x, T) pairs, t={t}"
        )
    return value


def sorted_uniform_order_statistic(
    rng: np.random.Generator, k: np.ndarray, m: np.ndarray, length: np.ndarray
) -> np.ndarray:
    """Time of the ``k``-th of ``m`` sorted uniforms on ``(0, length)`` (0 where ``k = 0``)."""
    safe_k = np.maximum(k, 1)
    time = length * rng.beta(safe_k, np.maximum(m - safe_k + 1, 1))
    return np.where(k > 0, time, 0.0)


class BetaGeo(PurchaseModel):
    """BG/NBD: dropout after a purchase only; ``x = 0`` customers are alive."""

    name = "bgnbd"
    label = "BG/NBD"
    parameters = ("r", "alpha", "a", "b")
    complexity = 1
    dropout_at_zero = False

    def model_class(self, grouped: bool) -> type:
        """``FastBetaGeoModel`` (grouped) or pymc-marketing's ``BetaGeoModel``."""
        # imported here: the predictive core uses this module without PyMC
        from pymc_marketing.clv import BetaGeoModel

        from flo_bayes.models.fast_bgnbd import FastBetaGeoModel

        return FastBetaGeoModel if grouped else BetaGeoModel

    @staticmethod
    def _columns(theta: ParameterDraws):
        return tuple(theta.column(name) for name in ("r", "alpha", "a", "b"))

    def log_likelihood(self, theta, x, t_x, T):
        """FHL eq. 6 per draw and customer, ``(S, N)``."""
        x, t_x, T = as_histories(x, t_x, T)
        r, alpha, a, b = self._columns(theta)
        gamma_terms = (
            gammaln(r + x)
            - gammaln(r)
            + gammaln(a + b)
            + gammaln(b + x)
            - gammaln(b)
            - gammaln(a + b + x)
        )
        base = gamma_terms + r * np.log(alpha) - (r + x) * np.log(alpha + t_x)
        log_c3 = (r + x) * (np.log(alpha + t_x) - np.log(alpha + T))
        log_c4 = np.log(a) - np.log(b + np.maximum(x, 1) - 1)
        return base + np.where(x > 0, np.logaddexp(log_c3, log_c4), log_c3)

    def probability_alive(self, theta, x, t_x, T):
        """FHL P(alive), ``(S, N)``; exactly 1 where ``x == 0``."""
        x, t_x, T = as_histories(x, t_x, T)
        r, alpha, a, b = self._columns(theta)
        log_div = (r + x) * np.log((alpha + T) / (alpha + t_x)) + np.log(
            a / (b + np.maximum(x, 1) - 1)
        )
        return np.where(x == 0, 1.0, expit(-log_div))

    def expected_purchases_alive(self, theta, x, T, t):
        """FHL eq. 10 numerator, ``(S, N)``."""
        r, alpha, a, b = self._columns(theta)
        x = np.asarray(x, dtype=np.float64)
        T = np.asarray(T, dtype=np.float64)
        return beta_geo_alive_expectation(r, alpha, a, b, x, T, float(t))

    def expected_repeats_new(self, theta: Mapping[str, float], t: np.ndarray) -> np.ndarray:
        """``E[X(t)]`` of a new customer (FHL eq. 9)."""
        t = np.asarray(t, dtype=np.float64)
        r, alpha, a, b = (theta[k] for k in ("r", "alpha", "a", "b"))
        z = t / (alpha + t)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))

    def draw_future_paths(self, theta, x, t_x, T, breaks, rng, rate_multiplier=None):
        """Alive draw, Gamma rate, Poisson path, capped by the beta-geometric dropout."""
        S, n = theta.n_draws, x.shape[0]
        alive = rng.random((S, n)) < self.probability_alive(theta, x, t_x, T)
        lam = rng.gamma(theta.column("r") + x) / (theta.column("alpha") + T)
        if rate_multiplier is not None:
            lam *= np.asarray(rate_multiplier, dtype=np.float64)[:, None]
        lam[~alive] = 0.0
        arrivals = poisson_paths(rng, lam, breaks)
        del lam
        cap = dropout_cap(rng, arrivals[-1], theta.column("a"), self._b_posterior(theta, x))
        return FuturePaths(breaks, alive, arrivals, np.minimum(arrivals, cap))

    def _b_posterior(self, theta: ParameterDraws, x: np.ndarray) -> np.ndarray:
        """Second Beta parameter of an alive customer's ``p`` (``b + x`` for the BG/NBD)."""
        return theta.column("b") + x

    def _dropped_at_zero(self, p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return np.zeros(p.shape, dtype=bool)

    def _new_customer_cap(self, rng, arrivals: np.ndarray, theta: Mapping[str, float]):
        """Purchases a new customer makes of ``arrivals`` opportunities (``p`` integrated out)."""
        m = arrivals.shape[0]
        return dropout_cap(rng, arrivals, np.full(m, theta["a"]), np.full(m, theta["b"]))

    def simulate_purchase_times(self, theta, window, rng, time_scale=1.0):
        """Gamma rate, Poisson arrivals on the window, the first ``min(M, G)`` are purchases."""
        window = np.asarray(window, dtype=np.float64)
        m = window.shape[0]
        lam = rng.gamma(theta["r"], 1.0 / theta["alpha"], size=m) / time_scale
        arrivals = rng.poisson(lam * window)
        kept = self._new_customer_cap(rng, arrivals, theta)
        owner = np.repeat(np.arange(m), arrivals)
        tau = rng.random(owner.shape[0]) * window[owner]
        tau = tau[np.lexsort((tau, owner))]  # owners stay grouped; times sorted within
        rank = np.arange(owner.shape[0]) - np.repeat(np.cumsum(arrivals) - arrivals, arrivals)
        made = rank < kept[owner]
        return owner[made], tau[made]

    def simulate(self, theta, T, rng, *, recency=True):
        """Histories of new customers: Poisson arrivals on ``(0, T]``, dropout after purchases.

        ``theta`` values and ``T`` broadcast (e.g. ``(S, 1)`` draws against ``(N,)`` windows);
        without ``recency`` only ``x`` is drawn and ``t_x`` is returned as None.
        """
        T = np.asarray(T, dtype=np.float64)
        shape = np.broadcast_shapes(*(np.shape(theta[k]) for k in self.parameters), T.shape)
        lam = rng.gamma(shape=theta["r"], scale=1.0 / np.asarray(theta["alpha"]), size=shape)
        # numpy's geometric sampler rejects p = 0, which a Beta draw with tiny a can give
        p = np.clip(rng.beta(theta["a"], theta["b"], size=shape), MIN_DROPOUT_PROBABILITY, 1.0)
        m = rng.poisson(lam * T)
        # the purchase after which the customer drops out (1 = right after the first repeat)
        x = np.minimum(m, rng.geometric(p))
        x = np.where(self._dropped_at_zero(p, rng), 0, x)
        if not recency:
            return x, None
        t_x = sorted_uniform_order_statistic(rng, x, m, np.broadcast_to(T, shape))
        return x.astype(np.float64), t_x


BGNBD = BetaGeo()
