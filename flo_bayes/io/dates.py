"""Dates as users export them: one configured format, never guessed, with a hint when it fails.

``01.06.2021`` is the 1st of June in Turkey and the 6th of January in the US; ``6/1/2021``
the other way round. So a log's dates are read with exactly ``date_format`` (strftime codes)
from ``[data.transactions]``, and a date that does not match is rejected with a detail that
says what the value looks like and which ``date_format`` would read it.

Date-times are read by a format with time codes (``%Y-%m-%d %H:%M:%S``); the time is dropped.
A format with a UTC offset (``%z``, ``%:z``; ``%#z`` also takes ``Z``) needs ``timezone``
(an IANA zone such as ``Europe/Istanbul``): each time is converted to that zone and its
calendar day there is the purchase date, so ``2021-06-01T22:30:00Z`` is 2 June in Istanbul.
"""

from __future__ import annotations

import polars as pl

from flo_bayes.config.layout_checks import has_utc_offset
from flo_bayes.io.parsing import stripped

_TIME_CODES = ("%H", "%I", "%M", "%S", "%T", "%R", "%p", "%f", "%.f", "%3f", "%6f", "%9f")
_KEY = "in [data.transactions]"
# (what the value looks like, the formats that would read it): checked in this order.
_SHAPES = (
    (
        r"^\d{1,2}\.\d{1,2}\.\d{4}$",
        'day.month.year or month.day.year: set date_format = "%d.%m.%Y" (or "%m.%d.%Y" if '
        f"the month comes first) {_KEY}",
    ),
    (
        r"^\d{1,2}/\d{1,2}/\d{4}$",
        'a slashed date: set date_format = "%m/%d/%Y" (US, month first) or "%d/%m/%Y" '
        f"(day first) {_KEY}",
    ),
    (
        r"^\d{1,2}-\d{1,2}-\d{4}$",
        f'day-month-year: set date_format = "%d-%m-%Y" (or "%m-%d-%Y") {_KEY}',
    ),
    (
        r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$",
        "a date-time with a UTC offset: set date_format = "
        '"%Y-%m-%dT%H:%M:%S%#z" (T or space as in the file; %.f for fractions) and '
        f'timezone = "Europe/Istanbul" (the zone whose calendar days count) {_KEY}',
    ),
    (
        r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}",
        f'a date-time: set date_format = "%Y-%m-%d %H:%M:%S" (T or space as in the file) {_KEY}',
    ),
    (r"^\d{8}$", f'a compact date: set date_format = "%Y%m%d" {_KEY}'),
)


def parse_date_text(column: str, fmt: str, timezone: str | None = None) -> pl.Expr:
    """Parse a text column with exactly ``fmt``; failures become null.

    Parameters
    ----------
    column : str
        A string column.
    fmt : str
        strftime format; time codes are read and the time dropped.
    timezone : str, optional
        With an offset in ``fmt``: the zone whose calendar day is the date.

    """
    text = stripped(column)
    if has_utc_offset(fmt):
        moment = text.str.to_datetime(fmt, strict=False, time_zone=timezone or "UTC")
        return moment.dt.date()
    if any(code in fmt for code in _TIME_CODES):
        return text.str.to_datetime(fmt, strict=False).dt.date()
    return text.str.to_date(fmt, strict=False)


def date_problem(column: str, fmt: str) -> pl.Expr:
    """Per-row text for a date that did not parse: the value, its look and the fix."""
    value = stripped(column)
    base = f'{column} "{{}}" is missing or does not match date_format = "{fmt}"'
    hint = pl.lit(f"; set date_format {_KEY} to the file's format", dtype=pl.Utf8)
    for pattern, advice in reversed(_SHAPES):
        hint = (
            pl.when(value.str.contains(pattern))
            .then(pl.lit(f"; it looks like {advice}"))
            .otherwise(hint)
        )
    return pl.format(base + "{}", value.fill_null(""), hint)
