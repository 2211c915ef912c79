"""Registry of the exported customer columns that do not come from the scoring stage.

Every column of ``customers.parquet`` / ``customers.csv`` made by the load, segment and
value-tier stages is named here once with its description; the data dictionary
(``data_dictionary.csv``) is generated from this registry together with the scoring stage's
own column descriptions (:mod:`flo_bayes.predictive.columns`). Descriptions may name the run's
``{time_unit}`` and ``{currency}``.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Column:
    """An exported column: its name and a description template."""

    name: str
    description: str


COLUMNS: tuple[Column, ...] = (
    Column("customer_id", "Customer identifier from the input file"),
    Column("first_purchase", "Date of the first purchase"),
    Column("last_purchase", "Date of the last purchase on or before the analysis date"),
    Column(
        "n_orders",
        "Purchase occasions (FLO: online + offline orders; logs: distinct purchase days)",
    ),
    Column("total_value", "Total spend up to the analysis date ({currency})"),
    Column("x", "Repeat purchases = purchase occasions - 1 (BG/NBD frequency)"),
    Column("t_x", "Time from first to last purchase ({time_unit}; BG/NBD recency)"),
    Column("T", "Time from first purchase to the analysis date ({time_unit})"),
    Column("recency_days", "Days from the last purchase to the analysis date (RFM recency)"),
    Column(
        "gg_n",
        "Purchases the Gamma-Gamma model averages over (FLO: all orders; logs: repeat purchases)",
    ),
    Column("gg_mean", "Mean value per purchase used by the Gamma-Gamma model ({currency})"),
    Column("n_orders_online", "Online orders (FLO)"),
    Column("n_orders_offline", "Offline orders (FLO)"),
    Column("value_online", "Online spend (FLO, {currency})"),
    Column("value_offline", "Offline spend (FLO, {currency})"),
    Column("order_channel", "Platform used (FLO)"),
    Column("last_order_channel", "Channel of the last purchase (FLO)"),
    Column("categories", "Categories bought in the last 12 months (FLO; '|'-separated in CSV)"),
    Column("recency_score", "RFM recency score 1-5 by quintile (5 = most recent)"),
    Column(
        "frequency_score",
        "RFM frequency score 1-5 by quintile of rank (ties by order of appearance)",
    ),
    Column("monetary_score", "RFM monetary score 1-5 by quintile of total value"),
    Column("RF_SCORE", "Recency digit then frequency digit"),
    Column("RFM_SCORE", "Recency, frequency and monetary digits"),
    Column("segment", "Classic RF segment (regex map on RF_SCORE)"),
    Column("tier", "Marketing tier (from the segment, configurable)"),
    Column("tier_label", "Marketing tier label in the configured language"),
    Column("value_rank", "Rank of the customer's mean predictive CLTV (1 = highest)"),
    Column(
        "value_tier",
        "CLTV value tier of that rank (default top 20 %, high 30 %, mid 30 %, low 20 %)",
    ),
    Column(
        "p_value_tier", "Probability, over the saved CLTV draws, that the customer is in that tier"
    ),
    Column(
        "p_top_value",
        "Probability that the customer is in the top value tier (top 20 % by default)",
    ),
    Column(
        "convergence_passed",
        "False if the model fits failed the convergence gate: treat numbers with care",
    ),
)
"""Summary, RFM, segment, tier, value-tier and gate columns, in export order."""

VALUE_TIER_PROBABILITY = Column(
    "p_tier_{tier}", "Probability, over the saved CLTV draws, of being in value tier '{tier}'"
)
"""One column per configured value tier."""


def base_column_descriptions(
    time_unit: str, currency: str, value_tier_names: tuple[str, ...] = ()
) -> dict[str, str]:
    """Descriptions of the registered columns, for this run's time unit, currency and tiers.

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
        VALUE_TIER_PROBABILITY.name.format(tier=name): VALUE_TIER_PROBABILITY.description.format(
            tier=name
        )
        for name in value_tier_names
    }
    return per_tier | {
        column.name: column.description.format(time_unit=time_unit, currency=currency)
        for column in COLUMNS
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
