"""Tables of the plan: target lists, summary rows and sheet names (Polars)."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import polars as pl

from flo_bayes.campaigns.columns import PROFIT_BAND, TOTAL_ROW
from flo_bayes.campaigns.effects import IncrementalDraws
from flo_bayes.campaigns.results import CampaignPlan
from flo_bayes.campaigns.risk import total_summary
from flo_bayes.campaigns.scoring import ScoredCampaign
from flo_bayes.campaigns.selection import Assignment
from flo_bayes.config.campaigns import CampaignsConfig

CUSTOMER_COLUMNS = ("segment", "tier", "tier_label", "p_alive")
"""Customer-table columns copied into the target lists when present."""

POLARS_TYPES = {
    "text": pl.Utf8,
    "int": pl.Int64,
    "money": pl.Float64,
    "prob": pl.Float64,
    "ratio": pl.Float64,
    "number": pl.Float64,
}
"""Polars dtype of each column kind."""


def cltv_columns(customers: pl.DataFrame, horizon: str) -> tuple[str, ...]:
    """The run's predictive CLTV mean and quantile columns for ``horizon``, quantiles ascending."""
    prefix = f"cltv_{horizon}_pred_"
    quantiles = []
    for column in customers.columns:
        if column.startswith(prefix + "q"):
            label = column.removeprefix(prefix + "q")
            try:
                quantiles.append((float(label.replace("_", ".")), column))
            except ValueError:
                continue
    mean = (prefix + "mean",) if prefix + "mean" in customers.columns else ()
    return mean + tuple(c for _, c in sorted(quantiles))


def targets_frame(
    scored: ScoredCampaign,
    chosen: np.ndarray,
    chosen_draws: IncrementalDraws,
    p_selected: np.ndarray,
    customers: pl.DataFrame,
    cltv_columns: tuple[str, ...],
    strategy: str,
) -> pl.DataFrame:
    """Target list of one campaign: the chosen customers with their figures, best first.

    Parameters
    ----------
    scored : ScoredCampaign
        The campaign's draws and statistics.
    chosen : numpy.ndarray
        Positions (among the eligible customers) of the chosen ones, best first.
    chosen_draws : IncrementalDraws
        Their revenue and profit draws (``scored.draws.take(chosen)``).
    p_selected : numpy.ndarray
        Their selection frequencies.
    customers : polars.DataFrame
        Customer table (source of ids, segment, tier, P(alive), CLTV columns).
    cltv_columns : tuple of str
        CLTV columns to copy.
    strategy : str
        Strategy text.

    Returns
    -------
    polars.DataFrame
        One row per chosen customer.

    """
    rows = scored.eligible[chosen]
    base = customers.select(
        pl.col("customer_id").cast(pl.Utf8),
        *[pl.col(c) for c in CUSTOMER_COLUMNS if c in customers.columns],
        *[pl.col(c) for c in cltv_columns],
    )[rows]
    base = base.with_columns(pl.col(pl.Enum, pl.Categorical).cast(pl.Utf8))
    profit = chosen_draws.profit
    if chosen.size:
        low, high = np.quantile(profit, PROFIT_BAND, axis=1)
    else:
        low = high = np.empty(0)
    lo_name, hi_name = (f"incremental_profit_q{round(100 * p):02d}" for p in PROFIT_BAND)
    frame = base.with_columns(
        pl.Series("rank", np.arange(1, chosen.size + 1), dtype=pl.Int64),
        pl.lit(scored.config.name, dtype=pl.Utf8).alias("campaign"),
        pl.Series(
            "incremental_revenue_mean",
            chosen_draws.revenue.mean(axis=1) if chosen.size else np.empty(0),
        ),
        pl.Series("incremental_profit_mean", scored.mean[chosen]),
        pl.Series(lo_name, low),
        pl.Series(hi_name, high),
        pl.Series("p_loss", scored.p_loss[chosen]),
        pl.Series("criterion_value", scored.criterion[chosen]),
        pl.Series("p_selected", p_selected),
        pl.lit(float(scored.config.cost_per_contact)).alias("cost_per_contact"),
        pl.lit(strategy, dtype=pl.Utf8).alias("strategy"),
    )
    return frame


