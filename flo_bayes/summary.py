"""Customer summary: the per-customer inputs of the BG/NBD and Gamma-Gamma models and of RFM.

Definitions (Fader, Hardie & Lee 2005, "Counting your customers the easy way"; see ARCHITECTURE.md), with time in the configured unit:

- ``x`` — repeat purchases: purchase occasions − 1;
- ``t_x`` — time from the first to the last purchase;
- ``T`` — time from the first purchase to the analysis date;
- ``recency_days`` — days from the last purchase to the analysis date (RFM recency);
- ``gg_n``, ``gg_mean`` — the purchase count and mean value per purchase that the
  Gamma-Gamma model uses. FLO's file only has totals, so there ``gg_mean`` is total value /
  total orders and ``gg_n`` is the total order count. For transaction logs, same-day
  purchases of a customer are one occasion, and (the papers' convention) ``gg_mean`` is the
  mean of the repeat occasions with ``gg_n = x``; a customer without repeat purchases has
  ``gg_n = 0`` and contributes nothing to the Gamma-Gamma fit.

The builders take and return lazy frames so that they also run in streaming mode.

**Reproducible sums.** A float sum depends on the order of its terms, and Polars' group-by
adds a group's values in an order set by thread scheduling (optimisers also drop a
``sort_by`` before a sum, since the sum is "order-free"). Summed in float64, a customer's
total value differed between two runs in the last bits (1e-13), enough for NUTS to take
another path, so the same seed gave other posteriors. Amounts are therefore summed as
fixed-point decimals (:data:`AMOUNT_DECIMAL`: 6 decimals, exact integer arithmetic, so any
order gives the same sum) and converted to float64 once, after the sums. Amounts are
rounded to 1e-6 currency units on the way, far below any currency's smallest coin.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from flo_bayes.segmentation.categories import parse_categories
from flo_bayes.units import days_per_unit

SUMMARY_COLUMNS = (
    "customer_id",
    "first_purchase",
    "last_purchase",
    "n_orders",
    "total_value",
    "x",
    "t_x",
    "T",
    "recency_days",
    "gg_n",
    "gg_mean",
)
# Fixed-point type for summing amounts: 38 digits hold 1e9-unit amounts to 1e-6, summed
# over more rows than any log has, without overflow.
AMOUNT_DECIMAL = pl.Decimal(38, 6)
FLO_EXTRA_COLUMNS = (
    "n_orders_online",
    "n_orders_offline",
    "value_online",
    "value_offline",
    "order_channel",
    "last_order_channel",
    "categories",
)


def _time_columns(analysis_date: date, time_unit: str) -> list[pl.Expr]:
    unit_days = days_per_unit(time_unit)
    return [
        (pl.col("n_orders") - 1).alias("x"),
        ((pl.col("last_purchase") - pl.col("first_purchase")).dt.total_days() / unit_days).alias(
            "t_x"
        ),
        ((pl.lit(analysis_date) - pl.col("first_purchase")).dt.total_days() / unit_days).alias("T"),
        (pl.lit(analysis_date) - pl.col("last_purchase")).dt.total_days().alias("recency_days"),
    ]


def build_flo_summary(customers: pl.LazyFrame, analysis_date: date, time_unit: str) -> pl.LazyFrame:
    """Summarise FLO's customer rows (one row per customer, channel totals).

    Parameters
    ----------
    customers : polars.LazyFrame
        Output of :func:`flo_bayes.io.flo_loader.load_flo` (its ``frame``), lazily.
    analysis_date : datetime.date
        End of the observation period.
    time_unit : str
        ``days`` or ``weeks``.

    Returns
    -------
    polars.LazyFrame
        :data:`SUMMARY_COLUMNS` followed by :data:`FLO_EXTRA_COLUMNS`, in input order.

    """
    totals = customers.with_columns(
        (pl.col("n_orders_online") + pl.col("n_orders_offline")).alias("n_orders"),
        (pl.col("value_online") + pl.col("value_offline")).alias("total_value"),
    )
    return totals.with_columns(
        *_time_columns(analysis_date, time_unit),
        pl.col("n_orders").alias("gg_n"),
        (pl.col("total_value") / pl.col("n_orders")).alias("gg_mean"),
        parse_categories(pl.col("categories_raw")).alias("categories"),
    ).select(*SUMMARY_COLUMNS, *FLO_EXTRA_COLUMNS)


def build_transaction_summary(
    transactions: pl.LazyFrame,
    analysis_date: date,
    time_unit: str,
    *,
    purchases_only: bool = False,
) -> pl.LazyFrame:
    """Summarise a transaction log into one row per customer.

    Parameters
    ----------
    transactions : polars.LazyFrame
        Columns ``customer_id``, ``date``, ``amount`` (already validated and cut at the
        analysis date).
    analysis_date : datetime.date
        End of the observation period.
    time_unit : str
        ``days`` or ``weeks``.
    purchases_only : bool, optional
        A log without amounts (``amount`` is the constant value per purchase): an occasion
        is worth that constant, however many same-day rows it merges.

    Returns
    -------
    polars.LazyFrame
        :data:`SUMMARY_COLUMNS`, one row per customer, ordered by first appearance.

    """
    occasion_value = pl.col("amount").first() if purchases_only else pl.col("amount").sum()
    occasions = (
        transactions.with_row_index("_order")
        .with_columns(pl.col("amount").cast(AMOUNT_DECIMAL))
        .group_by("customer_id", "date")
        .agg(occasion_value, pl.col("_order").min())
    )
    per_customer = occasions.group_by("customer_id").agg(
        pl.col("_order").min(),
        pl.col("date").min().alias("first_purchase"),
        pl.col("date").max().alias("last_purchase"),
        pl.len().cast(pl.Int64).alias("n_orders"),
        pl.col("amount").sum().alias("total_value"),
        pl.col("amount").sort_by("date").first().alias("_first_value"),
    )
    return (
        per_customer.sort("_order")
        .with_columns(*_time_columns(analysis_date, time_unit))
        .with_columns(
            pl.col("x").alias("gg_n"),
            pl.when(pl.col("x") > 0)
            .then((pl.col("total_value") - pl.col("_first_value")).cast(pl.Float64) / pl.col("x"))
            .otherwise(0.0)
            .alias("gg_mean"),
            pl.col("total_value").cast(pl.Float64),
        )
        .select(SUMMARY_COLUMNS)
    )
