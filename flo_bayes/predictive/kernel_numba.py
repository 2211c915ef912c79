"""Compiled per-customer posterior predictive draws and their summaries (prototype).

The same predictive law as :func:`flo_bayes.predictive.draws.simulate_customers` (module
docstring there: alive at ``T`` with the FHL probability, ``lambda ~ Gamma(r+x, rate
alpha+T)`` times the draw's shock multiplier, purchases as a Poisson process of rate
``lambda`` from ``T``, dropout after purchase ``j`` with the beta-geometric probability
``P(stay) = (b+x+j-1)/(a+b+x+j-1)`` (``p`` integrated out), value rate ``nu ~ Gamma(p n + q,
rate v + n m)``, purchase values ``Gamma(p, rate nu)``), simulated here one customer at a time
by walking the purchase times: each inter-arrival time is ``Exp(lambda)``, so the counts in
nested horizons come from one path, and the discount factor of a purchase uses its own time.
With no discounting the value sum of ``K`` purchases is drawn in one step as
``Gamma(K p, rate nu)``.

Memory is flat in customers: a customer's ``S`` draws live in two small buffers, are
summarised at once (mean, ``inverted_cdf`` quantiles, exceedance probabilities) and added to
the per-draw totals. Randomness has the NumPy path's layout: fixed blocks of
``RNG_BLOCK_SIZE`` customers, block ``k`` drawing from ``PCG64(SeedSequence(seed,
spawn_key=(0, k)))`` (numba runs ``numpy.random.Generator`` methods compiled), so results do
not depend on chunking or threads. The numbers differ from the NumPy path's (same law, the
variates are consumed in another order).

Everything is compiled with ``cache=True``: the first process of an install compiles (about
11 CPU seconds for :func:`summarise_draws`, as much again for :func:`simulate_draws`: numba's
``Generator`` variates are costly to compile), later processes load the machine code from
numba's cache (under a second, imports included).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np

RNG_BLOCK_SIZE = 250


@numba.njit(cache=True, nogil=True)
def _simulate_customer(
    r, alpha, a, b, p, q, v, multiplier, x, t_x, T, n, m,
    horizons, cltv_horizon, log_discount, margin, counts_out, value_out, rng,
):  # fmt: skip
    """Fill ``counts_out (H, S)`` and ``value_out (S,)`` with one customer's draws."""
    n_horizons = horizons.size
    h_max = cltv_horizon
    for k in range(n_horizons):
        h_max = max(h_max, horizons[k])
    for s in range(r.size):
        for k in range(n_horizons):
            counts_out[k, s] = 0
        value_out[s] = 0.0
        # P(alive at T) (FHL): 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)), 1 if x = 0.
        if x > 0:
            # one log and one exp per draw: odds = a/(b+x-1) * exp((r+x) log ratio)
            exponent = (r[s] + x) * math.log((alpha[s] + T) / (alpha[s] + t_x))
            if exponent < 700.0:
                p_alive = 1.0 / (1.0 + a[s] / (b[s] + x - 1.0) * math.exp(exponent))
            else:
                p_alive = 0.0
            if rng.random() >= p_alive:
                continue
        lam = rng.standard_gamma(r[s] + x) / (alpha[s] + T) * multiplier[s]
        if lam <= 0.0:
            continue
        base = b[s] + x - 1.0
        total = a[s] + b[s] + x - 1.0
        t = 0.0
        j = 0
        in_cltv = 0
        discounted = 0.0
        while True:
            t += rng.standard_exponential() / lam
            if t > h_max:
                break
            j += 1
            for k in range(n_horizons):
                if t <= horizons[k]:
                    counts_out[k, s] += 1
            if t <= cltv_horizon:
                in_cltv += 1
                if log_discount > 0.0:
                    discounted += rng.standard_gamma(p[s]) * math.exp(-log_discount * t)
            # purchase j made; the customer stays for the next with the beta-geometric odds
            if rng.random() * (total + j) >= base + j:
                break
        if in_cltv:
            nu = rng.standard_gamma(p[s] * n + q[s]) / (v[s] + n * m)
            if log_discount > 0.0:
                value_out[s] = margin * discounted / nu
            else:
                value_out[s] = margin * rng.standard_gamma(in_cltv * p[s]) / nu


@numba.njit(cache=True, nogil=True)
def _quantile_index(prob: float, size: int) -> int:
    """Index of the ``inverted_cdf`` quantile in a sorted array of ``size`` values."""
    index = int(math.ceil(prob * size)) - 1
    return min(max(index, 0), size - 1)


