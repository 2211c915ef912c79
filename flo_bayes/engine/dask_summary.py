"""Customer summary on Dask: all rows of a customer meet in one partition, then one piece of code.

The parsed log is shuffled by RNG cell (a function of the customer key), so every customer's
transactions -- and every customer of a cell -- land in the same partition. Each partition is
then summarised by the project's own summary (``flo_bayes.summary.build_transaction_summary``,
reached through :mod:`flo_bayes.engine.adapters`): ``x``, ``t_x``, ``T``, monetary value and
the Gamma-Gamma inputs have exactly one definition for the local and the distributed path.
Rows are put in global input order (``_gpos``) before summarising, and each customer carries
``_first``, the position of its first row, which orders customers by first appearance.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import polars as pl

from flo_bayes.engine import adapters
from flo_bayes.engine.dask_input import GPOS_COL, REASON_COL
from flo_bayes.engine.keys import CELL_COL, KEY_COL

FIRST_COL = "_first"
ROWS_PER_PARTITION = 1_000_000
"""Target transaction rows per shuffled partition (bounds each summarising task's memory)."""


def summarise_partition(
    part: pd.DataFrame | pl.DataFrame, analysis_date: date, time_unit: str
) -> pl.DataFrame:
    """Summarise the transactions of complete customers (one partition, or the whole log).

    Parameters
    ----------
    part : pandas.DataFrame or polars.DataFrame
        Parsed rows (``customer_id``, ``date``, ``amount``, ``_gpos``, ``_key``, ``_cell``)
        holding every row of each customer in it.
    analysis_date : datetime.date
        End of the observation period.
    time_unit : str
        ``days`` or ``weeks``.

    Returns
    -------
    polars.DataFrame
        The summary columns, ``_first``, ``_key`` and ``_cell``, ordered by ``_first``.

    """
    frame = part if isinstance(part, pl.DataFrame) else pl.from_pandas(part, include_index=False)
    frame = frame.sort(GPOS_COL)
    summary = adapters.transaction_summary(
        frame.select("customer_id", "date", "amount"), analysis_date, time_unit
    )
    ids = frame.group_by("customer_id").agg(
        pl.col(GPOS_COL).min().alias(FIRST_COL),
        pl.col(KEY_COL).first(),
        pl.col(CELL_COL).first(),
    )
    return summary.join(ids, on="customer_id", how="left").sort(FIRST_COL)


def _summarise_pandas(part: pd.DataFrame, analysis_date: date, time_unit: str) -> pd.DataFrame:
    return summarise_partition(part, analysis_date, time_unit).to_pandas(
        use_pyarrow_extension_array=True
    )


def summary_meta(analysis_date: date, time_unit: str) -> pd.DataFrame:
    """Empty frame with the dtypes of a summarised partition."""
    from flo_bayes.engine.dask_input import parsed_meta

    sample = parsed_meta()
    return _summarise_pandas(sample, analysis_date, time_unit)


def customer_summary(
    parsed, analysis_date: date, time_unit: str, *, n_partitions: int | None = None
):
    """Distributed customer summary of a parsed log (see the module docstring).

    Parameters
    ----------
    parsed : dask.dataframe.DataFrame
        From :func:`flo_bayes.engine.dask_input.read_transactions`.
    analysis_date : datetime.date
        End of the observation period.
    time_unit : str
        ``days`` or ``weeks``.
    n_partitions : int, optional
        Output partitions; default about :data:`ROWS_PER_PARTITION` input rows each
        (estimated from the input partitions), at least the input's.

    Returns
    -------
    dask.dataframe.DataFrame
        One row per customer (lazy).

    """
    valid = parsed[parsed[REASON_COL].isna()].drop(columns=[REASON_COL])
    if n_partitions is None:
        n_partitions = max(1, parsed.npartitions)
    shuffled = valid.shuffle(on=CELL_COL, npartitions=int(n_partitions))
    return shuffled.map_partitions(
        _summarise_pandas,
        analysis_date,
        time_unit,
        meta=summary_meta(analysis_date, time_unit),
        align_dataframes=False,
    )


def default_partitions(n_rows_estimate: int, n_workers: int, rows_per_partition: int) -> int:
    """Shuffle partitions: about ``rows_per_partition`` rows each, at least two per worker."""
    return max(2 * max(1, n_workers), math.ceil(n_rows_estimate / max(1, rows_per_partition)))
