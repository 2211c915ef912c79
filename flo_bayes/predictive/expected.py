"""Closed-form conditional expectations per posterior draw (parameter uncertainty only).

Every function returns an ``(S, N)`` array: one value per population draw ``theta_s`` and
customer, the expectation *given* ``theta_s`` and the customer's history. Averaging over
``s`` gives the posterior mean; quantiles over ``s`` give the band of the *expected* value,
which holds population-parameter uncertainty only (not the customer's own randomness; that
is what :mod:`flo_bayes.predictive.draws` adds).

All times are in the model's time unit (weeks by default); horizons start at the analysis
date ``T``. Functions are vectorised over draws and customers and may be called on any
subset ("chunk") of customers: the result for a customer never depends on the others.

Formulas
--------
The purchase model is the one the draws carry (``draws.model``: BG/NBD, MBG/NBD or
Pareto/NBD); its math lives in its module of :mod:`flo_bayes.models` and is called from
here. For the BG/NBD (Fader, Hardie & Lee 2005; 2008 note on P(alive)):

* ``P(alive | x, t_x, T) = 1 / (1 + [x > 0] * a / (b + x - 1)
  * ((alpha + T) / (alpha + t_x))**(r + x))``
* ``E[N(T, T+t] | alive) = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t))**(r + x)
  * 2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t)))`` and
  ``E[N(T, T+t]] = P(alive) * E[N(T, T+t] | alive)`` -- FHL (2005) eq. 10 written exactly as
  pymc-marketing 1.3 ``BetaGeoModel.expected_purchases`` writes it (same ``hyp2f1`` call).
  The conditional-on-alive part depends on ``(x, T)`` only; it is evaluated once per
  distinct ``(x, T)`` pair (customer data with whole-day times repeat pairs a lot).

Gamma-Gamma (Fader & Hardie 2013, eq. 5): with ``w = p n / (p n + q - 1)``,
``E[value per purchase] = (1 - w) * p v / (q - 1) + w * mean``.

Discounted expectation (:func:`expected_discounted_purchases`): the expected present value of
the purchase count, ``V = integral_0^h (1 + d)**(-t) dE(t)`` with ``E(t) = E[N(T, T+t]]`` and
``t`` measured from the analysis date -- the same continuous-time discounting the predictive
draws apply to each simulated purchase at its own time. It is computed by parts,
``V = (1 + d)**(-h) E(h) + delta * integral_0^h (1 + d)**(-t) E(t) dt`` with
``delta = log(1 + d)``, the remaining integral by Gauss-Legendre quadrature with ``n_nodes``
nodes on ``[0, h]``. ``E(t)`` is smooth (analytic for ``t > -(alpha + T)``) and the integral
is a ``delta * h`` sized correction, so few nodes suffice. Measured against a 20,000-step
grid in a steep case (``alpha + T`` = 1.5 weeks, 26 weeks, ``d`` = 1 % a week, i.e. 68 % a
year) the relative error is 3e-5 with the default 4 nodes, 2e-6 with 6 and 1e-9 with 12;
it scales with ``d``, so at a realistic 0.2 % a week 4 nodes give ~6e-6. Each node costs one
``hyp2f1`` evaluation per draw and distinct ``(x, T)`` pair, the dominant cost of scoring.
A step grid ``sum_k dE_k (1 + d)**(-t_k)`` -- pymc-marketing's form -- is only first-order accurate
(relative error ~ ``delta * step / 2``) and would need hundreds of ``hyp2f1`` evaluations per
customer for the same accuracy. With ``d == 0`` the result is exactly ``E(h)``.
"""

from __future__ import annotations

import numpy as np

from flo_bayes.predictive._validation import (
    check_history,
    check_positive_scalar,
    check_same_customers,
    check_spend_inputs,
)
from flo_bayes.predictive.population import PopulationDraws

DEFAULT_QUADRATURE_NODES = 4


