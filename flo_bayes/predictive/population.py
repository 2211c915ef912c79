"""Posterior draws of the population parameters, flattened over (chain, draw).

The predictive core never touches xarray: :class:`PopulationDraws` is the boundary. It
holds the purchase model (BG/NBD, MBG/NBD or Pareto/NBD), ``S`` draws of its parameters
and ``S`` paired draws of the Gamma-Gamma parameters ``(p, q, v)``; draw ``s`` of one
model is paired with draw ``s`` of the other. The two posteriors are independent (separate models fitted on separate
likelihoods), so any fixed pairing is a valid draw from their product. Each draw may also
carry a purchase-rate multiplier shared by all customers (the aggregate shock of
:mod:`flo_bayes.predictive.aggregate_shock`; 1 when there is none).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from flo_bayes.models.bgnbd import BGNBD
from flo_bayes.models.protocol import ParameterDraws, PurchaseModel
from flo_bayes.predictive._validation import as_1d

BGNBD_PARAMETERS = BGNBD.parameters  # ("r", "alpha", "a", "b"), owned by models.bgnbd
GAMMA_GAMMA_PARAMETERS = ("p", "q", "v")


def thin_indices(n_total: int, n_keep: int) -> np.ndarray:
    """Return ``n_keep`` evenly spaced, distinct indices into ``range(n_total)``.

    Parameters
    ----------
    n_total : int
        Number of available draws.
    n_keep : int
        Number of draws to keep, ``1 <= n_keep <= n_total``.

    Returns
    -------
    numpy.ndarray
        ``floor(k * n_total / n_keep)`` for ``k = 0 .. n_keep - 1`` (int64, increasing).

    """
    if not 1 <= n_keep <= n_total:
        raise ValueError(f"cannot keep {n_keep} of {n_total} draws")
    return (np.arange(n_keep, dtype=np.int64) * n_total) // n_keep


def _flatten_posterior_var(posterior: Any, name: str) -> np.ndarray:
    """Return variable ``name`` of an xarray posterior as a flat (chain*draw,) array."""
    if hasattr(posterior, "posterior") and name not in posterior:
        posterior = posterior.posterior
    try:
        var = posterior[name]
    except KeyError as err:
        raise KeyError(f"posterior has no variable {name!r}") from err
    dims = tuple(var.dims)
    if set(dims) != {"chain", "draw"}:
        raise ValueError(
            f"posterior variable {name!r} has dims {dims}; expected exactly (chain, draw) "
            "(models with covariates are not supported by the predictive core)"
        )
    values = np.asarray(var.transpose("chain", "draw").values, dtype=np.float64)
    return values.reshape(-1)


class PopulationDraws:
    """Paired posterior draws of a purchase model's and the Gamma-Gamma population parameters.

    Construct with the purchase model's parameters as keywords, e.g.
    ``PopulationDraws(r=..., alpha=..., a=..., b=..., p=..., q=..., v=...)`` for the BG/NBD
    (the default) or ``PopulationDraws(r=..., alpha=..., s=..., beta=..., p=..., q=..., v=...,
    model="pnbd")``. Every parameter is also readable as an attribute (``draws.r``).

    Attributes
    ----------
    model : PurchaseModel
        The purchase model (:func:`flo_bayes.models.registry.purchase_model`).
    purchase : ParameterDraws
        ``(S,)`` draws of ``model.parameters`` (purchase-rate and dropout parameters, in the
        model's time unit).
    p, q, v : numpy.ndarray
        ``(S,)`` Gamma-Gamma draws: purchase-value shape ``p``, and shape ``q`` and rate
        ``v`` of the Gamma prior on each customer's value rate ``nu`` (pymc-marketing's
        ``v`` is the papers' ``gamma``).
    rate_multiplier : numpy.ndarray
        ``(S,)`` factor on every customer's purchase rate in draw ``s`` over the forecast
        horizon (the aggregate shock); default all 1. The closed-form expectations ignore it
        (its mean is 1); only the predictive draws use it.
    fixed_value : float or None
        Purchase-only logs (no amounts, no Gamma-Gamma fit): every purchase is worth exactly
        this (``[data.transactions] value_per_purchase``) and ``p, q, v`` are ``None``.

    """

    __slots__ = ("model", "purchase", "p", "q", "v", "rate_multiplier", "fixed_value")

    def __init__(
        self,
        *,
        p: np.ndarray | None = None,
        q: np.ndarray | None = None,
        v: np.ndarray | None = None,
        rate_multiplier: np.ndarray | None = None,
        model: str | PurchaseModel = "bgnbd",
        fixed_value: float | None = None,
        **purchase: np.ndarray,
    ) -> None:
        from flo_bayes.models.registry import purchase_model

        chosen = purchase_model(model) if isinstance(model, str) else model
        expected = set(chosen.parameters)
        if set(purchase) != expected:
            raise ValueError(
                f"{chosen.label} draws need parameters {sorted(expected)}; got {sorted(purchase)}"
            )
        arrays = {name: as_1d(name, purchase[name]) for name in chosen.parameters}
        spend = {"p": p, "q": q, "v": v}
        missing = [value is None for value in spend.values()]
        if fixed_value is None and any(missing):
            raise ValueError("p, q and v are required unless fixed_value is given")
        if fixed_value is not None and (not all(missing) or not fixed_value > 0):
            raise ValueError("fixed_value must be positive and replaces p, q and v (None)")
        gamma_gamma = (
            {} if fixed_value is not None else {k: as_1d(k, val) for k, val in spend.items()}
        )
        n = next(iter(arrays.values())).shape[0]
        multiplier = (
            np.ones(n) if rate_multiplier is None else as_1d("rate_multiplier", rate_multiplier)
        )
        everything = {**arrays, **gamma_gamma, "rate_multiplier": multiplier}
        lengths = set()
        for name, arr in everything.items():
            if np.any(arr <= 0):
                raise ValueError(f"population parameter {name} must be positive")
            lengths.add(arr.shape[0])
        if len(lengths) != 1:
            raise ValueError(f"parameter draws differ in length: {sorted(lengths)}")
        set_ = object.__setattr__
        set_(self, "model", chosen)
        set_(self, "purchase", ParameterDraws(arrays))
        for name in ("p", "q", "v"):
            if name not in gamma_gamma:
                set_(self, name, None)
                continue
            arr = gamma_gamma[name].copy()
            arr.setflags(write=False)
            set_(self, name, arr)
        set_(self, "fixed_value", None if fixed_value is None else float(fixed_value))
        multiplier = multiplier.copy()
        multiplier.setflags(write=False)
        set_(self, "rate_multiplier", multiplier)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("PopulationDraws is immutable")

    def __reduce__(self):
        # Pickled (e.g. scattered to Dask workers) through its constructor, as it is immutable.
        return (_rebuild_draws, (self.model.name, self.fixed_value, self._fields()))

    def __getattr__(self, name: str) -> np.ndarray:
        # purchase-model parameters read as attributes (draws.r, draws.beta, ...)
        try:
            return object.__getattribute__(self, "purchase").values[name]
        except (KeyError, AttributeError):
            raise AttributeError(f"PopulationDraws has no attribute {name!r}") from None

    def _fields(self) -> dict[str, Any]:
        spend = {"p": self.p, "q": self.q, "v": self.v} if self.fixed_value is None else {}
        return {**self.purchase.values, **spend, "rate_multiplier": self.rate_multiplier}

    @property
    def has_shock(self) -> bool:
        """Whether any draw's rate multiplier differs from 1."""
        return bool(np.any(self.rate_multiplier != 1.0))

    def with_rate_multiplier(self, multiplier: np.ndarray) -> PopulationDraws:
        """Return the same draws with ``rate_multiplier`` replaced."""
        return PopulationDraws(
            model=self.model,
            fixed_value=self.fixed_value,
            **{**self._fields(), "rate_multiplier": multiplier},
        )

    @property
    def n_draws(self) -> int:
        """Number of paired draws ``S``."""
        return int(self.rate_multiplier.shape[0])

    def take(self, index: np.ndarray) -> PopulationDraws:
        """Return the draws at positions ``index`` (same index for both models)."""
        idx = np.asarray(index, dtype=np.int64)
        return PopulationDraws(
            model=self.model,
            fixed_value=self.fixed_value,
            **{name: arr[idx] for name, arr in self._fields().items()},
        )

    @classmethod
    def constant(cls, *, n_draws: int, model: str = "bgnbd", **values: float) -> PopulationDraws:
        """Return ``n_draws`` identical draws (known parameters, e.g. simulation truth).

        Parameters
        ----------
        n_draws : int
            Number of (identical) draws ``S``.
        model : str, optional
            Purchase model name (default ``bgnbd``).
        **values : float
            The purchase model's parameters and ``p, q, v``.

        Returns
        -------
        PopulationDraws

        """
        return cls(model=model, **{k: np.full(n_draws, float(val)) for k, val in values.items()})

    @classmethod
    def from_posteriors(
        cls,
        purchase_posterior: Any,
        gg_posterior: Any,
        *,
        max_draws: int | None = None,
        seed: int = 0,
        model: str | PurchaseModel = "bgnbd",
    ) -> PopulationDraws:
        """Flatten two fitted posteriors into paired draws.

        Parameters
        ----------
        purchase_posterior : xarray.Dataset or DataTree
            Purchase-model posterior (``model.fit_result`` or ``idata.posterior``; an object
            with a ``posterior`` group is accepted too) with the model's parameters over
            ``(chain, draw)``.
        gg_posterior : xarray.Dataset or DataTree
            Gamma-Gamma posterior with ``p, q, v`` over ``(chain, draw)``.
        max_draws : int, optional
            Keep at most this many draws. Each posterior is flattened chain by chain
            (``s = chain * n_draw + draw``) and, if longer than the target, thinned by
            :func:`thin_indices` (evenly spaced, deterministic, spanning all chains).
            If the two posteriors differ in size both are thinned to the smaller one.
        seed : int, optional
            Not used by the deterministic thinning; accepted so that callers can pass
            the run seed uniformly. Results never depend on it.
        model : str or PurchaseModel, optional
            The purchase model the posterior belongs to (default ``bgnbd``).

        Returns
        -------
        PopulationDraws
            Draw ``s`` of the purchase posterior paired with draw ``s`` of the Gamma-Gamma
            posterior (valid because the two posteriors are independent).

        """
        from flo_bayes.models.registry import purchase_model

        del seed  # deterministic thinning; see docstring
        chosen = purchase_model(model) if isinstance(model, str) else model
        bg = {name: _flatten_posterior_var(purchase_posterior, name) for name in chosen.parameters}
        gg = {name: _flatten_posterior_var(gg_posterior, name) for name in GAMMA_GAMMA_PARAMETERS}
        n_bg = next(iter(bg.values())).shape[0]
        n_gg = gg["p"].shape[0]
        n_keep = min(n_bg, n_gg)
        if max_draws is not None:
            if max_draws < 1:
                raise ValueError("max_draws must be >= 1")
            n_keep = min(n_keep, int(max_draws))
        bg_idx = thin_indices(n_bg, n_keep)
        gg_idx = thin_indices(n_gg, n_keep)
        return cls(
            model=chosen,
            **{k: val[bg_idx] for k, val in bg.items()},
            **{k: val[gg_idx] for k, val in gg.items()},
        )

    @classmethod
    def purchases_only(
        cls,
        purchase_posterior: Any,
        value_per_purchase: float,
        *,
        model: str | PurchaseModel = "bgnbd",
        max_draws: int | None = None,
    ) -> PopulationDraws:
        """Draws of the purchase-model posterior alone, each purchase worth ``value_per_purchase``.

        For logs without amounts: no Gamma-Gamma model is fitted, so a customer's value over
        a horizon is ``value_per_purchase`` times the (discounted) purchase count.
        """
        from flo_bayes.models.registry import purchase_model

        chosen = purchase_model(model) if isinstance(model, str) else model
        draws = {
            name: _flatten_posterior_var(purchase_posterior, name) for name in chosen.parameters
        }
        n = next(iter(draws.values())).shape[0]
        idx = thin_indices(n, n if max_draws is None else min(n, max_draws))
        return cls(
            model=chosen,
            fixed_value=float(value_per_purchase),
            **{k: val[idx] for k, val in draws.items()},
        )

    def purchase_draws(self) -> ParameterDraws:
        """The purchase model's parameters as :class:`flo_bayes.models.protocol.ParameterDraws`."""
        return self.purchase

    def bgnbd_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return BG/NBD ``r, alpha, a, b`` as ``(S, 1)`` columns (BG/NBD family only)."""
        return tuple(self.purchase.column(name) for name in ("r", "alpha", "a", "b"))

    def gamma_gamma_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``p, q, v`` as ``(S, 1)`` columns for broadcasting over customers."""
        return self.p[:, None], self.q[:, None], self.v[:, None]


def _rebuild_draws(model: str, fixed_value: float | None, fields: dict) -> PopulationDraws:
    """Unpickle :class:`PopulationDraws` (see its ``__reduce__``)."""
    return PopulationDraws(model=model, fixed_value=fixed_value, **fields)
