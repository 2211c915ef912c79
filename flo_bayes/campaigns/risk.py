"""Risk measures of incremental-profit draws (NumPy only).

Rows are customers, columns are draws ``d = 1..S`` sharing one index across customers.

Definitions, with ``k = ceil(level x S)`` (at least 1) and ``x_(1) <= ... <= x_(S)`` a row's
sorted draws:

* ``expected``: the mean of the draws.
* ``lower_bound``: the lower ``level``-quantile, ``x_(k)`` -- the smallest draw whose
  empirical CDF reaches ``level`` (NumPy's ``method="inverted_cdf"``).
* ``cvar`` (expected shortfall, lower tail): the mean of the ``k`` lowest draws,
  ``(x_(1) + ... + x_(k)) / k`` -- the mean of the draws at or below the ``level``-quantile
  (exactly so without ties at the quantile).

Both risk measures are at most the mean and equal it when a row is constant; for profit
draws "higher is better", so they reward customers whose bad outcomes are less bad.
This lower-tail CVaR is superadditive, draw by draw: the ``k`` draws where a campaign's total
is lowest contribute, for each customer, at least that customer's ``k`` lowest draws, so
``sum_i CVaR(X_i) <= CVaR(sum_i X_i)``. Maximising the summed per-customer CVaR therefore
maximises a guaranteed lower bound of the campaign total's CVaR. (No such bound holds for
quantiles: ``lower_bound`` is a ranking heuristic.)
"""

from __future__ import annotations

import math

import numpy as np

from flo_bayes.config.campaigns import CRITERIA


def tail_count(n_draws: int, level: float) -> int:
    """Number of draws in the lower tail of probability ``level``: ``max(1, ceil(level S))``.

    Parameters
    ----------
    n_draws : int
        Number of draws ``S`` (>= 1).
    level : float
        Lower-tail probability in (0, 1).

    Returns
    -------
    int
        ``k`` in ``1..S``.

    """
    if n_draws < 1:
        raise ValueError(f"need at least one draw, got {n_draws}")
    if not 0 < level < 1:
        raise ValueError(f"level must be inside (0, 1), got {level}")
    # The small tolerance keeps e.g. 0.1 x 200 = 20.000000000000004 at 20.
    return min(n_draws, max(1, math.ceil(level * n_draws - 1e-9)))


def _as_matrix(draws: np.ndarray) -> np.ndarray:
    values = np.asarray(draws, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"draws must be 2-D (customers x draws), got shape {values.shape}")
    if values.shape[1] < 1:
        raise ValueError("draws need at least one column")
    if not np.all(np.isfinite(values)):
        raise ValueError("draws contain NaN or infinite values")
    return values


def lower_quantile(draws: np.ndarray, level: float) -> np.ndarray:
    """Row-wise ``x_(k)``: the lower ``level``-quantile (``inverted_cdf``).

    Parameters
    ----------
    draws : numpy.ndarray
        Shape ``(n, S)``.
    level : float
        Lower-tail probability in (0, 1).

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``.

    """
    values = _as_matrix(draws)
    k = tail_count(values.shape[1], level)
    return np.partition(values, k - 1, axis=1)[:, k - 1]


def cvar(draws: np.ndarray, level: float) -> np.ndarray:
    """Row-wise mean of the ``k = ceil(level S)`` lowest draws.

    Parameters
    ----------
    draws : numpy.ndarray
        Shape ``(n, S)``.
    level : float
        Lower-tail probability in (0, 1).

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``.

    """
    values = _as_matrix(draws)
    k = tail_count(values.shape[1], level)
    if k == values.shape[1]:
        return values.mean(axis=1)
    return np.partition(values, k - 1, axis=1)[:, :k].mean(axis=1)


def criterion_values(draws: np.ndarray, criterion: str, level: float) -> np.ndarray:
    """Per-row ranking value of the draws for ``criterion``.

    Parameters
    ----------
    draws : numpy.ndarray
        Shape ``(n, S)``.
    criterion : {"expected", "lower_bound", "cvar"}
        See the module docstring.
    level : float
        Lower-tail probability (ignored for ``expected``).

    Returns
    -------
    numpy.ndarray
        Shape ``(n,)``.

    """
    if criterion == "expected":
        return _as_matrix(draws).mean(axis=1)
    if criterion == "lower_bound":
        return lower_quantile(draws, level)
    if criterion == "cvar":
        return cvar(draws, level)
    raise ValueError(f"criterion must be one of {list(CRITERIA)}, got {criterion!r}")


def loss_probability(draws: np.ndarray) -> np.ndarray:
    """Row-wise share of draws below zero, ``P(X < 0)`` (a draw of exactly 0 is no loss)."""
    return (_as_matrix(draws) < 0).mean(axis=1)


def total_summary(totals: np.ndarray, band: tuple[float, float] = (0.05, 0.95)) -> dict[str, float]:
    """Summary of a vector of draws of a total.

    Parameters
    ----------
    totals : numpy.ndarray
        Shape ``(S,)``: one total per draw.
    band : tuple of float, default (0.05, 0.95)
        Quantile levels of the band (NumPy's default linear interpolation).

    Returns
    -------
    dict
        ``mean``, ``q_low``, ``q_high``, ``p_negative`` (share of draws with total < 0) and
        ``sd``.

    """
    values = np.asarray(totals, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"totals must be a non-empty vector, got shape {values.shape}")
    low, high = np.quantile(values, band)
    return {
        "mean": float(values.mean()),
        "q_low": float(low),
        "q_high": float(high),
        "p_negative": float((values < 0).mean()),
        "sd": float(values.std(ddof=1)) if values.size > 1 else 0.0,
    }


__all__ = [
    "criterion_values",
    "cvar",
    "loss_probability",
    "lower_quantile",
    "tail_count",
    "total_summary",
]