def probability_alive(
    draws: PopulationDraws, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """Probability that each customer is still alive at ``T``, per draw.

    Parameters
    ----------
    draws : PopulationDraws
        ``S`` population draws.
    x, t_x, T : array_like
        ``(N,)`` repeat purchases, first-to-last time and first-to-analysis-date time.

    Returns
    -------
    numpy.ndarray
        ``(S, N)`` probabilities; exactly 1 where ``x == 0``.

    """
    x, t_x, T = check_history(x, t_x, T)
    return draws.model.probability_alive(draws.purchase, x, t_x, T)


def unique_pairs(x: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return distinct ``(x, T)`` pairs and the inverse index mapping customers to them."""
    pairs, inverse = np.unique(np.stack([x, T], axis=1), axis=0, return_inverse=True)
    return pairs[:, 0], pairs[:, 1], inverse.reshape(-1)


def alive_expectation_unique(
    draws: PopulationDraws, ux: np.ndarray, uT: np.ndarray, t: float
) -> np.ndarray:
    """``E[N(T, T+t] | alive]`` on distinct pairs, shape ``(S, U)`` (the draws' purchase model)."""
    return draws.model.expected_purchases_alive(draws.purchase, ux, uT, t)


def discounted_alive_expectation_unique(
    draws: PopulationDraws,
    ux: np.ndarray,
    uT: np.ndarray,
    horizon: float,
    discount_rate_per_time_unit: float,
    n_nodes: int = DEFAULT_QUADRATURE_NODES,
    *,
    at_horizon: np.ndarray | None = None,
) -> np.ndarray:
    """Discounted expected purchases given alive, on distinct ``(x, T)`` pairs, ``(S, U)``.

    Building block of :func:`expected_discounted_purchases` for callers that already hold
    the distinct pairs (the scoring stage). ``at_horizon`` may pass the already computed
    undiscounted ``E[N(T, T+h] | alive]`` to save one ``hyp2f1`` evaluation.
    """
    if n_nodes < 1:
        raise ValueError("n_nodes must be >= 1")
    if at_horizon is None:
        at_horizon = alive_expectation_unique(draws, ux, uT, horizon)
    if discount_rate_per_time_unit == 0:
        return at_horizon
    delta = np.log1p(discount_rate_per_time_unit)
    nodes, weights = np.polynomial.legendre.leggauss(n_nodes)
    integral = np.zeros_like(at_horizon)
    for node, weight in zip(nodes, weights, strict=True):
        t_j = 0.5 * horizon * (node + 1.0)
        integral += (0.5 * horizon * weight * np.exp(-delta * t_j)) * alive_expectation_unique(
            draws, ux, uT, float(t_j)
        )
    return np.exp(-delta * horizon) * at_horizon + delta * integral


def expected_purchases_alive(
    draws: PopulationDraws, x: np.ndarray, T: np.ndarray, t: float
) -> np.ndarray:
    """Compute expected purchases in ``(T, T+t]`` given the customer is alive at ``T``, per draw.

    Parameters
    ----------
    draws : PopulationDraws
        ``S`` population draws.
    x, T : array_like
        ``(N,)`` repeat purchases and first-to-analysis-date time.
    t : float
        Horizon length in time units.

    Returns
    -------
    numpy.ndarray
        ``(S, N)`` conditional expectations (computed once per distinct ``(x, T)``).

    """
    x, _, T = check_history(x, np.zeros_like(np.asarray(T, dtype=np.float64)), T)
    t = check_positive_scalar("t", t, allow_zero=True)
    ux, uT, inverse = unique_pairs(x, T)
    return alive_expectation_unique(draws, ux, uT, t)[:, inverse]


def expected_purchases(
    draws: PopulationDraws, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, t: float
) -> np.ndarray:
    """BG/NBD expected number of purchases in ``(T, T+t]``, per draw (FHL 2005 eq. 10).

    Parameters
    ----------
    draws : PopulationDraws
        ``S`` population draws.
    x, t_x, T : array_like
        ``(N,)`` customer histories.
    t : float
        Horizon length in time units.

    Returns
    -------
    numpy.ndarray
        ``(S, N)`` expectations; equals pymc-marketing's ``expected_purchases(future_t=t)``.

    """
    return probability_alive(draws, x, t_x, T) * expected_purchases_alive(draws, x, T, t)


def expected_spend(draws: PopulationDraws, gg_n: np.ndarray, gg_mean: np.ndarray) -> np.ndarray:
    """Gamma-Gamma expected value of a future purchase, per draw (Fader & Hardie 2013 eq. 5).

    Parameters
    ----------
    draws : PopulationDraws
        ``S`` population draws (needs ``q > 1`` for a finite mean).
    gg_n : array_like
        ``(N,)`` number of purchases the customer's mean value is based on (0 = no data:
        the population mean is returned).
    gg_mean : array_like
        ``(N,)`` the customer's mean value per purchase.

    Returns
    -------
    numpy.ndarray
        ``(S, N)`` expected value per purchase, in the currency of ``gg_mean``.

    """
    n, m = check_spend_inputs(gg_n, gg_mean)
    if draws.fixed_value is not None:  # purchase-only run: a known value per purchase
        return np.full((draws.n_draws, n.shape[0]), draws.fixed_value)
    p, q, v = draws.gamma_gamma_columns()
    if np.any(q <= 1):
        raise ValueError("expected spend needs q > 1 in every draw (the mean is infinite)")
    weight = p * n / (p * n + q - 1)
    return (1 - weight) * (p * v / (q - 1)) + weight * m


def expected_discounted_purchases(
    draws: PopulationDraws,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    horizon: float,
    discount_rate_per_time_unit: float = 0.0,
    n_nodes: int = DEFAULT_QUADRATURE_NODES,
) -> np.ndarray:
    """Compute the expected discounted purchase count over ``(T, T+horizon]``, per draw.

    Parameters
    ----------
    draws : PopulationDraws
        ``S`` population draws.
    x, t_x, T : array_like
        ``(N,)`` customer histories.
    horizon : float
        Horizon length ``h`` in time units.
    discount_rate_per_time_unit : float, optional
        ``d``: a purchase at time ``t`` after the analysis date is weighted ``(1 + d)**(-t)``.
    n_nodes : int, optional
        Gauss-Legendre nodes for the by-parts correction (see module docstring); ignored
        when ``d == 0``.

    Returns
    -------
    numpy.ndarray
        ``(S, N)`` values of ``integral_0^h (1 + d)**(-t) dE[N(T, T+t]]``.

    """
    x, t_x, T = check_history(x, t_x, T)
    h = check_positive_scalar("horizon", horizon)
    d = check_positive_scalar(
        "discount_rate_per_time_unit", discount_rate_per_time_unit, allow_zero=True
    )
    ux, uT, inverse = unique_pairs(x, T)
    alive_value = discounted_alive_expectation_unique(draws, ux, uT, h, d, n_nodes)
    return probability_alive(draws, x, t_x, T) * alive_value[:, inverse]


def expected_cltv(
    draws: PopulationDraws,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    gg_n: np.ndarray,
    gg_mean: np.ndarray,
    *,
    horizon: float,
    discount_rate_per_time_unit: float = 0.0,
    margin: float = 1.0,
    n_nodes: int = DEFAULT_QUADRATURE_NODES,
) -> np.ndarray:
    """Compute the expected (discounted) customer value over ``(T, T+horizon]``, per draw.

    ``E[CLTV | theta_s] = margin * E[value per purchase | theta_s] *
    integral_0^h (1 + d)**(-t) dE[N(T, T+t] | theta_s]`` -- purchase count and value are
    independent given ``theta_s``.

    Parameters
    ----------
    draws : PopulationDraws
        ``S`` population draws.
    x, t_x, T : array_like
        ``(N,)`` customer histories (BG/NBD inputs).
    gg_n, gg_mean : array_like
        ``(N,)`` Gamma-Gamma inputs (see :func:`expected_spend`).
    horizon : float
        Horizon length in time units.
    discount_rate_per_time_unit : float, optional
        Discount rate per time unit (0 = no discounting).
    margin : float, optional
        Multiplier turning revenue into value (e.g. a gross margin of 0.3).
    n_nodes : int, optional
        Quadrature nodes, see :func:`expected_discounted_purchases`.

    Returns
    -------
    numpy.ndarray
        ``(S, N)`` expected CLTV in the currency of ``gg_mean``.

    """
    check_same_customers(np.atleast_1d(x), np.atleast_1d(gg_n))
    count = expected_discounted_purchases(
        draws, x, t_x, T, horizon, discount_rate_per_time_unit, n_nodes=n_nodes
    )
    return float(margin) * count * expected_spend(draws, gg_n, gg_mean)