@numba.njit(cache=True, nogil=True)
def _simulate_block(
    r, alpha, a, b, p, q, v, multiplier, x, t_x, T, n, m,
    horizons, cltv_horizon, log_discount, margin, rng,
):  # fmt: skip
    n_customers = x.size
    counts = np.zeros((horizons.size, r.size, n_customers), dtype=np.int32)
    values = np.zeros((r.size, n_customers))
    c_buf = np.zeros((horizons.size, r.size), dtype=np.int32)
    v_buf = np.zeros(r.size)
    for i in range(n_customers):
        _simulate_customer(
            r, alpha, a, b, p, q, v, multiplier, x[i], t_x[i], T[i], n[i], m[i],
            horizons, cltv_horizon, log_discount, margin, c_buf, v_buf, rng,
        )  # fmt: skip
        counts[:, :, i] = c_buf
        values[:, i] = v_buf
    return counts, values


@numba.njit(cache=True, nogil=True)
def _summarise_block(
    r, alpha, a, b, p, q, v, multiplier, x, t_x, T, n, m,
    horizons, cltv_horizon, log_discount, margin, probs, thresholds, keep, rng,
    count_mean, count_q, p_any, value_mean, value_q, p_gt, kept, count_totals, value_totals,
):  # fmt: skip
    n_draws = r.size
    n_horizons = horizons.size
    c_buf = np.zeros((n_horizons, n_draws), dtype=np.int32)
    v_buf = np.zeros(n_draws)
    nonzero = np.zeros(n_draws)
    for i in range(x.size):
        _simulate_customer(
            r, alpha, a, b, p, q, v, multiplier, x[i], t_x[i], T[i], n[i], m[i],
            horizons, cltv_horizon, log_discount, margin, c_buf, v_buf, rng,
        )  # fmt: skip
        for k in range(n_horizons):
            # counts are small integers: quantiles from the cumulative histogram
            top = 0
            total = 0
            positive = 0
            for s in range(n_draws):
                c = c_buf[k, s]
                total += c
                count_totals[k, s] += c
                if c > 0:
                    positive += 1
                if c > top:
                    top = c
            hist = np.zeros(top + 1, dtype=np.int64)
            for s in range(n_draws):
                hist[c_buf[k, s]] += 1
            count_mean[i, k] = total / n_draws
            p_any[i, k] = positive / n_draws
            for jq in range(probs.size):
                target = _quantile_index(probs[jq], n_draws)
                cumulative = 0
                for c in range(top + 1):
                    cumulative += hist[c]
                    if cumulative > target:
                        count_q[i, k, jq] = c
                        break
        # values: zeros are common, so only the positive draws are sorted
        total_value = 0.0
        n_pos = 0
        for s in range(n_draws):
            val = v_buf[s]
            total_value += val
            value_totals[s] += val
            if val > 0.0:
                nonzero[n_pos] = val
                n_pos += 1
        value_mean[i] = total_value / n_draws
        n_zero = n_draws - n_pos
        ordered = nonzero[:0]
        if n_pos:
            # order statistics by selection (no full sort): positions among the positive draws
            kth = np.empty(probs.size, dtype=np.int64)
            for jq in range(probs.size):
                kth[jq] = max(_quantile_index(probs[jq], n_draws) - n_zero, 0)
            ordered = np.partition(nonzero[:n_pos], kth)
        for jq in range(probs.size):
            index = _quantile_index(probs[jq], n_draws)
            value_q[i, jq] = 0.0 if index < n_zero else ordered[index - n_zero]
        for jt in range(thresholds.size):
            above = 0
            for s in range(n_draws):
                if v_buf[s] > thresholds[jt]:
                    above += 1
            p_gt[i, jt] = above / n_draws
        for jk in range(keep.size):
            kept[i, jk] = v_buf[keep[jk]]


@dataclass(frozen=True)
class DrawParameters:
    """Population parameter draws, one entry per draw index (all ``(S,)`` float64).

    ``multiplier`` is the aggregate purchase-rate shock per draw (ones without a shock).
    """

    r: np.ndarray
    alpha: np.ndarray
    a: np.ndarray
    b: np.ndarray
    p: np.ndarray
    q: np.ndarray
    v: np.ndarray
    multiplier: np.ndarray

    @classmethod
    def from_arrays(cls, r, alpha, a, b, p, q, v, multiplier=None) -> DrawParameters:
        """Validate and copy to contiguous float64; ``multiplier`` defaults to ones."""
        arrays = [np.ascontiguousarray(arr, dtype=np.float64) for arr in (r, alpha, a, b, p, q, v)]
        size = arrays[0].size
        mult = np.ones(size) if multiplier is None else np.ascontiguousarray(multiplier, float)
        if any(arr.shape != (size,) for arr in [*arrays, mult]):
            raise ValueError("every population parameter needs one value per draw, shape (S,)")
        if any(np.any(arr <= 0) for arr in arrays) or np.any(mult < 0):
            raise ValueError("population parameters must be > 0 (multiplier >= 0)")
        return cls(*arrays, mult)

    def _tuple(self) -> tuple:
        return (self.r, self.alpha, self.a, self.b, self.p, self.q, self.v, self.multiplier)


