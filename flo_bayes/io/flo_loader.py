"""Loader for FLO's customer-summary export (one row per customer, channel totals).

Input rules (each broken rule rejects the row with the reason code in brackets; the run goes on;
every row is either used or listed in ``rejected_rows.csv``):

- the row splits into the header's 12+ fields [``wrong_field_count``]; a blank line or a line
  of empty fields [``empty_row``];
- ``master_id`` is present [``missing_customer_id``];
- ``first_order_date`` and ``last_order_date`` are YYYY-MM-DD dates; the per-channel dates
  too where given [``unparseable_date``]; a channel with orders has its date
  [``missing_channel_date``]; every date lies in 1980-01-01 .. today [``implausible_date``];
  no channel date lies before ``first_order_date`` [``channel_date_before_first``];
  ``last_order_date`` is not before ``first_order_date`` [``last_before_first``] and equals the
  later channel date [``inconsistent_last_order_date``];
- order counts are whole numbers >= 0 (``3`` or ``3.0``; not ``2.5``, ``-1``, ``nan``, ``inf``)
  [``invalid_order_count``], at most 1e6 [``implausible_order_count``], and online + offline
  >= 1 [``no_orders``];
- values are finite amounts >= 0 [``invalid_value``], at most 1e9 [``implausible_value``],
  online + offline > 0 [``nonpositive_total_value``]. A zero value in one channel is kept
  (free or fully discounted orders); a customer with orders but no spend at all is rejected,
  since the Gamma-Gamma model's spend per order must be positive and a zero total in a
  customer-level export is far more likely a broken row than a real customer;
- one row per customer: identical copies of a row (same values after parsing) keep the first
  and reject the rest [``duplicate_row``]; rows of one ``master_id`` that disagree are all
  rejected [``conflicting_duplicate_id``], since there is no telling which is right;
- a customer whose ``last_order_date`` is after the analysis date is set aside
  [``after_analysis_date``] (a customer-level total cannot be cut at a date).

See :mod:`flo_bayes.io.plausibility` for why the 1e9 / 1e6 / date bounds exist. Extra columns
are ignored and listed in the manifest (``input.ignored_columns``).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from flo_bayes.io.inputs import LoadedInput
from flo_bayes.io.parsing import failed_to_parse, is_present, parse_date, parse_float, stripped
from flo_bayes.io.plausibility import (
    MAX_PLAUSIBLE_ORDERS,
    MAX_PLAUSIBLE_VALUE,
    implausible_date,
    implausible_date_detail,
)
from flo_bayes.io.raw_text import (
    LINE_NUMBER,
    RAW_ROW,
    data_columns,
    match_column_case,
    read_delimited,
    require_columns,
    require_rows,
)
from flo_bayes.io.rejections import RowCheck, apply_checks, split_structural

FLO_COLUMNS = [
    "master_id",
    "order_channel",
    "last_order_channel",
    "first_order_date",
    "last_order_date",
    "last_order_date_online",
    "last_order_date_offline",
    "order_num_total_ever_online",
    "order_num_total_ever_offline",
    "customer_value_total_ever_offline",
    "customer_value_total_ever_online",
    "interested_in_categories_12",
]
DATE_FORMAT = "%Y-%m-%d"
_COUNT_COLUMNS = ("order_num_total_ever_online", "order_num_total_ever_offline")
_VALUE_COLUMNS = ("customer_value_total_ever_online", "customer_value_total_ever_offline")
_REQUIRED_DATES = ("first_order_date", "last_order_date")
_CHANNEL_DATES = {
    "last_order_date_online": "order_num_total_ever_online",
    "last_order_date_offline": "order_num_total_ever_offline",
}
_PARSED = {f"_{c}" for c in (*_REQUIRED_DATES, *_CHANNEL_DATES, *_COUNT_COLUMNS, *_VALUE_COLUMNS)}


def load_flo(path: Path) -> LoadedInput:
    """Read and validate a FLO customer file.

    Parameters
    ----------
    path : Path
        CSV with FLO's columns (see ``../shared/data/README.md``); extra columns are ignored.

    Returns
    -------
    LoadedInput
        Valid customers with typed columns, and rejected rows with reasons.

    Raises
    ------
    DataError
        When the file cannot be used at all (missing, empty, not UTF-8, no data rows,
        missing columns, another delimiter).

    """
    raw = read_delimited(path, separator=",", has_header=True, names=None)
    raw = match_column_case(raw, FLO_COLUMNS, path=path)
    require_columns(
        raw, FLO_COLUMNS, path=path, hint="The FLO format needs all 12 columns of flo_data_20k.csv."
    )
    require_rows(raw, path=path)
    rows, structural = split_structural(raw)
    parsed = rows.with_columns(
        stripped("master_id").alias("customer_id"),
        *[parse_date(c, DATE_FORMAT).alias(f"_{c}") for c in (*_REQUIRED_DATES, *_CHANNEL_DATES)],
        *[parse_float(c).alias(f"_{c}") for c in (*_COUNT_COLUMNS, *_VALUE_COLUMNS)],
    )
    parsed = _flag_duplicates(parsed)
    kept, rejected = apply_checks(parsed, [*_row_checks(), *_duplicate_checks()])
    rejected = pl.concat([structural, rejected]).sort(LINE_NUMBER)
    frame = kept.select(
        pl.col(LINE_NUMBER),
        pl.col(RAW_ROW),
        pl.col("customer_id"),
        stripped("order_channel").alias("order_channel"),
        stripped("last_order_channel").alias("last_order_channel"),
        pl.col("_first_order_date").alias("first_purchase"),
        pl.col("_last_order_date").alias("last_purchase"),
        pl.col("_last_order_date_online").alias("last_purchase_online"),
        pl.col("_last_order_date_offline").alias("last_purchase_offline"),
        pl.col("_order_num_total_ever_online").cast(pl.Int64).alias("n_orders_online"),
        pl.col("_order_num_total_ever_offline").cast(pl.Int64).alias("n_orders_offline"),
        pl.col("_customer_value_total_ever_online").alias("value_online"),
        pl.col("_customer_value_total_ever_offline").alias("value_offline"),
        pl.col("interested_in_categories_12").fill_null("[]").alias("categories_raw"),
    )
    return LoadedInput(
        frame=frame,
        rejected=rejected,
        rows_read=raw.height,
        path=path,
        format="flo",
        date_column="last_purchase",
        extra_columns=[c for c in data_columns(raw) if c not in FLO_COLUMNS],
    )


def _flag_duplicates(parsed: pl.DataFrame) -> pl.DataFrame:
    """Add ``_repeat_copy`` and ``_conflicting_id``: one row per customer.

    Rows of one ``master_id`` are compared on their parsed values (``2`` and ``2.0`` agree),
    falling back to the stripped text where a field does not parse. Only ids that occur more
    than once are compared, which keeps this cheap on large files.
    """
    repeated = pl.col("customer_id").is_not_null() & pl.col("customer_id").is_duplicated()
    flags = parsed.select(LINE_NUMBER, "customer_id", *_comparable()).filter(
        parsed.select(repeated).to_series()
    )
    flags = flags.select(
        LINE_NUMBER,
        (pl.struct(FLO_COLUMNS).n_unique().over("customer_id") > 1).alias("_conflicting_id"),
        (~pl.col("customer_id").is_first_distinct()).alias("_repeat_copy"),
    )
    return parsed.join(flags, on=LINE_NUMBER, how="left", maintain_order="left").with_columns(
        pl.col("_conflicting_id", "_repeat_copy").fill_null(False)
    )


def _comparable() -> list[pl.Expr]:
    return [
        (
            pl.coalesce(pl.col(f"_{c}").cast(pl.Utf8), stripped(c))
            if f"_{c}" in _PARSED
            else stripped(c)
        ).alias(c)
        for c in FLO_COLUMNS
    ]


def _duplicate_checks() -> list[RowCheck]:
    """Identical copies of a customer's row keep the first; disagreeing rows are all rejected."""
    return [
        RowCheck(
            ~pl.col("_conflicting_id") & pl.col("_repeat_copy"),
            "duplicate_row",
            "master_id",
            "an identical row for this master_id comes earlier in the file; the first is used",
        ),
        RowCheck(
            pl.col("_conflicting_id"),
            "conflicting_duplicate_id",
            "master_id",
            "this master_id is on several rows with different values; none of them is used — "
            "keep one row per customer",
        ),
    ]


