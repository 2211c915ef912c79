"""Profiles of segments and tiers: size, R/F/M, online/offline split, channel and category mix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from flo_bayes.segmentation.rfm import FREQUENCY_COL, MONETARY_COL, RECENCY_COL

N_CUSTOMERS = "n_customers"
SHARE = "share"

# (column, name, whether a group total means something): orders and spend add up, days since
# the last purchase do not, so recency gets a mean only.
_RFM_METRICS: tuple[tuple[str, str, bool], ...] = (
    (RECENCY_COL, "recency", False),
    (FREQUENCY_COL, "frequency", True),
    (MONETARY_COL, "monetary", True),
)


@dataclass(frozen=True)
class ProfileTables:
    """The profile of one grouping (segment or tier).

    Attributes
    ----------
    summary : polars.DataFrame
        One row per group, see :func:`profile_summary`.
    order_channel_mix, last_order_channel_mix, category_mix : polars.DataFrame or None
        Long tables from :func:`channel_mix` and :func:`category_mix`; None when the
        input has no such column (transaction logs).

    """

    summary: pl.DataFrame
    order_channel_mix: pl.DataFrame | None
    last_order_channel_mix: pl.DataFrame | None
    category_mix: pl.DataFrame | None


def _keys(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def profile_summary(customers: pl.DataFrame, by: str | Sequence[str]) -> pl.DataFrame:
    """Count, share and R/F/M means and totals per group, plus the online/offline split.

    Parameters
    ----------
    customers : polars.DataFrame
        Customers with ``recency_days``, ``n_orders``, ``total_value`` and the grouping
        column(s); FLO's ``n_orders_online/offline`` and ``value_online/offline`` if present.
    by : str or sequence of str
        Grouping column(s), e.g. ``"segment"`` or ``["tier", "tier_label"]``.

    Returns
    -------
    polars.DataFrame
        One row per group, sorted by the group keys (Enum order for segment and tier):
        ``n_customers``, ``share`` (sums to 1), ``{recency,frequency,monetary}_mean``,
        ``frequency_total`` and ``monetary_total`` (a sum of recencies means nothing)
        and, for FLO input, ``online_order_share``, ``offline_order_share``,
        ``online_value_share``, ``offline_value_share`` (each pair sums to 1 within a group).

    """
    keys = _keys(by)
    n_total = customers.height
    aggs: list[pl.Expr] = [pl.len().cast(pl.Int64).alias(N_CUSTOMERS)]
    for col, name, additive in _RFM_METRICS:
        aggs.append(pl.col(col).mean().alias(f"{name}_mean"))
        if additive:
            aggs.append(pl.col(col).sum().alias(f"{name}_total"))
    split = (
        ("n_orders_online", "n_orders_offline", "order"),
        ("value_online", "value_offline", "value"),
    )
    for online, offline, what in split:
        if online in customers.columns and offline in customers.columns:
            total = pl.col(online).sum() + pl.col(offline).sum()
            aggs += [
                (pl.col(online).sum() / total).alias(f"online_{what}_share"),
                (pl.col(offline).sum() / total).alias(f"offline_{what}_share"),
            ]
    out = customers.group_by(keys).agg(aggs).sort(keys)
    share = pl.col(N_CUSTOMERS) / n_total if n_total else pl.lit(0.0)
    return out.with_columns(share.alias(SHARE)).select(
        [*keys, N_CUSTOMERS, SHARE, *[c for c in out.columns if c not in keys + [N_CUSTOMERS]]]
    )


def channel_mix(
    customers: pl.DataFrame, by: str | Sequence[str], column: str = "order_channel"
) -> pl.DataFrame:
    """Distribution of a channel column within each group.

    Parameters
    ----------
    customers : polars.DataFrame
        Customers with the grouping column(s) and ``column``.
    by : str or sequence of str
        Grouping column(s).
    column : str, default ``"order_channel"``
        Channel column (``order_channel`` or ``last_order_channel``).

    Returns
    -------
    polars.DataFrame
        Long table: group keys, ``column``, ``n_customers`` and ``share`` (of the group's
        customers; sums to 1 within each group).

    """
    keys = _keys(by)
    return (
        customers.group_by([*keys, column])
        .agg(pl.len().cast(pl.Int64).alias(N_CUSTOMERS))
        .with_columns((pl.col(N_CUSTOMERS) / pl.col(N_CUSTOMERS).sum().over(keys)).alias(SHARE))
        .sort([*keys, column])
    )


def category_mix(
    customers: pl.DataFrame, by: str | Sequence[str], column: str = "categories"
) -> pl.DataFrame:
    """How many customers of each group are interested in each category.

    Parameters
    ----------
    customers : polars.DataFrame
        Customers with the grouping column(s) and a ``List(Utf8)`` category column.
    by : str or sequence of str
        Grouping column(s).
    column : str, default ``"categories"``
        List column of category tokens. Customers with an empty list count under the
        category ``"(none)"``.

    Returns
    -------
    polars.DataFrame
        Long table: group keys, ``category``, ``n_customers``, ``share_of_customers`` (of the
        group's customers interested in the category; multi-label, so these do not sum to
        1) and ``share_of_mentions`` (sums to 1 within each group).

    """
    keys = _keys(by)
    group_sizes = customers.group_by(keys).agg(pl.len().alias("_n"))
    tokens = (
        pl.when(pl.col(column).list.len() > 0)
        .then(pl.col(column).list.unique(maintain_order=True))
        .otherwise(pl.lit(["(none)"], dtype=pl.List(pl.Utf8)))
    )
    exploded = customers.select([*keys, tokens.alias("category")]).explode("category")
    counts = exploded.group_by([*keys, "category"]).agg(pl.len().cast(pl.Int64).alias(N_CUSTOMERS))
    return (
        counts.join(group_sizes, on=keys, how="left")
        .with_columns(
            (pl.col(N_CUSTOMERS) / pl.col("_n")).alias("share_of_customers"),
            (pl.col(N_CUSTOMERS) / pl.col(N_CUSTOMERS).sum().over(keys)).alias("share_of_mentions"),
        )
        .drop("_n")
        .sort([*keys, "category"])
    )


def build_profiles(customers: pl.DataFrame, by: str | Sequence[str]) -> ProfileTables:
    """All profile tables for one grouping.

    Parameters
    ----------
    customers : polars.DataFrame
        Segmented customers.
    by : str or sequence of str
        Grouping column(s), e.g. ``"segment"`` or ``["tier", "tier_label"]``.

    Returns
    -------
    ProfileTables
        Summary plus channel and category mixes (None where the column is absent).

    """
    cols = customers.columns
    return ProfileTables(
        summary=profile_summary(customers, by),
        order_channel_mix=(
            channel_mix(customers, by, "order_channel") if "order_channel" in cols else None
        ),
        last_order_channel_mix=(
            channel_mix(customers, by, "last_order_channel")
            if "last_order_channel" in cols
            else None
        ),
        category_mix=category_mix(customers, by) if "categories" in cols else None,
    )
