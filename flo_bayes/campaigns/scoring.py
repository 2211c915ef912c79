"""Per-campaign scoring: eligibility, incremental-profit draws and per-customer statistics."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from flo_bayes.campaigns.effects import (
    IncrementalDraws,
    draw_effect,
    effect_rng,
    incremental_draws,
)
from flo_bayes.campaigns.risk import criterion_values, loss_probability
from flo_bayes.campaigns.run_inputs import RunContext
from flo_bayes.campaigns.selection import contact_capacity
from flo_bayes.config.campaigns import (
    CampaignConfig,
    CampaignsConfig,
    ResponseEffect,
    UpliftShareEffect,
)
from flo_bayes.errors import ConfigError, DataError
from flo_bayes.segmentation.targets import target_filter_expr
from flo_bayes.segmentation.tiers import get_tier

EXPECTED_SPEND_COL = "expected_spend_per_purchase"
_FILTER_COLUMNS = {
    "segments": "segment",
    "tiers": "tier",
    "categories_any": "categories",
    "categories_all": "categories",
    "order_channels": "order_channel",
    "last_order_channels": "last_order_channel",
}
BLOCK_ELEMENTS = 1 << 20
"""Draws (rows x S) handled at a time when draws are built or checked block by block."""


def row_blocks(n_rows: int, n_draws: int) -> Iterator[slice]:
    """Slices of consecutive rows holding about :data:`BLOCK_ELEMENTS` draws each.

    Parameters
    ----------
    n_rows : int
        Number of rows.
    n_draws : int
        Draws per row.

    Returns
    -------
    Iterator of slice
        Covering ``0..n_rows`` in order (nothing when ``n_rows`` is 0).

    """
    step = max(1, BLOCK_ELEMENTS // max(1, n_draws))
    for start in range(0, n_rows, step):
        yield slice(start, min(start + step, n_rows))


@dataclass(frozen=True)
class CampaignDraws:
    """What one campaign's incremental draws are computed from, so they need not be stored.

    Holding revenue and profit as ``(m, S)`` float64 matrices for every campaign at once
    would take 16 bytes per customer and draw (1.6 GB for 1M customers x 100 draws). The
    draws of any eligible customers are instead rebuilt on demand, block by block, with the
    same operations in the same order, so they are bit-identical to a whole-matrix build.

    Attributes
    ----------
    effect_model : UpliftShareEffect or ResponseEffect
        The campaign's effect model.
    effect : numpy.ndarray
        Shape ``(S,)``: effect draws.
    margin : float
        Gross margin of the extra sales.
    cost_per_contact : float
        Cost of one contact.
    run_margin : float
        Margin the value draws were computed with (revenue is ``draw / run_margin``).
    rows : numpy.ndarray
        Shape ``(m,)``: rows of the eligible customers in ``value_draws``.
    value_draws : numpy.ndarray or None
        Shape ``(n_customers, S)``: the run's value draws, shared and never copied whole
        (``uplift_share`` effects).
    order_values : numpy.ndarray or None
        Shape ``(m,)``: response order values (``response`` effects).

    """

    effect_model: UpliftShareEffect | ResponseEffect
    effect: np.ndarray
    margin: float
    cost_per_contact: float
    run_margin: float
    rows: np.ndarray
    value_draws: np.ndarray | None = None
    order_values: np.ndarray | None = None

    def compute(self, positions: np.ndarray | slice) -> IncrementalDraws:
        """Revenue and profit draws of the eligible customers at ``positions`` (one block)."""
        value_revenue = order_value = None
        if self.value_draws is not None:
            rows = self.rows[positions]
            value_revenue = np.asarray(self.value_draws[rows], dtype=np.float64) / self.run_margin
        if self.order_values is not None:
            order_value = self.order_values[positions]
        return incremental_draws(
            self.effect_model,
            self.effect,
            margin=self.margin,
            cost_per_contact=self.cost_per_contact,
            value_revenue=value_revenue,
            order_value=order_value,
        )

    def blocks(self, positions: np.ndarray) -> Iterator[tuple[slice, IncrementalDraws]]:
        """Draws of ``positions`` block by block, with each block's slice of ``positions``."""
        for block in row_blocks(positions.size, self.effect.size):
            yield block, self.compute(positions[block])

    def take(self, positions: np.ndarray) -> IncrementalDraws:
        """Revenue and profit draws of ``positions``, shape ``(len(positions), S)`` each."""
        positions = np.asarray(positions, dtype=np.int64)
        revenue = np.empty((positions.size, self.effect.size))
        profit = np.empty_like(revenue)
        for block, draws in self.blocks(positions):
            revenue[block] = draws.revenue
            profit[block] = draws.profit
        return IncrementalDraws(revenue, profit, self.effect)

    def profit(self, positions: np.ndarray) -> np.ndarray:
        """Profit draws of ``positions``, shape ``(len(positions), S)``."""
        positions = np.asarray(positions, dtype=np.int64)
        profit = np.empty((positions.size, self.effect.size))
        for block, draws in self.blocks(positions):
            profit[block] = draws.profit
        return profit


