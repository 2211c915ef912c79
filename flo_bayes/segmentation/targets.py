"""Campaign target lists: filters on segment, tier, category and channel.

FLO's two classic cases are the default target lists
(:func:`flo_bayes.config.defaults.classic_flo_target_lists`); in a run's TOML config they read::

    [[segmentation.target_lists]]
    name = "new_womens_shoe_brand"
    description = "New women's shoe brand: loyal customers and champions who buy KADIN"
    segments = ["champions", "loyal_customers"]
    categories_any = ["KADIN"]

    [[segmentation.target_lists]]
    name = "mens_kids_discount_40"
    description = "~40 % off men's and children's products: at_risk, cant_loose and new_customers who buy ERKEK or COCUK"
    segments = ["at_risk", "cant_loose", "new_customers"]
    categories_any = ["ERKEK", "COCUK"]

"""  # noqa: E501

from __future__ import annotations

import polars as pl

from flo_bayes.config.segmentation import SegmentationConfig, TargetListConfig
from flo_bayes.segmentation.segment_map import SEGMENT_COL
from flo_bayes.segmentation.tiers import TIER_COL

CATEGORIES_COL = "categories"
ORDER_CHANNEL_COL = "order_channel"
LAST_ORDER_CHANNEL_COL = "last_order_channel"


def _in(col: str, values: tuple[str, ...]) -> pl.Expr:
    return pl.col(col).cast(pl.Utf8).is_in(list(values))


def _has(token: str) -> pl.Expr:
    return pl.col(CATEGORIES_COL).list.contains(pl.lit(token, dtype=pl.Utf8)).fill_null(False)


def target_filter_expr(target: TargetListConfig) -> pl.Expr:
    """Boolean expression: does a customer belong to the target list.

    Parameters
    ----------
    target : TargetListConfig
        Target-list definition.

    Returns
    -------
    polars.Expr
        AND of the non-empty filters; each filter is an OR over its values. Categories are
        matched as whole elements of the ``categories`` list column (exact tokens).

    """
    conditions: list[pl.Expr] = [pl.lit(True)]
    if target.segments:
        conditions.append(_in(SEGMENT_COL, target.segments))
    if target.tiers:
        conditions.append(_in(TIER_COL, target.tiers))
    if target.categories_any:
        conditions.append(pl.any_horizontal([_has(c) for c in target.categories_any]))
    if target.categories_all:
        conditions.append(pl.all_horizontal([_has(c) for c in target.categories_all]))
    if target.order_channels:
        conditions.append(_in(ORDER_CHANNEL_COL, target.order_channels))
    if target.last_order_channels:
        conditions.append(_in(LAST_ORDER_CHANNEL_COL, target.last_order_channels))
    return pl.all_horizontal(conditions).fill_null(False)


def _required_columns(target: TargetListConfig) -> dict[str, str]:
    needs = {
        SEGMENT_COL: target.segments,
        TIER_COL: target.tiers,
        CATEGORIES_COL: target.categories_any + target.categories_all,
        ORDER_CHANNEL_COL: target.order_channels,
        LAST_ORDER_CHANNEL_COL: target.last_order_channels,
    }
    keys = {
        SEGMENT_COL: "segments",
        TIER_COL: "tiers",
        CATEGORIES_COL: "categories_any/categories_all",
        ORDER_CHANNEL_COL: "order_channels",
        LAST_ORDER_CHANNEL_COL: "last_order_channels",
    }
    return {col: keys[col] for col, values in needs.items() if values}


def select_targets(
    customers: pl.DataFrame,
    target: TargetListConfig,
    config: SegmentationConfig | None = None,
) -> pl.DataFrame:
    """Return the customers of one target list.

    Parameters
    ----------
    customers : polars.DataFrame
        Segmented customers (``segment``, ``tier`` and, for category or channel filters,
        ``categories``, ``order_channel``, ``last_order_channel``).
    target : TargetListConfig
        Target-list definition; re-validated against ``config``'s names.
    config : SegmentationConfig, optional
        Supplies the allowed segment, category and channel names (default config if None).

    Returns
    -------
    polars.DataFrame
        Matching rows (all columns), in file order unless ``target.sort_by`` is set, cut to
        ``target.max_customers``.

    Raises
    ------
    pydantic.ValidationError
        If the target names an unknown segment, tier, category or channel.
    ValueError
        If a column a filter needs (or ``sort_by``) is missing, naming the config key.

    """
    config = config or SegmentationConfig()
    target = config.validate_target_list(target)
    for col, key in _required_columns(target).items():
        if col not in customers.columns:
            raise ValueError(
                f"target list {target.name!r}: {key} needs column {col!r}, which the "
                "customer frame lacks (transaction-log input has no categories or channels)"
            )
    out = customers.filter(target_filter_expr(target))
    if target.sort_by is not None:
        if target.sort_by not in customers.columns:
            raise ValueError(
                f"target list {target.name!r}: sort_by column {target.sort_by!r} not found"
            )
        out = out.sort(target.sort_by, descending=target.descending, maintain_order=True)
    if target.max_customers is not None:
        out = out.head(target.max_customers)
    return out


def target_list_sizes(
    customers: pl.DataFrame,
    targets: tuple[TargetListConfig, ...],
    config: SegmentationConfig | None = None,
) -> pl.DataFrame:
    """Count the customers in each target list.

    Parameters
    ----------
    customers : polars.DataFrame
        Segmented customers.
    targets : tuple of TargetListConfig
        Target lists.
    config : SegmentationConfig, optional
        Allowed names (default config if None).

    Returns
    -------
    polars.DataFrame
        Columns ``target_list``, ``n_customers``, ``share`` (of all customers).

    """
    n_total = customers.height
    rows = [(t.name, select_targets(customers, t, config).height) for t in targets]
    return pl.DataFrame(
        {
            "target_list": [r[0] for r in rows],
            "n_customers": [r[1] for r in rows],
            "share": [r[1] / n_total if n_total else 0.0 for r in rows],
        },
        schema_overrides={"n_customers": pl.Int64},
    )
