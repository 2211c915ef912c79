"""Customer summary -> RFM scores -> RF segments -> marketing tiers, in one call."""

from __future__ import annotations

import polars as pl

from flo_bayes.config.segmentation import SegmentationConfig
from flo_bayes.segmentation.rfm import RfmEdges, add_rfm_scores
from flo_bayes.segmentation.segment_map import segment_expr
from flo_bayes.segmentation.tiers import tier_exprs


def segment_customers(
    summary: pl.DataFrame,
    config: SegmentationConfig | None = None,
    *,
    edges: RfmEdges | None = None,
) -> pl.DataFrame:
    """Score and segment every customer of a customer-summary frame.

    Parameters
    ----------
    summary : polars.DataFrame
        Customer summary (``customer_id``, ``recency_days``, ``n_orders``, ``total_value``
        and optionally FLO's extra columns), rows in file order.
    config : SegmentationConfig, optional
        Segment map, tier map and language (defaults: classic map, default tiers, English).
    edges : RfmEdges, optional
        Precomputed quintile edges (see :func:`~flo_bayes.segmentation.rfm.compute_rfm_edges`).

    Returns
    -------
    polars.DataFrame
        ``summary`` plus ``recency_score``, ``frequency_score``, ``monetary_score``,
        ``RF_SCORE``, ``RFM_SCORE``, ``segment``, ``tier`` and ``tier_label``.

    """
    config = config or SegmentationConfig()
    scored = add_rfm_scores(summary, edges=edges)
    return scored.with_columns(segment_expr(config.segment_map)).with_columns(
        tier_exprs(config.tier_map, config.language)
    )
