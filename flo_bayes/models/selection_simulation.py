"""Simulated activity-window extracts and naive-vs-corrected BG/NBD fits on them.

Shared by the unit test of :class:`~flo_bayes.models.selection.SelectionAwareBetaGeoModel`
and the studies in ``scripts/`` (replication coverage, FLO's "both channels" rule): one place
draws a cohort with :func:`flo_bayes.simulate.simulate_population`, applies an extract rule and
fits the two models.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from flo_bayes.config import BetaGeoPriors
from flo_bayes.diagnostics.convergence import posterior_summary
from flo_bayes.io.selection_rule import (
    apply_window_rule,
    window_length,  # noqa: F401  (re-exported)
)
from flo_bayes.models.fast_bgnbd import FastBetaGeoModel
from flo_bayes.models.fitting import bgnbd_data, reproducible_compilation
from flo_bayes.models.priors import bgnbd_priors
from flo_bayes.models.selection import SelectionAwareBetaGeoModel
from flo_bayes.simulate import TrueParameters, simulate_population
from flo_bayes.summary import build_transaction_summary

BGNBD_NAMES = ("r", "alpha", "a", "b")


@dataclass(frozen=True)
class SimulatedExtract:
    """A simulated cohort cut at the analysis date, and the customers an extract keeps."""

    cohort: pl.DataFrame
    extract: pl.DataFrame
    holdout: pl.DataFrame
    window: float
    params: TrueParameters


def simulate_window_extract(
    n_customers: int,
    *,
    params: TrueParameters,
    acquisition_start: date,
    acquisition_end: date,
    analysis_date: date,
    window_start: date,
    seed: int,
    holdout_weeks: int = 0,
    channel_beta: tuple[float, float] | None = None,
) -> SimulatedExtract:
    """Simulate a BG/NBD cohort and apply the rule ">= 2 occasions, last one in the window".

    Parameters
    ----------
    n_customers : int
        Cohort size.
    params : TrueParameters
        True parameters (weeks).
    acquisition_start, acquisition_end : datetime.date
        First purchases are uniform over these days.
    analysis_date : datetime.date
        Purchases before this day are observed (calibration).
    window_start : datetime.date
        Earliest qualifying last-purchase date.
    seed : int
        Random seed.
    holdout_weeks : int
        Length of the holdout period recorded after the analysis date (for backtests).
    channel_beta : (float, float), optional
        If given, every customer buys each occasion online with a customer-level probability
        q ~ Beta(*channel_beta), and the extract also requires orders in both channels
        (FLO's rule): a customer with n occasions is kept with probability
        P(0 < online < n | q) on top of the window rule (simulated as Binomial(n, q)).

    Returns
    -------
    SimulatedExtract
        ``cohort`` and ``extract`` are customer summaries (weeks); ``holdout`` holds the
        number of occasions of each cohort customer in the holdout (``holdout_purchases``).

    """
    population = simulate_population(
        n_customers,
        params=params,
        acquisition_start=acquisition_start,
        acquisition_end=acquisition_end,
        observation_end=analysis_date + timedelta(days=7 * holdout_weeks - 1),
        seed=seed,
    )
    transactions = population.transactions
    calibration = transactions.filter(pl.col("date") < analysis_date)
    cohort = build_transaction_summary(calibration.lazy(), analysis_date, "weeks").collect()
    holdout = (
        transactions.filter(pl.col("date") >= analysis_date)
        .group_by("customer_id")
        .agg(pl.col("date").n_unique().alias("holdout_purchases"))
    )
    holdout = (
        cohort.select("customer_id")
        .join(holdout, on="customer_id", how="left")
        .with_columns(pl.col("holdout_purchases").fill_null(0))
    )
    extract = apply_window_rule(cohort, window_start=window_start, min_purchase_occasions=2)
    if channel_beta is not None:
        rng = np.random.default_rng([seed, 1])
        n = extract["n_orders"].to_numpy()
        q = rng.beta(*channel_beta, n.size)
        online = rng.binomial(n, q)
        extract = extract.filter(pl.Series((online > 0) & (online < n)))
    return SimulatedExtract(
        cohort=cohort,
        extract=extract,
        holdout=holdout,
        window=window_length(window_start, analysis_date),
        params=params,
    )


@dataclass(frozen=True)
class FitSummary:
    """Posterior summary of one BG/NBD fit: means, 94 % intervals (3 %..97 % quantiles), diagnostics."""

    model: object
    mean: dict[str, float]
    sd: dict[str, float]
    low: dict[str, float]
    high: dict[str, float]
    r_hat_max: float
    ess_bulk_min: float
    divergences: int

    def covers(self, truth: TrueParameters) -> dict[str, bool]:
        """Whether each 94 % interval holds the true value."""
        return {k: self.low[k] <= getattr(truth, k) <= self.high[k] for k in BGNBD_NAMES}


def fit_bgnbd_on_extract(
    summary: pl.DataFrame,
    *,
    window: float | None,
    corrected: bool,
    seed: int,
    chains: int = 2,
    draws: int = 500,
    tune: int = 500,
    priors: BetaGeoPriors | None = None,
) -> FitSummary:
    """Fit the naive (``FastBetaGeoModel``) or selection-aware BG/NBD with nutpie NUTS.

    Parameters
    ----------
    summary : polars.DataFrame
        Customer summary (``customer_id``, ``x``, ``t_x``, ``T``), time in weeks.
    window : float or None
        Window length in weeks (corrected fit only).
    corrected : bool
        Selection-aware model if True.
    seed : int
        Sampler seed.
    chains, draws, tune : int
        NUTS settings.
    priors : BetaGeoPriors, optional
        The project's default priors if omitted.

    Returns
    -------
    FitSummary
        Means, 94 % intervals, max R-hat, min bulk ESS, divergences.

    """
    resolved = bgnbd_priors(priors or BetaGeoPriors(), "weeks")
    config = {k: p.to_pymc() for k, p in resolved.items()}
    if corrected:
        model = SelectionAwareBetaGeoModel(model_config=config, window=window)
    else:
        model = FastBetaGeoModel(model_config=config)
    with warnings.catch_warnings(), reproducible_compilation():
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=UserWarning)
        model.fit(
            bgnbd_data(summary),
            nuts_sampler="nutpie",
            chains=chains,
            draws=draws,
            tune=tune,
            cores=1,
            random_seed=seed,
            progressbar=False,
        )
    table = posterior_summary("bgnbd", model.fit_result, BGNBD_NAMES)
    stats = model.idata["sample_stats"]
    row = {name: table.row(i, named=True) for i, name in enumerate(table["parameter"])}
    return FitSummary(
        model=model,
        mean={k: row[k]["mean"] for k in BGNBD_NAMES},
        sd={k: row[k]["sd"] for k in BGNBD_NAMES},
        low={k: row[k]["q03"] for k in BGNBD_NAMES},
        high={k: row[k]["q97"] for k in BGNBD_NAMES},
        r_hat_max=float(table["r_hat"].max()),
        ess_bulk_min=float(table["ess_bulk"].min()),
        divergences=int(stats["diverging"].sum()),
    )
