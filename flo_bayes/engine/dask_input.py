"""Read a transaction log of one or many CSV / Parquet files (glob or folder) into Dask.

Files are read lazily, partition by partition, so the log may be far larger than memory.
Each partition is parsed with Polars by :func:`parse_partition`, which applies the project's
row rules with their reason codes (``missing_customer_id``, ``unparseable_date``,
``implausible_date``, ``invalid_amount``, ``negative_amount``, ``implausible_value``,
``after_analysis_date``): every row is either used or rejected with its reason.

Rows get a global position ``_gpos = (partition << 32) | row`` (partitions follow the sorted
file list, then the offset in each file), so "first appearance" -- the order that breaks
frequency ties in RFM -- means the same as in one process reading the files one after the
other. Customer ids are read as text (their key is the hash of the text).
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from flo_bayes.engine import adapters
from flo_bayes.engine.keys import CELL_COL, KEY_COL, cells_of, customer_keys

GPOS_COL = "_gpos"
REASON_COL = "reason"
PARTITION_SHIFT = 32
_PARQUET = (".parquet", ".pq")


@dataclass(frozen=True)
class InputLayout:
    """Where the three fields are and how dates are written.

    Attributes
    ----------
    customer_id_column, date_column, amount_column : str
        Column names in the files.
    date_format : str
        ``strftime`` format of text dates (Parquet date/timestamp columns need none).
    delimiter : str
        CSV field separator.

    """

    customer_id_column: str = "customer_id"
    date_column: str = "date"
    amount_column: str = "amount"
    date_format: str = "%Y-%m-%d"
    delimiter: str = ","


def resolve_paths(spec: str | Path | list[str | Path]) -> list[str]:
    """Expand a file, folder or glob (or a list of them) into a sorted list of data files.

    Raises
    ------
    FileNotFoundError
        Naming the spec that matched no CSV or Parquet file.
    ValueError
        If CSV and Parquet files are mixed.

    """
    specs = spec if isinstance(spec, list) else [spec]
    files: list[str] = []
    for item in specs:
        item = str(item)
        path = Path(item)
        if path.is_dir():
            found = sorted(
                str(p) for p in path.rglob("*") if p.suffix.lower() in (*_PARQUET, ".csv", ".txt")
            )
        elif any(ch in item for ch in "*?["):
            found = sorted(glob.glob(item, recursive=True))
        else:
            found = [item] if path.is_file() else []
        if not found:
            raise FileNotFoundError(
                f"input {item!r} matches no CSV or Parquet file; give a file, a folder or a glob"
            )
        files += found
    kinds = {Path(f).suffix.lower() in _PARQUET for f in files}
    if len(kinds) > 1:
        raise ValueError("input mixes Parquet and CSV files; convert them to one format")
    return files


def estimate_rows(files: list[str]) -> int:
    """Rows of the input: exact for Parquet (file metadata), about 32 bytes a row for CSV."""
    if Path(files[0]).suffix.lower() in _PARQUET:
        import pyarrow.parquet as pq

        return int(sum(pq.ParquetFile(f).metadata.num_rows for f in files))
    return int(sum(Path(f).stat().st_size for f in files) // 32)


def read_raw(files: list[str], layout: InputLayout, blocksize: str = "64MB"):
    """A Dask frame of the three raw columns (CSV: all text; Parquet: as stored)."""
    import dask.dataframe as dd

    cols = [layout.customer_id_column, layout.date_column, layout.amount_column]
    if Path(files[0]).suffix.lower() in _PARQUET:
        # one partition per row group (not per file) keeps parse tasks small
        frame = dd.read_parquet(files, columns=cols, split_row_groups=True)
    else:
        frame = dd.read_csv(
            files, dtype=str, usecols=cols, sep=layout.delimiter, blocksize=blocksize
        )
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ValueError(f"input lacks column(s) {missing}; found {list(frame.columns)}")
    return frame


def _parse_dates(col: pl.Series, fmt: str) -> pl.Series:
    if col.dtype == pl.Date:
        return col
    if col.dtype.is_temporal():
        return col.cast(pl.Datetime).dt.date()
    return col.cast(pl.Utf8).str.strip_chars().str.to_date(fmt, strict=False)


def parse_partition(
    raw: pd.DataFrame,
    layout: InputLayout,
    partition: int,
    analysis_date: date | None,
    n_cells: int,
    rejected_dir: str | None = None,
) -> pd.DataFrame:
    """Parse one raw partition: typed columns, a reason for each rejected row, keys.

    With ``rejected_dir`` the rejected rows are written there
    (``rejected-<partition>.parquet``, only when there are any) and only the rows used are
    returned, so that no second consumer holds the parsed partition in memory.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (text), ``date``, ``amount``, ``_gpos``, ``_key``, ``_cell`` and
        ``reason`` (null for rows used).

    """
    frame = pl.from_pandas(raw, include_index=False)
    ids = frame.get_column(layout.customer_id_column).cast(pl.Utf8).str.strip_chars()
    dates_text = frame.get_column(layout.date_column)
    dates = _parse_dates(dates_text, layout.date_format)
    amounts = frame.get_column(layout.amount_column)
    if amounts.dtype == pl.Utf8 or amounts.dtype == pl.String:
        amounts = amounts.str.strip_chars().cast(pl.Float64, strict=False)
    else:
        amounts = amounts.cast(pl.Float64, strict=False)
    parsed = pl.DataFrame({"customer_id": ids, "date": dates, "amount": amounts})
    date_cut = pl.lit(analysis_date) if analysis_date is not None else None
    reason = (
        pl.when(pl.col("customer_id").is_null() | (pl.col("customer_id") == ""))
        .then(pl.lit("missing_customer_id"))
        .when(pl.col("date").is_null())
        .then(pl.lit("unparseable_date"))
        .when(adapters.implausible_date(pl.col("date")))
        .then(pl.lit("implausible_date"))
        .when(pl.col("amount").is_null() | ~pl.col("amount").is_finite())
        .then(pl.lit("invalid_amount"))
        .when(pl.col("amount") < 0)
        .then(pl.lit("negative_amount"))
        .when(pl.col("amount") > adapters.max_plausible_value())
        .then(pl.lit("implausible_value"))
    )
    if date_cut is not None:
        reason = reason.when(pl.col("date") > date_cut).then(pl.lit("after_analysis_date"))
    parsed = parsed.with_columns(
        reason.otherwise(None).alias(REASON_COL),
        (pl.int_range(0, pl.len(), dtype=pl.Int64) + (int(partition) << PARTITION_SHIFT)).alias(
            GPOS_COL
        ),
    )
    if rejected_dir is not None:
        rejected = parsed.filter(pl.col(REASON_COL).is_not_null())
        if rejected.height:
            folder = Path(rejected_dir)
            folder.mkdir(parents=True, exist_ok=True)
            raw_rows = frame.filter(parsed.get_column(REASON_COL).is_not_null())
            rejected.select(GPOS_COL, REASON_COL).with_columns(
                raw_rows.select(pl.all().cast(pl.Utf8).name.prefix("raw_"))
            ).write_parquet(folder / f"rejected-{partition:06d}.parquet")
        parsed = parsed.filter(pl.col(REASON_COL).is_null())
    keys = customer_keys(parsed.get_column("customer_id").fill_null(""))
    parsed = parsed.with_columns(
        pl.Series(KEY_COL, keys.view(np.int64), dtype=pl.Int64),
        pl.Series(CELL_COL, cells_of(keys, n_cells), dtype=pl.Int64),
    )
    return parsed.to_pandas(use_pyarrow_extension_array=True)


def parsed_meta() -> pd.DataFrame:
    """Empty frame with the dtypes :func:`parse_partition` returns."""
    raw = pd.DataFrame({"customer_id": ["a"], "date": ["2020-01-01"], "amount": ["1"]})
    return parse_partition(raw, InputLayout(), 0, None, 1).iloc[:0]


def read_transactions(
    spec: str | Path | list[str | Path],
    layout: InputLayout | None = None,
    *,
    analysis_date: date | None,
    n_cells: int,
    blocksize: str = "64MB",
    rejected_dir: str | None = None,
):
    """Lazily read and parse a transaction log.

    Parameters
    ----------
    spec : str, Path or list
        File, folder or glob (or several).
    layout : InputLayout, optional
        Column names and date format.
    analysis_date : datetime.date or None
        Rows dated later are rejected as ``after_analysis_date``; None keeps all dates.
    n_cells : int
        RNG cells (see :mod:`flo_bayes.engine.keys`).
    blocksize : str
        Bytes per CSV partition.
    rejected_dir : str, optional
        Write rejected rows there from inside the parse tasks and return only rows used.

    Returns
    -------
    dask.dataframe.DataFrame
        Parsed rows with ``reason`` (null = used).

    """
    layout = layout or InputLayout()
    files = resolve_paths(spec)
    raw = read_raw(files, layout, blocksize)
    partitions = raw.to_delayed()
    import dask
    import dask.dataframe as dd

    parsed = [
        dask.delayed(parse_partition)(part, layout, k, analysis_date, n_cells, rejected_dir)
        for k, part in enumerate(partitions)
    ]
    return dd.from_delayed(parsed, meta=parsed_meta(), verify_meta=False)


def latest_date(parsed) -> date:
    """Latest date among the rows with no rejection reason (one pass over the input)."""
    import dask

    per_part = dask.compute(*[dask.delayed(_latest)(part) for part in parsed.to_delayed()])
    found = [d for d in per_part if d is not None]
    if not found:
        raise ValueError("no valid transaction row in the input; see the rejected rows")
    return max(found)


def _latest(part: pd.DataFrame) -> date | None:
    valid = pl.from_pandas(part, include_index=False).filter(pl.col(REASON_COL).is_null())
    return valid.get_column("date").max() if valid.height else None
