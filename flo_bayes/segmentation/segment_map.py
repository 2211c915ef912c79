"""RF segment map: regular expressions on ``RF_SCORE`` (recency digit first) to segment names."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import polars as pl

from flo_bayes.segmentation.rfm import N_SCORES, RF_SCORE

SEGMENT_COL = "segment"

CLASSIC_RF_SEGMENTS: tuple[tuple[str, str], ...] = (
    ("hibernating", "[1-2][1-2]"),
    ("at_risk", "[1-2][3-4]"),
    ("cant_loose", "[1-2]5"),
    ("about_to_sleep", "3[1-2]"),
    ("need_attention", "33"),
    ("loyal_customers", "[3-4][4-5]"),
    ("promising", "41"),
    ("new_customers", "51"),
    ("potential_loyalists", "[4-5][2-3]"),
    ("champions", "5[4-5]"),
)
"""The classic RF map as ``(segment, pattern)`` pairs; patterns read recency then frequency."""

CLASSIC_SEGMENT_NAMES: tuple[str, ...] = tuple(name for name, _ in CLASSIC_RF_SEGMENTS)

RF_CODES: tuple[str, ...] = tuple(
    f"{r}{f}" for r in range(1, N_SCORES + 1) for f in range(1, N_SCORES + 1)
)
"""All 25 possible ``RF_SCORE`` values."""


def resolve_segment_map(segment_map: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict:
    """Expand a segment map into an explicit ``RF_SCORE -> segment`` lookup.

    Parameters
    ----------
    segment_map : mapping or iterable of (segment, pattern)
        Regular expressions, each matched against the whole two-digit ``RF_SCORE``
        (``re.fullmatch``; for two-character patterns this is what the classic
        ``replace(seg_map, regex=True)`` recipe does).

    Returns
    -------
    dict
        All 25 RF codes mapped to their segment name.

    Raises
    ------
    ValueError
        If a pattern is not a valid regular expression, or an RF code is matched by no
        pattern or by more than one. The message names the segment(s) and codes.

    """
    pairs = list(segment_map.items() if isinstance(segment_map, Mapping) else segment_map)
    compiled = []
    for name, pattern in pairs:
        try:
            compiled.append((name, re.compile(pattern)))
        except re.error as err:
            raise ValueError(f"segment_map.{name}: invalid pattern {pattern!r}: {err}") from err
    lookup: dict[str, str] = {}
    unmatched: list[str] = []
    for code in RF_CODES:
        hits = [name for name, rx in compiled if rx.fullmatch(code)]
        if not hits:
            unmatched.append(code)
        elif len(hits) > 1:
            raise ValueError(f"segment_map: RF_SCORE {code!r} matches several segments {hits}")
        else:
            lookup[code] = hits[0]
    if unmatched:
        raise ValueError(f"segment_map: RF_SCORE value(s) {unmatched} match no segment")
    return lookup


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
