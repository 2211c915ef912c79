"""Registry of the exported customer columns: names, descriptions, kinds and units.

Every column of ``customers.parquet`` / ``customers.csv`` made by the load, segment and
value-tier stages is named here once with its description and its *kind* (money,
probability, expected count, ...); the scoring stage's columns get their kind from their
name's pattern (:func:`column_kind`, see :mod:`flo_bayes.predictive.columns` for the scheme).
The kind gives a column its unit in the data dictionary (``data_dictionary.csv``) and the
decimals it is rounded to in the CSV exports (:func:`round_for_export`): money to 2,
probabilities to 4, expected counts and times to 3. ``customers.parquet`` keeps full precision
for analysts. Descriptions may name the run's ``{time_unit}`` and ``{currency}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

KIND_DECIMALS: dict[str, int | None] = {
    "money": 2,
    "probability": 4,
    "expected_count": 3,
    "time": 3,
    "count": 0,
    "days": 0,
    "rank": 0,
    "id": None,
    "date": None,
    "text": None,
    "code": None,
    "flag": None,
}
"""Decimals a float column of each kind is rounded to in CSV exports (None: left as is)."""

KIND_UNITS: dict[str, str] = {
    "money": "{currency}",
    "probability": "probability (0-1)",
    "expected_count": "purchases",
    "time": "{time_unit}",
    "count": "count",
    "days": "days",
    "rank": "rank",
}
"""Unit shown in the data dictionary for each kind (others have none)."""


@dataclass(frozen=True)
class Column:
    """An exported column: its name, a description template and its kind (see KIND_DECIMALS)."""

    name: str
    description: str
    kind: str = "text"


COLUMNS: tuple[Column, ...] = (
    Column("customer_id", "Customer identifier from the input file", "id"),
    Column("first_purchase", "Date of the first purchase", "date"),
    Column("last_purchase", "Date of the last purchase on or before the analysis date", "date"),
    Column(
        "n_orders",
        "Purchase occasions (FLO: online + offline orders; logs: distinct purchase days)",
        "count",
    ),
    Column("total_value", "Total spend up to the analysis date ({currency})", "money"),
    Column("x", "Repeat purchases = purchase occasions - 1 (BG/NBD frequency)", "count"),
    Column("t_x", "Time from first to last purchase ({time_unit}; BG/NBD recency)", "time"),
    Column("T", "Time from first purchase to the analysis date ({time_unit})", "time"),
    Column(
        "recency_days", "Days from the last purchase to the analysis date (RFM recency)", "days"
    ),
    Column(
        "gg_n",
        "Purchases the Gamma-Gamma model averages over (FLO: all orders; logs: repeat purchases)",
        "count",
    ),
    Column(
        "gg_mean", "Mean value per purchase used by the Gamma-Gamma model ({currency})", "money"
    ),
    Column("n_orders_online", "Online orders (FLO)", "count"),
    Column("n_orders_offline", "Offline orders (FLO)", "count"),
    Column("value_online", "Online spend (FLO, {currency})", "money"),
    Column("value_offline", "Offline spend (FLO, {currency})", "money"),
    Column("order_channel", "Platform used (FLO)"),
    Column("last_order_channel", "Channel of the last purchase (FLO)"),
    Column("categories", "Categories bought in the last 12 months (FLO; '|'-separated in CSV)"),
    Column("recency_score", "RFM recency score 1-5 by quintile (5 = most recent)", "code"),
    Column(
        "frequency_score",
        "RFM frequency score 1-5 by quintile of rank (ties by order of appearance)",
        "code",
    ),
    Column("monetary_score", "RFM monetary score 1-5 by quintile of total value", "code"),
    Column("rf_score", "Recency digit then frequency digit", "code"),
    Column("rfm_score", "Recency, frequency and monetary digits", "code"),
    Column("segment", "Classic RF segment (regex map on rf_score)"),
    Column("tier", "Marketing tier (from the segment, configurable)"),
    Column("tier_label", "Marketing tier label in the configured language"),
    Column("value_rank", "Rank of the customer's mean predictive CLTV (1 = highest)", "rank"),
    Column(
        "value_tier",
        "CLTV value tier of that rank (default top 20 %, high 30 %, mid 30 %, low 20 %)",
    ),
    Column(
        "p_value_tier",
        "Probability, over the saved CLTV draws, that the customer is in that tier",
        "probability",
    ),
    Column(
        "convergence_passed",
        "False if the model fits failed the convergence gate: treat numbers with care",
        "flag",
    ),
)
"""Summary, RFM, segment, tier, value-tier and gate columns, in export order."""

VALUE_TIER_PROBABILITY = Column(
    "p_tier_{tier}",
    "Probability, over the saved CLTV draws, of being in value tier '{tier}'",
    "probability",
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


_REGISTERED_KINDS = {column.name: column.kind for column in COLUMNS}

# Kinds of the scoring stage's columns, by name (its naming scheme is documented in
# flo_bayes.predictive.columns); the first pattern that matches wins.
_SCORING_KINDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^p_"), "probability"),  # p_alive*, p_tier_*, p_any_purchase_*, p_cltv_*_gt_*
    (re.compile(r"_pit$"), "probability"),  # randomised PIT values lie in 0-1
    (re.compile(r"cltv|spend"), "money"),  # expected_cltv_*, cltv_*_pred_*, expected_spend_*
    (re.compile(r"purchases"), "expected_count"),  # expected_purchases_*, purchases_*_pred_*
)


def column_kind(name: str) -> str:
    """The kind of an exported column (a key of :data:`KIND_DECIMALS`).

    Registered columns have their own; the scoring stage's follow its naming scheme;
    anything else is ``"text"`` (never rounded).
    """
    if name in _REGISTERED_KINDS:
        return _REGISTERED_KINDS[name]
    for pattern, kind in _SCORING_KINDS:
        if pattern.search(name):
            return kind
    return "text"


def column_unit(name: str, *, time_unit: str, currency: str) -> str:
    """The unit of an exported column for the data dictionary ("" when it has none)."""
    return KIND_UNITS.get(column_kind(name), "").format(time_unit=time_unit, currency=currency)


def round_for_export(frame: pl.DataFrame) -> pl.DataFrame:
    """Round each float column to its kind's decimals (money 2, probabilities 4, ...).

    The one rounding rule of the CSV exports; ``customers.parquet`` is written unrounded.

    Parameters
    ----------
    frame : polars.DataFrame
        Customer columns (registered or scoring-stage names).

    Returns
    -------
    polars.DataFrame
        The same columns; floats rounded (counts, days and ranks to whole numbers, kept
        float when they are float), everything else untouched.

    """
    rounded = []
    for name, dtype in frame.schema.items():
        decimals = KIND_DECIMALS.get(column_kind(name))
        if decimals is not None and dtype.is_float():
            rounded.append(pl.col(name).round(decimals))
    return frame.with_columns(rounded) if rounded else frame


def dictionary_frame(
    columns: list[str],
    descriptions: dict[str, str],
    *,
    time_unit: str = "weeks",
    currency: str = "",
) -> pl.DataFrame:
    """The data dictionary: column, unit, CSV decimals and description, in export order.

    Columns without a description are listed with an empty description, so a missing
    entry shows up instead of silently dropping the column.

    Parameters
    ----------
    columns : list of str
        Exported columns in order.
    descriptions : dict of str to str
        Column to description.
    time_unit, currency : str
        Shown as the unit of time and money columns.

    Returns
    -------
    polars.DataFrame
        ``column``, ``unit``, ``csv_decimals`` (null: not rounded) and ``description``.

    """
    return pl.DataFrame(
        {
            "column": columns,
            "unit": [column_unit(c, time_unit=time_unit, currency=currency) for c in columns],
            "csv_decimals": [KIND_DECIMALS.get(column_kind(c)) for c in columns],
            "description": [descriptions.get(c, "") for c in columns],
        },
        schema={
            "column": pl.Utf8,
            "unit": pl.Utf8,
            "csv_decimals": pl.Int64,
            "description": pl.Utf8,
        },
    )
