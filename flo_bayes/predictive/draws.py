"""Per-customer posterior predictive draws of future purchases and their value.

For every population draw ``theta_s`` (row ``s``) and customer (column ``i``) one future is
simulated. Steps 1-3 are the purchase model's own law (``draws.model.draw_future_paths``;
written out here for the BG/NBD, the MBG/NBD and Pareto/NBD in their modules of
:mod:`flo_bayes.models`), steps 4-5 (values) are shared. For the BG/NBD:

1. **Alive at T.** Two-part mixture with weights
   ``w_alive ~ B(a, b+x) (alpha+T)**-(r+x)`` and, if ``x > 0``,
   ``w_dead ~ B(a+1, b+x-1) (alpha+t_x)**-(r+x)`` (common factor ``1/B(a, b)`` dropped).
   ``alive ~ Bernoulli(w_alive / (w_alive + w_dead))`` -- the FHL P(alive).
2. **Latent traits of an alive customer.** ``lambda ~ Gamma(r+x, rate alpha+T)``,
   ``p ~ Beta(a, b+x)``. A dead customer makes no further purchases. If the draw carries an
   aggregate shock (``draws.rate_multiplier``), ``lambda`` is multiplied by it over the
   horizon (see :mod:`flo_bayes.predictive.aggregate_shock`).
3. **Purchase counts.** Purchases arrive as a Poisson process of rate ``lambda`` from ``T``;
   after each one the customer drops out with probability ``p``, so the customer makes at
   most ``G ~ Geometric(p)`` (support ``1, 2, ...``) more purchases. For horizons
   ``h_1 < h_2 < ...`` the process is simulated once: independent Poisson increments
   ``M_k - M_{k-1} ~ Poisson(lambda (h_k - h_{k-1}))`` give the arrivals ``M_k`` in
   ``(T, T+h_k]`` and the count is ``min(M_k, G)``. Counts of nested horizons therefore come
   from the same path (the 3-month count never exceeds the 6-month count).

   ``p`` enters only through ``G``, so it is integrated out exactly instead of drawn: with
   ``p ~ Beta(a, b+x)``, ``P(G > j | G > j-1) = (b+x+j-1) / (a+b+x+j-1)`` (the
   beta-geometric / Polya-urn form of ``E[(1-p)**j]``). After each simulated purchase ``j``
   (only as far as ``M`` of the longest breakpoint reaches) the customer stays with that
   probability. This has exactly the law of ``min(M_k, G)`` with ``p`` drawn, costs one
   uniform per simulated purchase instead of a Beta draw per (draw, customer), and has no
   trouble when the posterior of ``a`` is tiny (FLO: ``a ~ 3e-4``, Beta draws underflow).
4. **Purchase values.** ``nu ~ Gamma(p_gg * n + q, rate v + n * mean)`` (Gamma-Gamma posterior
   of the customer's value rate; ``n = 0`` gives the population ``Gamma(q, v)``), each
   purchase value ``z ~ Gamma(p_gg, rate nu)``.
5. **CLTV draw** over the CLTV horizon ``h`` with ``K = min(M, G)`` purchases:
   ``margin * sum_j z_j (1 + d)**(-tau_j)``, ``tau_j`` the time of purchase ``j`` after ``T``.

   * ``d == 0``: the sum of ``K`` values is drawn in one step as ``Gamma(K p_gg, rate nu)``.
   * ``d > 0``: the purchase times are the first ``K`` of ``M`` ordered uniform times on
     ``(0, h]``. If ``K == M`` (no dropout inside the horizon, the usual case) they are
     just ``M`` iid uniforms, since the order of the terms does not change the sum.
     Otherwise they are drawn exactly with the exponential-spacings representation:
     with ``E_1, ..., E_K ~ Exp(1)`` and ``W ~ Gamma(M - K + 1, 1)``,
     ``tau_j = h (E_1 + ... + E_j) / (E_1 + ... + E_K + W)`` has the law of the ``j``-th of
     ``M`` ordered uniforms (``W`` stands for the remaining ``M + 1 - K`` spacings).
     Values are drawn per purchase, ``z_j = g_j / nu`` with ``g_j ~ Gamma(p_gg, 1)``.
     All of this runs on flat ("ragged") arrays of the simulated purchases, so memory is
     proportional to the number of simulated purchases in the block.

Randomness comes only from the ``numpy.random.Generator`` passed in: the same generator
state, parameters and customers give the same numbers. The draws of a customer depend on
the other customers in the same call (one generator feeds the whole block); the scoring
layer makes results independent of chunk size by giving each fixed-size block of
customers its own generator (see :mod:`flo_bayes.predictive.scoring`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, expit

from flo_bayes.predictive._validation import (
    check_history,
    check_horizons,
    check_positive_scalar,
    check_same_customers,
    check_spend_inputs,
)
from flo_bayes.predictive.population import PopulationDraws

COUNT_DTYPE = np.int32


@dataclass(frozen=True)
class CustomerDraws:
    """Posterior predictive draws for a block of customers.

    Attributes
    ----------
    horizons : tuple of float
        Horizon lengths (time units) in the order the caller gave them.
    alive : numpy.ndarray
        ``(S, n)`` bool, whether the customer was alive at ``T`` in each draw.
    purchases : numpy.ndarray
        ``(H, S, n)`` int32, purchases in ``(T, T + horizons[k]]``.
    value : numpy.ndarray
        ``(S, n)`` float64 CLTV draws over the CLTV horizon (margin and discounting
        applied), in the currency of ``gg_mean``.

    """

    horizons: tuple[float, ...]
    alive: np.ndarray
    purchases: np.ndarray
    value: np.ndarray


def alive_mixture_log_weights(
    draws: PopulationDraws, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Unnormalised log weights of the alive / dropped-out states at ``T``.

    Parameters
    ----------
    draws : PopulationDraws
        ``S`` population draws.
    x, t_x, T : array_like
        ``(N,)`` customer histories.

    Returns
    -------
    log_alive, log_dead : numpy.ndarray
        ``(S, N)`` arrays ``log B(a, b+x) - (r+x) log(alpha+T)`` and
        ``log B(a+1, b+x-1) - (r+x) log(alpha+t_x)`` (``-inf`` where ``x == 0``).

    """
    x, t_x, T = check_history(x, t_x, T)
    r, alpha, a, b = draws.bgnbd_columns()
    x_pos = np.maximum(x, 1)  # keeps betaln's arguments positive; masked below
    log_alive = betaln(a, b + x) - (r + x) * np.log(alpha + T)
    log_dead = betaln(a + 1, b + x_pos - 1) - (r + x) * np.log(alpha + t_x)
    return log_alive, np.where(x > 0, log_dead, -np.inf)


