"""The fit stage: priors, NUTS fits of the purchase and Gamma-Gamma models, saved posteriors and their diagnostics."""

from __future__ import annotations

from dataclasses import replace
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
from flo_bayes.diagnostics.spend_checks import require_identifiable_spend
from flo_bayes.errors import ConfigError
from flo_bayes.io.selection_rule import window_length
from flo_bayes.io.writers import atomic_path, write_frame
from flo_bayes.models.comparison import FittedPurchase, ModelComparison, compare_purchase_models
from flo_bayes.models.fitting import (
    GAMMA_GAMMA_PARAMETERS,
    SELECTION_AWARE_CLASSES,
    FittedModels,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_purchase_model,
    gamma_gamma_data,
)
from flo_bayes.models.priors import gamma_gamma_priors, purchase_priors
from flo_bayes.models.protocol import PurchaseModel
from flo_bayes.models.registry import PURCHASE_MODELS, purchase_model
from flo_bayes.models.selection import WindowSelection
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
    if config.model.purchase == "pnbd":
        raise ConfigError(
            '[model] purchase = "pnbd" with [data.selection]: the selection-aware Pareto/NBD '
            'is not supported (its selection term is a 2-D integral); use purchase = "bgnbd", '
            '"mbgnbd" or "compare" (which leaves the Pareto/NBD out), or remove '
            "[data.selection] to fit a cohort"
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
    summary: pl.DataFrame,
    config: Config,
    purchase: PurchaseModel | None = None,
    *,
    with_spend: bool = True,
    analysis_date: date | None = None,
) -> FittedModels:
    """Resolve the priors and fit the purchase model and the Gamma-Gamma model with NUTS.

    ``purchase`` defaults to the configured ``[model] purchase`` model (BG/NBD for
    ``"compare"``; :func:`fit_and_diagnose` fits the others and uses the picked one).
    ``with_spend = False`` (a purchase-only log) fits the purchase model alone: ``gamma_gamma``
    and its priors are ``None``. Otherwise the spend data are checked first
    (:func:`require_identifiable_spend`: constant amounts stop the run with advice).
    With ``[data.selection]`` the purchase model is conditioned on the extract's rule (window
    from the rule's start to ``analysis_date``, see :func:`window_selection`); the Gamma-Gamma
    is not (spend is independent of the purchase process that drew the extract).
    """
    if purchase is None:
        name = config.model.purchase
        purchase = purchase_model("bgnbd" if name == "compare" else name)
    selection = window_selection(config, analysis_date)
    priors = purchase_priors(purchase.name, config.priors, config.analysis.time_unit)
    if with_spend:
        require_identifiable_spend(summary)
    if purchase.name == "bgnbd":
        fitted = fit_bgnbd(summary, priors, config.sampler, config.seed, selection)
    else:
        fitted = fit_purchase_model(
            purchase, summary, priors, config.sampler, config.seed, selection
        )
    if not with_spend:
        return FittedModels(fitted, None, priors, None, purchase)
    gg_input = gamma_gamma_data(summary)
    gg_priors = gamma_gamma_priors(config.priors.gamma_gamma, gg_input["monetary_value"].to_numpy())
    gamma_gamma = fit_gamma_gamma(summary, gg_priors, config.sampler, config.seed + 1)
    return FittedModels(fitted, gamma_gamma, priors, gg_priors, purchase)


def compare_purchase_models_stage(
    summary: pl.DataFrame,
    config: Config,
    folder: RunFolder,
    fitted: FittedModels | None = None,
    analysis_date: date | None = None,
) -> tuple[ModelComparison, dict]:
    """``[model] purchase = "compare"``: fit every purchase model, PSIS-LOO, write the table.

    The purchase fit in ``fitted`` is reused for its model. With ``[data.selection]`` (which
    needs ``analysis_date``) each model is fitted conditioned on the rule and compared on
    the conditional likelihood; a model without a selection-aware likelihood (Pareto/NBD) is
    left out, with the reason in the table's ``note``. Writes
    ``diagnostics/model_comparison.csv`` (see :class:`ModelComparison` for the columns) and
    returns the comparison with its pick and every fitted model's fit by name.
    """
    selection = window_selection(config, analysis_date)
    fits, excluded = {}, {}
    for name, model in PURCHASE_MODELS.items():
        if selection is not None and name not in SELECTION_AWARE_CLASSES:
            excluded[name] = (
                f"left out: {model.label} has no selection-aware likelihood for "
                "[data.selection] (its selection term is a 2-D integral)"
            )
        elif fitted is not None and fitted.purchase_model.name == name:
            fits[name] = fitted.purchase
        else:
            priors = purchase_priors(name, config.priors, config.analysis.time_unit)
            fits[name] = fit_purchase_model(
                model, summary, priors, config.sampler, config.seed, selection
            )
    x, t_x, T = (summary[c].to_numpy().astype(np.float64) for c in ("x", "t_x", "T"))
    comparison = compare_purchase_models(
        [
            FittedPurchase(PURCHASE_MODELS[name], fit.fit_result, selection)
            for name, fit in fits.items()
        ],
        x,
        t_x,
        T,
        excluded=excluded,
    )
    write_frame(comparison.table, folder.model_comparison)
    return comparison, fits


