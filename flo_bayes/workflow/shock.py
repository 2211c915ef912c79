"""The aggregate-shock step of a run: decide, estimate and apply the shared rate shock.

The statistics live in :mod:`flo_bayes.predictive.aggregate_shock`; this module maps the run
config onto them, reads the purchase model's posterior means, writes the block table and adds the
multipliers to the population draws.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from flo_bayes.config import Config
from flo_bayes.io.writers import write_frame
from flo_bayes.predictive.aggregate_shock import (
    AggregateShock,
    ShockSettings,
    estimate_aggregate_shock,
)
from flo_bayes.predictive.population import PopulationDraws
from flo_bayes.units import days_per_unit

if TYPE_CHECKING:  # fitting imports pymc-marketing; the stage only reads the fitted models
    from flo_bayes.models.fitting import FittedModels

SUMMARY_INPUT_REASON = (
    "the input is a customer summary without purchase dates, so how much all customers' "
    "purchase rates move together (seasons, promotions) cannot be estimated; bands of totals "
    "hold parameter and per-customer uncertainty only. Backtest on a transaction log, or set "
    '[prediction.aggregate_shock] mode = "fixed" with its sd'
)


def shock_settings(config: Config) -> ShockSettings:
    """The ``[prediction.aggregate_shock]`` section as :class:`ShockSettings`."""
    section = config.prediction.aggregate_shock
    return ShockSettings(
        mode=section.mode,
        sd=section.sd,
        block_days=section.block_days,
        max_blocks=section.max_blocks,
        prior_sd=section.prior_sd,
    )


def aggregate_shock_for_run(
    fitted: FittedModels,
    config: Config,
    occasions: pl.DataFrame | None,
    analysis_date: date,
) -> AggregateShock:
    """Decide the run's aggregate shock from its config and data.

    Parameters
    ----------
    fitted : FittedModels
        Fitted models (the purchase model's posterior means enter the estimate).
    config : Config
        Run configuration (``[prediction.aggregate_shock]``, time unit, seed).
    occasions : polars.DataFrame or None
        The transaction log up to the analysis date (``customer_id``, ``date``), or ``None``
        for a customer summary file.
    analysis_date : datetime.date
        End of the calibration period.

    Returns
    -------
    AggregateShock

    """
    settings = shock_settings(config)
    if settings.mode == "off":
        return AggregateShock.none("off", 'left out by [prediction.aggregate_shock] mode = "off"')
    if settings.mode == "fixed":
        return AggregateShock.fixed(settings.sd)
    if occasions is None:
        return AggregateShock.none("not_estimated", SUMMARY_INPUT_REASON)
    posterior = fitted.purchase.fit_result
    theta = {name: float(posterior[name].mean()) for name in fitted.purchase_model.parameters}
    return estimate_aggregate_shock(
        occasions,
        analysis_date,
        theta,
        days_per_unit(config.analysis.time_unit),
        settings,
        seed=config.seed,
        model=fitted.purchase_model,
    )


def apply_shock(draws: PopulationDraws, shock: AggregateShock, seed: int) -> PopulationDraws:
    """Return ``draws`` carrying the shock's rate multipliers (unchanged without a shock)."""
    if not shock.active:
        return draws
    return draws.with_rate_multiplier(shock.multipliers(draws.n_draws, seed))


def write_shock_blocks(shock: AggregateShock, path: Path) -> None:
    """Write the calibration blocks behind an estimated shock (nothing otherwise)."""
    if shock.blocks is not None:
        write_frame(shock.blocks, path)


def shock_warnings(shock: AggregateShock) -> list[dict]:
    """The run warning about the shock, if it could not be estimated."""
    if shock.status != "not_estimated":
        return []
    return [{"code": "aggregate_shock_not_estimated", "message": shock.reason + "."}]