def mixture_probability_alive(
    draws: PopulationDraws, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """P(alive at ``T``) from the mixture weights, ``(S, N)``; equals the FHL closed form."""
    log_alive, log_dead = alive_mixture_log_weights(draws, x, t_x, T)
    with np.errstate(invalid="ignore"):
        return np.where(np.isneginf(log_dead), 1.0, expit(log_alive - log_dead))


def _draw_nu(
    rng: np.random.Generator,
    p: np.ndarray,
    q: np.ndarray,
    v: np.ndarray,
    n: np.ndarray,
    m: np.ndarray,
) -> np.ndarray:
    """Draw the customer value rate ``nu ~ Gamma(p n + q, rate v + n m)`` elementwise."""
    return rng.gamma(p * n + q) / (v + n * m)


def draw_purchase_values(
    draws: PopulationDraws,
    gg_n: np.ndarray,
    gg_mean: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw the value of one future purchase per draw and customer.

    Parameters
    ----------
    draws : PopulationDraws
        ``S`` population draws.
    gg_n, gg_mean : array_like
        ``(N,)`` Gamma-Gamma inputs.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        ``(S, N)`` values ``z ~ Gamma(p, rate nu)`` with ``nu`` from the customer's
        Gamma-Gamma posterior; their mean is ``expected_spend``.

    """
    n, m = check_spend_inputs(gg_n, gg_mean)
    p, q, v = draws.gamma_gamma_columns()
    shape = (draws.n_draws, n.shape[0])
    nu = _draw_nu(rng, np.broadcast_to(p, shape), q, v, n, m)
    return rng.gamma(np.broadcast_to(p, shape)) / nu


def _discounted_value_sums(
    rng: np.random.Generator,
    k: np.ndarray,
    m: np.ndarray,
    p_value: np.ndarray | None,
    horizon: float | np.ndarray,
    delta: float,
) -> np.ndarray:
    """Sum of ``g_j exp(-delta tau_j)`` over each group's ``k`` purchases (ragged, exact).

    Group ``i`` makes ``k[i]`` purchases out of ``m[i]`` Poisson arrivals on ``(0, horizon]``
    (``horizon`` a scalar, or one window per group).
    If ``k == m`` every arrival is a purchase: the times are ``m`` iid uniforms (their
    order does not matter for the sum). If ``k < m`` they are the first ``k`` of ``m``
    ordered uniforms, drawn by exponential spacings. ``p_value = None``: every ``g_j = 1``
    (purchase-only runs).
    """
    n_groups = k.shape[0]
    group = np.repeat(np.arange(n_groups), k)
    g = np.ones(group.shape[0]) if p_value is None else rng.gamma(p_value[group])
    tau = np.empty(group.shape[0])
    truncated = k < m
    in_truncated = truncated[group]
    complete_rows = np.flatnonzero(~in_truncated)
    if np.ndim(horizon):
        horizon = np.asarray(horizon, dtype=np.float64)[group]
        tau[complete_rows] = horizon[complete_rows] * rng.random(complete_rows.shape[0])
    else:
        tau[complete_rows] = horizon * rng.random(complete_rows.shape[0])
    cut = np.flatnonzero(truncated)
    if cut.size:
        k_cut = k[cut]
        sub_group = np.repeat(np.arange(cut.size), k_cut)
        starts = np.cumsum(k_cut) - k_cut
        e = rng.standard_exponential(int(k_cut.sum()))
        rest = rng.gamma((m[cut] - k_cut + 1).astype(np.float64))
        cum = np.cumsum(e)
        offset = np.where(starts > 0, cum[starts - 1], 0.0)
        within = cum - offset[sub_group]
        spacing_total = within[starts + k_cut - 1] + rest
        rows = np.flatnonzero(in_truncated)
        scale = horizon[rows] if np.ndim(horizon) else horizon
        tau[rows] = scale * within / spacing_total[sub_group]
    return np.bincount(group, weights=g * np.exp(-delta * tau), minlength=n_groups)


def simulate_customers(
    draws: PopulationDraws,
    x: np.ndarray,
    t_x: np.ndarray,
    T: np.ndarray,
    gg_n: np.ndarray,
    gg_mean: np.ndarray,
    *,
    horizons: Sequence[float],
    cltv_horizon: float,
    rng: np.random.Generator,
    discount_rate_per_time_unit: float = 0.0,
    margin: float = 1.0,
) -> CustomerDraws:
    """Simulate each customer's future once per population draw.

    Parameters
    ----------
    draws : PopulationDraws
        ``S`` population draws; draw ``s`` is shared by all customers (row ``s``).
    x, t_x, T : array_like
        ``(n,)`` BG/NBD histories.
    gg_n, gg_mean : array_like
        ``(n,)`` Gamma-Gamma inputs (``gg_n = 0``: population spend distribution).
    horizons : sequence of float
        Horizon lengths (time units) for which purchase counts are returned.
    cltv_horizon : float
        Horizon (time units) of the CLTV draws; need not be among ``horizons``.
    rng : numpy.random.Generator
        Source of randomness (the only one).
    discount_rate_per_time_unit : float, optional
        ``d``; a purchase ``t`` time units after ``T`` counts ``(1 + d)**(-t)``.
    margin : float, optional
        Multiplier applied to purchase values.

    Returns
    -------
    CustomerDraws
        Alive indicators, counts per horizon and CLTV draws, each ``(S, n)`` per quantity.

    """
    x, t_x, T = check_history(x, t_x, T)
    gg_n, gg_mean = check_spend_inputs(gg_n, gg_mean)
    n = check_same_customers(x, gg_n)
    horizon_arr = check_horizons(horizons)
    h_cltv = check_positive_scalar("cltv_horizon", cltv_horizon)
    d = check_positive_scalar(
        "discount_rate_per_time_unit", discount_rate_per_time_unit, allow_zero=True
    )
    margin = check_positive_scalar("margin", margin, allow_zero=True)
    S = draws.n_draws

    # 1-3. alive at T, purchase rate (scaled by the draw's aggregate shock), arrivals at
    # every breakpoint (horizons and the CLTV horizon) and dropout: the purchase model's own
    # predictive law (see its ``draw_future_paths``)
    breaks = np.unique(np.append(horizon_arr, h_cltv))
    paths = draws.model.draw_future_paths(
        draws.purchase,
        x,
        t_x,
        T,
        breaks,
        rng,
        draws.rate_multiplier if draws.has_shock else None,
    )
    purchases = np.empty((horizon_arr.shape[0], S, n), dtype=COUNT_DTYPE)
    for k, h_k in enumerate(horizon_arr):
        purchases[k] = paths.counts[int(np.searchsorted(breaks, h_k))]

    # 4-5. value over the CLTV horizon
    j_cltv = int(np.searchsorted(breaks, h_cltv))
    counts = paths.counts[j_cltv].reshape(-1)
    buying = np.flatnonzero(counts)
    k_buy = counts[buying]
    s_buy, c_buy = np.divmod(buying, n)
    if draws.fixed_value is not None:
        # Purchase-only run: each purchase is worth fixed_value (g_j = 1, nu = 1 / value).
        p_value = None
        nu = np.full(k_buy.shape[0], 1.0 / draws.fixed_value)
    else:
        p_value = draws.p[s_buy]
        nu = _draw_nu(rng, p_value, draws.q[s_buy], draws.v[s_buy], gg_n[c_buy], gg_mean[c_buy])
    if d == 0:
        sums = k_buy.astype(np.float64) if p_value is None else rng.gamma(k_buy * p_value)
    else:
        # purchase times: first k of m ordered uniforms on (0, min(h, lifetime)]
        window = h_cltv if paths.lifetime is None else np.minimum(h_cltv, paths.lifetime)
        sums = _discounted_value_sums(
            rng,
            k_buy,
            paths.arrivals[j_cltv].reshape(-1)[buying],
            p_value,
            window if paths.lifetime is None else window.reshape(-1)[buying],
            float(np.log1p(d)),
        )
    value = np.zeros((S, n), dtype=np.float64)
    value.reshape(-1)[buying] = margin * sums / nu
    return CustomerDraws(
        horizons=tuple(float(h) for h in horizon_arr),
        alive=paths.alive,
        purchases=purchases,
        value=value,
    )
