"""The campaign plan at scale: dual prices found on a sample, applied to every customer.

Problem (as in ``flo_bayes.campaigns.selection``): campaign ``c`` costs ``cost_c`` per contact
and may spend ``budget_c``; at most one campaign per customer; an optional total budget.
Here the value of contacting customer ``i`` with ``c`` is its expected incremental profit
``v_ic = share_c * E[CLTV_i] - cost_c`` (``share_c``: the campaign's expected uplift as a share
of the customer's CLTV over the horizon), for customers in ``c``'s segments / tiers.

1. **Dual prices on a sample.** The LP relaxation on a reproducible subsample of customers
   (fraction ``f``), with every budget scaled by ``f * (1 - safety)``, is solved with HiGHS;
   the budget rows' dual values are the prices ``lambda_c`` (per campaign) and ``mu`` (total).
2. **Applied to everyone.** Each customer takes the campaign with the largest reduced value
   ``v_ic - (lambda_c + mu) cost_c`` if it is positive -- a per-customer rule, so it runs inside
   the scoring tasks. (For one campaign this is the greedy rule with a price for the budget.)
3. **Budget never exceeded.** Spend is added up over all customers. A campaign over its
   budget keeps its ``floor(budget_c / cost_c)`` customers of largest reduced value (exact
   order statistic); if the total is still over the total budget, customers are dropped in
   increasing order of reduced value per unit cost until it fits. Ties at a cut are dropped
   rather than split, so the final spend is at most the budget, never above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import polars as pl

CAMPAIGN_COL = "campaign"
REDUCED_COL = "plan_reduced_value"
PRIORITY_COL = "plan_priority"
VALUE_COL = "plan_expected_profit"
COST_COL = "plan_cost"


@dataclass(frozen=True)
class ScaleCampaign:
    """One campaign of the scale plan.

    Attributes
    ----------
    name : str
        Identifier.
    cost_per_contact : float
        Cost of one contact (> 0).
    uplift_share : float
        Expected incremental value as a share of the customer's expected CLTV (at the
        run's margin; a campaign margin different from the run's is folded in here).
    segments, tiers : tuple of str
        Eligible segments / tiers (empty: any).
    budget : float, optional
        Spend limit of the campaign.

    """

    name: str
    cost_per_contact: float
    uplift_share: float
    segments: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    budget: float | None = None

    def __post_init__(self) -> None:
        if not self.cost_per_contact > 0:
            raise ValueError(f"campaign {self.name!r}: cost_per_contact must be > 0")
        if not self.uplift_share >= 0:
            raise ValueError(f"campaign {self.name!r}: uplift_share must be >= 0")
        if self.budget is not None and self.budget < 0:
            raise ValueError(f"campaign {self.name!r}: budget must be >= 0")


@dataclass(frozen=True)
class PlanSettings:
    """Campaigns, the optional total budget and how the dual prices are found."""

    campaigns: tuple[ScaleCampaign, ...]
    total_budget: float | None = None
    sample_size: int = 50_000
    safety: float = 0.02


@dataclass(frozen=True)
class DualPrices:
    """Budget prices from the sample LP."""

    campaign: dict[str, float]
    total: float
    sample_customers: int
    sample_fraction: float


@dataclass
class PlanOutcome:
    """Per-campaign contacts and spend after trimming, and what was trimmed."""

    contacts: dict[str, int] = field(default_factory=dict)
    spend: dict[str, float] = field(default_factory=dict)
    trimmed: int = 0
    thresholds: dict[str, float] = field(default_factory=dict)
    total_threshold: float | None = None


def campaign_values(table: pl.DataFrame, campaigns: Sequence[ScaleCampaign], cltv_col: str):
    """``(n, C)`` expected incremental profit, ``-inf`` where not eligible."""
    cltv = table.get_column(cltv_col).cast(pl.Float64).to_numpy()
    out = np.full((table.height, len(campaigns)), -np.inf)
    for k, camp in enumerate(campaigns):
        ok = np.ones(table.height, dtype=bool)
        if camp.segments:
            ok &= table.get_column("segment").cast(pl.Utf8).is_in(list(camp.segments)).to_numpy()
        if camp.tiers:
            ok &= table.get_column("tier").cast(pl.Utf8).is_in(list(camp.tiers)).to_numpy()
        out[ok, k] = camp.uplift_share * cltv[ok] - camp.cost_per_contact
    return out


def dual_prices(
    sample: pl.DataFrame, settings: PlanSettings, fraction: float, cltv_col: str
) -> DualPrices:
    """Solve the sample LP and return the budget rows' dual values (see module docstring)."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    campaigns = settings.campaigns
    values = campaign_values(sample, campaigns, cltv_col)
    rows, cols = np.nonzero(values > 0)
    names = [c.name for c in campaigns]
    prices = {name: 0.0 for name in names}
    if rows.size == 0:
        return DualPrices(prices, 0.0, sample.height, fraction)
    n_var = rows.size
    cost = np.array([campaigns[c].cost_per_contact for c in cols.tolist()])
    a_rows, a_cols, a_vals, rhs = [], [], [], []
    # one campaign per customer
    _, cust_row = np.unique(rows, return_inverse=True)
    a_rows.append(cust_row)
    a_cols.append(np.arange(n_var))
    a_vals.append(np.ones(n_var))
    rhs += [1.0] * int(cust_row.max() + 1)
    scale = fraction * (1.0 - settings.safety)
    budget_rows: dict[str, int] = {}
    for k, camp in enumerate(campaigns):
        if camp.budget is None:
            continue
        idx = np.flatnonzero(cols == k)
        budget_rows[camp.name] = len(rhs)
        a_rows.append(np.full(idx.size, len(rhs)))
        a_cols.append(idx)
        a_vals.append(cost[idx])
        rhs.append(camp.budget * scale)
    total_row = None
    if settings.total_budget is not None:
        total_row = len(rhs)
        a_rows.append(np.full(n_var, total_row))
        a_cols.append(np.arange(n_var))
        a_vals.append(cost)
        rhs.append(settings.total_budget * scale)
    matrix = coo_matrix(
        (np.concatenate(a_vals), (np.concatenate(a_rows), np.concatenate(a_cols))),
        shape=(len(rhs), n_var),
    ).tocsr()
    result = linprog(
        -values[rows, cols], A_ub=matrix, b_ub=np.array(rhs), bounds=(0, 1), method="highs"
    )
    if result.status != 0:
        raise RuntimeError(f"sample LP for the dual prices failed: {result.message}")
    marginals = -np.asarray(result.ineqlin.marginals)
    for name, row in budget_rows.items():
        prices[name] = float(max(0.0, marginals[row]))
    total = float(max(0.0, marginals[total_row])) if total_row is not None else 0.0
    return DualPrices(prices, total, sample.height, fraction)