@dataclass(frozen=True)
class ScoredCampaign:
    """One campaign's draws and per-customer statistics over its eligible customers.

    Attributes
    ----------
    config : CampaignConfig
        The campaign.
    margin : float
        Gross margin used.
    eligible : numpy.ndarray
        Shape ``(m,)``: row indices (in the customer table) of the eligible customers.
    draws : CampaignDraws
        Builds the ``(m, S)`` incremental revenue and profit draws of any of them (positions
        among the eligible customers) on demand.
    effect : numpy.ndarray
        Shape ``(S,)``: effect draws.
    mean, p_loss, criterion : numpy.ndarray
        Shape ``(m,)``: expected profit, P(profit < 0) and the ranking value.
    loss_ok : numpy.ndarray
        Shape ``(m,)``: within ``max_loss_probability``.
    capacity : int or None
        Contact limit.

    """

    config: CampaignConfig
    margin: float
    eligible: np.ndarray  # indices into the customer table
    draws: CampaignDraws
    effect: np.ndarray  # (S,)
    mean: np.ndarray
    p_loss: np.ndarray
    criterion: np.ndarray
    loss_ok: np.ndarray  # bool (m,)
    capacity: int | None


def campaign_label(index: int, campaign: CampaignConfig) -> str:
    """Prefix of error messages: ``campaigns[2] ('vip_care')``."""
    return f"campaigns[{index}] ({campaign.name!r})"


def campaign_margin(
    campaign: CampaignConfig, config: CampaignsConfig, context: RunContext
) -> float:
    """Margin of a campaign: its own, else ``campaigns.margin``, else (``"run"``) the run's."""
    if campaign.margin is not None:
        return float(campaign.margin)
    if config.margin == "run":
        return float(context.margin)
    return float(config.margin)


def _check_horizon(index: int, campaign: CampaignConfig, context: RunContext) -> None:
    if campaign.horizon_months is None:
        return
    if math.isclose(campaign.horizon_months, context.cltv_horizon_months, rel_tol=1e-9):
        return
    horizons = list(context.horizons_months) or [context.cltv_horizon_months]
    raise ConfigError(
        f"{campaign_label(index, campaign)}.horizon_months = {campaign.horizon_months:g}: the run's value "
        f"draws cover {context.cltv_horizon_months:g} months only (prediction.cltv_horizon_months; "
        f"the run predicted horizons_months = {horizons}, but keeps draws for the CLTV horizon "
        f"alone). Set horizon_months = {context.cltv_horizon_months:g} or leave it out, or re-run "
        f"with prediction.cltv_horizon_months = {campaign.horizon_months:g}"
    )


def _check_columns(index: int, campaign: CampaignConfig, customers: pl.DataFrame) -> None:
    for key, column in _FILTER_COLUMNS.items():
        if getattr(campaign, key) and column not in customers.columns:
            raise ConfigError(
                f"{campaign_label(index, campaign)}.{key}: needs column {column!r}, which the customer "
                "table lacks (transaction-log runs have no categories or channels)"
            )
    if (
        isinstance(campaign.effect, ResponseEffect)
        and campaign.effect.order_value == "expected_spend"
        and EXPECTED_SPEND_COL not in customers.columns
    ):
        raise ConfigError(
            f"{campaign_label(index, campaign)}.effect.order_value = 'expected_spend' needs column "
            f"{EXPECTED_SPEND_COL!r}; give a number instead"
        )


def strategy_text(campaign: CampaignConfig, language: str = "en") -> str:
    """Strategy text of a campaign: its own, else its tiers' strategies, else its description.

    Parameters
    ----------
    campaign : CampaignConfig
        The campaign.
    language : {"en", "tr"}
        Language of tier strategies.

    Returns
    -------
    str
        Strategies joined with ``"; "`` (tiers separated by ``" | "``).

    """
    if campaign.strategy:
        return campaign.strategy
    if campaign.tiers:
        return " | ".join(
            "; ".join(get_tier(t).strategies(language))
            for t in campaign.tiers  # type: ignore[arg-type]
        )
    return campaign.description


def _order_values(
    campaign: CampaignConfig, customers: pl.DataFrame, rows: np.ndarray
) -> np.ndarray:
    effect = campaign.effect
    assert isinstance(effect, ResponseEffect)
    if effect.order_value != "expected_spend":
        return np.full(rows.size, float(effect.order_value))
    values = customers.get_column(EXPECTED_SPEND_COL).cast(pl.Float64).to_numpy()[rows]
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise DataError(
            f"campaign {campaign.name!r}: {EXPECTED_SPEND_COL} has missing or negative values"
        )
    return values