@dataclass(frozen=True)
class CustomerStats:
    """Customer statistics, all ``(N,)`` float64: BG/NBD ``x, t_x, T``; spend ``n, m``.

    ``n`` is the number of purchases the mean spend ``m`` averages over (``gg_n``; 0 gives the
    population spend distribution, ``m`` is then ignored).
    """

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    n: np.ndarray
    m: np.ndarray

    @classmethod
    def from_arrays(cls, x, t_x, T, n, m) -> CustomerStats:
        """Validate and copy to contiguous float64 (NaN mean spend with ``n = 0`` becomes 0)."""
        arrays = [np.ascontiguousarray(arr, dtype=np.float64) for arr in (x, t_x, T, n, m)]
        size = arrays[0].size
        if any(arr.shape != (size,) for arr in arrays):
            raise ValueError("x, t_x, T, n and m need one value per customer, shape (N,)")
        arrays[4] = np.where(arrays[3] > 0, arrays[4], 0.0)
        if np.any(arrays[0] < 0) or np.any(arrays[1] < 0) or np.any(arrays[1] > arrays[2]):
            raise ValueError("need x >= 0 and 0 <= t_x <= T for every customer")
        if np.any(arrays[3] < 0) or np.any((arrays[3] > 0) & ~(arrays[4] > 0)):
            raise ValueError("need n >= 0 and a positive mean spend m where n > 0")
        return cls(*arrays)

    def _slice(self, rows: slice) -> tuple:
        return (self.x[rows], self.t_x[rows], self.T[rows], self.n[rows], self.m[rows])


@dataclass(frozen=True)
class DrawSummaries:
    """Per-customer summaries of the predictive draws and per-draw totals.

    Attributes
    ----------
    count_mean, p_any : numpy.ndarray
        ``(N, H)`` mean purchases and P(at least one purchase) per horizon.
    count_quantiles : numpy.ndarray
        ``(N, H, Q)`` int32 ``inverted_cdf`` quantiles of the purchase counts.
    value_mean : numpy.ndarray
        ``(N,)`` mean CLTV draw.
    value_quantiles : numpy.ndarray
        ``(N, Q)`` quantiles of the CLTV draws.
    p_value_above : numpy.ndarray
        ``(N, K)`` P(CLTV > threshold).
    kept : numpy.ndarray
        ``(N, len(keep))`` CLTV draws at the kept draw indices.
    count_totals : numpy.ndarray
        ``(H, S)`` int64 total purchases of all customers per draw.
    value_totals : numpy.ndarray
        ``(S,)`` total CLTV per draw.

    """

    count_mean: np.ndarray
    count_quantiles: np.ndarray
    p_any: np.ndarray
    value_mean: np.ndarray
    value_quantiles: np.ndarray
    p_value_above: np.ndarray
    kept: np.ndarray
    count_totals: np.ndarray
    value_totals: np.ndarray


def _settings(horizons, cltv_horizon, discount_rate_per_time_unit, margin):
    h = np.ascontiguousarray(horizons, dtype=np.float64)
    if h.ndim != 1 or h.size == 0 or np.any(h <= 0) or cltv_horizon <= 0:
        raise ValueError("horizons and cltv_horizon must be positive")
    if discount_rate_per_time_unit < 0 or margin < 0:
        raise ValueError("discount_rate_per_time_unit and margin must be >= 0")
    return h, float(cltv_horizon), float(math.log1p(discount_rate_per_time_unit)), float(margin)


def block_generator(seed: int, block: int) -> np.random.Generator:
    """The generator of RNG block ``block`` (customers ``block * RNG_BLOCK_SIZE`` onwards)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0, block))))


def simulate_draws(
    params: DrawParameters,
    customers: CustomerStats,
    *,
    horizons,
    cltv_horizon: float,
    seed: int,
    discount_rate_per_time_unit: float = 0.0,
    margin: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Raw draws: ``(H, S, N)`` int32 counts and ``(S, N)`` CLTV values (customers x draws).

    The same numbers as :func:`summarise_draws` summarises; for tests, PIT columns and small
    tables (memory grows with customers).
    """
    h, h_c, log_d, margin = _settings(horizons, cltv_horizon, discount_rate_per_time_unit, margin)
    n_cust = customers.x.size
    counts = np.zeros((h.size, params.r.size, n_cust), dtype=np.int32)
    values = np.zeros((params.r.size, n_cust))
    for block, start in enumerate(range(0, n_cust, RNG_BLOCK_SIZE)):
        rows = slice(start, min(start + RNG_BLOCK_SIZE, n_cust))
        counts[:, :, rows], values[:, rows] = _simulate_block(
            *params._tuple(), *customers._slice(rows),
            h, h_c, log_d, margin, block_generator(seed, block),
        )  # fmt: skip
    return counts, values


