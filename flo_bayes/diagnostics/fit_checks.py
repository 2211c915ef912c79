"""Fit-to-data checks of the BG/NBD and Gamma-Gamma models: a NumPy core, no plotting.

Each check compares what the customers did with what the fitted model says they would do,
with the model's answer given per posterior draw so that its spread can be drawn as a band.

* :func:`period_transactions_check` -- the "period transactions" check (Fader, Hardie & Lee
  2005, fig. 2): for each customer's own observation window ``T`` and each posterior draw,
  the purchase model's :meth:`~flo_bayes.models.protocol.PurchaseModel.simulate` draws the
  number of repeat purchases of a new customer (BG/NBD by default, :func:`simulate_repeat_purchases`). Histograms of the simulated counts give
  the posterior-predictive distribution of ``x`` to hold against the observed one.
* :func:`frequency_recency_grid` -- expected purchases in a horizon and P(alive) over a grid
  of ``(x, t_x)`` for one ``T``, averaged over posterior draws (uses
  the purchase model's closed forms).
* :func:`simulate_mean_spend` -- the Gamma-Gamma check: per draw, ``nu ~ Gamma(q, v)`` and a
  customer's mean of ``n`` purchase values ``~ Gamma(p n, n nu)``, to hold against the observed
  mean spend per purchase.

All functions take a seeded :class:`numpy.random.Generator`; the same seed gives the same
numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flo_bayes.models.bgnbd import BGNBD
from flo_bayes.models.protocol import ParameterDraws, PurchaseModel
from flo_bayes.predictive.population import PopulationDraws


def _purchase_draws(draws: PopulationDraws | ParameterDraws) -> ParameterDraws:
    return draws if isinstance(draws, ParameterDraws) else draws.purchase_draws()


def _model_of(draws: PopulationDraws | ParameterDraws, model: PurchaseModel | None):
    """The model given, else the draws' own (BG/NBD for bare :class:`ParameterDraws`)."""
    if model is not None:
        return model
    return BGNBD if isinstance(draws, ParameterDraws) else draws.model


@dataclass(frozen=True)
class CountCheck:
    """Observed against posterior-predictive counts of customers per repeat-purchase count.

    Attributes
    ----------
    labels : list of str
        Bin labels ``0, 1, ..., K-1`` and ``K+`` (the last bin holds every count >= K).
    observed : numpy.ndarray
        ``(K+1,)`` observed number of customers per bin.
    predicted : numpy.ndarray
        ``(S, K+1)`` simulated number of customers per bin, one row per posterior draw.

    """

    labels: list[str]
    observed: np.ndarray
    predicted: np.ndarray

    def predicted_quantiles(self, probabilities: tuple[float, ...]) -> np.ndarray:
        """Quantiles of the simulated counts per bin, shape ``(len(probabilities), K+1)``."""
        return np.quantile(self.predicted, probabilities, axis=0)