def score_campaign(
    index: int,
    campaign: CampaignConfig,
    customers: pl.DataFrame,
    value_draws: np.ndarray,
    config: CampaignsConfig,
    context: RunContext,
    seed: int,
) -> ScoredCampaign:
    """Eligible customers of one campaign with their draws and statistics.

    Parameters
    ----------
    index : int
        Position of the campaign in the config (named in errors).
    campaign : CampaignConfig
        The campaign.
    customers : polars.DataFrame
        Customer table.
    value_draws : numpy.ndarray
        Shape ``(n_customers, S)`` at the run's margin.
    config : CampaignsConfig
        Plan settings (criterion, level, loss limit, default margin).
    context : RunContext
        Run settings.
    seed : int
        Seed of the effect draws.

    Returns
    -------
    ScoredCampaign
        Draws and statistics over the eligible customers.

    Raises
    ------
    ConfigError
        Wrong horizon, unknown names or missing columns, naming the campaign and key.

    """
    _check_horizon(index, campaign, context)
    _check_columns(index, campaign, customers)
    try:
        target = campaign.target_list(context.segmentation)
    except ConfigError as err:
        raise ConfigError(f"{campaign_label(index, campaign)}: {err.message}") from None
    mask = customers.select(target_filter_expr(target)).to_series().to_numpy()
    eligible = np.flatnonzero(mask)
    margin = campaign_margin(campaign, config, context)
    n_draws = value_draws.shape[1]
    effect = draw_effect(
        campaign.effect.share
        if isinstance(campaign.effect, UpliftShareEffect)
        else campaign.effect.p_response,
        n_draws,
        effect_rng(seed, campaign.name),
    )
    uplift = isinstance(campaign.effect, UpliftShareEffect)
    draws = CampaignDraws(
        effect_model=campaign.effect,
        effect=effect,
        margin=margin,
        cost_per_contact=campaign.cost_per_contact,
        run_margin=context.margin,
        rows=eligible,
        value_draws=value_draws if uplift else None,
        order_values=None if uplift else _order_values(campaign, customers, eligible),
    )
    mean, p_loss, crit = _profit_statistics(draws, config)
    return ScoredCampaign(
        config=campaign,
        margin=margin,
        eligible=eligible,
        draws=draws,
        effect=effect,
        mean=mean,
        p_loss=p_loss,
        criterion=crit,
        loss_ok=p_loss <= config.max_loss_probability,
        capacity=contact_capacity(
            campaign.cost_per_contact, campaign.budget, campaign.max_contacts
        ),
    )


def _profit_statistics(
    draws: CampaignDraws, config: CampaignsConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected profit, P(loss) and ranking value of every eligible customer.

    Each statistic is row-wise, so building the profit draws block by block gives the
    same values as one ``(m, S)`` matrix with a fraction of its memory.
    """
    m = draws.rows.size
    mean, p_loss, crit = np.empty(m), np.empty(m), np.empty(m)
    for block, block_draws in draws.blocks(np.arange(m)):
        profit = block_draws.profit
        mean[block] = profit.mean(axis=1)
        p_loss[block] = loss_probability(profit)
        crit[block] = criterion_values(profit, config.criterion, config.level)
    return mean, p_loss, crit


def empty_reason(scored: ScoredCampaign, config: CampaignsConfig) -> str:
    """Why a campaign chose nobody, checked in the order the plan filters customers."""
    campaign = scored.config
    if scored.eligible.size == 0:
        return "no customer matches the campaign's filters"
    if scored.capacity == 0:
        return (
            f"the limits allow no contact (budget {campaign.budget}, cost per contact "
            f"{campaign.cost_per_contact}, max_contacts {campaign.max_contacts})"
        )
    if not scored.loss_ok.any():
        return (
            f"all {scored.eligible.size} eligible customers have P(loss) above "
            f"max_loss_probability = {config.max_loss_probability:g} (lowest P(loss): "
            f"{scored.p_loss.min():.2f})"
        )
    ok = scored.criterion[scored.loss_ok]
    if not (ok > 0).any():
        return (
            f"no eligible customer has a positive ranking value ({config.criterion}); the best is "
            f"{ok.max():.2f}: the assumed effect does not pay for the contact cost"
        )
    return "its candidates went to other campaigns or the total budget ran out"


__all__ = [
    "BLOCK_ELEMENTS",
    "EXPECTED_SPEND_COL",
    "CampaignDraws",
    "ScoredCampaign",
    "campaign_label",
    "campaign_margin",
    "empty_reason",
    "row_blocks",
    "score_campaign",
    "strategy_text",
]
