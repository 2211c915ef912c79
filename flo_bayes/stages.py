"""Pipeline stages that combine pure computations with writing their results."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from flo_bayes.campaigns import RunContext, plan_campaigns, write_campaign_plan
from flo_bayes.config import Config
from flo_bayes.data_dictionary import base_column_descriptions, dictionary_frame
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
from flo_bayes.predictive.from_config import scoring_settings
from flo_bayes.predictive.population import PopulationDraws
from flo_bayes.predictive.scoring import score_customers
from flo_bayes.run_folder import RunFolder
from flo_bayes.segment_stage import csv_ready
from flo_bayes.segmentation import segment_value_crosstab, value_tiers
from flo_bayes.simulate import simulate_flo_customers, simulate_population, write_flo_csv

# Groups of a saved posterior that hold the customer table (ids, x, t_x, T, spend).
CUSTOMER_TABLE_GROUPS = ("fit_data", "observed_data")
# The simulated default data end here (FLO's conventional analysis date).
DEFAULT_ANALYSIS_DATE = date(2021, 6, 1)


def simulate_default_input(config: Config, input_dir: Path) -> Path:
    """Write the embedded default data set (simulated with known parameters) and return its path."""
    input_dir.mkdir(parents=True, exist_ok=True)
    if config.data.format == "flo":
        frame = simulate_flo_customers(
            config.data.simulated_customers,
            analysis_date=DEFAULT_ANALYSIS_DATE,
            seed=config.data.simulated_seed,
        )
        path = input_dir / "simulated_flo_customers.csv"
        with atomic_path(path) as temporary:
            write_flo_csv(frame, temporary)
        return path
    population = simulate_population(
        config.data.simulated_customers,
        acquisition_start=date(2019, 1, 1),
        acquisition_end=date(2020, 12, 31),
        observation_end=DEFAULT_ANALYSIS_DATE,
        seed=config.data.simulated_seed,
    )
    path = input_dir / "simulated_transactions.csv"
    write_frame(population.transactions.select("customer_id", "date", "amount"), path)
    return path


def fit_models(summary: pl.DataFrame, config: Config) -> FittedModels:
    """Resolve the priors and fit both models with NUTS."""
    bg_priors = bgnbd_priors(config.priors.bgnbd, config.analysis.time_unit)
    gg_input = gamma_gamma_data(summary)
    gg_priors = gamma_gamma_priors(config.priors.gamma_gamma, gg_input["monetary_value"].to_numpy())
    bgnbd = fit_bgnbd(summary, bg_priors, config.sampler, config.seed)
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
    write_frame(comparison.table, folder.diagnostics_dir / "model_comparison.csv")
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
    summary: pl.DataFrame, config: Config, folder: RunFolder
) -> tuple[FittedModels, GateResult, pl.DataFrame]:
    """Fit both models, save their posteriors and write the diagnostics tables.

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
    fitted = fit_models(summary, config)
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


def score_and_export(
    segmented: pl.DataFrame,
    draws: PopulationDraws,
    config: Config,
    folder: RunFolder,
    gate: GateResult,
) -> tuple[pl.DataFrame, np.ndarray | None]:
    """Per-customer predictions, value tiers and target lists, written with a data dictionary.

    Parameters
    ----------
    segmented : polars.DataFrame
        Customer summary with RFM segments, in file order.
    draws : PopulationDraws
        Paired posterior draws of both models (see :func:`population_draws`).
    config : Config
        Run configuration.
    folder : RunFolder
        Output folder.
    gate : GateResult
        Convergence gate; its verdict is stamped on every exported row.

    Returns
    -------
    tuple
        The exported customer table and the kept CLTV draws (float32; ``None`` if none).

    """
    settings = scoring_settings(config)
    result = score_customers(
        segmented.select("customer_id", "x", "t_x", "T", "gg_n", "gg_mean"),
        draws,
        settings,
        seed=config.seed,
        chunk_size=config.prediction.chunk_size,
        # A short posterior cannot give more kept draws than it has.
        keep_draws=min(config.prediction.keep_draws, draws.n_draws),
        n_workers=config.prediction.workers,
    )
    customers = segmented.hstack(result.table.drop("customer_id"))
    descriptions = base_column_descriptions(
        settings.time_unit, settings.currency, config.segmentation.value_tiers.names
    )
    descriptions.update(result.data_dictionary)
    draw_index = result.draw_index
    # float32 halves the largest array a large run holds (customers x kept draws); its
    # precision (7 digits) is far finer than the draws' Monte Carlo error.
    kept = None if result.cltv_draws is None else result.cltv_draws.astype(np.float32)
    del result
    if kept is not None:
        tiers = value_tiers(kept, config.segmentation.value_tiers).drop("cltv_mean")
        customers = customers.hstack(tiers)
        write_frame(
            segment_value_crosstab(customers, config.segmentation.value_tiers).with_columns(
                pl.col(pl.Enum).cast(pl.Utf8)
            ),
            folder.segments_dir / "segment_value_crosstab.csv",
        )
        draws_frame = pl.DataFrame(
            kept, schema=[f"draw_{int(i)}" for i in draw_index]
        ).insert_column(0, customers["customer_id"])
        write_frame(draws_frame, folder.cltv_draws)
        del draws_frame
    customers = customers.with_columns(pl.lit(gate.passed).alias("convergence_passed"))
    write_frame(customers, folder.customers_parquet)
    write_frame(csv_ready(customers), folder.customers_csv)
    write_frame(dictionary_frame(customers.columns, descriptions), folder.data_dictionary)
    return customers, kept


def plan_and_export(
    customers: pl.DataFrame, cltv_draws: np.ndarray | None, config: Config, folder: RunFolder
) -> dict:
    """Plan the configured campaigns on the predictive draws and write the plan.

    Returns
    -------
    dict
        Manifest entry: the plan's summary rows and warnings.

    """
    if cltv_draws is None or not config.campaigns.campaigns:
        reason = (
            "no CLTV draws kept (prediction.keep_draws = 0)"
            if cltv_draws is None
            else "none configured"
        )
        return {"skipped": True, "warnings": [f"campaign plan skipped: {reason}"]}
    plan = plan_campaigns(
        customers, cltv_draws, config.campaigns, RunContext.from_config(config, folder.path)
    )
    write_campaign_plan(plan, folder.path)
    return {
        "skipped": False,
        "method": str(plan.assignment.method) if hasattr(plan.assignment, "method") else "",
        "summary": plan.summary.to_dicts(),
        "warnings": list(plan.warnings),
    }
