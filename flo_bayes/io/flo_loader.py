"""Loader for FLO's customer-summary export (one row per customer, channel totals)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from flo_bayes.io.inputs import LoadedInput
from flo_bayes.io.parsing import failed_to_parse, is_present, parse_date, parse_float, stripped
from flo_bayes.io.raw_text import LINE_NUMBER, RAW_ROW, read_delimited, require_columns
from flo_bayes.io.rejections import RowCheck, apply_checks

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
        When the file cannot be used at all (missing, empty, not UTF-8, missing columns).

    """
    raw = read_delimited(path, separator=",", has_header=True, names=None)
    require_columns(
        raw, FLO_COLUMNS, path=path, hint="The FLO format needs all 12 columns of flo_data_20k.csv."
    )
    parsed = raw.with_columns(
        stripped("master_id").alias("customer_id"),
        *[parse_date(c, DATE_FORMAT).alias(f"_{c}") for c in (*_REQUIRED_DATES, *_CHANNEL_DATES)],
        *[parse_float(c).alias(f"_{c}") for c in (*_COUNT_COLUMNS, *_VALUE_COLUMNS)],
    )
    kept, rejected = apply_checks(parsed, _row_checks())
    # Checked after the row rules so that a valid row is kept over an invalid twin.
    kept, duplicates = apply_checks(
        kept,
        [
            RowCheck(
                ~pl.col("customer_id").is_first_distinct(),
                "duplicate_customer_id",
                "master_id",
                "master_id already seen on an earlier valid row; the first row is kept",
            )
        ],
    )
    rejected = pl.concat([rejected, duplicates]).sort(LINE_NUMBER)
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
        extra_columns=[c for c in raw.columns if c not in (*FLO_COLUMNS, LINE_NUMBER, RAW_ROW)],
    )


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
                pl.col(f"_{column}").is_null() & (pl.col(f"_{count_column}") > 0),
                "missing_channel_date",
                column,
                f"{column} is empty although {count_column} > 0",
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
    for column in _VALUE_COLUMNS:
        value = pl.col(f"_{column}")
        checks.append(
            RowCheck(
                value.is_null() | ~value.is_finite() | (value < 0),
                "invalid_value",
                column,
                f"{column} must be a finite amount >= 0",
            )
        )
    total_orders = pl.col("_order_num_total_ever_online") + pl.col("_order_num_total_ever_offline")
    total_value = pl.col("_customer_value_total_ever_online") + pl.col(
        "_customer_value_total_ever_offline"
    )
    checks += [
        RowCheck(
            total_orders < 1,
            "no_orders",
            "order_num_total_ever_online",
            "online + offline orders is 0; a customer needs at least one order",
        ),
        RowCheck(
            total_value <= 0,
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