def fit_stage_label(config: Config, with_spend: bool) -> str:
    """The fit stage's progress line: which models it fits."""
    if config.model.purchase == "compare":
        purchase = "BG/NBD, MBG/NBD, Pareto/NBD (compare)"
        if config.data.selection is not None:
            purchase = "BG/NBD, MBG/NBD (compare; no selection-aware Pareto/NBD)"
    else:
        purchase = purchase_model(config.model.purchase).label
    return f"fit {purchase} and Gamma-Gamma (NUTS)" if with_spend else f"fit {purchase} (NUTS)"


def with_purchase_fit(fitted: FittedModels, name: str, fit, config: Config) -> FittedModels:
    """``fitted`` with its purchase fit replaced by ``fit`` of model ``name`` (and its priors)."""
    return replace(
        fitted,
        purchase=fit,
        purchase_priors=purchase_priors(name, config.priors, config.analysis.time_unit),
        purchase_model=PURCHASE_MODELS[name],
    )


def diagnose(fitted: FittedModels, config: Config) -> tuple[pl.DataFrame, pl.DataFrame, GateResult]:
    """Posterior summary, prior-vs-posterior table and convergence gate of both fits."""
    name = fitted.purchase_model.name
    tables = [posterior_summary(name, fitted.purchase.fit_result, fitted.purchase_model.parameters)]
    stats = {name: sampler_stats(fitted.purchase.idata)}
    priors = {name: fitted.purchase_priors}
    if fitted.gamma_gamma is not None:  # None: purchase-only run
        tables.append(
            posterior_summary("gamma_gamma", fitted.gamma_gamma.fit_result, GAMMA_GAMMA_PARAMETERS)
        )
        stats["gamma_gamma"] = sampler_stats(fitted.gamma_gamma.idata)
        priors["gamma_gamma"] = fitted.gamma_gamma_priors
    summary = pl.concat(tables)
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
    summary: pl.DataFrame,
    config: Config,
    folder: RunFolder,
    analysis_date: date | None = None,
    *,
    with_spend: bool = True,
) -> tuple[FittedModels, GateResult, pl.DataFrame]:
    """Fit both models, save their posteriors and write the diagnostics tables.

    ``analysis_date`` is needed with ``[data.selection]`` (see :func:`fit_models`).
    ``with_spend = False``: purchase-only log, the purchase model alone (no ``gamma_gamma.nc``).

    Returns
    -------
    tuple
        The fitted models, the convergence gate and the prior-vs-posterior table.

    """
    fitted = fit_models(summary, config, with_spend=with_spend, analysis_date=analysis_date)
    if config.model.purchase == "compare":
        comparison, fits = compare_purchase_models_stage(
            summary, config, folder, fitted, analysis_date
        )
        fitted = with_purchase_fit(fitted, comparison.picked, fits[comparison.picked], config)
    save_model(
        fitted.purchase,
        folder.purchase_model_file(fitted.purchase_model.name),
        keep_fit_data=config.output.save_fit_data,
    )
    if fitted.gamma_gamma is not None:
        save_model(
            fitted.gamma_gamma, folder.gamma_gamma_model, keep_fit_data=config.output.save_fit_data
        )
    posterior, prior_check, gate = diagnose(fitted, config)
    write_frame(posterior, folder.posterior_summary)
    write_frame(prior_check, folder.prior_posterior)
    return fitted, gate, prior_check


def population_draws(fitted: FittedModels, config: Config) -> PopulationDraws:
    """Paired posterior draws of the purchase and Gamma-Gamma models, thinned to ``prediction.max_draws``.

    A purchase-only fit (no Gamma-Gamma) gives purchase-model draws with each purchase worth
    ``[data.transactions] value_per_purchase``.
    """
    if fitted.gamma_gamma is None:
        return PopulationDraws.purchases_only(
            fitted.purchase.fit_result,
            config.data.transactions.value_per_purchase,
            model=fitted.purchase_model,
            max_draws=config.prediction.max_draws,
        )
    return PopulationDraws.from_posteriors(
        fitted.purchase.fit_result,
        fitted.gamma_gamma.fit_result,
        model=fitted.purchase_model,
        max_draws=config.prediction.max_draws,
        seed=config.seed,
    )
