"""Value tiers from the predictive CLTV draws, and where they disagree with RFM segments.

Input: a draws matrix of shape ``(n_customers, n_draws)`` whose rows follow the customer
frame and whose draw index is shared by all customers (draw ``s`` of every customer comes
from the same posterior draw of the population parameters). Anything that slices like a
NumPy array works, including ``numpy.memmap``; the draws are read in column chunks whose
size follows ``ValueTierConfig.max_chunk_mb``, so memory stays near one chunk.

In each draw customers are ranked by their CLTV and the top ``k_j`` are flagged, for the
cumulative tier sizes ``k_j = round(cumulative share_j * n)``. Customers tied at a cut (for
example many draws of exactly 0) share the remaining places equally, so each draw flags
exactly ``k_j`` customers in expectation and probabilities do not depend on row order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from flo_bayes.config.segmentation import ValueTierConfig
from flo_bayes.segmentation.segment_map import SEGMENT_COL

CLTV_MEAN = "cltv_mean"
VALUE_RANK = "value_rank"
VALUE_TIER = "value_tier"
P_VALUE_TIER = "p_value_tier"
P_ALIVE = "p_alive"
P_ALIVE_BAND = "p_alive_band"


def tier_probability_column(name: str) -> str:
    """Column of the probability of value tier ``name``: ``p_tier_<name>``."""
    return f"p_tier_{name}"


_BYTES_PER_CELL = 8 * 4  # float64 chunk copy, partition, boolean masks, credits


def tier_counts(n_customers: int, shares: tuple[float, ...]) -> np.ndarray:
    """Cumulative number of customers in the first 1, 2, ... tiers.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    shares : tuple of float
        Tier shares, most valuable first, summing to 1.

    Returns
    -------
    numpy.ndarray
        Non-decreasing integers ``k_1 <= ... <= k_m = n_customers`` with
        ``k_j = round(n_customers * (share_1 + ... + share_j))``.

    """
    cum = np.rint(np.cumsum(shares) * n_customers).astype(np.int64)
    cum = np.clip(np.maximum.accumulate(cum), 0, n_customers)
    cum[-1] = n_customers
    return cum


def _chunk_columns(n_customers: int, n_draws: int, max_chunk_mb: float) -> int:
    per_column = max(1, n_customers) * _BYTES_PER_CELL
    return int(min(n_draws, max(1, (max_chunk_mb * 2**20) // per_column)))


def _check_draws(draws: Any) -> tuple[int, int]:
    shape = getattr(draws, "shape", None)
    if shape is None or len(shape) != 2:
        raise ValueError(f"draws must be a 2-d array (n_customers, n_draws), got shape {shape}")
    n, s = int(shape[0]), int(shape[1])
    if n == 0 or s == 0:
        raise ValueError(f"draws must have at least one customer and one draw, got {shape}")
    return n, s


def top_k_probabilities(draws: Any, ks: np.ndarray, *, max_chunk_mb: float = 256.0) -> np.ndarray:
    """Probability that each customer is among the ``k`` largest CLTVs, for several ``k``.

    Parameters
    ----------
    draws : array-like of shape (n_customers, n_draws)
        CLTV draws; rows are customers, columns share the draw index.
    ks : numpy.ndarray of int
        Numbers of top places, each in ``0..n_customers``.
    max_chunk_mb : float, default 256
        Approximate memory budget per chunk of draws.

    Returns
    -------
    numpy.ndarray of shape (n_customers, len(ks))
        Column ``j`` is the mean over draws of the (tie-shared) top-``ks[j]`` flag; each
        column sums to ``ks[j]``.

    Raises
    ------
    ValueError
        If ``draws`` is not 2-d, is empty or holds NaN.

    """
    n, n_draws = _check_draws(draws)
    ks = np.asarray(ks, dtype=np.int64)
    if np.any((ks < 0) | (ks > n)):
        raise ValueError(f"every k must be in 0..{n}, got {ks.tolist()}")
    inner = [j for j, k in enumerate(ks.tolist()) if 0 < k < n]
    kth = sorted({n - int(ks[j]) for j in inner})
    totals = np.zeros((n, ks.size), dtype=np.float64)
    totals[:, ks == n] = n_draws
    step = _chunk_columns(n, n_draws, max_chunk_mb)
    for start in range(0, n_draws, step):
        chunk = np.asarray(draws[:, start : start + step], dtype=np.float64)
        if np.isnan(chunk).any():
            raise ValueError(f"draws hold NaN in columns {start}..{start + chunk.shape[1] - 1}")
        if not inner:
            continue
        parted = np.partition(chunk, kth, axis=0)
        for j in inner:
            k = int(ks[j])
            cut = parted[n - k]  # k-th largest value in each draw
            above = chunk > cut
            tied = chunk == cut
            credit = (k - above.sum(axis=0)) / tied.sum(axis=0)
            totals[:, j] += above.sum(axis=1) + tied @ credit
    return totals / n_draws


def value_tiers(draws: Any, config: ValueTierConfig | None = None) -> pl.DataFrame:
    """Value tier per customer from its posterior-mean CLTV rank, with probabilities.

    Parameters
    ----------
    draws : array-like of shape (n_customers, n_draws)
        Predictive CLTV draws; rows aligned with the customer frame.
    config : ValueTierConfig, optional
        Tier names and shares (default top 20 %, high 30 %, mid 30 %, low 20 %).

    Returns
    -------
    polars.DataFrame
        One row per customer, in the order of ``draws``:

        - ``cltv_mean``: mean over draws;
        - ``value_rank``: 1 for the highest mean (ties by row order);
        - ``value_tier``: tier of that rank (``pl.Enum`` of ``config.names``);
        - ``p_value_tier``: probability that the customer's CLTV falls in that tier;
        - ``p_tier_<name>``: probability of each tier (the row sums to 1); that of the
          first tier, e.g. ``p_tier_top``, is the probability of being in the top 20 %
          (by default).

    """
    config = config or ValueTierConfig()
    n, n_draws = _check_draws(draws)
    ks = tier_counts(n, config.shares)
    p_top_k = top_k_probabilities(draws, ks, max_chunk_mb=config.max_chunk_mb)
    p_tier = np.diff(np.concatenate([np.zeros((n, 1)), p_top_k], axis=1), axis=1)
    p_tier = np.clip(p_tier, 0.0, 1.0)

    step = _chunk_columns(n, n_draws, config.max_chunk_mb)
    total = np.zeros(n, dtype=np.float64)
    for start in range(0, n_draws, step):
        total += np.asarray(draws[:, start : start + step], dtype=np.float64).sum(axis=1)
    mean = total / n_draws
    order = np.argsort(-mean, kind="stable")
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    tier_idx = np.searchsorted(ks, position, side="right")

    names = list(config.names)
    columns: dict[str, Any] = {
        CLTV_MEAN: mean,
        VALUE_RANK: position + 1,
        VALUE_TIER: pl.Series(VALUE_TIER, [names[i] for i in tier_idx], dtype=pl.Enum(names)),
        P_VALUE_TIER: p_tier[np.arange(n), tier_idx],
    }
    for j, name in enumerate(names):
        columns[tier_probability_column(name)] = p_tier[:, j]
    return pl.DataFrame(columns)


def add_value_tiers(
    customers: pl.DataFrame, draws: Any, config: ValueTierConfig | None = None
) -> pl.DataFrame:
    """Append the columns of :func:`value_tiers` to the customer frame.

    Parameters
    ----------
    customers : polars.DataFrame
        Customer frame whose rows align with ``draws``.
    draws : array-like of shape (n_customers, n_draws)
        Predictive CLTV draws.
    config : ValueTierConfig, optional
        Value-tier settings.

    Returns
    -------
    polars.DataFrame
        ``customers`` with the value-tier columns.

    """
    n, _ = _check_draws(draws)
    if n != customers.height:
        raise ValueError(f"draws have {n} rows but the customer frame has {customers.height}")
    return customers.hstack(value_tiers(draws, config))


def p_alive_band_labels(edges: tuple[float, ...]) -> list[str]:
    """Labels of the P(alive) bands, e.g. ``["<0.5", "0.5-0.8", "0.8-0.95", ">=0.95"]``.

    Parameters
    ----------
    edges : tuple of float
        Inner band edges, increasing.

    Returns
    -------
    list of str
        ``len(edges) + 1`` labels; bands are closed on the left.

    """
    e = [f"{x:g}" for x in edges]
    if not e:
        return ["all"]
    return [f"<{e[0]}", *[f"{a}-{b}" for a, b in zip(e[:-1], e[1:], strict=True)], f">={e[-1]}"]


def p_alive_band_expr(edges: tuple[float, ...], column: str = P_ALIVE) -> pl.Expr:
    """Expression for the P(alive) band (``pl.Enum``, lowest band first).

    Parameters
    ----------
    edges : tuple of float
        Inner band edges, increasing; a value equal to an edge goes to the upper band.
    column : str, default ``"p_alive"``
        Column with P(alive).

    Returns
    -------
    polars.Expr
        Column ``p_alive_band``.

    """
    labels = p_alive_band_labels(edges)
    x = pl.col(column)
    expr = pl.when(x.is_null()).then(pl.lit(None, dtype=pl.Utf8))
    for edge, label in zip(edges, labels, strict=False):
        expr = expr.when(x < edge).then(pl.lit(label))
    return expr.otherwise(pl.lit(labels[-1])).cast(pl.Enum(labels)).alias(P_ALIVE_BAND)


def _levels(customers: pl.DataFrame, column: str) -> list[str]:
    dtype = customers.schema[column]
    if isinstance(dtype, pl.Enum):
        return list(dtype.categories)
    return sorted(customers.get_column(column).cast(pl.Utf8).unique().drop_nulls().to_list())


def segment_value_crosstab(
    customers: pl.DataFrame,
    config: ValueTierConfig | None = None,
    *,
    segment_col: str = SEGMENT_COL,
    p_alive_col: str = P_ALIVE,
) -> pl.DataFrame:
    """Cross-table of RF segment x value tier x P(alive) band.

    Parameters
    ----------
    customers : polars.DataFrame
        Customers with ``segment_col``, ``value_tier`` (from :func:`add_value_tiers`) and
        ``p_alive_col``.
    config : ValueTierConfig, optional
        Supplies the P(alive) band edges.
    segment_col : str, default ``"segment"``
        Row grouping (``"tier"`` works as well).
    p_alive_col : str, default ``"p_alive"``
        P(alive) column.

    Returns
    -------
    polars.DataFrame
        Every combination (zeros included), in Enum order: ``n_customers``,
        ``share_of_segment``, ``share_of_total``, ``cltv_mean`` and ``p_top_value_mean``
        (null for empty cells). Cells like champions in a low value tier, or hibernating
        customers with a high P(top value), are where RFM and the model disagree.

    """
    config = config or ValueTierConfig()
    for col in (segment_col, VALUE_TIER, p_alive_col):
        if col not in customers.columns:
            raise ValueError(f"crosstab needs column {col!r}, which the customer frame lacks")
    labels = p_alive_band_labels(config.p_alive_edges)
    banded = customers.with_columns(p_alive_band_expr(config.p_alive_edges, p_alive_col))
    keys = [segment_col, VALUE_TIER, P_ALIVE_BAND]
    aggs = [pl.len().cast(pl.Int64).alias("n_customers")]
    top = tier_probability_column(config.names[0])
    for col, name in ((CLTV_MEAN, "cltv_mean"), (top, "p_top_value_mean")):
        if col in customers.columns:
            aggs.append(pl.col(col).mean().alias(name))
    counts = banded.group_by(keys).agg(aggs)
    seg_levels = _levels(customers, segment_col)
    tier_levels = _levels(customers, VALUE_TIER)
    grid = (
        pl.DataFrame({segment_col: seg_levels})
        .join(pl.DataFrame({VALUE_TIER: tier_levels}), how="cross")
        .join(pl.DataFrame({P_ALIVE_BAND: labels}), how="cross")
        .with_columns(
            pl.col(segment_col).cast(customers.schema[segment_col]),
            pl.col(VALUE_TIER).cast(customers.schema[VALUE_TIER]),
            pl.col(P_ALIVE_BAND).cast(pl.Enum(labels)),
        )
    )
    n_total = customers.height
    return (
        grid.join(counts, on=keys, how="left")
        .with_columns(pl.col("n_customers").fill_null(0))
        .with_columns(
            (pl.col("n_customers") / pl.col("n_customers").sum().over(segment_col))
            .fill_nan(0.0)
            .alias("share_of_segment"),
            (pl.col("n_customers") / max(n_total, 1)).alias("share_of_total"),
        )
        .sort(keys)
    )
