"""Descriptions of the exported customer columns that do not come from the scoring stage."""

from __future__ import annotations

import polars as pl


def base_column_descriptions(
    time_unit: str, currency: str, value_tier_names: tuple[str, ...] = ()
) -> dict[str, str]:
    """Descriptions of the summary, segment and value-tier columns.

    Parameters
    ----------
    time_unit : str
        The model's time unit, named in the descriptions.
    currency : str
        The currency of monetary columns.
    value_tier_names : tuple of str
        Names of the CLTV value tiers (one ``p_tier_<name>`` column each).

    Returns
    -------
    dict of str to str
        Column name to description.

    """
    per_tier = {
        f"p_tier_{name}": f"Probability, over the saved CLTV draws, of being in value tier '{name}'"
        for name in value_tier_names
    }
    return per_tier | {
        "customer_id": "Customer identifier from the input file",
        "first_purchase": "Date of the first purchase",
        "last_purchase": "Date of the last purchase on or before the analysis date",
        "n_orders": "Purchase occasions (FLO: online + offline orders; logs: distinct purchase days)",
        "total_value": f"Total spend up to the analysis date ({currency})",
        "x": "Repeat purchases = purchase occasions - 1 (BG/NBD frequency)",
        "t_x": f"Time from first to last purchase ({time_unit}; BG/NBD recency)",
        "T": f"Time from first purchase to the analysis date ({time_unit})",
        "recency_days": "Days from the last purchase to the analysis date (RFM recency)",
        "gg_n": "Purchases the Gamma-Gamma model averages over (FLO: all orders; logs: repeat purchases)",
        "gg_mean": f"Mean value per purchase used by the Gamma-Gamma model ({currency})",
        "n_orders_online": "Online orders (FLO)",
        "n_orders_offline": "Offline orders (FLO)",
        "value_online": f"Online spend (FLO, {currency})",
        "value_offline": f"Offline spend (FLO, {currency})",
        "order_channel": "Platform used (FLO)",
        "last_order_channel": "Channel of the last purchase (FLO)",
        "categories": "Categories bought in the last 12 months (FLO; '|'-separated in CSV)",
        "recency_score": "RFM recency score 1-5 by quintile (5 = most recent)",
        "frequency_score": "RFM frequency score 1-5 by quintile of rank (ties by order of appearance)",
        "monetary_score": "RFM monetary score 1-5 by quintile of total value",
        "RF_SCORE": "Recency digit then frequency digit",
        "RFM_SCORE": "Recency, frequency and monetary digits",
        "segment": "Classic RF segment (regex map on RF_SCORE)",
        "tier": "Marketing tier (from the segment, configurable)",
        "tier_label": "Marketing tier label in the configured language",
        "value_rank": "Rank of the customer's mean predictive CLTV (1 = highest)",
        "value_tier": "CLTV value tier of that rank (default top 20 %, high 30 %, mid 30 %, low 20 %)",
        "p_value_tier": "Probability, over the saved CLTV draws, that the customer is in that tier",
        "p_top_value": "Probability that the customer is in the top value tier (top 20 % by default)",
        "convergence_passed": "False if the model fits failed the convergence gate: treat numbers with care",
    }


def dictionary_frame(columns: list[str], descriptions: dict[str, str]) -> pl.DataFrame:
    """A two-column table (column, description) for the exported columns, in order.

    Columns without a description are listed with an empty description, so a missing
    entry shows up instead of silently dropping the column.
    """
    return pl.DataFrame(
        {"column": columns, "description": [descriptions.get(c, "") for c in columns]},
        schema={"column": pl.Utf8, "description": pl.Utf8},
    )
