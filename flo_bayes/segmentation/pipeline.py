"""Customer summary -> RFM scores -> RF segments -> marketing tiers, in one call."""

from __future__ import annotations

import polars as pl

from flo_bayes.config.segmentation import SegmentationConfig
from flo_bayes.segmentation.rfm import FREQUENCY_COL, RfmEdges, add_rfm_scores
from flo_bayes.segmentation.segment_map import segment_expr
from flo_bayes.segmentation.tiers import tier_exprs

# Temporary monetary column of purchase-only runs (the frequency's ordinal rank).
_RANK = "_purchase_rank"


def segment_customers(
    summary: pl.DataFrame,
    config: SegmentationConfig | None = None,
    *,
    edges: RfmEdges | None = None,
    purchases_only: bool = False,
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
    purchases_only : bool, optional
        A log without amounts: ``total_value`` is the purchase count times a constant, so
        ``monetary_score`` is scored on the same ordinal rank as frequency (it equals
        ``frequency_score``; raw quintiles of a count would repeat).

    Returns
    -------
    polars.DataFrame
        ``summary`` plus ``recency_score``, ``frequency_score``, ``monetary_score``,
        ``RF_SCORE``, ``RFM_SCORE``, ``segment``, ``tier`` and ``tier_label``.

    """
    config = config or SegmentationConfig()
    if purchases_only:
        ranked = summary.with_columns(pl.col(FREQUENCY_COL).rank("ordinal").alias(_RANK))
        scored = add_rfm_scores(ranked, edges=edges, monetary_col=_RANK).drop(_RANK)
    else:
        scored = add_rfm_scores(summary, edges=edges)
    return scored.with_columns(segment_expr(config.segment_map)).with_columns(
        tier_exprs(config.tier_map, config.language)
    )