def _row_checks() -> list[RowCheck]:
    checks = [
        RowCheck(
            ~is_present("master_id"),
            "missing_customer_id",
            "master_id",
            "master_id is empty; every row needs a customer id",
        )
    ]
    for column in _REQUIRED_DATES:
        checks.append(
            RowCheck(
                pl.col(f"_{column}").is_null(),
                "unparseable_date",
                column,
                f"{column} is missing or not a YYYY-MM-DD date",
            )
        )
    for column, count_column in _CHANNEL_DATES.items():
        checks.append(
            RowCheck(
                failed_to_parse(column, pl.col(f"_{column}")),
                "unparseable_date",
                column,
                f"{column} is not a YYYY-MM-DD date",
            )
        )
        checks.append(
            RowCheck(
                ~is_present(column) & (pl.col(f"_{count_column}") > 0),
                "missing_channel_date",
                column,
                f"{column} is empty although {count_column} > 0",
            )
        )
    for column in (*_REQUIRED_DATES, *_CHANNEL_DATES):
        checks.append(
            RowCheck(
                implausible_date(pl.col(f"_{column}")),
                "implausible_date",
                column,
                implausible_date_detail(column),
            )
        )
    for column in _CHANNEL_DATES:
        checks.append(
            RowCheck(
                pl.col(f"_{column}") < pl.col("_first_order_date"),
                "channel_date_before_first",
                column,
                f"{column} is before first_order_date",
            )
        )
    for column in _COUNT_COLUMNS:
        value = pl.col(f"_{column}")
        checks.append(
            RowCheck(
                value.is_null() | ~value.is_finite() | (value < 0) | (value != value.floor()),
                "invalid_order_count",
                column,
                f"{column} must be a whole number >= 0 (e.g. 3 or 3.0)",
            )
        )
        checks.append(
            RowCheck(
                value.is_finite() & (value > MAX_PLAUSIBLE_ORDERS),
                "implausible_order_count",
                column,
                f"{column} is above {MAX_PLAUSIBLE_ORDERS:.0e} orders; an export error?",
            )
        )
    for column in _VALUE_COLUMNS:
        value = pl.col(f"_{column}")
        checks.append(
            RowCheck(
                value.is_null() | ~value.is_finite() | (value < 0),
                "invalid_value",
                column,
                f"{column} must be a finite amount >= 0 (decimal point, no thousands separator)",
            )
        )
        checks.append(
            RowCheck(
                value.is_finite() & (value > MAX_PLAUSIBLE_VALUE),
                "implausible_value",
                column,
                f"{column} is above {MAX_PLAUSIBLE_VALUE:.0e}; amounts in cents or fields run "
                "together?",
            )
        )
    # Totals are only judged when their parts are valid (else the part's own reason says why).
    counts_valid = pl.all_horizontal(
        [pl.col(f"_{c}").is_finite() & (pl.col(f"_{c}") >= 0) for c in _COUNT_COLUMNS]
    )
    values_valid = pl.all_horizontal(
        [pl.col(f"_{c}").is_finite() & (pl.col(f"_{c}") >= 0) for c in _VALUE_COLUMNS]
    )
    total_orders = pl.col("_order_num_total_ever_online") + pl.col("_order_num_total_ever_offline")
    total_value = pl.col("_customer_value_total_ever_online") + pl.col(
        "_customer_value_total_ever_offline"
    )
    checks += [
        RowCheck(
            counts_valid & (total_orders < 1),
            "no_orders",
            "order_num_total_ever_online",
            "online + offline orders is 0; a customer needs at least one order",
        ),
        RowCheck(
            values_valid & (total_value <= 0),
            "nonpositive_total_value",
            "customer_value_total_ever_online",
            "online + offline value is 0; spend models need a positive total",
        ),
        RowCheck(
            pl.col("_last_order_date") < pl.col("_first_order_date"),
            "last_before_first",
            "last_order_date",
            "last_order_date is before first_order_date",
        ),
        RowCheck(
            pl.max_horizontal("_last_order_date_online", "_last_order_date_offline")
            != pl.col("_last_order_date"),
            "inconsistent_last_order_date",
            "last_order_date",
            "last_order_date must equal the later of the online and offline last order dates",
        ),
    ]
    return checks