def make_assigner(settings: PlanSettings, prices: DualPrices, cltv_col: str):
    """A per-customer rule (a picklable callable) adding the tentative campaign columns."""
    return _Assigner(settings.campaigns, prices, cltv_col)


@dataclass(frozen=True)
class _Assigner:
    campaigns: tuple[ScaleCampaign, ...]
    prices: DualPrices
    cltv_col: str

    def __call__(self, table: pl.DataFrame) -> pl.DataFrame:
        values = campaign_values(table, self.campaigns, self.cltv_col)
        cost = np.array([c.cost_per_contact for c in self.campaigns])
        lam = np.array([self.prices.campaign[c.name] for c in self.campaigns]) + self.prices.total
        reduced = values - lam * cost
        best = np.argmax(reduced, axis=1) if len(self.campaigns) else np.zeros(0, int)
        rows = np.arange(table.height)
        top = reduced[rows, best]
        chosen = (top > 0) & (values[rows, best] > 0)
        names = np.array([c.name for c in self.campaigns], dtype=object)
        campaign = np.where(chosen, names[best], None)
        return table.with_columns(
            pl.Series(CAMPAIGN_COL, campaign.tolist(), dtype=pl.Utf8),
            pl.Series(REDUCED_COL, np.where(chosen, top, np.nan)),
            pl.Series(PRIORITY_COL, np.where(chosen, top / cost[best], np.nan)),
            pl.Series(VALUE_COL, np.where(chosen, values[rows, best], np.nan)),
            pl.Series(COST_COL, np.where(chosen, cost[best], 0.0)),
        )


def exact_spend(cost_per_contact: float, contacts: int) -> Fraction:
    """Spend of ``contacts`` contacts in exact arithmetic (as the selection module checks it)."""
    from decimal import Decimal

    return Fraction(Decimal(repr(float(cost_per_contact)))) * int(contacts)
