"""Parse FLO's ``interested_in_categories_12`` text into a list column."""

from __future__ import annotations

import polars as pl

_TOKEN_STRIP = " \t'\""


def _parse_expr(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.strip_chars()
        .str.strip_prefix("[")
        .str.strip_suffix("]")
        .str.split(",")
        .list.eval(pl.element().str.strip_chars(_TOKEN_STRIP))
        .list.eval(pl.element().filter(pl.element() != ""))
    )


def parse_categories(values: pl.Expr | pl.Series) -> pl.Expr | pl.Series:
    """Turn bracketed category text such as ``[ERKEK, KADIN]`` into a ``List(Utf8)``.

    Parameters
    ----------
    values : polars.Expr or polars.Series
        Utf8 values like ``"[ERKEK, KADIN]"``, ``"[KADIN]"`` or ``"[]"``. Surrounding
        whitespace and quotes around tokens (``"['KADIN']"``) are removed.

    Returns
    -------
    polars.Expr or polars.Series
        Same kind as the input, of dtype ``List(Utf8)``. ``"[]"`` gives an empty list, a
        null stays null. Tokens keep their order and case; nothing is deduplicated.

    Examples
    --------
    >>> import polars as pl
    >>> parse_categories(pl.Series(["[ERKEK, KADIN]", "[]"])).to_list()
    [['ERKEK', 'KADIN'], []]

    """
    if isinstance(values, pl.Series):
        frame = pl.DataFrame({"_v": values.cast(pl.Utf8)})
        return frame.select(_parse_expr(pl.col("_v")).alias(values.name)).to_series()
    return _parse_expr(values.cast(pl.Utf8))
