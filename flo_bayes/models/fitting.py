"""Fit pymc-marketing's BetaGeoModel and GammaGammaModel with NUTS.

Polars frames are converted to pandas only here, at the boundary pymc-marketing needs.

Reproducibility: nutpie compiles the log density with PyTensor's numba backend, whose default
``fastmath`` flags let LLVM reassociate and fuse floating-point sums. A function compiled in this
process and the same function loaded from PyTensor's on-disk numba cache then round differently
(a cold compile inlines and vectorises the whole graph, a cached load links separately compiled
pieces), and NUTS amplifies a last-bit difference into different draws: with the same seed, the
first run on a machine and every later run disagreed. Every fit therefore compiles with
``numba__fastmath=False`` (:func:`reproducible_compilation`), which keeps IEEE evaluation order
in both paths; PyTensor's cache key includes the flag, so older fastmath entries are not reused.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd
import polars as pl
import pytensor
from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

from flo_bayes.config import SamplerSettings
from flo_bayes.interrupts import reraise_swallowed_interrupt
from flo_bayes.models.bgnbd import BGNBD
from flo_bayes.models.compiled_fit import CompiledBetaGeoModel, CompiledGammaGammaModel
from flo_bayes.models.fast_bgnbd import FastBetaGeoModel
from flo_bayes.models.fast_gamma_gamma import FastGammaGammaModel
from flo_bayes.models.priors import ResolvedPrior
from flo_bayes.models.protocol import PurchaseModel
from flo_bayes.models.selection import (
    SelectionAwareBetaGeoModel,
    SelectionAwareModifiedBetaGeoModel,
    WindowSelection,
)

# Purchase models with a selection-aware likelihood (``[data.selection]``).
SELECTION_AWARE_CLASSES = {
    "bgnbd": SelectionAwareBetaGeoModel,
    "mbgnbd": SelectionAwareModifiedBetaGeoModel,
}

BGNBD_PARAMETERS = BGNBD.parameters  # ("r", "alpha", "a", "b"), owned by models.bgnbd
GAMMA_GAMMA_PARAMETERS = ("p", "q", "v")

# [sampler] likelihood -> class fitted. "compiled" samples the grouped density through
# flo_bayes.models.compiled_cache (machine code cached on disk across processes).
_BGNBD_CLASSES = {
    "grouped": FastBetaGeoModel,
    "compiled": CompiledBetaGeoModel,
    "library": BetaGeoModel,
}
_GAMMA_GAMMA_CLASSES = {
    "grouped": FastGammaGammaModel,
    "compiled": CompiledGammaGammaModel,
    "library": GammaGammaModel,
}


@dataclass(frozen=True)
class FittedModels:
    """The fitted purchase model, the fitted Gamma-Gamma model and the priors they used.

    Attributes
    ----------
    purchase : pymc_marketing.clv.CLVModel
        The fitted purchase model (BG/NBD, MBG/NBD or Pareto/NBD; ``purchase_model`` says which).
    gamma_gamma : GammaGammaModel or None
        None for a purchase-only log.
    purchase_priors, gamma_gamma_priors : dict of str to ResolvedPrior
    purchase_model : PurchaseModel
        The model ``purchase`` is a fit of (default BG/NBD).

    """

    purchase: object
    gamma_gamma: GammaGammaModel | None
    purchase_priors: dict[str, ResolvedPrior]
    gamma_gamma_priors: dict[str, ResolvedPrior] | None
    purchase_model: PurchaseModel = BGNBD

    @property
    def bgnbd(self):
        """The fitted purchase model under its former name (kept for callers of the BG/NBD)."""
        return self.purchase

    @property
    def bgnbd_priors(self) -> dict[str, ResolvedPrior]:
        """The purchase model's priors under their former name."""
        return self.purchase_priors


def bgnbd_data(summary: pl.DataFrame) -> pd.DataFrame:
    """The BG/NBD input in pymc-marketing's column names."""
    return summary.select(
        pl.col("customer_id"),
        pl.col("x").cast(pl.Float64).alias("frequency"),
        pl.col("t_x").alias("recency"),
        pl.col("T"),
    ).to_pandas()


def gamma_gamma_data(summary: pl.DataFrame) -> pd.DataFrame:
    """The Gamma-Gamma input: customers with ``gg_n > 0`` and a positive mean spend."""
    return (
        summary.filter((pl.col("gg_n") > 0) & (pl.col("gg_mean") > 0))
        .select(
            pl.col("customer_id"),
            pl.col("gg_n").cast(pl.Float64).alias("frequency"),
            pl.col("gg_mean").alias("monetary_value"),
        )
        .to_pandas()
    )


def sampler_kwargs(settings: SamplerSettings, seed: int) -> dict:
    """Translate sampler settings into ``pm.sample`` keyword arguments."""
    kwargs: dict = {
        "chains": settings.chains,
        "draws": settings.draws,
        "tune": settings.tune,
        "cores": settings.cores,
        "random_seed": seed,
        "progressbar": False,
    }
    if settings.backend == "nutpie":
        kwargs["nuts_sampler"] = "nutpie"
        kwargs["nuts_sampler_kwargs"] = {
            "adaptation": settings.mass_matrix,
            "target_accept": settings.target_accept,
        }
    else:
        kwargs["nuts_sampler"] = "pymc"
        kwargs["target_accept"] = settings.target_accept
    return kwargs


@contextmanager
def reproducible_compilation() -> Iterator[None]:
    """Compile log densities without fastmath, so a cached and a fresh compile agree bit for bit.

    Scoped to the block (PyTensor's ``change_flags``): nothing outside a fit is changed.
    See the module docstring for the cause this removes.
    """
    with pytensor.config.change_flags(numba__fastmath=False):
        yield


