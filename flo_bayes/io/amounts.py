"""Amounts as users export them: decimal comma or point, thousands groups, currency marks.

The decimal mark is never guessed: it is ``decimal`` in ``[data.transactions]`` (``"."`` by
default, ``","`` for Turkish and most European exports). Given the mark, a value is read when
it is one of

- a plain number: ``1234.56`` / ``1234,56``, an optional sign, an exponent (``1e3``);
- a number in thousands groups of three digits: ``1,234.56`` / ``1.234,56``, or groups
  separated by blanks (``1 234,56``, also no-break spaces).

A value whose only separator is the *other* mark in a three-digit group (``1,234`` with
``decimal = "."``) could be 1234 or 1.234: it is rejected as ambiguous, with a message
naming the ``decimal`` key. With ``decimal = ","`` set explicitly, ``1.234`` is 1234 (that is
what a Turkish export means by it). Anything else (``12,5`` with ``decimal = "."``, ``1.2.3``)
is rejected and the message says which key to set.

Currency marks before or after the number (``₺``, ``TL``, ``TRY``, ``$``, ``USD``, ``€``,
``EUR``, ``£``, ``GBP``) are dropped, after checking them against the run's currency
(``prediction.currency``): a row in another currency is rejected (``currency_mismatch``)
instead of being added to the others at par.
"""

from __future__ import annotations

import polars as pl

from flo_bayes.io.parsing import stripped

# Currency marks and the ISO codes they can stand for ("$" is several countries' dollar).
CURRENCY_MARKS: dict[str, tuple[str, ...]] = {
    "₺": ("TRY",),
    "TL": ("TRY",),
    "TRY": ("TRY",),
    "$": ("USD", "CAD", "AUD", "NZD", "SGD", "HKD"),
    "USD": ("USD",),
    "€": ("EUR",),
    "EUR": ("EUR",),
    "£": ("GBP",),
    "GBP": ("GBP",),
}
_MARK = "(" + "|".join(sorted((m.replace("$", r"\$") for m in CURRENCY_MARKS), key=len)[::-1]) + ")"
# Blanks that group thousands: space, no-break space, narrow no-break space.
_BLANKS = "[ \u00a0\u202f]"


def _number_patterns(decimal: str) -> tuple[str, str, str]:
    """Regexes of a plain number, a grouped number, and the ambiguous ``1,234`` form."""
    d = "\\" + decimal
    other = "\\." if decimal == "," else ","
    plain = rf"^[+-]?(\d+({d}\d*)?|{d}\d+)([eE][+-]?\d+)?$"
    # Grouped by the other mark: with decimal "," a decimal part is optional (1.234 = 1234).
    tail = f"({d}\\d+)?" if decimal == "," else f"{d}\\d+"
    grouped_mark = rf"^[+-]?\d{{1,3}}({other}\d{{3}})+{tail}$"
    grouped_blank = rf"^[+-]?\d{{1,3}}({_BLANKS}\d{{3}})+({d}\d+)?$"
    ambiguous = rf"^[+-]?\d{{1,3}}({other}\d{{3}})+$"
    return plain, f"({grouped_mark})|({grouped_blank})", ambiguous


def _number_text(column: str) -> pl.Expr:
    """The field without its currency mark and surrounding blanks (null if empty)."""
    text = (
        stripped(column)
        .str.replace(rf"^{_MARK}{_BLANKS}*", "")
        .str.replace(rf"{_BLANKS}*{_MARK}$", "")
    )
    return pl.when(text.str.strip_chars() == "").then(None).otherwise(text.str.strip_chars())


def currency_mark(column: str) -> pl.Expr:
    """The currency mark before or after the number, or null."""
    text = stripped(column)
    return pl.coalesce(text.str.extract(rf"^{_MARK}", 1), text.str.extract(rf"{_MARK}$", 1))


def parse_amount(column: str, decimal: str) -> pl.Expr:
    """Parse an amount with the given decimal mark; null where it is not a clear number."""
    plain, grouped, _ = _number_patterns(decimal)
    text = _number_text(column)
    other = "." if decimal == "," else ","
    ungrouped = text.str.replace_all(_BLANKS, "").str.replace_all(other, "", literal=True)
    normal = ungrouped.str.replace(decimal, ".", literal=True)
    readable = text.str.contains(plain) | text.str.contains(grouped)
    return pl.when(readable).then(normal.cast(pl.Float64, strict=False)).otherwise(None)


def amount_problem(column: str, decimal: str) -> pl.Expr:
    """Per-row text saying why an amount did not parse and which key would fix it."""
    _, _, ambiguous = _number_patterns(decimal)
    text = _number_text(column)
    value = stripped(column)
    if decimal == ".":
        comma = pl.format(
            f'{column} "{{}}" holds a comma; for a decimal comma (1.234,56) set decimal = "," '
            'in [data.transactions] (and delimiter = ";" if the file is ;-separated)',
            value,
        )
        ambiguous_text = pl.format(
            f'{column} "{{}}" is ambiguous (1234 or 1.234?): write it without the thousands '
            'separator, as 1234.00, or set decimal = "," in [data.transactions] if the comma '
            "is the decimal mark",
            value,
        )
        other_mark = text.str.contains(",", literal=True)
    else:
        comma = pl.format(
            f'{column} "{{}}" does not fit decimal = "," (1.234,56 or 1234,56); if the file '
            'uses a decimal point, set decimal = "." in [data.transactions]',
            value,
        )
        ambiguous_text = comma
        other_mark = text.str.contains(".", literal=True)
    return (
        pl.when(text.str.contains(ambiguous))
        .then(ambiguous_text)
        .when(other_mark)
        .then(comma)
        .otherwise(pl.format(f'{column} "{{}}" is not a number', value))
    )


def currency_matches(column: str, currency: str) -> pl.Expr:
    """True where the row carries no currency mark or one that can stand for ``currency``."""
    mark = currency_mark(column)
    allowed = [m for m, codes in CURRENCY_MARKS.items() if currency.upper() in codes]
    return mark.is_null() | mark.str.to_uppercase().is_in([a.upper() for a in allowed])
