"""RF segment map: regular expressions on ``RF_SCORE`` (recency digit first) to segment names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from flo_bayes.config.vocabulary import CLASSIC_RF_SEGMENTS, resolve_segment_map
from flo_bayes.segmentation.rfm import RF_SCORE

SEGMENT_COL = "segment"

CLASSIC_SEGMENT_NAMES: tuple[str, ...] = tuple(name for name, _ in CLASSIC_RF_SEGMENTS)


def segment_expr(
    segment_map: Mapping[str, str] | Iterable[tuple[str, str]] = CLASSIC_RF_SEGMENTS,
    *,
    rf_col: str = RF_SCORE,
) -> pl.Expr:
    """Expression mapping ``RF_SCORE`` to the segment (``pl.Enum`` in map order).

    Parameters
    ----------
    segment_map : mapping or iterable of (segment, pattern), default classic map
        See :func:`resolve_segment_map`.
    rf_col : str, default ``"RF_SCORE"``
        Column with the two-digit RF code.

    Returns
    -------
    polars.Expr
        Column named ``segment``; its Enum order is the map's order.

    """
    pairs = list(segment_map.items() if isinstance(segment_map, Mapping) else segment_map)
    lookup = resolve_segment_map(pairs)
    dtype = pl.Enum([name for name, _ in pairs])
    return pl.col(rf_col).replace_strict(lookup, return_dtype=dtype).alias(SEGMENT_COL)


def assign_segments(
    scored: pl.DataFrame,
    segment_map: Mapping[str, str] | Iterable[tuple[str, str]] = CLASSIC_RF_SEGMENTS,
) -> pl.DataFrame:
    """Add the ``segment`` column to a frame that has ``RF_SCORE``.

    Parameters
    ----------
    scored : polars.DataFrame
        Output of :func:`flo_bayes.segmentation.rfm.add_rfm_scores`.
    segment_map : mapping or iterable of (segment, pattern), default classic map
        See :func:`resolve_segment_map`.

    Returns
    -------
    polars.DataFrame
        ``scored`` with ``segment`` (``pl.Enum``).

    """
    return scored.with_columns(segment_expr(segment_map))
