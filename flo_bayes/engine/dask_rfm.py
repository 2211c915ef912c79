"""RFM quintiles, segments and tiers on a distributed customer summary -- exact, not approximate.

The scores equal the single-process segmentation's (``pandas.qcut`` edges, frequency scored on
its ordinal rank with ties broken by first appearance) for every customer:

- **recency and monetary edges**: numpy's ``linear`` quantiles need at most 12 order
  statistics per column; :func:`~flo_bayes.engine.order_stats.order_statistics` finds them
  exactly, then the segmentation's own interpolation turns them into edges;
- **frequency**: the edges of the ranks ``1..n`` depend on ``n`` only. Where the rank crosses
  an inner edge ``e`` is found from the distributed value counts of ``n_orders``: the value
  ``v`` holding rank ``m = floor(e)`` and, when ``v`` straddles the edge, the first-appearance
  position ``p`` of its ``j``-th occurrence (one more order statistic, of ``_first`` among the
  customers with ``n_orders == v``). Then ``rank > e`` exactly when ``n_orders > v``, or
  ``n_orders == v`` and ``_first > p``.

Segments and tiers are the segmentation's own expressions applied partition by partition.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import dask
import numpy as np
import pandas as pd
import polars as pl

from flo_bayes.engine import adapters
from flo_bayes.engine.dask_summary import FIRST_COL
from flo_bayes.engine.order_stats import order_statistics

RECENCY = "recency_days"
FREQUENCY = "n_orders"
MONETARY = "total_value"


@dataclass(frozen=True)
class RfmCuts:
    """Edges and the frequency-rank crossings that score every customer."""

    edges: object
    frequency_cuts: tuple[tuple[float, int | None], ...]


def _column(name: str) -> Callable:
    def extract(part) -> np.ndarray:
        values = part[name] if isinstance(part, pd.DataFrame) else part.get_column(name)
        return np.asarray(pd.Series(values).dropna().to_numpy(dtype=np.float64))

    return extract


def _first_of_value(value: float) -> Callable:
    def extract(part) -> np.ndarray:
        freq = np.asarray(part[FREQUENCY], dtype=np.float64)
        return np.asarray(part[FIRST_COL], dtype=np.float64)[freq == value]

    return extract


def _value_counts(part) -> pd.Series:
    return pd.Series(np.asarray(part[FREQUENCY], dtype=np.float64)).value_counts()


def _edges_of(parts, name: str, probs: np.ndarray, compute) -> tuple[int, np.ndarray]:
    # numpy's linear quantile reads the order statistics at prev/next positions
    n = _n_values(parts, name, compute)
    if n == 0:
        raise ValueError(f"column {name!r} has no non-null values; cannot compute quintiles")
    prev_idx, next_idx, gamma = adapters.linear_positions(n, probs)
    wanted = sorted(set(prev_idx.tolist()) | set(next_idx.tolist()))
    _, values = order_statistics(parts, _column(name), wanted, compute=compute)
    a = np.array([values[i] for i in prev_idx.tolist()], dtype=np.float64)
    b = np.array([values[i] for i in next_idx.tolist()], dtype=np.float64)
    return n, adapters.lerp(a, b, gamma)


def _n_values(parts, name: str, compute) -> int:
    tasks = [dask.delayed(lambda p: int(_column(name)(p).size))(p) for p in parts]
    return int(sum(compute(tasks)))


def rfm_cuts(parts, *, compute: Callable | None = None) -> RfmCuts:
    """Compute the exact RFM edges and frequency crossings of a distributed summary.

    Parameters
    ----------
    parts : sequence
        Summary partitions (``dask.delayed`` objects or frames) with ``recency_days``,
        ``n_orders``, ``total_value`` and ``_first``.
    compute : callable, optional
        ``compute(list_of_delayed) -> list``; default ``dask.compute``.

    Returns
    -------
    RfmCuts

    """
    compute = compute or (lambda tasks: list(dask.compute(*tasks)))
    probs = adapters.qcut_probabilities()
    n_r, recency = _edges_of(parts, RECENCY, probs, compute)
    n_m, monetary = _edges_of(parts, MONETARY, probs, compute)
    counts = pd.concat(compute([dask.delayed(_value_counts)(p) for p in parts]))
    counts = counts.groupby(level=0).sum().sort_index()
    n_f = int(counts.sum())
    freq_edges = adapters.rank_quantiles(n_f, probs)
    edges = adapters.rfm_edges(recency, freq_edges, monetary, max(n_r, n_f, n_m))
    values = counts.index.to_numpy(dtype=np.float64)
    cum = np.cumsum(counts.to_numpy())
    cuts: list[tuple[float, int | None]] = []
    for edge in edges.frequency_rank[1:-1]:
        m = math.floor(edge)
        if m < 1:
            cuts.append((-math.inf, None))
            continue
        i = int(np.searchsorted(cum, m, side="left"))
        before = int(cum[i - 1]) if i else 0
        j = m - before
        if j == int(cum[i]) - before:
            cuts.append((float(values[i]), None))
            continue
        _, pos = order_statistics(
            parts, _first_of_value(float(values[i])), [j - 1], compute=compute
        )
        cuts.append((float(values[i]), int(pos[j - 1])))
    return RfmCuts(edges=edges, frequency_cuts=tuple(cuts))


def _frequency_score(cuts: tuple[tuple[float, int | None], ...]) -> pl.Expr:
    x = pl.col(FREQUENCY).cast(pl.Float64)
    above = []
    for value, first in cuts:
        cond = x > value
        if first is not None:
            cond = cond | ((x == value) & (pl.col(FIRST_COL) > first))
        above.append(cond.cast(pl.Int8))
    score = pl.sum_horizontal(above) + 1 if above else pl.lit(1)
    return (
        pl.when(x.is_null())
        .then(None)
        .otherwise(score)
        .cast(adapters.score_dtype())
        .alias(adapters.frequency_score_name())
    )


def segment_partition(summary: pl.DataFrame, cuts: RfmCuts, config=None) -> pl.DataFrame:
    """Add RFM scores, ``RF_SCORE``, ``RFM_SCORE``, ``segment``, ``tier``, ``tier_label``.

    Parameters
    ----------
    summary : polars.DataFrame
        Summary partition with ``_first``.
    cuts : RfmCuts
        From :func:`rfm_cuts` over all partitions.
    config : SegmentationConfig, optional
        Segment and tier maps (default: the project's default).

    Returns
    -------
    polars.DataFrame

    """
    config = config or adapters.segmentation_config()
    recency, monetary = adapters.recency_monetary_score_exprs(cuts.edges)
    rf, segment, tiers = adapters.segment_and_tier_exprs(config)
    return (
        summary.with_columns(recency, _frequency_score(cuts.frequency_cuts), monetary)
        .with_columns(rf)
        .with_columns(segment)
        .with_columns(tiers)
    )
