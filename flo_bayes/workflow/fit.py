"""The fit stage: priors, NUTS fits of both models, saved posteriors and their diagnostics."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from flo_bayes.config import Config
from flo_bayes.diagnostics.convergence import (
    GateResult,
    evaluate_gate,
    posterior_summary,
    sampler_stats,
)
from flo_bayes.diagnostics.priors_check import prior_posterior_table
from flo_bayes.errors import ConfigError
from flo_bayes.io.writers import atomic_path, write_frame
from flo_bayes.models.comparison import FittedPurchase, ModelComparison, compare_purchase_models
from flo_bayes.models.fitting import (
    BGNBD_PARAMETERS,
    GAMMA_GAMMA_PARAMETERS,
    FittedModels,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_purchase_model,
    gamma_gamma_data,
)
from flo_bayes.models.priors import bgnbd_priors, gamma_gamma_priors, purchase_priors
from flo_bayes.models.registry import PURCHASE_MODELS
from flo_bayes.models.selection import WindowSelection
from flo_bayes.models.selection_simulation import window_length
from flo_bayes.predictive.population import PopulationDraws
from flo_bayes.runs import RunFolder

# Groups of a saved posterior that hold the customer table (ids, x, t_x, T, spend).
CUSTOMER_TABLE_GROUPS = ("fit_data", "observed_data")


def window_selection(config: Config, analysis_date: date | None) -> WindowSelection | None:
    """The extract's selection rule (``[data.selection]``) in model time; ``None`` when unset.

    Raises
    ------
    ConfigError
        When a rule is set but cannot be conditioned on: no analysis date, a window start on
        or after it, or a purchase model without a selection-aware likelihood.

    """
    rule = config.data.selection
    if rule is None:
        return None
    if config.model.purchase in ("pnbd", "compare"):
        raise ConfigError(
            f'[model] purchase = "{config.model.purchase}" with [data.selection]: the '
            "selection-aware Pareto/NBD is not supported (its selection term is a 2-D "
            'integral); use purchase = "bgnbd", or remove [data.selection] to fit a cohort'
        )
    if analysis_date is None:
        raise ValueError("an analysis date is needed to condition on [data.selection]")
    start = rule.last_purchase_on_or_after
    if start >= analysis_date:
        raise ConfigError(
            f"[data.selection] last_purchase_on_or_after = {start} is not before the analysis "
            f"date {analysis_date}; set a window start inside the observation period"
        )
    window = window_length(start, analysis_date, config.analysis.time_unit)
    return WindowSelection(window, rule.min_purchase_occasions)


def fit_models(
    summary: pl.DataFrame, config: Config, analysis_date: date | None = None
) -> FittedModels:
    """Resolve the priors and fit both models with NUTS.

    With ``[data.selection]`` the BG/NBD is conditioned on the extract's rule (window from
    the rule's start to ``analysis_date``, see :func:`window_selection`); the Gamma-Gamma is
    not (spend is independent of the purchase process that drew the extract).
    """
    selection = window_selection(config, analysis_date)
    bg_priors = bgnbd_priors(config.priors.bgnbd, config.analysis.time_unit)
    gg_input = gamma_gamma_data(summary)
    gg_priors = gamma_gamma_priors(config.priors.gamma_gamma, gg_input["monetary_value"].to_numpy())
    bgnbd = fit_bgnbd(summary, bg_priors, config.sampler, config.seed, selection)
    gamma_gamma = fit_gamma_gamma(summary, gg_priors, config.sampler, config.seed + 1)
    return FittedModels(bgnbd, gamma_gamma, bg_priors, gg_priors)


def compare_purchase_models_stage(
    summary: pl.DataFrame, config: Config, folder: RunFolder, bgnbd_model=None
) -> ModelComparison:
    """``[model] purchase = "compare"``: fit every purchase model, PSIS-LOO, write the table.

    The BG/NBD fit of the run is reused when given. Writes
    ``diagnostics/model_comparison.csv`` (see :class:`ModelComparison` for the columns) and
    returns the comparison with its pick; prediction still uses the BG/NBD.
    """
    fits = []
    for name, model in PURCHASE_MODELS.items():
        if name == "bgnbd" and bgnbd_model is not None:
            fitted = bgnbd_model
        else:
            priors = purchase_priors(name, config.priors, config.analysis.time_unit)
            fitted = fit_purchase_model(model, summary, priors, config.sampler, config.seed)
        fits.append(FittedPurchase(model, fitted.fit_result))
    x, t_x, T = (summary[c].to_numpy().astype(np.float64) for c in ("x", "t_x", "T"))
    comparison = compare_purchase_models(fits, x, t_x, T)
    write_frame(comparison.table, folder.model_comparison)
    return comparison


def diagnose(fitted: FittedModels, config: Config) -> tuple[pl.DataFrame, pl.DataFrame, GateResult]:
    """Posterior summary, prior-vs-posterior table and convergence gate of both fits."""
    summary = pl.concat(
        [
            posterior_summary("bgnbd", fitted.bgnbd.fit_result, BGNBD_PARAMETERS),
            posterior_summary("gamma_gamma", fitted.gamma_gamma.fit_result, GAMMA_GAMMA_PARAMETERS),
        ]
    )
    stats = {
        "bgnbd": sampler_stats(fitted.bgnbd.idata),
        "gamma_gamma": sampler_stats(fitted.gamma_gamma.idata),
    }
    priors = {"bgnbd": fitted.bgnbd_priors, "gamma_gamma": fitted.gamma_gamma_priors}
    return (
        summary,
        prior_posterior_table(summary, priors),
        evaluate_gate(summary, stats, config.convergence),
    )


def save_model(model, path: Path, *, keep_fit_data: bool) -> None:
    """Save a fitted model's posterior as netCDF, atomically.

    With ``keep_fit_data = False`` the customer table (``fit_data`` and ``observed_data``)
    is left out; arviz still opens the file, but pymc-marketing's ``load`` cannot rebuild
    the model from it.
    """
    with atomic_path(path) as temporary:
        if keep_fit_data:
            model.save(str(temporary), engine="h5netcdf")
        else:
            tree = model.idata.copy()
            for name in CUSTOMER_TABLE_GROUPS:
                if name in tree.children:
                    del tree[name]
            tree.to_netcdf(str(temporary), engine="h5netcdf")


def fit_and_diagnose(
    summary: pl.DataFrame, config: Config, folder: RunFolder, analysis_date: date | None = None
) -> tuple[FittedModels, GateResult, pl.DataFrame]:
    """Fit both models, save their posteriors and write the diagnostics tables.

    ``analysis_date`` is needed with ``[data.selection]`` (see :func:`fit_models`).

    Returns
    -------
    tuple
        The fitted models, the convergence gate and the prior-vs-posterior table.

    """
    if config.model.purchase in ("mbgnbd", "pnbd"):
        # The scoring, shock and campaign stages still read BG/NBD draws (PopulationDraws).
        raise ConfigError(
            f'[model] purchase = "{config.model.purchase}" is not yet carried through '
            'prediction; use "bgnbd", or "compare" to fit and compare all three models'
        )
    fitted = fit_models(summary, config, analysis_date)
    if config.model.purchase == "compare":
        compare_purchase_models_stage(summary, config, folder, fitted.bgnbd)
    save_model(fitted.bgnbd, folder.bgnbd_model, keep_fit_data=config.output.save_fit_data)
    save_model(
        fitted.gamma_gamma, folder.gamma_gamma_model, keep_fit_data=config.output.save_fit_data
    )
    posterior, prior_check, gate = diagnose(fitted, config)
    write_frame(posterior, folder.posterior_summary)
    write_frame(prior_check, folder.prior_posterior)
    return fitted, gate, prior_check


def population_draws(fitted: FittedModels, config: Config) -> PopulationDraws:
    """Paired posterior draws of both models, thinned to ``prediction.max_draws``."""
    return PopulationDraws.from_posteriors(
        fitted.bgnbd.fit_result,
        fitted.gamma_gamma.fit_result,
        max_draws=config.prediction.max_draws,
        seed=config.seed,
    )
