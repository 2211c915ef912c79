"""Parquet input: typed columns checked for what a text file cannot get wrong, and what it can.

A Parquet file has no lines, so its rows are numbered from 1 (``line_number`` holds the row
number) and a rejected row's ``raw_row`` is its values joined by commas. Columns may be typed
(dates, numbers) or text; text goes through the same parsing as a CSV field. Two typed cases
stop the load, because the values have already lost information:

- a floating-point customer id (``123.0``: an id column that went through a float lost its
  leading zeros and any digits past the 15th, and ``123.0`` is not the id ``123``);
- a date-time column with a time zone when no ``timezone`` is configured (whose calendar day
  counts is not given) — a naive date-time column is read as local dates.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from flo_bayes.errors import DataError
from flo_bayes.io.raw_text import LINE_NUMBER, RAW_ROW

PARQUET_MAGIC = b"PAR1"


def is_parquet(path: Path) -> bool:
    """Whether the file is Parquet (by its magic bytes, whatever its name)."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == PARQUET_MAGIC
    except OSError:
        return False


def read_parquet_rows(path: Path) -> pl.DataFrame:
    """Read a Parquet file with the row number and a text copy of each row.

    Raises
    ------
    DataError
        When the file cannot be read as Parquet.

    """
    try:
        frame = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise DataError(
            f"not a readable Parquet file ({error}); export it again", path=path
        ) from None
    text = [pl.col(c).cast(pl.Utf8).fill_null("") for c in frame.columns]
    return frame.with_columns(
        pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias(LINE_NUMBER),
        pl.concat_str(text, separator=",").alias(RAW_ROW) if text else pl.lit("").alias(RAW_ROW),
    )


def id_as_text(frame: pl.DataFrame, column: str, path: Path) -> pl.Expr:
    """The id column as text; integers are written in full, floats stop the load."""
    dtype = frame.schema[column]
    if dtype.is_float():
        raise DataError(
            f"column {column!r} holds floating-point numbers ({dtype}); customer ids must be "
            "text or integers (a float loses leading zeros and long ids). Store the id as text",
            path=path,
        )
    if dtype == pl.Utf8:
        return pl.col(column)
    return pl.col(column).cast(pl.Utf8)


def typed_date(
    frame: pl.DataFrame, column: str, timezone: str | None, path: Path
) -> pl.Expr | None:
    """A Date/Datetime column as dates, or None when the column is text (to be parsed)."""
    dtype = frame.schema[column]
    if dtype == pl.Date:
        return pl.col(column)
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is None:
            return pl.col(column).dt.date()
        if timezone is None:
            raise DataError(
                f"column {column!r} holds date-times in time zone {dtype.time_zone}; set "
                'timezone = "Europe/Istanbul" (the zone whose calendar days count) in '
                "[data.transactions]",
                path=path,
            )
        return pl.col(column).dt.convert_time_zone(timezone).dt.date()
    if dtype == pl.Utf8:
        return None
    raise DataError(
        f"column {column!r} has type {dtype}; a date column must be a date, a date-time or "
        "text in date_format",
        path=path,
    )


def typed_amount(frame: pl.DataFrame, column: str, path: Path) -> pl.Expr | None:
    """A numeric amount column as float64, or None when it is text (to be parsed)."""
    dtype = frame.schema[column]
    if dtype.is_numeric():
        return pl.col(column).cast(pl.Float64)
    if dtype == pl.Utf8:
        return None
    raise DataError(
        f"column {column!r} has type {dtype}; an amount column must be numeric or text",
        path=path,
    )
