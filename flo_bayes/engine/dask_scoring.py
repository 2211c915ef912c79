"""Scoring on Dask: one task per summary partition, population draws broadcast to every worker.

Each task segments its partition (exact global RFM cuts), scores it cell by cell with keyed
randomness (:func:`~flo_bayes.engine.keyed_scoring.score_keyed`), writes its rows to
``scores/part-<i>.parquet`` and returns only its :class:`~.keyed_scoring.DrawTotals`; the
client adds those up. The population draws are scattered once (``broadcast=True``), so each
worker holds one copy however many tasks it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import polars as pl

from flo_bayes.engine.dask_rfm import RfmCuts, segment_partition
from flo_bayes.engine.keyed_scoring import DrawTotals, score_keyed

SCORES_DIR = "scores"


def _as_polars(part) -> pl.DataFrame:
    return part if isinstance(part, pl.DataFrame) else pl.from_pandas(part, include_index=False)


def score_partition(
    part: pd.DataFrame | pl.DataFrame,
    index: int,
    draws,
    settings,
    cuts: RfmCuts,
    *,
    seed: int,
    n_cells: int,
    keep_draws: int,
    out_dir: str | None,
    assign: Callable | None = None,
    group_cols: Sequence[str] = ("segment", "tier", "campaign"),
    only_cells: Sequence[int] | None = None,
) -> DrawTotals | tuple[pl.DataFrame, DrawTotals]:
    """Segment, score and write one partition; return its per-draw totals.

    With ``out_dir=None`` nothing is written and ``(table, totals)`` is returned (used by the
    pilot sample and the in-process reference). ``only_cells`` restricts the work to those
    RNG cells (used to re-score the cells of customers trimmed from the plan).
    """
    frame = _as_polars(part)
    if only_cells is not None:
        frame = frame.filter(pl.col("_cell").is_in(list(only_cells)))
    segmented = segment_partition(frame, cuts)
    table, totals = score_keyed(
        segmented,
        draws,
        settings,
        seed=seed,
        n_cells=n_cells,
        keep_draws=keep_draws,
        group_cols=group_cols,
        assign=assign,
    )
    if out_dir is None:
        return table, totals
    folder = Path(out_dir) / SCORES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    table.write_parquet(folder / f"part-{index:05d}.parquet")
    return totals


def score_all(
    client,
    parts: Sequence,
    draws,
    settings,
    cuts: RfmCuts,
    *,
    seed: int,
    n_cells: int,
    keep_draws: int,
    out_dir: str,
    assign: Callable | None = None,
) -> DrawTotals:
    """Score every partition on the cluster; return the summed totals.

    Parameters
    ----------
    client : distributed.Client
        The cluster.
    parts : sequence of dask.delayed
        Summary partitions (each holding whole RNG cells).
    draws : PopulationDraws
        Population draws, scattered to every worker here.
    settings, cuts, seed, n_cells, keep_draws, out_dir, assign
        See :func:`score_partition`.

    Returns
    -------
    DrawTotals
        Sum over partitions.

    """
    import dask

    shared = client.scatter(draws, broadcast=True)
    tasks = [
        dask.delayed(score_partition)(
            part,
            index,
            shared,
            settings,
            cuts,
            seed=seed,
            n_cells=n_cells,
            keep_draws=keep_draws,
            out_dir=out_dir,
            assign=assign,
        )
        for index, part in enumerate(parts)
    ]
    total = DrawTotals()
    for part_totals in client.gather(client.compute(tasks)):
        total.add(part_totals)
    return total
