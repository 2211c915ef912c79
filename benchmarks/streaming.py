"""Lazy, streaming-capable summary -> RFM -> segment queries for inputs larger than memory.

The eager path (loaders with row-level rejection, then :func:`segment_customers`) holds the
whole input in memory. This module offers the same result as lazy Polars queries:

* :func:`scan_flo_csv` and :func:`scan_transaction_csv`: typed lazy scans of the two input
  formats, parsing fields with the loaders' own expressions;
* :func:`segment_customers_lazy`: the lazy twin of
  :func:`~flo_bayes.segmentation.pipeline.segment_customers` (same columns, same values);
* :func:`sink_segments`: summary -> Parquet -> quintile edges -> scored and segmented Parquet,
  every step run by Polars' streaming engine;
* :func:`sink_transaction_summary`: the transaction-log summary computed partition by
  partition (hash of the customer id), because a streaming group-by keeps all its groups in
  memory;
* :func:`write_simulated_flo_csv` and :func:`write_simulated_transactions`: simulated inputs
  written to disk batch by batch, for benchmarks at sizes that do not fit in memory at once.

Memory: the row-wise steps stream. What stays proportional to the number of *customers* (not
input rows) is the quintile edges (one sorted Float64 column each for recency and monetary)
and the ordinal rank of frequency, a few dozen bytes per customer. The group-by of a
transaction log is bounded by partitioning. The customer summary is written to Parquet once,
because the edges need a few passes over it and re-running the summary query for each would
re-read the input.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from flo_bayes.config import TransactionLayout
from flo_bayes.config.segmentation import SegmentationConfig
from flo_bayes.io.flo_loader import DATE_FORMAT, FLO_COLUMNS
from flo_bayes.io.parsing import parse_date, parse_float, stripped
from flo_bayes.segmentation.rfm import (
    FREQUENCY_COL,
    FREQUENCY_SCORE,
    MONETARY_COL,
    RECENCY_COL,
    RF_SCORE,
    SCORE_DTYPE,
    RfmEdges,
    compute_rfm_edges,
    rf_string_exprs,
    rfm_score_exprs,
)
from flo_bayes.segmentation.segment_map import SEGMENT_COL, resolve_segment_map
from flo_bayes.segmentation.tiers import TIER_COL, TIER_IDS, TIER_LABEL_COL, TIERS
from flo_bayes.simulate import (
    FLO_ANALYSIS_DATE_OFFSET_DAYS,
    simulate_flo_customers,
    simulate_population,
)
from flo_bayes.summary import build_transaction_summary
from flo_bayes.units import DAYS_PER_YEAR

__all__ = [
    "PartitionedSummary",
    "SimulatedLog",
    "StreamingResult",
    "scan_flo_csv",
    "scan_transaction_csv",
    "frequency_rank_cuts",
    "segment_customers_lazy",
    "sink_segments",
    "sink_transaction_summary",
    "write_simulated_flo_csv",
    "write_simulated_transactions",
]

DEFAULT_ANALYSIS_DATE = date(2021, 6, 1)
"""Analysis date of the simulated inputs (FLO's); data end 2 days earlier."""


def _check_columns(frame: pl.LazyFrame, required: tuple[str, ...] | list[str], what: str) -> None:
    present = frame.collect_schema().names()
    missing = [c for c in required if c not in present]
    if missing:
        raise ValueError(f"{what} lacks column(s) {missing}; found {present}")


def scan_flo_csv(path: Path | str) -> pl.LazyFrame:
    """Lazily read a FLO customer CSV into the loader's typed columns.

    Every field is read as text and parsed with the expressions of
    :func:`flo_bayes.io.flo_loader.load_flo`, so valid rows give the same values as the
    loader's ``frame`` (without ``line_number`` and ``raw_row``).

    Row-level rejection (the eager loader's job: unparseable dates, negative values, zero
    orders, duplicate ids, ...) is **not** done on this path; a bad field becomes null or fails
    the query. Use it for inputs that were already validated, or for benchmarking.

    Parameters
    ----------
    path : Path or str
        Comma-separated UTF-8 file with a header holding FLO's 12 columns (extra columns are
        ignored).

    Returns
    -------
    polars.LazyFrame
        ``customer_id``, ``order_channel``, ``last_order_channel``, ``first_purchase``,
        ``last_purchase``, ``last_purchase_online``, ``last_purchase_offline``,
        ``n_orders_online``, ``n_orders_offline`` (Int64), ``value_online``,
        ``value_offline`` (Float64) and ``categories_raw``; the input of
        :func:`flo_bayes.summary.build_flo_summary`.

    Raises
    ------
    ValueError
        If a FLO column is missing from the header.

    """
    raw = pl.scan_csv(path, infer_schema=False)
    _check_columns(raw, FLO_COLUMNS, f"FLO file {path}")
    return raw.select(
        stripped("master_id").alias("customer_id"),
        stripped("order_channel").alias("order_channel"),
        stripped("last_order_channel").alias("last_order_channel"),
        parse_date("first_order_date", DATE_FORMAT).alias("first_purchase"),
        parse_date("last_order_date", DATE_FORMAT).alias("last_purchase"),
        parse_date("last_order_date_online", DATE_FORMAT).alias("last_purchase_online"),
        parse_date("last_order_date_offline", DATE_FORMAT).alias("last_purchase_offline"),
        parse_float("order_num_total_ever_online").cast(pl.Int64).alias("n_orders_online"),
        parse_float("order_num_total_ever_offline").cast(pl.Int64).alias("n_orders_offline"),
        parse_float("customer_value_total_ever_online").alias("value_online"),
        parse_float("customer_value_total_ever_offline").alias("value_offline"),
        pl.col("interested_in_categories_12").fill_null("[]").alias("categories_raw"),
    )


def scan_transaction_csv(
    path: Path | str | list[Path], layout: TransactionLayout | None = None
) -> pl.LazyFrame:
    """Lazily read a transaction log into ``customer_id``, ``date``, ``amount``.

    Fields are parsed with the expressions of
    :func:`flo_bayes.io.transaction_loader.load_transactions`. As with :func:`scan_flo_csv`,
    row-level rejection is **not** done here (a bad date or amount becomes null, returns are
    kept), so the path is for validated inputs or benchmarking.

    Parameters
    ----------
    path : Path, str or list of Path
        The log (a glob pattern or a list of files also works).
    layout : TransactionLayout, optional
        Delimiter, header, column names and date format; default ``customer_id,date,amount``
        with ISO dates. ``delimiter = "whitespace"`` is not supported here.

    Returns
    -------
    polars.LazyFrame
        ``customer_id`` (Utf8), ``date`` (Date) and ``amount`` (Float64); the input of
        :func:`flo_bayes.summary.build_transaction_summary`.

    Raises
    ------
    ValueError
        For a whitespace layout or missing columns.

    """
    layout = layout or TransactionLayout()
    if layout.delimiter == "whitespace":
        raise ValueError("scan_transaction_csv needs a single-character delimiter")
    raw = pl.scan_csv(
        path,
        separator=layout.delimiter,
        has_header=layout.has_header,
        new_columns=None if layout.has_header else layout.column_names,
        infer_schema=False,
    )
    cols = (layout.customer_id_column, layout.date_column, layout.amount_column)
    _check_columns(raw, cols, f"transaction log {path}")
    return raw.select(
        stripped(cols[0]).alias("customer_id"),
        parse_date(cols[1], layout.date_format).alias("date"),
        parse_float(cols[2]).alias("amount"),
    )


_ROW = "_row"
_PART = "_part"


def frequency_rank_cuts(
    summary: pl.LazyFrame, edges: RfmEdges, *, frequency_col: str = FREQUENCY_COL
) -> list[tuple[float, int | None]]:
    """Where the ordinal rank of frequency crosses each inner quintile edge.

    The frequency score is the quintile of ``rank(method="ordinal")`` of frequency (ties
    broken by row order). Computing that rank needs the whole column in memory. Instead,
    for each inner edge ``e`` this finds the row that holds rank ``floor(e)``: its value
    ``v`` and row number ``p``. Then ``rank > e`` exactly when ``x > v``, or ``x == v`` and
    the row number is ``> p``. Only the value counts (a small group-by) and one filtered
    slice per edge are collected.

    Parameters
    ----------
    summary : polars.LazyFrame
        Customer summary, rows in the order that breaks ties.
    edges : RfmEdges
        Edges from :func:`~flo_bayes.segmentation.rfm.compute_rfm_edges` on the same rows.
    frequency_col : str, default ``"n_orders"``
        Frequency column.

    Returns
    -------
    list of (float, int or None)
        One ``(v, p)`` per inner edge; ``p`` is None when no row of value ``v`` lies above
        the edge (then ``rank > e`` iff ``x > v``).

    """
    counts = (
        summary.select(pl.col(frequency_col).cast(pl.Float64).alias("v"))
        .drop_nulls()
        .group_by("v")
        .agg(pl.len().alias("n"))
        .sort("v")
        .collect()
    )
    values = counts.get_column("v").to_numpy()
    cum = np.cumsum(counts.get_column("n").to_numpy())
    cuts: list[tuple[float, int | None]] = []
    for edge in edges.frequency_rank[1:-1]:
        m = math.floor(edge)  # rank > edge  <=>  rank > m (ranks are integers)
        if m < 1:  # every rank is above the edge
            cuts.append((-math.inf, None))
            continue
        i = int(np.searchsorted(cum, m, side="left"))  # value holding rank m
        j = m - (int(cum[i - 1]) if i else 0)  # rank m is its j-th occurrence
        if j == int(cum[i]) - (int(cum[i - 1]) if i else 0):
            cuts.append((float(values[i]), None))
            continue
        row = (
            summary.select(pl.col(frequency_col).cast(pl.Float64).alias("v"))
            .with_row_index(_ROW)
            .filter(pl.col("v") == values[i])
            .slice(j - 1, 1)
            .collect(engine="streaming")
            .get_column(_ROW)
            .item()
        )
        cuts.append((float(values[i]), int(row)))
    return cuts


def _frequency_score_expr(
    cuts: list[tuple[float, int | None]], frequency_col: str = FREQUENCY_COL
) -> pl.Expr:
    x = pl.col(frequency_col).cast(pl.Float64)
    above = []
    for value, row in cuts:
        cond = x > value
        if row is not None:
            cond = cond | ((x == value) & (pl.col(_ROW) > row))
        above.append(cond.cast(pl.Int8))
    score = pl.sum_horizontal(above) + 1 if above else pl.lit(1)
    return pl.when(x.is_null()).then(None).otherwise(score).cast(SCORE_DTYPE)


def segment_customers_lazy(
    summary: pl.LazyFrame,
    config: SegmentationConfig | None = None,
    *,
    edges: RfmEdges | None = None,
) -> pl.LazyFrame:
    """Lazy :func:`~flo_bayes.segmentation.pipeline.segment_customers`.

    Recency and monetary scores use :func:`~flo_bayes.segmentation.rfm.rfm_score_exprs`.
    Three pieces are rewritten so that the scoring query streams without an in-memory
    fallback (which would buffer the whole frame): the frequency score comes from
    :func:`frequency_rank_cuts` and a row number instead of a full-column rank, and the
    segment and tier lookups are ``when``/``is_in`` chains instead of ``replace_strict``.
    The values and dtypes equal :func:`segment_customers`'s.

    Parameters
    ----------
    summary : polars.LazyFrame
        Customer summary (``recency_days``, ``n_orders``, ``total_value``, ...), rows in file
        order (frequency ties are broken by it).
    config : SegmentationConfig, optional
        Segment map, tier map and language.
    edges : RfmEdges, optional
        Quintile edges. When omitted they are computed from ``summary`` with
        :func:`~flo_bayes.segmentation.rfm.compute_rfm_edges`.

    Returns
    -------
    polars.LazyFrame
        ``summary`` plus ``recency_score``, ``frequency_score``, ``monetary_score``,
        ``RF_SCORE``, ``RFM_SCORE``, ``segment`` and ``tier``, ``tier_label``; runs with
        ``collect(engine="streaming")`` or ``sink_parquet``.

    Notes
    -----
    Building the query collects small results from ``summary`` several times (edges, value
    counts, up to four one-row slices), so ``summary`` should be a cheap source such as
    ``scan_parquet`` of a written summary (see :func:`sink_segments`).

    """
    config = config or SegmentationConfig()
    _check_columns(summary, (RECENCY_COL, FREQUENCY_COL, MONETARY_COL), "customer summary")
    if edges is None:
        edges = compute_rfm_edges(summary)
    recency, _, monetary = rfm_score_exprs(edges)
    frequency = _frequency_score_expr(frequency_rank_cuts(summary, edges)).alias(FREQUENCY_SCORE)
    return (
        summary.with_row_index(_ROW)
        .with_columns(recency, frequency, monetary)
        .drop(_ROW)
        .with_columns(rf_string_exprs())
        .with_columns(_segment_expr(config))
        .with_columns(_tier_exprs(config))
    )


def _lookup_expr(expr: pl.Expr, mapping: dict[str, str], dtype: pl.Enum) -> pl.Expr:
    """``replace_strict(mapping)`` as an element-wise ``when``/``is_in`` chain.

    Polars 2.1 runs ``replace_strict`` as an in-memory fallback inside a streaming query,
    which buffers every other column of the frame meanwhile; this form streams. Values
    outside ``mapping`` give null (callers pass complete, validated mappings).
    """
    keys_by_value: dict[str, list[str]] = {}
    for key, value in mapping.items():
        keys_by_value.setdefault(value, []).append(key)
    text = expr.cast(pl.Utf8)
    chain = None
    for value, keys in keys_by_value.items():
        cond = text.is_in(pl.Series(keys, dtype=pl.Utf8).implode())
        chain = (pl.when(cond) if chain is None else chain.when(cond)).then(pl.lit(value))
    return chain.otherwise(None).cast(dtype)


def _segment_expr(config: SegmentationConfig) -> pl.Expr:
    """Streaming twin of :func:`~flo_bayes.segmentation.segment_map.segment_expr`."""
    lookup = resolve_segment_map(config.segment_map)
    dtype = pl.Enum(list(config.segment_map))
    return _lookup_expr(pl.col(RF_SCORE), lookup, dtype).alias(SEGMENT_COL)


def _tier_exprs(config: SegmentationConfig) -> list[pl.Expr]:
    """Streaming twin of :func:`~flo_bayes.segmentation.tiers.tier_exprs`."""
    labels = {t.id: t.label(config.language) for t in TIERS}
    tier = _lookup_expr(pl.col(SEGMENT_COL), dict(config.tier_map), pl.Enum(TIER_IDS))
    label_dtype = pl.Enum([labels[t] for t in TIER_IDS])
    return [
        tier.alias(TIER_COL),
        _lookup_expr(tier, labels, label_dtype).alias(TIER_LABEL_COL),
    ]


@dataclass(frozen=True)
class StreamingResult:
    """What :func:`sink_segments` wrote and how long each step took.

    Attributes
    ----------
    output_path, summary_path : Path
        Segmented customers and the customer summary (Parquet).
    n_customers : int
        Rows of the summary.
    summary_seconds, edges_seconds, segments_seconds : float
        Wall time of the summary sink (0 when an existing summary file was given), the
        quintile edges and the scoring sink.

    """

    output_path: Path
    summary_path: Path
    n_customers: int
    summary_seconds: float
    edges_seconds: float
    segments_seconds: float

    @property
    def seconds(self) -> float:
        """Total wall time."""
        return self.summary_seconds + self.edges_seconds + self.segments_seconds


def sink_segments(
    summary: pl.LazyFrame | Path,
    output_path: Path | str,
    config: SegmentationConfig | None = None,
    *,
    summary_path: Path | str | None = None,
    keep_summary: bool = False,
) -> StreamingResult:
    """Run summary -> RFM -> segments with the streaming engine, writing Parquet.

    Steps: (1) sink the summary query to Parquet; (2) compute the quintile edges from that
    file (only the three RFM columns are read); (3) sink the scored and segmented customers,
    in the summary's row order.

    Parameters
    ----------
    summary : polars.LazyFrame or Path
        Lazy customer summary, e.g. ``build_flo_summary(scan_flo_csv(path), ...)``; or the
        path of a summary already written as Parquet (e.g. by
        :func:`sink_transaction_summary`), in which case step 1 is skipped and the file is
        kept.
    output_path : Path or str
        Parquet file for the result (columns of :func:`segment_customers_lazy`).
    config : SegmentationConfig, optional
        Segmentation settings.
    summary_path : Path or str, optional
        Where to write the summary of step 1; default ``<output stem>.summary.parquet``
        beside the output.
    keep_summary : bool, default False
        Keep the file written in step 1 (otherwise it is deleted at the end).

    Returns
    -------
    StreamingResult
        Paths, number of customers and step timings.

    """
    output_path = Path(output_path)
    start = time.perf_counter()
    if isinstance(summary, pl.LazyFrame):
        if summary_path is None:
            summary_path = output_path.with_name(f"{output_path.stem}.summary.parquet")
        summary_path = Path(summary_path)
        summary.sink_parquet(summary_path, engine="streaming")
    else:
        summary_path, keep_summary = Path(summary), True
    t_summary = time.perf_counter()
    scan = pl.scan_parquet(summary_path)
    edges = compute_rfm_edges(scan)
    t_edges = time.perf_counter()
    segment_customers_lazy(scan, config, edges=edges).sink_parquet(output_path, engine="streaming")
    t_segments = time.perf_counter()
    if not keep_summary:
        summary_path.unlink(missing_ok=True)
    return StreamingResult(
        output_path=output_path,
        summary_path=summary_path,
        n_customers=edges.n_customers,
        summary_seconds=t_summary - start,
        edges_seconds=t_edges - t_summary,
        segments_seconds=t_segments - t_edges,
    )


@dataclass(frozen=True)
class PartitionedSummary:
    """What :func:`sink_transaction_summary` wrote and how long each step took.

    Attributes
    ----------
    summary_path : Path
        Customer summary (Parquet), one row per customer in order of first appearance.
    n_partitions : int
        Number of customer partitions used.
    partition_seconds, summary_seconds, merge_seconds : float
        Wall time of the partitioning pass, the per-partition summaries and the final merge
        (partition and merge are 0 with one partition).

    """

    summary_path: Path
    n_partitions: int
    partition_seconds: float
    summary_seconds: float
    merge_seconds: float

    @property
    def seconds(self) -> float:
        """Total wall time."""
        return self.partition_seconds + self.summary_seconds + self.merge_seconds


_MERGE_ROW_GROUP = 16_384
"""Row-group size of the partition summaries, small so that range filters skip most groups."""


def _merge_by_row_ranges(files: list[Path], out: Path, *, n_ranges: int) -> None:
    """Merge files that are each sorted by ``_row`` into one file sorted by ``_row``.

    Polars' streaming ``merge_sorted`` buffers heavily with many inputs (4.6 GB for 50
    inputs and 24 M rows), so the ``_row`` range is cut into ``n_ranges`` pieces instead;
    each piece is read from all files (row-group statistics skip the rest), sorted in
    memory and appended to ``out`` as row groups. A piece holds at most
    ``(max _row + 1) / n_ranges`` rows, because each row has a distinct ``_row``.
    """
    import pyarrow.parquet as pq  # imported here: only this step needs it

    scan = pl.scan_parquet(files)
    top = scan.select(pl.col(_ROW).max()).collect().item()
    bounds = np.linspace(0, (top if top is not None else -1) + 1, n_ranges + 1).astype(np.int64)
    writer = None
    try:
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            piece = (
                scan.filter((pl.col(_ROW) >= int(lo)) & (pl.col(_ROW) < int(hi)))
                .sort(_ROW)
                .drop(_ROW)
                .collect(engine="streaming")
            )
            if piece.height == 0:
                continue
            table = piece.to_arrow()
            if writer is None:
                writer = pq.ParquetWriter(out, table.schema, compression="zstd")
            writer.write_table(table)
        if writer is None:  # no customers at all
            scan.drop(_ROW).head(0).collect().write_parquet(out)
    finally:
        if writer is not None:
            writer.close()


def sink_transaction_summary(
    transactions: pl.LazyFrame,
    summary_path: Path | str,
    analysis_date: date,
    time_unit: str,
    *,
    n_partitions: int = 16,
    workdir: Path | str | None = None,
) -> PartitionedSummary:
    """Write :func:`~flo_bayes.summary.build_transaction_summary` of a large log to Parquet.

    A transaction summary groups by customer (and first by customer and day), and Polars'
    streaming group-by keeps every group in memory: about 200 bytes per distinct
    (customer, day) pair, i.e. more than 20 GB for a 100-million-row log. Here the log is
    first split by a hash of ``customer_id`` into ``n_partitions`` Parquet partitions in one
    streaming pass (with the global row number), each partition is summarised on its own
    (memory ~ 1 / ``n_partitions``), and the partition summaries are merged back on the row
    number of each customer's first transaction. The result equals
    ``build_transaction_summary(transactions, ...)`` row for row, order included.

    Parameters
    ----------
    transactions : polars.LazyFrame
        ``customer_id``, ``date``, ``amount`` (e.g. :func:`scan_transaction_csv`), already
        cut at the analysis date.
    summary_path : Path or str
        Parquet file for the summary.
    analysis_date : datetime.date
        End of the observation period.
    time_unit : str
        ``days`` or ``weeks``.
    n_partitions : int, default 16
        Number of customer partitions; 1 runs the summary query directly. Peak memory of the
        summary step is roughly ``200 bytes x rows / n_partitions``.
    workdir : Path or str, optional
        Folder for the temporary partitions (default: beside ``summary_path``); they are
        deleted at the end.

    Returns
    -------
    PartitionedSummary
        Path, partition count and step timings.

    """
    if n_partitions < 1:
        raise ValueError(f"n_partitions must be >= 1, got {n_partitions}")
    summary_path = Path(summary_path)
    start = time.perf_counter()
    if n_partitions == 1:
        build_transaction_summary(transactions, analysis_date, time_unit).sink_parquet(
            summary_path, engine="streaming"
        )
        return PartitionedSummary(summary_path, 1, 0.0, time.perf_counter() - start, 0.0)

    base = Path(workdir) if workdir is not None else summary_path.parent
    tmp = Path(tempfile.mkdtemp(prefix=f"{summary_path.stem}.", dir=base))
    try:
        parts_dir, sums_dir = tmp / "rows", tmp / "summaries"
        sums_dir.mkdir()
        transactions.select("customer_id", "date", "amount").with_row_index(_ROW).with_columns(
            (pl.col("customer_id").hash(seed=0) % n_partitions).alias(_PART)
        ).sink_parquet(
            pl.PartitionBy(parts_dir, key=_PART, include_key=False),
            mkdir=True,
            engine="streaming",
        )
        t_partition = time.perf_counter()

        part_sums = []
        for folder in sorted(parts_dir.glob(f"{_PART}=*")):
            files = sorted(folder.glob("*.parquet"))
            if not files:
                continue
            rows = pl.scan_parquet(files)  # files, and rows within them, in row-number order
            first_row = rows.group_by("customer_id").agg(pl.col(_ROW).min())
            out = sums_dir / f"{folder.name.split('=')[1]}.parquet"
            build_transaction_summary(rows, analysis_date, time_unit).join(
                first_row, on="customer_id", how="left", maintain_order="left"
            ).sink_parquet(out, row_group_size=_MERGE_ROW_GROUP, engine="streaming")
            part_sums.append(out)
        t_summary = time.perf_counter()

        _merge_by_row_ranges(part_sums, summary_path, n_ranges=n_partitions)
        t_merge = time.perf_counter()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return PartitionedSummary(
        summary_path=summary_path,
        n_partitions=n_partitions,
        partition_seconds=t_partition - start,
        summary_seconds=t_summary - t_partition,
        merge_seconds=t_merge - t_summary,
    )


# ----------------------------------------------------------------- simulated inputs on disk


def _batch_seed(seed: int, batch: int) -> int:
    """Seed of batch ``batch``; independent of how many batches there are."""
    return int(np.random.SeedSequence([seed, batch]).generate_state(1, dtype=np.uint32)[0])


def _batches(total: int, size: int) -> Iterator[tuple[int, int]]:
    for i, start in enumerate(range(0, total, size)):
        yield i, min(size, total - start)


def write_simulated_flo_csv(
    path: Path | str,
    n_customers: int,
    *,
    batch_size: int = 1_000_000,
    seed: int = 42,
    analysis_date: date = DEFAULT_ANALYSIS_DATE,
) -> int:
    """Write a simulated FLO customer CSV batch by batch.

    Each batch is :func:`flo_bayes.simulate.simulate_flo_customers` with its own seed
    (customer ids are random UUIDs, so batches do not collide), appended in the layout of
    :func:`flo_bayes.simulate.write_flo_csv`. Memory follows ``batch_size``, not
    ``n_customers``.

    Parameters
    ----------
    path : Path or str
        Destination CSV (overwritten).
    n_customers : int
        Rows to write, >= 1.
    batch_size : int, default 1,000,000
        Customers simulated at a time.
    seed : int, default 42
        Master seed; batch ``i`` uses a seed derived from ``(seed, i)``.
    analysis_date : datetime.date, default 2021-06-01
        Analysis date of the simulation (data end 2 days before).

    Returns
    -------
    int
        Number of customers written.

    """
    if n_customers < 1 or batch_size < 1:
        raise ValueError("n_customers and batch_size must be >= 1")
    with open(path, "wb") as handle:
        for i, n in _batches(n_customers, batch_size):
            frame = simulate_flo_customers(
                n, analysis_date=analysis_date, seed=_batch_seed(seed, i)
            )
            frame.write_csv(handle, include_header=i == 0, date_format=DATE_FORMAT, null_value="")
    return n_customers


@dataclass(frozen=True)
class SimulatedLog:
    """Size of a transaction log written by :func:`write_simulated_transactions`.

    Attributes
    ----------
    n_rows, n_customers : int
        Rows and distinct customers written.
    analysis_date : datetime.date
        Analysis date matching the log (2 days after its last possible date).

    """

    n_rows: int
    n_customers: int
    analysis_date: date


def write_simulated_transactions(
    n_rows: int,
    *,
    csv_path: Path | str | None = None,
    parquet_dir: Path | str | None = None,
    batch_customers: int = 2_000_000,
    seed: int = 7,
    analysis_date: date = DEFAULT_ANALYSIS_DATE,
    history_years: float = 4.0,
) -> SimulatedLog:
    """Write a simulated transaction log of exactly ``n_rows`` rows, batch by batch.

    Each batch is :func:`flo_bayes.simulate.simulate_population` for ``batch_customers`` new
    customers (acquired uniformly over ``history_years`` before the data end
    ``analysis_date - 2 days``), its rows put in date order so that customers interleave as
    in a real log. Batches follow each other until ``n_rows`` rows are written (a batch is
    smaller when fewer rows are still needed); the last one is cut at exactly ``n_rows``. Columns ``customer_id``, ``date`` (ISO), ``amount``.

    Parameters
    ----------
    n_rows : int
        Rows to write, >= 1.
    csv_path : Path or str, optional
        Write one CSV file here.
    parquet_dir : Path or str, optional
        Write one Parquet file per batch into this folder (``part-00000.parquet``, ...).
        At least one of ``csv_path`` and ``parquet_dir`` is required.
    batch_customers : int, default 2,000,000
        Customers per batch (about 4.2 rows each with the default parameters).
    seed : int, default 7
        Master seed; batch ``i`` uses a seed derived from ``(seed, i)``.
    analysis_date : datetime.date, default 2021-06-01
        Analysis date; no row is later than ``analysis_date - 2 days``.
    history_years : float, default 4
        Length of the acquisition window.

    Returns
    -------
    SimulatedLog
        Rows, customers and analysis date.

    """
    if n_rows < 1 or batch_customers < 1:
        raise ValueError("n_rows and batch_customers must be >= 1")
    if csv_path is None and parquet_dir is None:
        raise ValueError("give csv_path, parquet_dir or both")
    end = analysis_date - timedelta(days=FLO_ANALYSIS_DATE_OFFSET_DAYS)
    start = end - timedelta(days=max(1, round(history_years * DAYS_PER_YEAR)) - 1)
    if parquet_dir is not None:
        Path(parquet_dir).mkdir(parents=True, exist_ok=True)
    handle = open(csv_path, "wb") if csv_path is not None else None
    written = customers = batch = 0
    rows_per_customer = 4.0  # first guess; updated from every batch
    try:
        while written < n_rows:
            wanted = math.ceil(1.05 * (n_rows - written) / rows_per_customer) + 100
            n_batch = min(batch_customers, wanted)
            log = simulate_population(
                n_batch,
                acquisition_start=start,
                acquisition_end=end,
                observation_end=end,
                seed=_batch_seed(seed, batch),
            ).transactions
            rows_per_customer = max(1.0, log.height / n_batch)
            n_customers = n_batch  # every simulated customer has a first purchase
            if log.height > n_rows - written:  # last batch: cut, rows are grouped by customer
                log = log.head(n_rows - written)
                ids = log.get_column("customer_id")
                n_customers = int((ids != ids.shift(1)).fill_null(True).sum())
            log = log.sort("date", maintain_order=True)
            if handle is not None:
                log.write_csv(handle, include_header=batch == 0, date_format=DATE_FORMAT)
            if parquet_dir is not None:
                log.write_parquet(Path(parquet_dir) / f"part-{batch:05d}.parquet")
            written += log.height
            customers += n_customers
            batch += 1
    finally:
        if handle is not None:
            handle.close()
    return SimulatedLog(n_rows=written, n_customers=customers, analysis_date=analysis_date)
