"""A purchase-rate shock shared by all customers, estimated from the log's own history.

The BG/NBD treats customers as independent given the population parameters. Real totals
move together: seasons, promotions, the economy lift or depress every customer's purchase
rate at once. With thousands of customers the per-customer noise averages out, so without
such a term the band of a *total* (a segment, a campaign, the whole base) holds almost only
parameter uncertainty and is far too narrow. On CDNOW the model's expected holdout total is
12 % below the actual one (the holdout holds Christmas) and the parameter-only band misses it.

The model added here: in posterior draw ``s`` every customer's purchase rate is multiplied by
the same ``exp(eta_s)`` for the whole forecast horizon, with
``eta_s ~ Normal(-sigma**2 / 2, sigma**2)`` (so ``E[exp(eta)] = 1``: expected rates are kept).
``sigma`` is estimated from the calibration period of a transaction log:

1. Cut the last ``max_blocks`` blocks of ``block_days`` days before the analysis date; count
   each block's actual repeat occasions ``A_k``.
2. Compute the BG/NBD's expected repeat occasions ``E_k`` of the same customers in the same
   blocks (each customer from his first purchase, population parameters at their posterior
   mean) and, by simulating the BG/NBD process, the variance ``v_k`` of ``log A_k`` the model
   itself implies (heterogeneity and Poisson noise, no shock).
3. ``log(A_k / E_k) ~ Normal(0, v_k + sigma**2)`` with a half-normal prior on ``sigma``; the
   posterior of ``sigma`` is computed on a grid, and each predictive draw takes its own
   ``sigma`` from it, so the shock's own uncertainty (few blocks) is carried too.

The shock is treated as a level that lasts the whole horizon (CDNOW's holdout stays above the
model in all three quarters). When shocks are short-lived this is conservative for long
horizons. A customer summary file (FLO's schema) has no purchase dates, so ``sigma`` cannot
be estimated from it; the run then says so and leaves the shock out, unless the user fixes
``sigma`` (``[prediction.aggregate_shock] mode = "fixed"``), e.g. from a backtest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
import polars as pl

from flo_bayes.models.bgnbd import BGNBD
from flo_bayes.models.protocol import PurchaseModel

ShockStatus = Literal["estimated", "fixed", "off", "not_estimated"]

MIN_BLOCKS = 4
"""Fewer usable blocks than this and sigma is not estimated."""
MIN_EXPECTED_PER_BLOCK = 20.0
"""Blocks where the model expects fewer repeat occasions carry too little information."""
SIMULATION_REPLICATES = 200
MAX_SIMULATED_CUSTOMERS = 20_000
"""The model variance of block totals is simulated on a random subset this large, then scaled."""
SIGMA_GRID = np.linspace(0.0, 1.5, 3001)


@dataclass(frozen=True)
class ShockSettings:
    """How the aggregate shock is set (mirrors ``[prediction.aggregate_shock]``).

    Attributes
    ----------
    mode : {"auto", "fixed", "off"}
        ``auto`` estimates ``sigma`` from a transaction log, ``fixed`` uses ``sd``.
    sd : float
        ``sigma`` when ``mode == "fixed"``.
    block_days : int
        Length of a calibration block in days.
    max_blocks : int
        Most recent blocks used.
    prior_sd : float
        Scale of the half-normal prior on ``sigma``.

    """

    mode: Literal["auto", "fixed", "off"] = "auto"
    sd: float = 0.0
    block_days: int = 28
    max_blocks: int = 26
    prior_sd: float = 0.2


@dataclass(frozen=True)
class AggregateShock:
    """The shared purchase-rate shock of a run: its status, and the law of ``sigma``.

    Attributes
    ----------
    status : {"estimated", "fixed", "off", "not_estimated"}
        Where ``sigma`` comes from; with ``off`` and ``not_estimated`` there is no shock.
    reason : str
        One sentence for the analyst (why not estimated, or how it was).
    sigma_values, sigma_weights : numpy.ndarray
        Support and probabilities of ``sigma`` (one point for ``fixed``, ``off``).
    blocks : polars.DataFrame or None
        The calibration blocks behind an estimate (see :func:`estimate_aggregate_shock`).

    """

    status: ShockStatus
    reason: str
    sigma_values: np.ndarray
    sigma_weights: np.ndarray
    blocks: pl.DataFrame | None = None

    @classmethod
    def none(cls, status: ShockStatus, reason: str) -> AggregateShock:
        """Return a shock that is absent (``sigma = 0``)."""
        return cls(status, reason, np.zeros(1), np.ones(1))

    @classmethod
    def fixed(cls, sd: float) -> AggregateShock:
        """Return a shock with a known ``sigma = sd``."""
        if not np.isfinite(sd) or sd < 0:
            raise ValueError(f"aggregate shock sd must be finite and >= 0, got {sd}")
        reason = f"sigma fixed at {sd:g} by the configuration"
        return cls("fixed", reason, np.array([float(sd)]), np.ones(1))

    @property
    def active(self) -> bool:
        """Whether the shock changes any draw (``sigma`` has mass above 0)."""
        return bool(np.any((self.sigma_values > 0) & (self.sigma_weights > 0)))

    def sigma_quantile(self, level: float) -> float:
        """Quantile of ``sigma`` at ``level`` (inverted CDF on the grid)."""
        cdf = np.cumsum(self.sigma_weights)
        index = min(int(np.searchsorted(cdf, level * cdf[-1])), cdf.size - 1)
        return float(self.sigma_values[index])

    def multipliers(self, n_draws: int, seed: int) -> np.ndarray:
        """Draw the rate multipliers ``exp(eta_s)`` of ``n_draws`` predictive draws.

        Parameters
        ----------
        n_draws : int
            Number of population draws ``S``.
        seed : int
            Seed of the generator used only here, so the multipliers do not depend on
            how customers are chunked.

        Returns
        -------
        numpy.ndarray
            ``(S,)`` positive multipliers with mean 1 in law (all 1 without a shock).

        """
        if not self.active:
            return np.ones(n_draws)
        rng = np.random.default_rng([seed, 0x5E0C])
        sigma = rng.choice(self.sigma_values, size=n_draws, p=self.sigma_weights)
        return np.exp(rng.normal(-0.5 * sigma**2, sigma))

    def summary(self) -> dict:
        """Return what the manifest and ``backtest.json`` record about the shock."""
        out: dict = {"status": self.status, "reason": self.reason}
        if self.active:
            out |= {
                "sigma_median": self.sigma_quantile(0.5),
                "sigma_q05": self.sigma_quantile(0.05),
                "sigma_q95": self.sigma_quantile(0.95),
            }
        if self.blocks is not None:
            out["blocks"] = self.blocks.height
        return out


def expected_repeats(t: np.ndarray, r: float, alpha: float, a: float, b: float) -> np.ndarray:
    """BG/NBD expected repeat purchases of a new customer in ``(0, t]``, ``E[X(t)]``.

    The closed form of :meth:`flo_bayes.models.bgnbd.BetaGeo.expected_repeats_new`
    (FHL 2005 eq. 9; see that module for why the hypergeometric form is the accurate one).

    Parameters
    ----------
    t : array_like
        Times since the first purchase, in the model's time unit (``>= 0``).
    r, alpha, a, b : float
        BG/NBD population parameters.

    Returns
    -------
    numpy.ndarray
        ``E[X(t)]`` with the shape of ``t``.

    """
    return BGNBD.expected_repeats_new({"r": r, "alpha": alpha, "a": a, "b": b}, t)


def _block_counts(
    occasions: pl.DataFrame, analysis_date: date, block_days: int, n_blocks: int
) -> tuple[np.ndarray, np.ndarray]:
    """Actual repeat occasions per block, and each customer's days from first purchase.

    Block ``k`` holds the occasions ``k * block_days <= age < (k + 1) * block_days`` days
    before the analysis date.
    """
    days = (
        occasions.select("customer_id", "date")
        # Fixed order: the variance simulation pairs customers with random draws in order.
        .unique(maintain_order=True)
        .with_columns(age=(pl.lit(analysis_date) - pl.col("date")).dt.total_days())
        .with_columns(first_age=pl.col("age").max().over("customer_id"))
    )
    repeat_age = days.filter(pl.col("age") < pl.col("first_age"))["age"].to_numpy()
    block = repeat_age // block_days
    actual = np.bincount(block[block < n_blocks], minlength=n_blocks)
    first_age = days.unique("customer_id", keep="first", maintain_order=True)["first_age"]
    return actual, first_age.to_numpy().astype(np.int64)


def _block_edges(first_age: np.ndarray, block_days: int, n_blocks: int) -> np.ndarray:
    """Times since first purchase (days) bounding each block, ``(n, n_blocks + 1)``.

    A purchase ``tau`` days after the first one falls on a day of age
    ``first_age - floor(tau)``, so block ``k`` is ``tau`` in
    ``[first_age + 1 - (k + 1) B, first_age + 1 - k B)``. Purchases within the first day merge
    with the first occasion, so ``tau >= 1``.
    """
    k = np.arange(n_blocks + 1)
    return np.maximum(first_age[:, None] + 1 - k[None, :] * block_days, 1.0)


def _expected_block_counts(
    first_age: np.ndarray,
    theta: dict[str, float],
    days_per_unit: float,
    block_days: int,
    n_blocks: int,
    model: PurchaseModel = BGNBD,
) -> np.ndarray:
    """Model-expected repeat occasions per block, summed over customers."""
    ages, counts = np.unique(first_age, return_counts=True)
    edges = _block_edges(ages, block_days, n_blocks) / days_per_unit
    cumulative = model.expected_repeats_new(theta, edges)
    per_block = cumulative[:, :-1] - cumulative[:, 1:]
    return counts @ per_block


def _simulated_block_variance(
    first_age: np.ndarray,
    theta: dict[str, float],
    days_per_unit: float,
    block_days: int,
    n_blocks: int,
    rng: np.random.Generator,
    model: PurchaseModel = BGNBD,
) -> np.ndarray:
    """Variance of each block's total under the purchase model (no shock), by simulation.

    Customers are independent given the parameters, so the variance of a total is the sum of
    the customers' variances: it is simulated on at most :data:`MAX_SIMULATED_CUSTOMERS`
    customers and scaled up.
    """
    n = first_age.shape[0]
    subset = first_age
    if n > MAX_SIMULATED_CUSTOMERS:
        subset = rng.choice(first_age, size=MAX_SIMULATED_CUSTOMERS, replace=False)
    m = subset.shape[0]
    window = (subset + 1).astype(np.float64)  # days of observation after the first purchase
    totals = np.empty((SIMULATION_REPLICATES, n_blocks))
    for replicate in range(SIMULATION_REPLICATES):
        owner, tau = model.simulate_purchase_times(theta, window, rng, days_per_unit)
        made = tau >= 1.0  # purchases within the first day merge with the first occasion
        reach = subset[owner[made]] + 1 - tau[made]
        block = np.ceil(reach / block_days).astype(np.int64) - 1
        totals[replicate] = np.bincount(block[block < n_blocks], minlength=n_blocks)
    return totals.var(axis=0, ddof=1) * (n / m)


def _sigma_posterior(log_ratio: np.ndarray, model_var: np.ndarray, prior_sd: float) -> np.ndarray:
    """Grid posterior of ``sigma`` given block log ratios (weights on :data:`SIGMA_GRID`)."""
    total_var = model_var[None, :] + SIGMA_GRID[:, None] ** 2
    log_lik = -0.5 * (np.log(total_var) + log_ratio[None, :] ** 2 / total_var).sum(axis=1)
    log_post = log_lik - 0.5 * (SIGMA_GRID / prior_sd) ** 2
    weights = np.exp(log_post - log_post.max())
    return weights / weights.sum()


def estimate_aggregate_shock(
    occasions: pl.DataFrame,
    analysis_date: date,
    theta: dict[str, float],
    days_per_unit: float,
    settings: ShockSettings,
    *,
    seed: int,
    model: PurchaseModel = BGNBD,
) -> AggregateShock:
    """Estimate the law of ``sigma`` from the calibration blocks of a transaction log.

    Parameters
    ----------
    occasions : polars.DataFrame
        The log up to the analysis date: ``customer_id`` and ``date`` (several rows of one
        customer and day count as one occasion).
    analysis_date : datetime.date
        End of the calibration period.
    theta : dict
        Population parameters of ``model`` (posterior means), in the model's time unit.
    days_per_unit : float
        Days per model time unit.
    settings : ShockSettings
        Block length, number of blocks, prior scale.
    seed : int
        Seed of the variance simulation.
    model : PurchaseModel, optional
        The purchase model (default BG/NBD): its new-customer expectation and simulator.

    Returns
    -------
    AggregateShock
        ``estimated`` with the grid posterior and the block table (``block``, ``start``,
        ``end``, ``actual``, ``expected``, ``log_ratio``, ``model_sd``), or ``not_estimated``
        with the reason when the log is too short.

    """
    n_blocks = settings.max_blocks
    actual, first_age = _block_counts(occasions, analysis_date, settings.block_days, n_blocks)
    expected = _expected_block_counts(
        first_age, theta, days_per_unit, settings.block_days, n_blocks, model
    )
    usable = expected >= MIN_EXPECTED_PER_BLOCK
    if usable.sum() < MIN_BLOCKS:
        return AggregateShock.none(
            "not_estimated",
            f"the calibration period has {int(usable.sum())} blocks of {settings.block_days} "
            f"days with >= {MIN_EXPECTED_PER_BLOCK:g} expected repeat purchases; at least "
            f"{MIN_BLOCKS} are needed to estimate how much all customers' rates move together",
        )
    rng = np.random.default_rng([seed, 0xB10C])
    variance = _simulated_block_variance(
        first_age, theta, days_per_unit, settings.block_days, n_blocks, rng, model
    )
    # +0.5 keeps the log finite for an empty block; negligible at >= 20 expected.
    log_ratio = np.log((actual + 0.5) / (expected + 0.5))
    model_var = variance / (expected + 0.5) ** 2
    weights = _sigma_posterior(log_ratio[usable], model_var[usable], settings.prior_sd)
    k = np.arange(n_blocks)
    blocks = (
        pl.DataFrame(
            {
                "block": k,
                "start": [
                    analysis_date - timedelta(days=int((i + 1) * settings.block_days - 1))
                    for i in k
                ],
                "end": [analysis_date - timedelta(days=int(i * settings.block_days)) for i in k],
                "actual": actual,
                "expected": expected,
                "log_ratio": log_ratio,
                "model_sd": np.sqrt(model_var),
                "used": usable,
            }
        )
        .filter(pl.col("expected") > 0)
        .reverse()
    )
    shock = AggregateShock("estimated", "", SIGMA_GRID.copy(), weights, blocks)
    reason = (
        f"estimated from {int(usable.sum())} blocks of {settings.block_days} days before "
        f"{analysis_date}: sigma median {shock.sigma_quantile(0.5):.3f} "
        f"[90 % {shock.sigma_quantile(0.05):.3f}, {shock.sigma_quantile(0.95):.3f}]"
    )
    return AggregateShock("estimated", reason, shock.sigma_values, weights, blocks)
