"""Plausibility bounds: values that parse but cannot be real purchases are rejected.

A value can be a valid number and still be an export error: amounts in cents or with a
thousands separator read as a decimal point, two fields run together, Excel's zero date
(1899-12-30 / 1900-01-01), the Unix epoch (1970-01-01) or a two-digit year read as the year
0021. Kept, one such row decides the analysis: a single future date moves the derived analysis
date (and so every customer's ``T``) years ahead; one customer worth 10^12 fixes the
Gamma-Gamma scale alone. The bounds below are far outside anything a retail customer does
(FLO's largest customer: 200 orders, 45,220 TRY), so a real row never reaches them; rows past
them go to ``rejected_rows.csv`` with reason ``implausible_value``,
``implausible_order_count`` or ``implausible_date`` and the run goes on.

- :data:`MAX_PLAUSIBLE_VALUE` — 1e9 currency units: the most one transaction (transaction
  log) or one customer's channel total (FLO) may be worth.
- :data:`MAX_PLAUSIBLE_ORDERS` — 1e6 orders per customer and channel (FLO).
- :data:`EARLIEST_PLAUSIBLE_DATE` — 1980-01-01; earlier dates are placeholders or typos.
- :func:`latest_plausible_date` — the day of the run: a purchase cannot lie in the future.
  (Dates after the *analysis date* but not in the future are a different case: holdout rows,
  reason ``after_analysis_date``.) Because this bound is the calendar date, a file holding
  future dates gives a different result once those dates have passed; a file without them
  is unaffected.
"""

from __future__ import annotations

from datetime import date

import polars as pl

MAX_PLAUSIBLE_VALUE = 1e9
MAX_PLAUSIBLE_ORDERS = 1e6
EARLIEST_PLAUSIBLE_DATE = date(1980, 1, 1)


def latest_plausible_date() -> date:
    """The latest date a purchase can have: today."""
    return date.today()


def implausible_date(parsed: pl.Expr) -> pl.Expr:
    """True where a parsed date lies before 1980-01-01 or after today (null is not flagged)."""
    return (parsed < pl.lit(EARLIEST_PLAUSIBLE_DATE)) | (parsed > pl.lit(latest_plausible_date()))


def implausible_date_detail(column: str) -> str:
    """Rejection text for :func:`implausible_date`."""
    return (
        f"{column} is before {EARLIEST_PLAUSIBLE_DATE} or after today "
        f"({latest_plausible_date()}); a placeholder or mistyped date?"
    )
