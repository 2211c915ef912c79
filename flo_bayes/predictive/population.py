"""Posterior draws of the population parameters, flattened over (chain, draw).

The predictive core never touches xarray: :class:`PopulationDraws` is the boundary. It
holds ``S`` paired draws of the BG/NBD parameters ``(r, alpha, a, b)`` and the
Gamma-Gamma parameters ``(p, q, v)``; draw ``s`` of one model is paired with draw ``s``
of the other. The two posteriors are independent (separate models fitted on separate
likelihoods), so any fixed pairing is a valid draw from their product. Each draw may also
carry a purchase-rate multiplier shared by all customers (the aggregate shock of
:mod:`flo_bayes.predictive.aggregate_shock`; 1 when there is none).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from flo_bayes.models.bgnbd import BGNBD
from flo_bayes.models.protocol import ParameterDraws
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


@dataclass(frozen=True)
class PopulationDraws:
    """Paired posterior draws of the BG/NBD and Gamma-Gamma population parameters.

    Attributes
    ----------
    r, alpha, a, b : numpy.ndarray
        ``(S,)`` BG/NBD draws: purchase-rate shape ``r`` and rate ``alpha`` (in the model's
        time unit), dropout Beta parameters ``a`` and ``b``.
    p, q, v : numpy.ndarray
        ``(S,)`` Gamma-Gamma draws: purchase-value shape ``p``, and shape ``q`` and rate
        ``v`` of the Gamma prior on each customer's value rate ``nu`` (pymc-marketing's
        ``v`` is the papers' ``gamma``).
    rate_multiplier : numpy.ndarray, optional
        ``(S,)`` factor on every customer's purchase rate in draw ``s`` over the forecast
        horizon (the aggregate shock); default all 1. The closed-form expectations ignore it
        (its mean is 1); only the predictive draws use it.
    fixed_value : float, optional
        Purchase-only runs (no spend model): every purchase is worth exactly this value, and
        ``p, q, v`` are ``None``. See :meth:`purchases_only`.

    """

    r: np.ndarray
    alpha: np.ndarray
    a: np.ndarray
    b: np.ndarray
    p: np.ndarray | None
    q: np.ndarray | None
    v: np.ndarray | None
    rate_multiplier: np.ndarray | None = None
    fixed_value: float | None = None

    def __post_init__(self) -> None:
        if self.rate_multiplier is None:
            object.__setattr__(self, "rate_multiplier", np.ones_like(as_1d("r", self.r)))
        spend = [getattr(self, name) is None for name in GAMMA_GAMMA_PARAMETERS]
        if self.fixed_value is None and any(spend):
            raise ValueError("p, q and v are required unless fixed_value is given")
        if self.fixed_value is not None and (not all(spend) or not self.fixed_value > 0):
            raise ValueError("fixed_value must be positive and replaces p, q and v (None)")
        lengths = set()
        for field in fields(self):
            if field.name == "fixed_value" or getattr(self, field.name) is None:
                continue
            arr = as_1d(field.name, getattr(self, field.name))
            if np.any(arr <= 0):
                raise ValueError(f"population parameter {field.name} must be positive")
            arr = arr.copy()
            arr.setflags(write=False)
            object.__setattr__(self, field.name, arr)
            lengths.add(arr.shape[0])
        if len(lengths) != 1:
            raise ValueError(f"parameter draws differ in length: {sorted(lengths)}")

    @property
    def has_shock(self) -> bool:
        """Whether any draw's rate multiplier differs from 1."""
        return bool(np.any(self.rate_multiplier != 1.0))

    def with_rate_multiplier(self, multiplier: np.ndarray) -> PopulationDraws:
        """Return the same draws with ``rate_multiplier`` replaced."""
        return replace(self, rate_multiplier=multiplier)

    @property
    def n_draws(self) -> int:
        """Number of paired draws ``S``."""
        return int(self.r.shape[0])

    def take(self, index: np.ndarray) -> PopulationDraws:
        """Return the draws at positions ``index`` (same index for both models)."""
        idx = np.asarray(index, dtype=np.int64)
        taken = {
            f.name: None if getattr(self, f.name) is None else getattr(self, f.name)[idx]
            for f in fields(self)
            if f.name != "fixed_value"
        }
        return PopulationDraws(**taken, fixed_value=self.fixed_value)

    @classmethod
    def purchases_only(
        cls, bgnbd_posterior: Any, value_per_purchase: float, *, max_draws: int | None = None
    ) -> PopulationDraws:
        """Draws of the BG/NBD posterior alone, each purchase worth ``value_per_purchase``.

        For logs without amounts: no Gamma-Gamma model is fitted, so a customer's value over
        a horizon is ``value_per_purchase`` times the (discounted) purchase count.
        """
        bg = {name: _flatten_posterior_var(bgnbd_posterior, name) for name in BGNBD_PARAMETERS}
        n_keep = bg["r"].shape[0] if max_draws is None else min(bg["r"].shape[0], max_draws)
        idx = thin_indices(bg["r"].shape[0], n_keep)
        return cls(
            **{k: val[idx] for k, val in bg.items()},
            p=None,
            q=None,
            v=None,
            fixed_value=float(value_per_purchase),
        )

    @classmethod
    def constant(
        cls,
        *,
        r: float,
        alpha: float,
        a: float,
        b: float,
        p: float,
        q: float,
        v: float,
        n_draws: int,
    ) -> PopulationDraws:
        """Return ``n_draws`` identical draws (known parameters, e.g. simulation truth).

        Parameters
        ----------
        r, alpha, a, b, p, q, v : float
            Parameter values.
        n_draws : int
            Number of (identical) draws ``S``.

        Returns
        -------
        PopulationDraws

        """
        values = {"r": r, "alpha": alpha, "a": a, "b": b, "p": p, "q": q, "v": v}
        return cls(**{k: np.full(n_draws, float(val)) for k, val in values.items()})

    @classmethod
    def from_posteriors(
        cls,
        bgnbd_posterior: Any,
        gg_posterior: Any,
        *,
        max_draws: int | None = None,
        seed: int = 0,
    ) -> PopulationDraws:
        """Flatten two fitted posteriors into paired draws.

        Parameters
        ----------
        bgnbd_posterior : xarray.Dataset or DataTree
            BG/NBD posterior (``model.fit_result`` or ``idata.posterior``; an object with
            a ``posterior`` group is accepted too) with ``r, alpha, a, b`` over
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

        Returns
        -------
        PopulationDraws
            Draw ``s`` of the BG/NBD posterior paired with draw ``s`` of the Gamma-Gamma
            posterior (valid because the two posteriors are independent).

        """
        del seed  # deterministic thinning; see docstring
        bg = {name: _flatten_posterior_var(bgnbd_posterior, name) for name in BGNBD_PARAMETERS}
        gg = {name: _flatten_posterior_var(gg_posterior, name) for name in GAMMA_GAMMA_PARAMETERS}
        n_bg = bg["r"].shape[0]
        n_gg = gg["p"].shape[0]
        n_keep = min(n_bg, n_gg)
        if max_draws is not None:
            if max_draws < 1:
                raise ValueError("max_draws must be >= 1")
            n_keep = min(n_keep, int(max_draws))
        bg_idx = thin_indices(n_bg, n_keep)
        gg_idx = thin_indices(n_gg, n_keep)
        return cls(
            **{k: val[bg_idx] for k, val in bg.items()},
            **{k: val[gg_idx] for k, val in gg.items()},
        )

    def purchase_draws(self) -> ParameterDraws:
        """The BG/NBD parameters as :class:`flo_bayes.models.protocol.ParameterDraws`."""
        return ParameterDraws({name: getattr(self, name) for name in BGNBD_PARAMETERS})

    def bgnbd_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return ``r, alpha, a, b`` as ``(S, 1)`` columns for broadcasting over customers."""
        return self.r[:, None], self.alpha[:, None], self.a[:, None], self.b[:, None]

    def gamma_gamma_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``p, q, v`` as ``(S, 1)`` columns for broadcasting over customers."""
        return self.p[:, None], self.q[:, None], self.v[:, None]
