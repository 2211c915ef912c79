"""Exact order statistics of a column spread over many partitions, without a global sort.

To find the ``k``-th smallest of ``n`` values (0-based) it narrows an interval that must hold
it: one pass counts and takes the minimum and maximum, each further pass histograms the
values inside the current interval into :data:`BINS` equal-width bins (the bin holding rank
``k`` becomes the next interval) and, once that bin holds at most ``collect_limit`` values,
the values of the bin are collected, sorted and the one at the right position is read off.
Each partition only ever returns counts or the few values of one bin, so memory stays small
however large the column is, and the answer is exact -- the same number a full sort gives.
Several ranks are found in the same passes; repeated values end as an interval of width 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

BINS = 4096
COLLECT_LIMIT = 1_000_000


def _minmax(part, extract: Callable) -> tuple[int, float, float]:
    values = extract(part)
    if values.size == 0:
        return 0, np.inf, -np.inf
    return int(values.size), float(values.min()), float(values.max())


def _bin_index(values: np.ndarray, lo: float, hi: float, bins: int) -> np.ndarray:
    edges = np.linspace(lo, hi, bins + 1)
    return np.clip(np.searchsorted(edges, values, side="right") - 1, 0, bins - 1)


def _histograms(part, extract: Callable, intervals: list[tuple[float, float]], bins: int):
    values = extract(part)
    out = []
    for lo, hi in intervals:
        inside = values[(values >= lo) & (values <= hi)]
        out.append(np.bincount(_bin_index(inside, lo, hi, bins), minlength=bins))
    return out


def _collect(part, extract: Callable, intervals: list[tuple[float, float]]):
    values = extract(part)
    return [np.sort(values[(values >= lo) & (values <= hi)]) for lo, hi in intervals]


def order_statistics(
    parts: Sequence,
    extract: Callable,
    ranks: Sequence[int],
    *,
    compute: Callable | None = None,
    bins: int = BINS,
    collect_limit: int = COLLECT_LIMIT,
) -> tuple[int, dict[int, float]]:
    """Exact ``k``-th smallest values of a distributed column.

    Parameters
    ----------
    parts : sequence
        Partitions (``dask.delayed`` objects or plain frames).
    extract : callable
        ``extract(partition) -> numpy.ndarray`` of float64 values (nulls dropped).
    ranks : sequence of int
        0-based ranks wanted; a negative rank counts from the end (``-1``: the largest).
    compute : callable, optional
        ``compute(list_of_delayed) -> list``; default ``dask.compute``. Given plain frames
        (no Dask) the calls run in this process.
    bins : int
        Histogram bins per pass.
    collect_limit : int
        Largest number of values collected from one bin.

    Returns
    -------
    n : int
        Number of values.
    values : dict
        Rank (as given) -> value.

    """
    import dask

    def run(fn, *args) -> list:
        tasks = [dask.delayed(fn)(p, extract, *args) for p in parts]
        return list(compute(tasks) if compute else dask.compute(*tasks))

    stats = run(_minmax)
    n = sum(s[0] for s in stats)
    if n == 0:
        raise ValueError("no values to take order statistics of")
    lo = min(s[1] for s in stats)
    hi = max(s[2] for s in stats)
    wanted = {int(r): (int(r) if r >= 0 else n + int(r)) for r in ranks}
    for rank, pos in wanted.items():
        if not 0 <= pos < n:
            raise ValueError(f"rank {rank} outside 0..{n - 1}")
    # target position -> (lo, hi, values below lo, values inside)
    state = {pos: (lo, hi, 0, n) for pos in set(wanted.values())}
    found: dict[int, float] = {}
    while state:
        for pos, (a, b, _, _) in list(state.items()):
            if a == b:
                found[pos] = a
                del state[pos]
        if not state:
            break
        small = sorted({(a, b) for a, b, _, size in state.values() if size <= collect_limit})
        large = sorted({(a, b) for a, b, _, size in state.values() if size > collect_limit})
        if small:
            per_part = run(_collect, small)
            for k, interval in enumerate(small):
                values = np.sort(np.concatenate([p[k] for p in per_part]))
                for pos, (a, b, below, _) in list(state.items()):
                    if (a, b) == interval:
                        found[pos] = float(values[pos - below])
                        del state[pos]
        if large:
            per_part = run(_histograms, large, bins)
            for k, (a, b) in enumerate(large):
                counts = np.sum([p[k] for p in per_part], axis=0)
                cum = np.cumsum(counts)
                edges = np.linspace(a, b, bins + 1)
                for pos, (a2, b2, below, _) in list(state.items()):
                    if (a2, b2) != (a, b):
                        continue
                    j = int(np.searchsorted(cum, pos - below, side="right"))
                    new_lo = float(edges[j])
                    new_hi = b if j == bins - 1 else float(np.nextafter(edges[j + 1], -np.inf))
                    before = int(cum[j - 1]) if j else 0
                    state[pos] = (new_lo, max(new_lo, new_hi), below + before, int(counts[j]))
    return n, {rank: found[pos] for rank, pos in wanted.items()}
