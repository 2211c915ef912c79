"""Polars expressions that parse string fields and flag the ones that do not parse."""

from __future__ import annotations

import polars as pl


def stripped(column: str) -> pl.Expr:
    """The column's text with surrounding blanks removed; empty text becomes null."""
    return stripped_text(pl.col(column))


def stripped_text(text: pl.Expr) -> pl.Expr:
    """:func:`stripped` for any string expression."""
    text = text.str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def parse_date(column: str, fmt: str) -> pl.Expr:
    """Parse a date column with an exact format; failures become null."""
    return stripped(column).str.to_date(fmt, strict=False)


def parse_float(column: str) -> pl.Expr:
    """Parse a decimal column; failures become null (``inf``/``nan`` parse and need a finite check)."""
    return stripped(column).cast(pl.Float64, strict=False)


def is_present(column: str) -> pl.Expr:
    """True where the field holds any non-blank text."""
    return stripped(column).is_not_null()


def failed_to_parse(column: str, parsed: pl.Expr) -> pl.Expr:
    """True where the field holds text that the parser rejected."""
    return is_present(column) & parsed.is_null()