def summarise_draws(
    params: DrawParameters,
    customers: CustomerStats,
    *,
    horizons,
    cltv_horizon: float,
    seed: int,
    probs,
    thresholds=(),
    keep=(),
    discount_rate_per_time_unit: float = 0.0,
    margin: float = 1.0,
    n_workers: int = 1,
    chunk_size: int = 5000,
) -> DrawSummaries:
    """Simulate every customer's ``S`` futures and summarise them, memory flat in customers.

    Parameters
    ----------
    params : DrawParameters
        ``S`` population draws.
    customers : CustomerStats
        ``N`` customers.
    horizons : sequence of float
        Horizons (time units) of the purchase counts.
    cltv_horizon : float
        Horizon (time units) of the CLTV draws.
    seed : int
        Seed; a customer's draws depend on it and on the customer's position only.
    probs : sequence of float
        Quantile probabilities (``inverted_cdf``, as the NumPy path).
    thresholds : sequence of float, optional
        CLTV thresholds for ``P(CLTV > threshold)``.
    keep : sequence of int, optional
        Draw indices whose CLTV draws are kept per customer.
    discount_rate_per_time_unit, margin : float, optional
        As :func:`flo_bayes.predictive.draws.simulate_customers`.
    n_workers : int, optional
        Threads (the kernel releases the GIL); results are identical for any value.
    chunk_size : int, optional
        Customers per unit of work, rounded to whole RNG blocks (does not change the numbers
        except the last bits of the per-draw value totals).

    Returns
    -------
    DrawSummaries

    """
    h, h_c, log_d, margin = _settings(horizons, cltv_horizon, discount_rate_per_time_unit, margin)
    probs = np.ascontiguousarray(probs, dtype=np.float64)
    thresholds = np.ascontiguousarray(thresholds, dtype=np.float64)
    keep = np.ascontiguousarray(keep, dtype=np.int64)
    n_draws, n_cust = params.r.size, customers.x.size
    if np.any((probs < 0) | (probs > 1)) or np.any((keep < 0) | (keep >= n_draws)):
        raise ValueError("probs must lie in [0, 1] and keep in [0, S)")
    out = DrawSummaries(
        count_mean=np.zeros((n_cust, h.size)),
        count_quantiles=np.zeros((n_cust, h.size, probs.size), dtype=np.int32),
        p_any=np.zeros((n_cust, h.size)),
        value_mean=np.zeros(n_cust),
        value_quantiles=np.zeros((n_cust, probs.size)),
        p_value_above=np.zeros((n_cust, thresholds.size)),
        kept=np.zeros((n_cust, keep.size)),
        count_totals=np.zeros((h.size, n_draws), dtype=np.int64),
        value_totals=np.zeros(n_draws),
    )

    blocks_per_chunk = max(1, chunk_size // RNG_BLOCK_SIZE)
    n_blocks = -(-n_cust // RNG_BLOCK_SIZE)

    def run(first_block: int) -> tuple[np.ndarray, np.ndarray]:
        count_totals = np.zeros((h.size, n_draws), dtype=np.int64)
        value_totals = np.zeros(n_draws)
        for block in range(first_block, min(first_block + blocks_per_chunk, n_blocks)):
            start = block * RNG_BLOCK_SIZE
            rows = slice(start, min(start + RNG_BLOCK_SIZE, n_cust))
            _summarise_block(
                *params._tuple(), *customers._slice(rows),
                h, h_c, log_d, margin, probs, thresholds, keep, block_generator(seed, block),
                out.count_mean[rows], out.count_quantiles[rows], out.p_any[rows],
                out.value_mean[rows], out.value_quantiles[rows], out.p_value_above[rows],
                out.kept[rows], count_totals, value_totals,
            )  # fmt: skip
        return count_totals, value_totals

    starts = range(0, n_blocks, blocks_per_chunk)
    if n_workers > 1:
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            parts = list(pool.map(run, starts))
    else:
        parts = [run(start) for start in starts]
    for count_totals, value_totals in parts:  # chunk order: same sums for any n_workers
        out.count_totals[...] += count_totals
        out.value_totals[...] += value_totals
    return out
