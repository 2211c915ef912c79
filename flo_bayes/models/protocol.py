"""What every purchase model provides, and the array layout shared by all of them.

A *purchase model* (BG/NBD, MBG/NBD, Pareto/NBD) lives in one module of
:mod:`flo_bayes.models` and is one :class:`PurchaseModel` instance there. It owns its
parameter names, the pymc-marketing class it is fitted with (and the grouped-likelihood
subclass), and all of its math: the per-customer log-likelihood, the closed-form
P(alive) and conditional expected purchases, the expected repeats of a new customer, the
posterior predictive draws of future purchases for existing customers, and a simulator of
calibration histories. Consumers pick a model with :func:`flo_bayes.models.registry.purchase_model`
and never re-implement any of it.

Array layout
------------
Posterior draws of the population parameters are :class:`ParameterDraws`: one ``(S,)``
array per parameter, flattened over ``(chain, draw)`` as ``s = chain * n_draw + draw``.
Every per-customer array a model returns has the layout ``(draw, customer)`` =
``(S, N)`` (dims :data:`DRAW_DIM`, :data:`CUSTOMER_DIM`): row ``s`` uses draw ``s`` of
every parameter, column ``i`` is customer ``i`` of the ``x, t_x, T`` arrays passed in.
Counts over several horizons add a leading horizon axis, ``(H, S, N)``. When such an
array crosses into xarray (model comparison) it carries exactly these dim names.

Customer inputs: ``x`` repeat purchases, ``t_x`` time from first to last purchase, ``T``
time from first purchase to the analysis date, all in the model's time unit (weeks by
default), ``0 <= t_x <= T`` and ``t_x = 0`` where ``x = 0``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

DRAW_DIM = "draw"
CUSTOMER_DIM = "customer"
HORIZON_DIM = "horizon"


def _flatten(posterior: Any, name: str) -> np.ndarray:
    """Variable ``name`` of an xarray posterior (or DataTree) as a flat ``(chain*draw,)`` array."""
    if hasattr(posterior, "posterior") and name not in posterior:
        posterior = posterior.posterior
    try:
        var = posterior[name]
    except KeyError as err:
        raise KeyError(f"posterior has no variable {name!r}") from err
    if set(var.dims) != {"chain", "draw"}:
        raise ValueError(
            f"posterior variable {name!r} has dims {tuple(var.dims)}; expected (chain, draw) "
            "(models with covariates are not supported)"
        )
    return np.asarray(var.transpose("chain", "draw").values, dtype=np.float64).reshape(-1)


@dataclass(frozen=True)
class ParameterDraws:
    """``S`` posterior (or fixed) draws of one model's population parameters.

    Attributes
    ----------
    values : dict of str to numpy.ndarray
        ``(S,)`` positive draws per parameter name, all the same length.

    """

    values: Mapping[str, np.ndarray]

    def __post_init__(self) -> None:
        clean = {}
        for name, value in self.values.items():
            arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
            if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
                raise ValueError(f"parameter draws of {name} must be finite, positive and 1-D")
            arr = arr.copy()
            arr.setflags(write=False)
            clean[name] = arr
        if len({arr.shape[0] for arr in clean.values()}) > 1:
            raise ValueError("parameter draws differ in length")
        object.__setattr__(self, "values", clean)

    @property
    def n_draws(self) -> int:
        """Number of draws ``S``."""
        return int(next(iter(self.values.values())).shape[0])

    def column(self, name: str) -> np.ndarray:
        """Draws of ``name`` as an ``(S, 1)`` column, to broadcast over customers."""
        return self.values[name][:, None]

    def mean(self) -> dict[str, float]:
        """Posterior mean of every parameter."""
        return {name: float(arr.mean()) for name, arr in self.values.items()}

    def take(self, index: np.ndarray) -> ParameterDraws:
        """Draws at positions ``index``."""
        idx = np.asarray(index, dtype=np.int64)
        return ParameterDraws({name: arr[idx] for name, arr in self.values.items()})

    @classmethod
    def constant(cls, values: Mapping[str, float], n_draws: int = 1) -> ParameterDraws:
        """``n_draws`` identical draws (known parameters, e.g. a simulation truth)."""
        return cls({name: np.full(n_draws, float(v)) for name, v in values.items()})

    @classmethod
    def from_posterior(cls, posterior: Any, names: Sequence[str]) -> ParameterDraws:
        """Flatten the ``(chain, draw)`` posterior of ``names`` (``fit_result`` or ``idata``)."""
        return cls({name: _flatten(posterior, name) for name in names})


@dataclass(frozen=True)
class FuturePaths:
    """Simulated futures of existing customers at sorted horizons ``breaks``.

    Every model is written as "Poisson arrivals of the customer's rate on ``(0, w]``, of which
    the first ``counts`` are purchases": ``arrivals[k]`` counts the arrivals in
    ``(0, min(breaks[k], lifetime)]`` and ``counts[k] <= arrivals[k]`` the purchases in
    ``(T, T + breaks[k]]``. Given the counts, the purchase times over a horizon ``h`` are
    the first ``counts`` of ``arrivals`` ordered uniform times on ``(0, min(h, lifetime)]``
    -- what the discounted value draws need.

    Attributes
    ----------
    breaks : numpy.ndarray
        ``(K,)`` increasing horizons.
    alive : numpy.ndarray
        ``(S, N)`` bool, alive at ``T``.
    arrivals, counts : numpy.ndarray
        ``(K, S, N)`` int64.
    lifetime : numpy.ndarray or None
        ``(S, N)`` remaining lifetime after ``T`` when dropout happens in continuous time
        (Pareto/NBD); ``None`` when it happens after purchases (BG/NBD family).

    """

    breaks: np.ndarray
    alive: np.ndarray
    arrivals: np.ndarray
    counts: np.ndarray
    lifetime: np.ndarray | None = None


class PurchaseModel(ABC):
    """One purchase (count and dropout) model: its names, fitting class and math.

    Subclasses set the class attributes and implement the abstract methods; every method
    works on any subset of customers (a customer's result never depends on the others),
    takes ``theta`` as :class:`ParameterDraws` and returns ``(S, N)`` arrays.
    """

    name: str
    """Registry key and config value (``bgnbd``, ``mbgnbd``, ``pnbd``)."""
    label: str
    """Name for tables and the report."""
    parameters: tuple[str, ...]
    """Population parameter names, as pymc-marketing names them."""
    complexity: int
    """Rank used to break ties in model comparison (lower = simpler)."""
    dropout_at_zero: bool
    """Whether a customer without repeat purchases may already have dropped out."""

    @abstractmethod
    def model_class(self, grouped: bool) -> type:
        """pymc-marketing class to fit (the grouped-likelihood subclass if ``grouped``)."""

    @abstractmethod
    def log_likelihood(
        self, theta: ParameterDraws, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """Per-customer log-likelihood ``log L(theta_s | x_i, t_x_i, T_i)``, ``(S, N)``."""

    @abstractmethod
    def probability_alive(
        self, theta: ParameterDraws, x: np.ndarray, t_x: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """P(alive at ``T`` | history, ``theta_s``), ``(S, N)``."""

    @abstractmethod
    def expected_purchases_alive(
        self, theta: ParameterDraws, x: np.ndarray, T: np.ndarray, t: float
    ) -> np.ndarray:
        """``E[N(T, T+t] | alive at T]``, ``(S, N)`` (depends on ``x`` and ``T`` only)."""

    def expected_purchases(
        self, theta: ParameterDraws, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, t: float
    ) -> np.ndarray:
        """``E[N(T, T+t] | history, theta_s] = P(alive) E[N | alive]``, ``(S, N)``."""
        return self.probability_alive(theta, x, t_x, T) * self.expected_purchases_alive(
            theta, x, T, t
        )

    @abstractmethod
    def expected_repeats_new(self, theta: Mapping[str, float], t: np.ndarray) -> np.ndarray:
        """Expected repeat purchases of a new customer in ``(0, t]``, shape of ``t``."""

    @abstractmethod
    def draw_future_paths(
        self,
        theta: ParameterDraws,
        x: np.ndarray,
        t_x: np.ndarray,
        T: np.ndarray,
        breaks: np.ndarray,
        rng: np.random.Generator,
        rate_multiplier: np.ndarray | None = None,
    ) -> FuturePaths:
        """One posterior predictive future per draw and customer, at sorted ``breaks``.

        ``breaks`` are distinct increasing horizons; see :class:`FuturePaths`.
        ``rate_multiplier`` (``(S,)``) scales every purchase rate of draw ``s``.
        """

    def draw_future_purchases(
        self,
        theta: ParameterDraws,
        x: np.ndarray,
        t_x: np.ndarray,
        T: np.ndarray,
        horizons: Sequence[float],
        rng: np.random.Generator,
        rate_multiplier: np.ndarray | None = None,
    ) -> np.ndarray:
        """Posterior predictive purchase counts in ``(T, T + h]``, ``(H, S, N)`` int64.

        One future per draw and customer; counts of nested horizons come from the same
        path. ``rate_multiplier`` (``(S,)``) scales every purchase rate of draw ``s``.
        """
        x, t_x, T = as_histories(x, t_x, T)
        h = check_horizon_list(horizons)
        breaks = np.unique(h)
        paths = self.draw_future_paths(theta, x, t_x, T, breaks, rng, rate_multiplier)
        return np.stack([paths.counts[np.searchsorted(breaks, hk)] for hk in h])

    @abstractmethod
    def simulate_purchase_times(
        self,
        theta: Mapping[str, float],
        window: np.ndarray,
        rng: np.random.Generator,
        time_scale: float = 1.0,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Repeat-purchase times of new customers, customer ``i`` observed on ``(0, window[i]]``.

        ``window`` and the returned times are in units of ``time_scale`` model time units'
        reciprocal (e.g. days with ``time_scale`` = days per week). Returns ``(owner, tau)``:
        the customer index of every purchase and its time, grouped by customer.
        """

    @abstractmethod
    def simulate(
        self,
        theta: Mapping[str, Any],
        T: np.ndarray,
        rng: np.random.Generator,
        *,
        recency: bool = True,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Simulate calibration histories ``(x, t_x)`` of new customers observed for ``T``.

        ``theta`` values (floats, or ``(S, 1)`` draws) broadcast against ``T``; the result has
        the broadcast shape. With ``recency=False`` only ``x`` is drawn (``t_x`` is None).
        """


def as_histories(x: object, t_x: object, T: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate customer histories: finite 1-D, same length, ``0 <= t_x <= T``, ``x >= 0``."""
    arrays = [np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (x, t_x, T)]
    names = ("x", "t_x", "T")
    for name, arr in zip(names, arrays, strict=True):
        if arr.ndim != 1 or not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be a finite 1-D array")
    if len({arr.shape[0] for arr in arrays}) != 1:
        raise ValueError("x, t_x and T differ in length")
    x, t_x, T = arrays
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > T):
        raise ValueError("histories need x >= 0 and 0 <= t_x <= T")
    return x, t_x, T


def check_horizon_list(horizons: Sequence[float]) -> np.ndarray:
    """Horizons as a 1-D array of positive, finite values."""
    arr = np.atleast_1d(np.asarray(horizons, dtype=np.float64))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError("horizons must be a non-empty list of positive numbers")
    return arr


def poisson_paths(
    rng: np.random.Generator, rate_times: np.ndarray, horizons: np.ndarray
) -> np.ndarray:
    """Cumulative Poisson arrivals at sorted breakpoints, ``(K, S, N)``.

    ``rate_times`` is a function-free shortcut: the caller passes the rate ``lambda`` as an
    ``(S, N)`` array and gets ``M_k`` = arrivals in ``(0, horizons[k]]`` of one path.
    """
    out = np.empty((horizons.shape[0],) + rate_times.shape, dtype=np.int64)
    previous = 0.0
    for k, h_k in enumerate(horizons):
        out[k] = rng.poisson(rate_times * (h_k - previous))
        if k:
            out[k] += out[k - 1]
        previous = h_k
    return out