def _fit(model, data: pd.DataFrame, settings: SamplerSettings, seed: int, **fit_kwargs):
    with warnings.catch_warnings():
        # pymc-marketing warns about T = 0 customers; the diagnostics report them instead.
        warnings.filterwarnings("ignore", message="T=0 is uninformative")
        warnings.filterwarnings("ignore", category=FutureWarning)
        with reproducible_compilation(), reraise_swallowed_interrupt():
            # nutpie returns a cut trace on Ctrl-C; reraise_swallowed_interrupt restores it.
            model.fit(data, **fit_kwargs, **sampler_kwargs(settings, seed))
    return model


def fit_bgnbd(
    summary: pl.DataFrame,
    priors: dict[str, ResolvedPrior],
    settings: SamplerSettings,
    seed: int,
    selection: WindowSelection | None = None,
) -> BetaGeoModel:
    """Fit the BG/NBD model, conditioned on an extract's selection rule when one is given.

    Parameters
    ----------
    summary : polars.DataFrame
        Customer summary with ``customer_id``, ``x``, ``t_x``, ``T``.
    priors : dict of str to ResolvedPrior
        From :func:`flo_bayes.models.priors.bgnbd_priors`.
    settings : SamplerSettings
        NUTS settings.
    seed : int
        Sampler seed.
    selection : WindowSelection, optional
        How the customers were selected: the fit is a
        :class:`~flo_bayes.models.selection.SelectionAwareBetaGeoModel` (always the grouped
        likelihood, whatever ``settings.likelihood``).

    Returns
    -------
    pymc_marketing.clv.BetaGeoModel
        The fitted model.

    """
    model_config = {name: prior.to_pymc() for name, prior in priors.items()}
    if selection is not None:
        # The compiled posterior has no selection term: the grouped class with it is fitted.
        model = SELECTION_AWARE_CLASSES["bgnbd"](
            model_config=model_config,
            window=selection.window,
            min_purchase_occasions=selection.min_purchase_occasions,
        )
        return _fit(model, bgnbd_data(summary), settings, seed)
    model_class = _BGNBD_CLASSES[settings.likelihood]
    model = model_class(model_config=model_config)
    return _fit(model, bgnbd_data(summary), settings, seed)


def fit_purchase_model(
    model: PurchaseModel,
    summary: pl.DataFrame,
    priors: dict[str, ResolvedPrior],
    settings: SamplerSettings,
    seed: int,
    selection: WindowSelection | None = None,
):
    """Fit purchase model ``model`` (BG/NBD, MBG/NBD or Pareto/NBD) with NUTS.

    Parameters
    ----------
    model : PurchaseModel
        From :func:`flo_bayes.models.registry.purchase_model`.
    summary : polars.DataFrame
        Customer summary with ``customer_id``, ``x``, ``t_x``, ``T``.
    priors : dict of str to ResolvedPrior
        From :func:`flo_bayes.models.priors.purchase_priors`.
    settings : SamplerSettings
        NUTS settings (``likelihood = "grouped"`` uses the model's grouped likelihood;
        ``"compiled"`` the compiled posterior for BG/NBD, the grouped likelihood otherwise).
    seed : int
        Sampler seed.
    selection : WindowSelection, optional
        Condition on an extract's selection rule (BG/NBD and MBG/NBD only, see
        :data:`SELECTION_AWARE_CLASSES`; always the grouped likelihood).

    Returns
    -------
    pymc_marketing.clv.CLVModel
        The fitted pymc-marketing model (grouped subclass or library class).

    Raises
    ------
    ValueError
        With a selection rule for a model that has no selection-aware likelihood.

    """
    model_config = {name: prior.to_pymc() for name, prior in priors.items()}
    if selection is not None:
        if model.name not in SELECTION_AWARE_CLASSES:
            raise ValueError(f"no selection-aware likelihood for {model.label}")
        fitted = SELECTION_AWARE_CLASSES[model.name](
            model_config=model_config,
            window=selection.window,
            min_purchase_occasions=selection.min_purchase_occasions,
        )
        return _fit(fitted, bgnbd_data(summary), settings, seed)
    if model.name == "bgnbd":
        model_class = _BGNBD_CLASSES[settings.likelihood]
    else:  # no compiled posterior for MBG/NBD and Pareto/NBD yet: "compiled" fits grouped
        model_class = model.model_class(settings.likelihood != "library")
    fitted = model_class(model_config=model_config)
    # ParetoNBDModel.fit defaults to MAP; "mcmc" also installs its hyp2f1-gradient rewrite.
    fit_kwargs = {"method": "mcmc"} if model.name == "pnbd" else {}
    return _fit(fitted, bgnbd_data(summary), settings, seed, **fit_kwargs)


def fit_gamma_gamma(
    summary: pl.DataFrame, priors: dict[str, ResolvedPrior], settings: SamplerSettings, seed: int
) -> GammaGammaModel:
    """Fit the Gamma-Gamma model on customers with purchases that carry spend.

    Parameters
    ----------
    summary : polars.DataFrame
        Customer summary with ``customer_id``, ``gg_n``, ``gg_mean``.
    priors : dict of str to ResolvedPrior
        From :func:`flo_bayes.models.priors.gamma_gamma_priors`.
    settings : SamplerSettings
        NUTS settings.
    seed : int
        Sampler seed.

    Returns
    -------
    pymc_marketing.clv.GammaGammaModel
        The fitted model.

    """
    model_class = _GAMMA_GAMMA_CLASSES[settings.likelihood]
    model = model_class(model_config={name: prior.to_pymc() for name, prior in priors.items()})
    return _fit(model, gamma_gamma_data(summary), settings, seed)
