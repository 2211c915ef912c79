"""Columns of the campaign exports: names, number kinds and descriptions (with units)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["text", "int", "money", "prob", "ratio", "number"]

PROFIT_BAND: tuple[float, float] = (0.05, 0.95)
"""Quantile levels of the exported incremental-profit bands (a 90 % band)."""

TOTAL_ROW = "TOTAL"
"""``campaign`` value of the summary row that adds up all campaigns."""

_QUANTILE_RE = re.compile(r"_q(\d+(?:_\d+)?)$")


@dataclass(frozen=True)
class ColumnSpec:
    """How to show and explain one exported column.

    Attributes
    ----------
    kind : {"text", "int", "money", "prob", "ratio", "number"}
        Picks the Excel number format.
    description : str
        Meaning and unit.

    """

    kind: ColumnKind
    description: str


def _criterion_text(criterion: str, level: float) -> str:
    if criterion == "expected":
        return "mean of the incremental-profit draws"
    pct = f"{100 * level:g} %"
    if criterion == "lower_bound":
        return f"lower {pct} quantile of the incremental-profit draws"
    return (
        f"CVaR at {pct}: mean of the worst {pct} of the incremental-profit draws "
        "(the draws at or below their lower quantile)"
    )


def criterion_text(criterion: str, level: float) -> str:
    """Plain-language definition of a ranking criterion."""
    return _criterion_text(criterion, level)


def _cltv_description(column: str, horizon_months: float, currency: str, run_margin: float) -> str:
    basis = (
        f"{currency}, over the next {horizon_months:g} months, at the run's margin "
        f"{run_margin:g}{' (revenue)' if run_margin == 1 else ''}"
    )
    if column.endswith("_pred_mean"):
        return f"Mean of the customer's predictive CLTV ({basis})"
    if column.endswith("_pred_median"):
        return f"Median of the customer's predictive CLTV ({basis})"
    match = _QUANTILE_RE.search(column)
    if match:
        pct = match.group(1).replace("_", ".")
        return (
            f"{float(pct):g} % quantile of the customer's predictive CLTV ({basis}); "
            "a band of what the customer may actually bring"
        )
    return f"Customer's CLTV summary ({basis})"


def target_columns(
    *,
    currency: str,
    horizon_months: float,
    run_margin: float,
    criterion: str,
    level: float,
    cltv_columns: tuple[str, ...] = (),
) -> dict[str, ColumnSpec]:
    """Columns of a campaign target list, in export order.

    Parameters
    ----------
    currency : str
        Currency of money columns.
    horizon_months : float
        CLTV horizon.
    run_margin : float
        Margin of the run's CLTV values.
    criterion, level : str, float
        Ranking criterion and its tail level.
    cltv_columns : tuple of str
        The run's CLTV columns copied into the list.

    Returns
    -------
    dict
        Column name to :class:`ColumnSpec`.

    """
    lo, hi = (f"q{round(100 * p):02d}" for p in PROFIT_BAND)
    h = f"{horizon_months:g} months"
    spec: dict[str, ColumnSpec] = {
        "rank": ColumnSpec("int", "Priority within the campaign (1 = contact first)"),
        "customer_id": ColumnSpec("text", "Customer identifier (FLO master_id)"),
        "campaign": ColumnSpec("text", "Campaign name"),
        "segment": ColumnSpec("text", "RF segment (classic RFM map)"),
        "tier": ColumnSpec("text", "Marketing tier id"),
        "tier_label": ColumnSpec("text", "Marketing tier, display name"),
        "p_alive": ColumnSpec("prob", "Probability the customer is still active (BG/NBD)"),
    }
    for column in cltv_columns:
        spec[column] = ColumnSpec(
            "money", _cltv_description(column, horizon_months, currency, run_margin)
        )
    spec |= {
        "incremental_revenue_mean": ColumnSpec(
            "money", f"Expected extra revenue from the contact ({currency}, {h})"
        ),
        "incremental_profit_mean": ColumnSpec(
            "money",
            f"Expected incremental profit of the contact: effect x value x campaign margin - "
            f"cost per contact ({currency}, {h})",
        ),
        f"incremental_profit_{lo}": ColumnSpec(
            "money", f"{100 * PROFIT_BAND[0]:g} % quantile of the incremental profit ({currency})"
        ),
        f"incremental_profit_{hi}": ColumnSpec(
            "money", f"{100 * PROFIT_BAND[1]:g} % quantile of the incremental profit ({currency})"
        ),
        "p_loss": ColumnSpec(
            "prob", "Probability that the contact loses money (incremental profit < 0)"
        ),
        "criterion_value": ColumnSpec(
            "money", f"Ranking value: {_criterion_text(criterion, level)} ({currency})"
        ),
        "p_selected": ColumnSpec(
            "prob",
            "Share of draws in which this customer is among the campaign's best contacts when "
            "that draw's values are taken as the truth (ranking stability; 1 = always chosen)",
        ),
        "cost_per_contact": ColumnSpec("money", f"Cost of contacting the customer ({currency})"),
        "strategy": ColumnSpec("text", "What to do: the campaign's communication strategy"),
    }
    return spec


def summary_columns(
    *, currency: str, horizon_months: float, criterion: str, level: float
) -> dict[str, ColumnSpec]:
    """Columns of the plan summary (one row per campaign plus a total row), in export order.

    Parameters
    ----------
    currency : str
        Currency of money columns.
    horizon_months : float
        Horizon of the campaigns' value.
    criterion, level : str, float
        Ranking criterion and its tail level.

    Returns
    -------
    dict
        Column name to :class:`ColumnSpec`.

    """
    lo, hi = (f"q{round(100 * p):02d}" for p in PROFIT_BAND)
    h = f"{horizon_months:g} months"
    return {
        "campaign": ColumnSpec("text", f"Campaign name ({TOTAL_ROW}: all campaigns together)"),
        "sheet": ColumnSpec("text", "Workbook sheet with the campaign's target list"),
        "description": ColumnSpec("text", "What the campaign is"),
        "effect": ColumnSpec("text", "Assumed effect of the campaign and its uncertainty"),
        "eligible": ColumnSpec(
            "int", "Customers passing the campaign's segment/tier/category/channel filters"
        ),
        "candidates": ColumnSpec(
            "int",
            "Eligible customers within the loss limit and with a positive ranking value",
        ),
        "contact_limit": ColumnSpec(
            "int", "Contacts the budget and max_contacts allow (blank: no limit)"
        ),
        "contacts": ColumnSpec("int", "Customers chosen"),
        "cost_per_contact": ColumnSpec("money", f"Cost of one contact ({currency})"),
        "budget": ColumnSpec("money", f"Campaign budget ({currency}; blank: none)"),
        "max_contacts": ColumnSpec("int", "Contact limit from the config (blank: none)"),
        "cost": ColumnSpec("money", f"Spend: contacts x cost per contact ({currency})"),
        "budget_used": ColumnSpec("prob", "Cost as a share of the budget"),
        "margin": ColumnSpec("ratio", "Gross margin applied to the campaign's extra sales"),
        "incremental_revenue_mean": ColumnSpec(
            "money", f"Expected extra revenue ({currency}, {h})"
        ),
        "profit_mean": ColumnSpec(
            "money",
            f"Expected total incremental profit of the chosen customers, after cost ({currency}, {h})",
        ),
        f"profit_{lo}": ColumnSpec(
            "money",
            f"{100 * PROFIT_BAND[0]:g} % quantile of the total incremental profit over the draws ({currency})",
        ),
        f"profit_{hi}": ColumnSpec(
            "money",
            f"{100 * PROFIT_BAND[1]:g} % quantile of the total incremental profit over the draws ({currency})",
        ),
        "p_loss": ColumnSpec(
            "prob", "Probability that the campaign loses money in total (total < 0)"
        ),
        "roi_mean": ColumnSpec("ratio", "Expected incremental profit per unit of cost"),
        "mean_p_selected": ColumnSpec(
            "prob", "Average ranking stability (p_selected) of the chosen customers"
        ),
        "criterion": ColumnSpec("text", f"Ranking: {_criterion_text(criterion, level)}"),
        "selection": ColumnSpec("text", "How the choice was made and its optimality gap"),
        "warning": ColumnSpec("text", "Why nothing (or something odd) happened; blank when fine"),
    }


__all__ = [
    "ColumnKind",
    "ColumnSpec",
    "PROFIT_BAND",
    "TOTAL_ROW",
    "criterion_text",
    "summary_columns",
    "target_columns",
]
