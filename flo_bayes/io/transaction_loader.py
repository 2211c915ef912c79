"""Loader for transaction logs: one row per purchase with customer, date and amount.

Input rules (each broken rule rejects the row with the reason code in brackets; the run goes on;
every row is either used or listed in ``rejected_rows.csv``):

- the row splits into the header's (or ``column_names``') fields [``wrong_field_count``]; a
  blank line or a line of empty fields [``empty_row``];
- the customer id is present [``missing_customer_id``];
- the date matches ``date_format`` [``unparseable_date``] (a file that mixes formats loses the
  rows in the other format, each listed, with the format that would read them; see
  :mod:`flo_bayes.io.dates`) and lies in 1980-01-01 .. today [``implausible_date``];
- the amount is a finite number with the configured ``decimal`` mark, optionally in
  thousands groups (see :mod:`flo_bayes.io.amounts`; not ``nan``/``inf``, not an ambiguous
  ``1,234``) [``invalid_amount``], not negative [``negative_amount``] and at most 1e9
  [``implausible_value``]; a currency mark (``₺``, ``TL``, ``$`` ...) must fit the run's
  currency [``currency_mismatch``];
- rows dated after the analysis date are the holdout period [``after_analysis_date``].

The file may be text in the configured ``encoding`` (gzip-compressed or not) or Parquet
(:mod:`flo_bayes.io.parquet_input`); columns are found by name, in any order, and a name that
differs only in letter case (``Customer_ID``) is taken when it is the only such column.
Customer ids are text: leading zeros stay, surrounding blanks go (``" 007"`` is ``007``).

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

**Purchase-only logs.** A log whose header (or ``column_names``) has no amount column is
read as purchase events (``customer_id,date``): every row is a purchase worth the configured
``value_per_purchase`` (default 1, so values count purchases), :attr:`LoadedInput.purchases_only`
is set, and the run skips the Gamma-Gamma fit (see :mod:`flo_bayes.workflow.fit`).

See :mod:`flo_bayes.io.plausibility` for why the 1e9 and date bounds exist.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from flo_bayes.config import TransactionLayout
from flo_bayes.io.amounts import amount_problem, currency_mark, currency_matches, parse_amount
from flo_bayes.io.dates import date_problem, parse_date_text
from flo_bayes.io.inputs import LoadedInput
from flo_bayes.io.parquet_input import (
    id_as_text,
    is_parquet,
    read_parquet_rows,
    typed_amount,
    typed_date,
)
from flo_bayes.io.parsing import is_present, stripped, stripped_text
from flo_bayes.io.plausibility import (
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
from flo_bayes.io.rejections import RowCheck, apply_checks, empty_rejections, split_structural


def load_transactions(
    path: Path, layout: TransactionLayout, *, currency: str | None = None
) -> LoadedInput:
    """Read and validate a transaction log (CSV, ``.csv.gz`` or Parquet).

    Parameters
    ----------
    path : Path
        The log. With the default layout: a CSV with header ``customer_id,date,amount``
        and ISO dates. Gzip-compressed text and Parquet are recognised by their content.
    layout : TransactionLayout
        Delimiter, header, column names, date format, decimal mark, encoding, time zone.
    currency : str, optional
        The run's currency (``prediction.currency``): rows marked with another currency's
        symbol are rejected (``currency_mismatch``).

    Returns
    -------
    LoadedInput
        Valid transactions (``customer_id``, ``date``, ``amount``) and rejected rows. Without
        an amount column, ``amount`` is ``layout.value_per_purchase`` on every row and
        ``purchases_only`` is true.

    Raises
    ------
    DataError
        When the file cannot be used at all.

    """
    id_col, date_col, amount_col = (
        layout.customer_id_column,
        layout.date_column,
        layout.amount_column,
    )
    parquet = is_parquet(path)
    if parquet:
        raw = read_parquet_rows(path)
    else:
        raw = read_delimited(
            path,
            separator=layout.delimiter,
            has_header=layout.has_header,
            names=layout.column_names,
            encoding=layout.encoding,
            encoding_hint=_ENCODING_HINT,
        )
    raw = match_column_case(raw, [id_col, date_col], path=path)
    purchases_only = amount_col not in data_columns(raw) and not _case_variant(raw, amount_col)
    required = [id_col, date_col] if purchases_only else [id_col, date_col, amount_col]
    raw = match_column_case(raw, required, path=path)
    require_columns(
        raw,
        required,
        path=path,
        hint="A transaction log needs customer, date and amount columns "
        "(default header: customer_id,date,amount; without an amount column it is read as "
        "purchases only); other layouts go in [data.transactions].",
    )
    require_rows(raw, path=path)
    if parquet:
        rows, structural = raw, empty_rejections()
        customer_id = stripped_text(id_as_text(raw, id_col, path))
        date_value = typed_date(raw, date_col, layout.timezone, path)
        amount_value = None if purchases_only else typed_amount(raw, amount_col, path)
    else:
        rows, structural = split_structural(raw)
        customer_id = stripped(id_col)
        date_value = amount_value = None
    if date_value is None:
        date_value = parse_date_text(date_col, layout.date_format, layout.timezone)
        date_detail = date_problem(date_col, layout.date_format)
    else:
        date_detail = f"{date_col} is missing"
    amount_text = amount_value is None and not purchases_only
    if purchases_only:
        amount_value = pl.lit(layout.value_per_purchase, dtype=pl.Float64)
    elif amount_text:
        amount_value = parse_amount(amount_col, layout.decimal)
    parsed = rows.with_columns(
        customer_id.alias("_customer_id"),
        date_value.alias("_date"),
        amount_value.alias("_amount"),
    )
    checks = [
        RowCheck(
            pl.col("_customer_id").is_null(),
            "missing_customer_id",
            id_col,
            f"{id_col} is empty; every transaction needs a customer id",
        ),
        RowCheck(pl.col("_date").is_null(), "unparseable_date", date_col, date_detail),
        RowCheck(
            implausible_date(pl.col("_date")),
            "implausible_date",
            date_col,
            implausible_date_detail(date_col),
        ),
    ]
    if not purchases_only:
        checks += _amount_checks(amount_col, layout.decimal, text=amount_text, currency=currency)
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
        extra_columns=[c for c in data_columns(raw) if c not in required],
        purchases_only=purchases_only,
    )


def _case_variant(frame: pl.DataFrame, name: str) -> bool:
    """Whether a column matches ``name`` ignoring case and blanks (taken as the amount)."""
    return any(c.strip().casefold() == name.casefold() for c in data_columns(frame))


_ENCODING_HINT = (
    ", or set its encoding in [data.transactions] (Turkish Windows/Excel exports: "
    'encoding = "windows-1254"; ISO Latin-5: "iso-8859-9")'
)


def _amount_checks(
    column: str, decimal: str, *, text: bool, currency: str | None
) -> list[RowCheck]:
    value = pl.col("_amount")
    present = is_present(column) if text else pl.col(column).is_not_null()
    checks = [
        RowCheck(~present, "invalid_amount", column, f"{column} is missing"),
        RowCheck(
            present & value.is_null(),
            "invalid_amount",
            column,
            amount_problem(column, decimal) if text else f"{column} is not a number",
        ),
        RowCheck(
            value.is_not_null() & ~value.is_finite(),
            "invalid_amount",
            column,
            f"{column} is not finite (inf or nan)",
        ),
        RowCheck(
            value.is_finite() & (value < 0),
            "negative_amount",
            column,
            f"{column} < 0 (a return); only purchases are modelled",
        ),
        RowCheck(
            value.is_finite() & (value > MAX_PLAUSIBLE_VALUE),
            "implausible_value",
            column,
            f"{column} is above {MAX_PLAUSIBLE_VALUE:.0e}; amounts in cents or fields run "
            "together?",
        ),
    ]
    if text and currency:
        checks.append(
            RowCheck(
                ~currency_matches(column, currency),
                "currency_mismatch",
                column,
                pl.format(
                    f"{column} is marked {{}}, but the run's currency is {currency} "
                    "(prediction.currency); convert the amounts or set prediction.currency",
                    currency_mark(column),
                ),
            )
        )
    return checks