def simulate_repeat_purchases(
    r: np.ndarray,
    alpha: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    T: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Simulate every customer's repeat purchases in ``(0, T]`` once per posterior draw.

    Parameters
    ----------
    r, alpha, a, b : numpy.ndarray
        ``(S,)`` BG/NBD posterior draws (``alpha`` in the time unit of ``T``).
    T : numpy.ndarray
        ``(N,)`` each customer's time from first purchase to the analysis date.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        ``(S, N)`` int64 simulated repeat-purchase counts.

    """
    theta = {
        name: np.asarray(v, dtype=np.float64)[:, None]
        for name, v in zip(BGNBD.parameters, (r, alpha, a, b), strict=True)
    }
    x, _ = BGNBD.simulate(theta, np.asarray(T, dtype=np.float64)[None, :], rng, recency=False)
    return x


def count_bins(counts: np.ndarray, n_bins: int) -> np.ndarray:
    """Number of entries equal to ``0 .. n_bins-2`` and ``>= n_bins-1`` along the last axis.

    Parameters
    ----------
    counts : numpy.ndarray
        ``(N,)`` or ``(S, N)`` non-negative integer counts.
    n_bins : int
        Number of bins, the last one open-ended.

    Returns
    -------
    numpy.ndarray
        ``(n_bins,)`` or ``(S, n_bins)`` customers per bin.

    """
    clipped = np.minimum(np.asarray(counts, dtype=np.int64), n_bins - 1)
    if clipped.ndim == 1:
        return np.bincount(clipped, minlength=n_bins)
    offsets = np.arange(clipped.shape[0])[:, None] * n_bins
    flat = np.bincount((clipped + offsets).ravel(), minlength=clipped.shape[0] * n_bins)
    return flat.reshape(clipped.shape[0], n_bins)


def period_transactions_check(
    draws: PopulationDraws,
    x: np.ndarray,
    T: np.ndarray,
    rng: np.random.Generator,
    *,
    max_count: int | None = None,
    model: PurchaseModel | None = None,
) -> CountCheck:
    """Observed vs posterior-predictive distribution of repeat purchases.

    Parameters
    ----------
    draws : PopulationDraws or ParameterDraws
        ``S`` posterior draws of ``model``'s parameters.
    x : numpy.ndarray
        ``(N,)`` observed repeat purchases.
    T : numpy.ndarray
        ``(N,)`` each customer's observation window.
    rng : numpy.random.Generator
        Source of randomness.
    max_count : int, optional
        Counts at or above this form the last bin; default: the observed 97.5 % quantile of
        ``x`` (at least 3, at most 30), so the open bin stays small.
    model : PurchaseModel, optional
        The purchase model whose :meth:`~PurchaseModel.simulate` draws the counts (default: the
        draws' own model).

    Returns
    -------
    CountCheck
        Observed and simulated customers per count.

    """
    x = np.asarray(x, dtype=np.int64)
    if max_count is None:
        max_count = int(np.clip(np.ceil(np.quantile(x, 0.975)), 3, 30)) if x.size else 3
    n_bins = max_count + 1
    theta = _purchase_draws(draws)
    model = _model_of(draws, model)
    columns = {name: theta.column(name) for name in model.parameters}
    simulated, _ = model.simulate(
        columns, np.asarray(T, dtype=np.float64)[None, :], rng, recency=False
    )
    labels = [str(k) for k in range(max_count)] + [f"{max_count}+"]
    return CountCheck(labels, count_bins(x, n_bins), count_bins(simulated, n_bins))


@dataclass(frozen=True)
class FrequencyRecencyGrid:
    """Posterior-mean P(alive) and expected purchases over a frequency-recency grid.

    Attributes
    ----------
    x : numpy.ndarray
        ``(X,)`` repeat-purchase counts (rows).
    t_x : numpy.ndarray
        ``(R,)`` recency values, first-to-last purchase time (columns).
    T : float
        The observation window every grid cell assumes.
    horizon : float
        Horizon of the expected purchases, in the same time unit.
    p_alive : numpy.ndarray
        ``(X, R)`` posterior mean P(alive); NaN where the history is impossible
        (``x = 0`` with ``t_x > 0``).
    expected_purchases : numpy.ndarray
        ``(X, R)`` posterior mean expected purchases in ``(T, T + horizon]``; NaN likewise.

    """

    x: np.ndarray
    t_x: np.ndarray
    T: float
    horizon: float
    p_alive: np.ndarray
    expected_purchases: np.ndarray


def frequency_recency_grid(
    draws: PopulationDraws,
    *,
    model: PurchaseModel | None = None,
    max_x: int,
    T: float,
    horizon: float,
    n_recency: int = 40,
) -> FrequencyRecencyGrid:
    """Evaluate P(alive) and expected purchases on a grid of ``x`` and ``t_x`` for one ``T``.

    Parameters
    ----------
    draws : PopulationDraws or ParameterDraws
        Posterior draws.
    model : PurchaseModel, optional
        Whose P(alive) and expectations are evaluated (BG/NBD).
    max_x : int
        Largest repeat-purchase count on the grid (rows ``0 .. max_x``).
    T : float
        Observation window assumed for every cell (e.g. the customers' median ``T``).
    horizon : float
        Horizon of the expected purchases.
    n_recency : int, optional
        Number of recency values, evenly spaced on ``[0, T]``.

    Returns
    -------
    FrequencyRecencyGrid
        Posterior means per cell.

    """
    xs = np.arange(max_x + 1, dtype=np.float64)
    recency = np.linspace(0.0, float(T), n_recency)
    grid_x, grid_r = np.meshgrid(xs, recency, indexing="ij")
    flat_x, flat_r = grid_x.ravel(), grid_r.ravel()
    flat_T = np.full_like(flat_x, float(T))
    theta = _purchase_draws(draws)
    model = _model_of(draws, model)
    alive = model.probability_alive(theta, flat_x, flat_r, flat_T).mean(axis=0)
    expected = model.expected_purchases(theta, flat_x, flat_r, flat_T, horizon).mean(axis=0)
    impossible = (flat_x == 0) & (flat_r > 0)
    alive = np.where(impossible, np.nan, alive).reshape(grid_x.shape)
    expected = np.where(impossible, np.nan, expected).reshape(grid_x.shape)
    return FrequencyRecencyGrid(xs, recency, float(T), float(horizon), alive, expected)


def simulate_mean_spend(
    p: np.ndarray,
    q: np.ndarray,
    v: np.ndarray,
    n: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Simulate each customer's mean spend per purchase once per Gamma-Gamma posterior draw.

    Parameters
    ----------
    p, q, v : numpy.ndarray
        ``(S,)`` Gamma-Gamma posterior draws (``v`` is the rate of ``nu``'s Gamma).
    n : numpy.ndarray
        ``(N,)`` number of purchases each customer's observed mean is taken over.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        ``(S, N)`` simulated mean values per purchase.

    """
    p, q, v = (np.asarray(value, dtype=np.float64)[:, None] for value in (p, q, v))
    n = np.asarray(n, dtype=np.float64)[None, :]
    shape = (p.shape[0], n.shape[1])
    nu = rng.gamma(shape=q, scale=1.0 / v, size=shape)
    # The sum of n values, each Gamma(p, nu), is Gamma(n p, nu); the mean divides by n.
    return rng.gamma(shape=p * n, scale=1.0, size=shape) / (nu * n)


@dataclass(frozen=True)
class SpendCheck:
    """Observed against posterior-predictive distribution of mean spend per purchase.

    Attributes
    ----------
    edges : numpy.ndarray
        ``(K+1,)`` bin edges (log-spaced, in currency units).
    observed : numpy.ndarray
        ``(K,)`` share of customers per bin.
    predicted : numpy.ndarray
        ``(S, K)`` simulated share per bin, one row per posterior draw.
    observed_mean : float
        Mean of the observed mean spend.
    predicted_mean : numpy.ndarray
        ``(S,)`` mean of the simulated mean spend, per draw.

    """

    edges: np.ndarray
    observed: np.ndarray
    predicted: np.ndarray
    observed_mean: float
    predicted_mean: np.ndarray


def spend_check(
    draws: PopulationDraws,
    n: np.ndarray,
    mean_spend: np.ndarray,
    rng: np.random.Generator,
    *,
    n_bins: int = 40,
) -> SpendCheck:
    """Observed vs posterior-predictive distribution of customers' mean spend per purchase.

    Parameters
    ----------
    draws : PopulationDraws
        Posterior draws (only ``p, q, v`` are used).
    n : numpy.ndarray
        ``(N,)`` purchases behind each observed mean (customers with ``n > 0`` only).
    mean_spend : numpy.ndarray
        ``(N,)`` observed mean spend per purchase (positive).
    rng : numpy.random.Generator
        Source of randomness.
    n_bins : int, optional
        Number of log-spaced bins.

    Returns
    -------
    SpendCheck
        Binned shares; values outside the observed range fall into the end bins.

    """
    mean_spend = np.asarray(mean_spend, dtype=np.float64)
    simulated = simulate_mean_spend(draws.p, draws.q, draws.v, n, rng)
    low, high = np.quantile(mean_spend, [0.001, 0.999])
    edges = np.geomspace(max(low, 1e-9), max(high, low * 1.01, 1e-8), n_bins + 1)

    def shares(values: np.ndarray) -> np.ndarray:
        index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, n_bins - 1)
        if index.ndim == 1:
            return np.bincount(index, minlength=n_bins) / index.size
        return count_bins(index, n_bins) / index.shape[1]

    return SpendCheck(
        edges=edges,
        observed=shares(mean_spend),
        predicted=shares(simulated),
        observed_mean=float(mean_spend.mean()),
        predicted_mean=simulated.mean(axis=1),
    )
