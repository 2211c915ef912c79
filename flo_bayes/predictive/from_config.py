"""Map the run config onto the scoring stage's settings (light: does not import PyMC)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flo_bayes.predictive.settings import ScoringSettings
from flo_bayes.units import months_to_time_units, rate_per_time_unit

if TYPE_CHECKING:  # flo_bayes.config imports the campaigns, which import this module
    from flo_bayes.config import Config


def horizon_name(months: float) -> str:
    """Column-name tag of a horizon: 6.0 months -> ``6m``, 1.5 months -> ``1_5m``."""
    return f"{months:g}".replace(".", "_") + "m"


def scoring_settings(config: Config) -> ScoringSettings:
    """Scoring settings of a run config, with horizons in the model's time unit.

    Parameters
    ----------
    config : Config
        The run configuration.

    Returns
    -------
    ScoringSettings
        Horizons named by :func:`horizon_name`, the CLTV horizon, discount rate per time
        unit, margin, interval levels, thresholds, time unit and currency.

    """
    unit = config.analysis.time_unit
    prediction = config.prediction
    return ScoringSettings(
        horizons={
            horizon_name(months): months_to_time_units(months, unit)
            for months in prediction.horizons_months
        },
        cltv_horizon=horizon_name(prediction.cltv_horizon_months),
        discount_rate_per_time_unit=rate_per_time_unit(
            prediction.discount_rate, prediction.discount_rate_unit, unit
        ),
        margin=prediction.margin,
        interval_levels=tuple(prediction.interval_levels),
        cltv_thresholds=tuple(prediction.cltv_thresholds),
        time_unit=unit,
        currency=prediction.currency,
    )
