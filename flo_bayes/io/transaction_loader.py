"""Loader for transaction logs: one row per purchase with customer, date and amount.

Returns (amount < 0) are rejected with reason ``negative_amount``: the models describe
purchases, and netting a return against an earlier purchase would need an order key the log
does not have. They stay visible in ``rejected_rows.csv``. Zero-value rows (free items,
fully discounted orders) are kept: they are purchase occasions for the BG/NBD model and add
nothing to spend; a customer whose repeat occasions are all worth 0 is left out of the
Gamma-Gamma fit (which needs a positive mean) and gets the population's spend.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from flo_bayes.config import TransactionLayout
from flo_bayes.io.inputs import LoadedInput
from flo_bayes.io.parsing import failed_to_parse, is_present, parse_date, parse_float, stripped
from flo_bayes.io.raw_text import LINE_NUMBER, RAW_ROW, read_delimited, require_columns
from flo_bayes.io.rejections import RowCheck, apply_checks


def load_transactions(path: Path, layout: TransactionLayout) -> LoadedInput:
    """Read and validate a transaction log.

    Parameters
    ----------
    path : Path
        The log. With the default layout: a CSV with header ``customer_id,date,amount``
        and ISO dates.
    layout : TransactionLayout
        Delimiter, header, column names and date format.

    Returns
    -------
    LoadedInput
        Valid transactions (``customer_id``, ``date``, ``amount``) and rejected rows.

    Raises
    ------
    DataError
        When the file cannot be used at all.

    """
    raw = read_delimited(
        path,
        separator=layout.delimiter,
        has_header=layout.has_header,
        names=layout.column_names,
    )
    id_col, date_col, amount_col = (
        layout.customer_id_column,
        layout.date_column,
        layout.amount_column,
    )
    require_columns(
        raw,
        [id_col, date_col, amount_col],
        path=path,
        hint="A transaction log needs customer, date and amount columns "
        "(default header: customer_id,date,amount); other layouts go in [data.transactions].",
    )
    parsed = raw.with_columns(
        stripped(id_col).alias("_customer_id"),
        parse_date(date_col, layout.date_format).alias("_date"),
        parse_float(amount_col).alias("_amount"),
    )
    checks = []
    if "_wrong_field_count" in parsed.columns:
        checks.append(
            RowCheck(
                pl.col("_wrong_field_count"),
                "wrong_field_count",
                "(whole row)",
                "the row has a different number of fields than the layout's column_names",
            )
        )
    checks += [
        RowCheck(
            ~is_present(id_col),
            "missing_customer_id",
            id_col,
            f"{id_col} is empty; every transaction needs a customer id",
        ),
        RowCheck(
            pl.col("_date").is_null(),
            "unparseable_date",
            date_col,
            f"{date_col} is missing or does not match the date format {layout.date_format}",
        ),
        RowCheck(
            ~is_present(amount_col) | failed_to_parse(amount_col, pl.col("_amount")),
            "invalid_amount",
            amount_col,
            f"{amount_col} is missing or not a number",
        ),
        RowCheck(
            ~pl.col("_amount").is_finite(),
            "invalid_amount",
            amount_col,
            f"{amount_col} is not finite (inf or nan)",
        ),
        RowCheck(
            pl.col("_amount") < 0,
            "negative_amount",
            amount_col,
            f"{amount_col} < 0 (a return); only purchases are modelled",
        ),
    ]
    kept, rejected = apply_checks(parsed, checks)
    frame = kept.select(
        LINE_NUMBER,
        RAW_ROW,
        pl.col("_customer_id").alias("customer_id"),
        pl.col("_date").alias("date"),
        pl.col("_amount").alias("amount"),
    )
    return LoadedInput(
        frame=frame,
        rejected=rejected,
        rows_read=raw.height,
        path=path,
        format="transactions",
        date_column="date",
        extra_columns=[],
    )
