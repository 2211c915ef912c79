"""The engine's only door into the rest of flo_bayes (summary, segmentation, models, scoring).

Every call the engine makes into another flo_bayes package goes through a function here, so
that when those packages move (config, models, predictive, segmentation are being
restructured) only this module needs repointing. Nothing here adds logic of its own: each
function forwards to the one place that defines the computation (customer summary, RFM
edges and scores, segment and tier maps, grouped likelihoods, per-customer scoring,
convergence diagnostics), so local and distributed runs share that code.

Imports of the heavy packages (PyMC, pymc-marketing) happen inside the functions that need
them: importing the engine stays cheap on Dask workers that only summarise or score.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from flo_bayes.predictive.population import PopulationDraws
    from flo_bayes.predictive.scoring import ScoringResult
    from flo_bayes.predictive.settings import ScoringSettings


# --- customer summary -----------------------------------------------------------------------


def transaction_summary(
    transactions: pl.DataFrame, analysis_date: date, time_unit: str
) -> pl.DataFrame:
    """One row per customer of a transaction log (``flo_bayes.summary.build_transaction_summary``)."""
    from flo_bayes.summary import build_transaction_summary

    return build_transaction_summary(transactions.lazy(), analysis_date, time_unit).collect()


# --- RFM, segments, tiers --------------------------------------------------------------------


def qcut_probabilities() -> np.ndarray:
    """The quantile probabilities of the five RFM quintiles (pandas' ``qcut`` rule)."""
    from flo_bayes.segmentation.rfm import N_SCORES
    from flo_bayes.segmentation.rfm import qcut_probabilities as probs

    return probs(N_SCORES)


def linear_positions(n: int, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order-statistic indices and weights of numpy's ``linear`` quantile rule."""
    from flo_bayes.segmentation.rfm import _linear_positions

    return _linear_positions(n, probs)


def lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Numpy's quantile interpolation, operation for operation."""
    from flo_bayes.segmentation.rfm import _lerp

    return _lerp(a, b, t)


def rank_quantiles(n: int, probs: np.ndarray) -> np.ndarray:
    """Quintile edges of the ordinal ranks ``1..n``."""
    from flo_bayes.segmentation.rfm import _rank_quantiles

    return _rank_quantiles(n, probs)


def rfm_edges(
    recency: np.ndarray, frequency_rank: np.ndarray, monetary: np.ndarray, n_customers: int
) -> Any:
    """An ``RfmEdges`` from raw edges, with the segmentation's duplicate-edge check."""
    from flo_bayes.segmentation.rfm import (
        FREQUENCY_COL,
        MONETARY_COL,
        RECENCY_COL,
        RfmEdges,
        _check_unique,
    )

    return RfmEdges(
        recency=_check_unique(RECENCY_COL, np.asarray(recency, dtype=np.float64)),
        frequency_rank=_check_unique(
            f"rank of {FREQUENCY_COL}", np.asarray(frequency_rank, dtype=np.float64)
        ),
        monetary=_check_unique(MONETARY_COL, np.asarray(monetary, dtype=np.float64)),
        n_customers=int(n_customers),
    )


def segmentation_config() -> Any:
    """The default segmentation config (classic RF map, default tiers, English)."""
    from flo_bayes.config.segmentation import SegmentationConfig

    return SegmentationConfig()


def recency_monetary_score_exprs(edges: Any) -> tuple[pl.Expr, pl.Expr]:
    """``recency_score`` and ``monetary_score`` expressions of the segmentation."""
    from flo_bayes.segmentation.rfm import rfm_score_exprs

    recency, _, monetary = rfm_score_exprs(edges)
    return recency, monetary


def frequency_score_name() -> str:
    """Name of the frequency score column."""
    from flo_bayes.segmentation.rfm import FREQUENCY_SCORE

    return FREQUENCY_SCORE


def score_dtype() -> pl.DataType:
    """Polars dtype of the RFM scores."""
    from flo_bayes.segmentation.rfm import SCORE_DTYPE

    return SCORE_DTYPE


def segment_and_tier_exprs(config: Any) -> tuple[list[pl.Expr], pl.Expr, list[pl.Expr]]:
    """``RF_SCORE``/``RFM_SCORE``, ``segment`` and ``tier``/``tier_label`` expressions."""
    from flo_bayes.segmentation.rfm import rf_string_exprs
    from flo_bayes.segmentation.segment_map import segment_expr
    from flo_bayes.segmentation.tiers import tier_exprs

    return (
        rf_string_exprs(),
        segment_expr(config.segment_map),
        tier_exprs(config.tier_map, config.language),
    )


def segment_customers_local(summary: pl.DataFrame, config: Any) -> pl.DataFrame:
    """The single-process segmentation (reference for the distributed one)."""
    from flo_bayes.segmentation.pipeline import segment_customers

    return segment_customers(summary, config)


# --- models ----------------------------------------------------------------------------------


def sampler_settings(**overrides: Any) -> Any:
    """A ``SamplerSettings`` with the given overrides (chains, draws, tune, cores, ...)."""
    from flo_bayes.config import SamplerSettings

    return SamplerSettings(**overrides)


def convergence_gate() -> Any:
    """The default convergence gate thresholds."""
    from flo_bayes.config import ConvergenceGate

    return ConvergenceGate()


def default_bgnbd_priors(time_unit: str) -> dict[str, Any]:
    """Default BG/NBD priors resolved into the time unit."""
    from flo_bayes.config import BetaGeoPriors
    from flo_bayes.models.priors import bgnbd_priors

    return bgnbd_priors(BetaGeoPriors(), time_unit)


def default_gamma_gamma_priors(spend_per_purchase: np.ndarray) -> dict[str, Any]:
    """Default Gamma-Gamma priors (``v`` scaled to the data's currency)."""
    from flo_bayes.config import GammaGammaPriors
    from flo_bayes.models.priors import gamma_gamma_priors

    return gamma_gamma_priors(GammaGammaPriors(), spend_per_purchase)


def distinct_values_type() -> type:
    """The ``DistinctValues`` container the grouped BG/NBD likelihood reads."""
    from flo_bayes.models.fast_bgnbd import DistinctValues

    return DistinctValues


def distinct_values(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> Any:
    """Group customers by distinct values (the per-customer path of the grouped likelihood)."""
    from flo_bayes.models.fast_bgnbd import distinct_values as group

    return group(x, t_x, T)


def bgnbd_total_loglike(groups: Any, a: Any, b: Any, r: Any, alpha: Any) -> Any:
    """The grouped BG/NBD log-likelihood as a PyTensor expression."""
    from flo_bayes.models.fast_bgnbd import bgnbd_total_loglike as loglike

    return loglike(groups, a, b, r, alpha)


def sample_kwargs(settings: Any, seed: int) -> dict:
    """``pm.sample`` keyword arguments of the project's sampler settings."""
    from flo_bayes.models.fitting import sampler_kwargs

    return sampler_kwargs(settings, seed)


def fit_gamma_gamma(summary: pl.DataFrame, priors: dict, settings: Any, seed: int) -> Any:
    """Fit the Gamma-Gamma model on the given customers (grouped likelihood)."""
    from flo_bayes.models.fitting import fit_gamma_gamma as fit

    return fit(summary, priors, settings, seed)


def convergence_summary(model_name: str, posterior: Any, parameters: tuple[str, ...]) -> Any:
    """Posterior summary rows (mean, sd, R-hat, ESS) of one model."""
    from flo_bayes.diagnostics.convergence import posterior_summary

    return posterior_summary(model_name, posterior, parameters)


def sampler_statistics(idata: Any) -> Any:
    """Divergences, E-BFMI, tree depth of one fit."""
    from flo_bayes.diagnostics.convergence import sampler_stats

    return sampler_stats(idata)


def gate(summary: pl.DataFrame, stats: dict, thresholds: Any) -> Any:
    """The convergence gate over both fits."""
    from flo_bayes.diagnostics.convergence import evaluate_gate

    return evaluate_gate(summary, stats, thresholds)


# --- scoring ---------------------------------------------------------------------------------

SCORING_CHUNK = 2000
"""Customers per expectation chunk inside a cell (memory bound; the same on every path)."""


def scoring_settings(
    horizons: dict[str, float], cltv_horizon: str, *, margin: float, time_unit: str, **extra: Any
) -> ScoringSettings:
    """A ``ScoringSettings`` (horizons in time units)."""
    from flo_bayes.predictive.settings import ScoringSettings

    return ScoringSettings(
        horizons=horizons, cltv_horizon=cltv_horizon, margin=margin, time_unit=time_unit, **extra
    )


def population_draws(bgnbd_posterior: Any, gg_posterior: Any, max_draws: int) -> PopulationDraws:
    """Paired, deterministically thinned population draws of two posteriors."""
    from flo_bayes.predictive.population import PopulationDraws

    return PopulationDraws.from_posteriors(bgnbd_posterior, gg_posterior, max_draws=max_draws)


def thin_indices(n_total: int, n_keep: int) -> np.ndarray:
    """Evenly spaced draw positions (the shared draw index of kept draws)."""
    from flo_bayes.predictive.population import thin_indices as thin

    return thin(n_total, n_keep)


def score_block(
    customers: pl.DataFrame, draws: PopulationDraws, settings: ScoringSettings, *, seed: int
) -> ScoringResult:
    """Score customers with the scorer's own chunking (for their expected columns only)."""
    from flo_bayes.predictive.scoring import score_customers

    return score_customers(customers, draws, settings, seed=seed, chunk_size=SCORING_CHUNK)


def score_group(
    customers: pl.DataFrame,
    draws: PopulationDraws,
    settings: ScoringSettings,
    *,
    seed: int,
    keep_draws: int,
) -> ScoringResult:
    """Score one RNG cell with the project's scorer and the cell's own seed.

    Inside the cell the scorer's fixed RNG blocks apply (block ``k`` of the cell, in the
    cell's key order, draws from ``PCG64(SeedSequence(seed, spawn_key=(0, k)))``), so memory
    per call is bounded by the block and chunk sizes, not by the cell's size.
    """
    from flo_bayes.predictive.scoring import RNG_BLOCK_SIZE, score_customers

    return score_customers(
        customers,
        draws,
        settings,
        seed=seed,
        chunk_size=SCORING_CHUNK,
        keep_draws=keep_draws,
        rng_block_size=RNG_BLOCK_SIZE,
    )


# --- input rules -----------------------------------------------------------------------------


def max_plausible_value() -> float:
    """Largest plausible amount of one transaction (larger ones are rejected)."""
    from flo_bayes.io.plausibility import MAX_PLAUSIBLE_VALUE

    return float(MAX_PLAUSIBLE_VALUE)


def implausible_date(parsed: pl.Expr) -> pl.Expr:
    """True where a parsed date lies before 1980-01-01 or after today."""
    from flo_bayes.io.plausibility import implausible_date as rule

    return rule(parsed)


# --- units -----------------------------------------------------------------------------------


def horizon_in_units(months: float, time_unit: str) -> tuple[str, float]:
    """Column tag (``6m``) and length in time units of a horizon given in months."""
    from flo_bayes.predictive.from_config import horizon_name
    from flo_bayes.units import months_to_time_units

    return horizon_name(months), months_to_time_units(months, time_unit)