def summary_row(
    plan: CampaignPlan, effect_text: str, criterion: str, selection: str, sheet: str
) -> dict[str, object]:
    """Summary row of one campaign (keys of :func:`~flo_bayes.campaigns.columns.summary_columns`)."""
    stats = total_summary(plan.profit_totals, PROFIT_BAND)
    campaign = plan.config
    cost = plan.cost
    lo, hi = (f"profit_q{round(100 * p):02d}" for p in PROFIT_BAND)
    return {
        "campaign": plan.name,
        "sheet": sheet,
        "description": campaign.description,
        "effect": effect_text,
        "eligible": plan.eligible,
        "candidates": plan.candidates,
        "contact_limit": plan.contact_limit,
        "contacts": plan.contacts,
        "cost_per_contact": float(campaign.cost_per_contact),
        "budget": campaign.budget,
        "max_contacts": campaign.max_contacts,
        "cost": cost,
        "budget_used": cost / campaign.budget if campaign.budget else None,
        "margin": plan.margin,
        "incremental_revenue_mean": float(plan.revenue_totals.mean()),
        "profit_mean": stats["mean"],
        lo: stats["q_low"],
        hi: stats["q_high"],
        "p_loss": stats["p_negative"],
        "roi_mean": stats["mean"] / cost if cost > 0 else None,
        "mean_p_selected": float(plan.targets["p_selected"].mean()) if plan.contacts else None,
        "criterion": criterion,
        "selection": selection,
        "warning": plan.warning,
    }


def total_row(
    plans: tuple[CampaignPlan, ...],
    eligible: int,
    candidates: int,
    config: CampaignsConfig,
    assignment: Assignment,
    criterion: str,
) -> dict[str, object]:
    """Summary row of all campaigns together: totals added draw by draw."""
    totals = np.sum([p.profit_totals for p in plans], axis=0)
    revenue = np.sum([p.revenue_totals for p in plans], axis=0)
    stats = total_summary(totals, PROFIT_BAND)
    cost = float(sum((Decimal(repr(p.cost)) for p in plans), Decimal(0)))
    budgets = [p.config.budget for p in plans]
    budget = config.total_budget
    if budget is None and all(b is not None for b in budgets):
        budget = math.fsum(budgets)  # type: ignore[arg-type]
    lo, hi = (f"profit_q{round(100 * p):02d}" for p in PROFIT_BAND)
    return {
        "campaign": TOTAL_ROW,
        "sheet": None,
        "description": "All campaigns together"
        + ("" if config.allow_multiple_campaigns else " (at most one campaign per customer)"),
        "effect": None,
        "eligible": eligible,
        "candidates": candidates,
        "contact_limit": None,
        "contacts": sum(p.contacts for p in plans),
        "cost_per_contact": None,
        "budget": budget,
        "max_contacts": None,
        "cost": cost,
        "budget_used": cost / budget if budget else None,
        "margin": None,
        "incremental_revenue_mean": float(revenue.mean()),
        "profit_mean": stats["mean"],
        lo: stats["q_low"],
        hi: stats["q_high"],
        "p_loss": stats["p_negative"],
        "roi_mean": stats["mean"] / cost if cost > 0 else None,
        "mean_p_selected": None,
        "criterion": criterion,
        "selection": assignment.status,
        "warning": None,
    }


def selection_text(assignment: Assignment) -> str:
    """How the customers were chosen, for the summary."""
    if assignment.method == "greedy":
        return "optimal: best candidates by criterion within each campaign's limits"
    if assignment.method == "lp":
        return "optimal joint assignment (exact: integral LP optimum, HiGHS)"
    return f"joint assignment ({assignment.method}), proven optimality gap {assignment.gap:.2g}"


def sheet_names(
    names: list[str], reserved: tuple[str, ...] = ("summary", "columns", "settings")
) -> list[str]:
    """Unique Excel sheet names (at most 31 characters) for campaign names.

    Parameters
    ----------
    names : list of str
        Campaign names (letters, digits, ``_``, ``-``).
    reserved : tuple of str
        Names used by other sheets (compared case-insensitively, as Excel does).

    Returns
    -------
    list of str
        One sheet name per campaign.

    """
    used = {r.lower() for r in reserved}
    out = []
    for name in names:
        base = name[:31]
        candidate, k = base, 2
        while candidate.lower() in used:
            suffix = f"~{k}"
            candidate = base[: 31 - len(suffix)] + suffix
            k += 1
        used.add(candidate.lower())
        out.append(candidate)
    return out


__all__ = [
    "CUSTOMER_COLUMNS",
    "POLARS_TYPES",
    "cltv_columns",
    "selection_text",
    "sheet_names",
    "summary_row",
    "targets_frame",
    "total_row",
]
