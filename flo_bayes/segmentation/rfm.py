"""RFM scores 1-5 by quintiles, reproducing the classic pandas recipe in Polars.

The recipe FLO's analysts use is::

    recency_score   = pd.qcut(recency, 5, labels=[5, 4, 3, 2, 1])
    frequency_score = pd.qcut(frequency.rank(method="first"), 5, labels=[1, 2, 3, 4, 5])
    monetary_score  = pd.qcut(monetary, 5, labels=[1, 2, 3, 4, 5])

``pandas.qcut`` takes bin edges at the sample quantiles ``0, 0.2, ..., 1`` computed by
``numpy.quantile(method="linear")`` and cuts into right-closed bins with the lowest edge
included. This module computes the same edges with the same floating-point operations
(quantile probabilities nudged upward exactly as pandas >= 3 does, numpy's two-sided
``_lerp``), so every score equals pandas' score, not just nearly.

Edges are one small aggregation (a count, then a sorted gather of at most 12 values per
column), so they also work on a ``LazyFrame``; the scores themselves are plain expressions
(:func:`rfm_score_exprs`) that a lazy query can carry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from flo_bayes.config.vocabulary import N_SCORES

RECENCY_COL = "recency_days"
FREQUENCY_COL = "n_orders"
MONETARY_COL = "total_value"

RECENCY_SCORE = "recency_score"
FREQUENCY_SCORE = "frequency_score"
MONETARY_SCORE = "monetary_score"
RF_SCORE = "rf_score"
RFM_SCORE = "rfm_score"

SCORE_DTYPE = pl.Int8


class DuplicateEdgesError(ValueError):
    """Quintile edges are not unique, so ``pandas.qcut`` would raise as well."""


@dataclass(frozen=True)
class RfmEdges:
    """Quintile bin edges (6 values each, increasing) used for the three scores.

    Attributes
    ----------
    recency : tuple of float
        Edges of ``recency_days``.
    frequency_rank : tuple of float
        Edges of the ordinal rank of ``n_orders`` (ranks ``1..n``).
    monetary : tuple of float
        Edges of ``total_value``.
    n_customers : int
        Number of non-null rows the edges were computed from.

    """

    recency: tuple[float, ...]
    frequency_rank: tuple[float, ...]
    monetary: tuple[float, ...]
    n_customers: int


def qcut_probabilities(n_bins: int = N_SCORES) -> np.ndarray:
    """Quantile probabilities that ``pandas.qcut(x, n_bins)`` uses.

    Parameters
    ----------
    n_bins : int, default 5
        Number of bins.

    Returns
    -------
    numpy.ndarray
        ``linspace(0, 1, n_bins + 1)`` with every value whose product with ``n_bins`` is not
        exactly an integer moved one ulp up (pandas >= 3 does this so that a quantile never
        falls just below an exact order statistic).

    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins}")
    probs = np.linspace(0.0, 1.0, n_bins + 1)
    np.putmask(probs, n_bins * probs != np.arange(n_bins + 1), np.nextafter(probs, 1.0))
    return probs


