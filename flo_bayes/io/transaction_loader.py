"""Loader for transaction logs: one row per purchase with customer, date and amount.

Input rules (each broken rule rejects the row with the reason code in brackets; the run goes on;
every row is either used or listed in ``rejected_rows.csv``):

- the row splits into the header's (or ``column_names``') fields [``wrong_field_count``]; a
  blank line or a line of empty fields [``empty_row``];
- the customer id is present [``missing_customer_id``];
- the date matches ``date_format`` [``unparseable_date``] (a file that mixes formats loses the
  rows in the other format, each listed) and lies in 1980-01-01 .. today
  [``implausible_date``];
- the amount is a finite number (decimal point, no thousands separator; not ``nan``/``inf``)
  [``invalid_amount``], not negative [``negative_amount``] and at most 1e9
  [``implausible_value``];
- rows dated after the analysis date are the holdout period [``after_analysis_date``].

**Returns** (amount < 0) are rejected with reason ``negative_amount``: the models describe
purchases, and netting a return against an earlier purchase would need an order key the log
does not have. They stay visible in ``rejected_rows.csv``.

**Zero-value rows** (free items, fully discounted orders) are kept: they are purchase
occasions for the BG/NBD model and add 0 to spend. Same-day rows of a customer form one
occasion whose value is their sum, so exact duplicate rows (which a log cannot tell from two
identical purchases) count once as an occasion and twice in its value. The Gamma-Gamma input is
the mean of a customer's repeat occasions (``gg_mean``); a customer whose repeat occasions are
all worth 0 has ``gg_mean = 0`` and is left out of the Gamma-Gamma fit (which needs a positive
mean); when scored, the Gamma-Gamma conditional takes that 0 as evidence and shrinks the
customer's expected spend per purchase below the population mean.

See :mod:`flo_bayes.io.plausibility` for why the 1e9 and date bounds exist.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from flo_bayes.config import TransactionLayout
from flo_bayes.io.inputs import LoadedInput
from flo_bayes.io.parsing import failed_to_parse, is_present, parse_date, parse_float, stripped
from flo_bayes.io.plausibility import (
    MAX_PLAUSIBLE_VALUE,
    implausible_date,
    implausible_date_detail,
)
from flo_bayes.io.raw_text import (
    LINE_NUMBER,
    RAW_ROW,
    data_columns,
    read_delimited,
    require_columns,
    require_rows,
)
from flo_bayes.io.rejections import RowCheck, apply_checks, split_structural


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
    require_rows(raw, path=path)
    rows, structural = split_structural(raw)
    parsed = rows.with_columns(
        stripped(id_col).alias("_customer_id"),
        parse_date(date_col, layout.date_format).alias("_date"),
        parse_float(amount_col).alias("_amount"),
    )
    checks = [
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
            implausible_date(pl.col("_date")),
            "implausible_date",
            date_col,
            implausible_date_detail(date_col),
        ),
        RowCheck(
            ~is_present(amount_col) | failed_to_parse(amount_col, pl.col("_amount")),
            "invalid_amount",
            amount_col,
            f"{amount_col} is missing or not a number (decimal point, no thousands separator)",
        ),
        RowCheck(
            ~pl.col("_amount").is_finite(),
            "invalid_amount",
            amount_col,
            f"{amount_col} is not finite (inf or nan)",
        ),
        RowCheck(
            pl.col("_amount").is_finite() & (pl.col("_amount") < 0),
            "negative_amount",
            amount_col,
            f"{amount_col} < 0 (a return); only purchases are modelled",
        ),
        RowCheck(
            pl.col("_amount").is_finite() & (pl.col("_amount") > MAX_PLAUSIBLE_VALUE),
            "implausible_value",
            amount_col,
            f"{amount_col} is above {MAX_PLAUSIBLE_VALUE:.0e}; amounts in cents or fields run "
            "together?",
        ),
    ]
    kept, rejected = apply_checks(parsed, checks)
    rejected = pl.concat([structural, rejected]).sort(LINE_NUMBER)
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
        extra_columns=[c for c in data_columns(raw) if c not in (id_col, date_col, amount_col)],
    )
