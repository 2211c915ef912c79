"""What a customer summary must hold before the models can be fitted on it at all.

These stop a run before any fitting (exit code 2), with a message saying what the data lack;
``validate`` does not apply them, since a file can be valid and still too small to fit. Weak
but possible data (few customers, few repeat buyers) are not stopped here: the fits run and
the convergence gate and the data warnings report what the data cannot pin down.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from flo_bayes.errors import DataError


def require_model_data(summary: pl.DataFrame, path: Path | str) -> None:
    """Stop when the BG/NBD or the Gamma-Gamma model has nothing to learn from.

    Parameters
    ----------
    summary : polars.DataFrame
        Customer summary (``x``, ``gg_n``, ``gg_mean``), one row per customer.
    path : Path or str
        The input file, named in the message.

    Raises
    ------
    DataError
        With one customer (the population parameters describe how customers differ); when
        no customer made a repeat purchase (every customer bought once: nothing on purchase
        rates or dropout); when no repeat purchase carries a positive value (the
        Gamma-Gamma spend model fits on those).

    """
    n = summary.height
    if n < 2:
        raise DataError(
            f"the data hold {n} customer; the models estimate how customers differ in purchase "
            "rate, dropout and spend, which needs many customers (hundreds for stable "
            "results). Use the whole customer file or log",
            path=path,
        )
    if int((summary["x"] > 0).sum()) == 0:
        raise DataError(
            f"every one of the {n} customers has a single purchase occasion (no repeat "
            "purchases before the analysis date), so purchase rates and dropout cannot be "
            "estimated; use a longer period (an earlier first date or a later --analysis-date)",
            path=path,
        )
    if int(((summary["gg_n"] > 0) & (summary["gg_mean"] > 0)).sum()) == 0:
        raise DataError(
            "no customer has a repeat purchase with a positive value, so the spend model "
            "(Gamma-Gamma) has nothing to fit; check the amount column",
            path=path,
        )