def _linear_positions(n: int, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return numpy's (previous index, next index, gamma) for ``method="linear"``."""
    virtual = (n - 1) * probs
    previous = np.floor(virtual)
    nxt = previous + 1
    above = virtual >= n - 1
    previous[above] = -1
    nxt[above] = -1
    gamma = virtual - previous
    prev_idx = previous.astype(np.int64)
    next_idx = nxt.astype(np.int64)
    prev_idx[prev_idx < 0] += n
    next_idx[next_idx < 0] += n
    return prev_idx, next_idx, gamma


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Linear interpolation exactly as ``numpy.quantile`` does it."""
    diff = b - a
    out = a + diff * t
    upper = t >= 0.5
    out[upper] = (b - diff * (1 - t))[upper]
    return out


def _column_quantiles(frame: pl.LazyFrame, expr: pl.Expr, name: str, probs: np.ndarray) -> tuple:
    values = expr.cast(pl.Float64).drop_nulls()
    n = int(frame.select(values.len()).collect().item())
    if n == 0:
        raise ValueError(f"column {name!r} has no non-null values; cannot compute quintiles")
    prev_idx, next_idx, gamma = _linear_positions(n, probs)
    wanted = np.unique(np.concatenate([prev_idx, next_idx]))
    picked = (
        frame.select(values.sort().gather(pl.Series(wanted, dtype=pl.Int64)).alias("v"))
        .collect()
        .to_series()
        .to_numpy()
    )
    lookup = dict(zip(wanted.tolist(), picked.tolist(), strict=True))
    a = np.array([lookup[i] for i in prev_idx.tolist()], dtype=np.float64)
    b = np.array([lookup[i] for i in next_idx.tolist()], dtype=np.float64)
    return n, _lerp(a, b, gamma)


def _rank_quantiles(n: int, probs: np.ndarray) -> np.ndarray:
    prev_idx, next_idx, gamma = _linear_positions(n, probs)
    return _lerp(prev_idx + 1.0, next_idx + 1.0, gamma)


def _check_unique(name: str, edges: np.ndarray) -> tuple[float, ...]:
    if np.unique(edges).size < edges.size:
        raise DuplicateEdgesError(
            f"quintile edges of {name!r} are not unique: {edges.tolist()}. pandas.qcut raises "
            "here too ('Bin edges must be unique'); the column has too few distinct values "
            "for 5 equal-count bins. Score it on a rank instead, or use fewer bins."
        )
    return tuple(float(e) for e in edges)


def compute_rfm_edges(
    summary: pl.DataFrame | pl.LazyFrame,
    *,
    recency_col: str = RECENCY_COL,
    frequency_col: str = FREQUENCY_COL,
    monetary_col: str = MONETARY_COL,
) -> RfmEdges:
    """Compute the quintile edges ``pandas.qcut`` would use for the three RFM scores.

    Parameters
    ----------
    summary : polars.DataFrame or polars.LazyFrame
        Customer summary with the recency, frequency and monetary columns.
    recency_col, frequency_col, monetary_col : str
        Column names; defaults follow the customer-summary contract.

    Returns
    -------
    RfmEdges
        Six increasing edges per score.

    Raises
    ------
    DuplicateEdgesError
        If recency or monetary edges repeat (pandas would raise ``ValueError``). Frequency
        is scored on its ordinal rank, whose edges repeat only with fewer than 5 customers.
    ValueError
        If a column has no non-null value, or recency and monetary have different numbers
        of non-null values from frequency.

    """
    lazy = summary.lazy()
    probs = qcut_probabilities(N_SCORES)
    n_r, rec = _column_quantiles(lazy, pl.col(recency_col), recency_col, probs)
    n_m, mon = _column_quantiles(lazy, pl.col(monetary_col), monetary_col, probs)
    n_f = int(lazy.select(pl.col(frequency_col).count()).collect().item())
    if n_f == 0:
        raise ValueError(f"column {frequency_col!r} has no non-null values")
    freq = _rank_quantiles(n_f, probs)
    return RfmEdges(
        recency=_check_unique(recency_col, rec),
        frequency_rank=_check_unique(f"rank of {frequency_col}", freq),
        monetary=_check_unique(monetary_col, mon),
        n_customers=max(n_r, n_f, n_m),
    )


def cut_expr(expr: pl.Expr, edges: tuple[float, ...], *, reverse: bool = False) -> pl.Expr:
    """Bin index 1..k of ``expr`` for right-closed bins whose lowest edge is included.

    Parameters
    ----------
    expr : polars.Expr
        Values to cut; they are expected inside ``[edges[0], edges[-1]]``.
    edges : tuple of float
        ``k + 1`` increasing edges.
    reverse : bool, default False
        Return ``k + 1 - bin`` (labels ``[k, ..., 1]``, as for recency).

    Returns
    -------
    polars.Expr
        ``Int8`` bin number; null where ``expr`` is null or outside the edges.

    """
    k = len(edges) - 1
    x = expr.cast(pl.Float64)
    bin_no = pl.sum_horizontal([(x > e).cast(pl.Int8) for e in edges[1:-1]]) + 1
    inside = (x >= edges[0]) & (x <= edges[-1])
    value = (k + 1 - bin_no) if reverse else bin_no
    return pl.when(inside).then(value).otherwise(None).cast(SCORE_DTYPE)


def rfm_score_exprs(
    edges: RfmEdges,
    *,
    recency_col: str = RECENCY_COL,
    frequency_col: str = FREQUENCY_COL,
    monetary_col: str = MONETARY_COL,
) -> list[pl.Expr]:
    """Expressions for the three scores (``Int8``, 1-5); lazy-query friendly.

    Parameters
    ----------
    edges : RfmEdges
        From :func:`compute_rfm_edges` on the same rows.
    recency_col, frequency_col, monetary_col : str
        Column names.

    Returns
    -------
    list of polars.Expr
        ``recency_score`` (most recent = 5), ``frequency_score`` (on the ordinal rank of
        frequency: ties broken by order of appearance, like ``rank(method="first")``) and
        ``monetary_score``. Use with ``with_columns``, then :func:`rf_string_exprs`.

    """
    freq_rank = pl.col(frequency_col).rank("ordinal")
    return [
        cut_expr(pl.col(recency_col), edges.recency, reverse=True).alias(RECENCY_SCORE),
        cut_expr(freq_rank, edges.frequency_rank).alias(FREQUENCY_SCORE),
        cut_expr(pl.col(monetary_col), edges.monetary).alias(MONETARY_SCORE),
    ]


def rf_string_exprs() -> list[pl.Expr]:
    """Expressions for ``RF_SCORE`` (recency digit, frequency digit) and ``RFM_SCORE``.

    Returns
    -------
    list of polars.Expr
        Utf8 columns built from the score columns of :func:`rfm_score_exprs`.

    """
    r = pl.col(RECENCY_SCORE).cast(pl.Utf8)
    f = pl.col(FREQUENCY_SCORE).cast(pl.Utf8)
    m = pl.col(MONETARY_SCORE).cast(pl.Utf8)
    return [pl.concat_str([r, f]).alias(RF_SCORE), pl.concat_str([r, f, m]).alias(RFM_SCORE)]


def add_rfm_scores(
    summary: pl.DataFrame,
    *,
    edges: RfmEdges | None = None,
    recency_col: str = RECENCY_COL,
    frequency_col: str = FREQUENCY_COL,
    monetary_col: str = MONETARY_COL,
) -> pl.DataFrame:
    """Add ``recency_score``, ``frequency_score``, ``monetary_score``, ``RF_SCORE``, ``RFM_SCORE``.

    Parameters
    ----------
    summary : polars.DataFrame
        Customer summary (``customer_id``, ``recency_days``, ``n_orders``, ``total_value``,
        ...), rows in file order: frequency ties are broken by that order.
    edges : RfmEdges, optional
        Precomputed edges; computed from ``summary`` when omitted.
    recency_col, frequency_col, monetary_col : str
        Column names.

    Returns
    -------
    polars.DataFrame
        ``summary`` with the five columns added; scores equal ``pandas.qcut``'s.

    Raises
    ------
    DuplicateEdgesError
        See :func:`compute_rfm_edges`.

    """
    cols = {"recency_col": recency_col, "frequency_col": frequency_col}
    cols["monetary_col"] = monetary_col
    missing = [c for c in cols.values() if c not in summary.columns]
    if missing:
        raise ValueError(f"customer summary lacks column(s) {missing} needed for RFM scores")
    if edges is None:
        edges = compute_rfm_edges(summary, **cols)
    return summary.with_columns(rfm_score_exprs(edges, **cols)).with_columns(rf_string_exprs())
