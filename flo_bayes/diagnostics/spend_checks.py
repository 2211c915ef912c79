"""Checks that the spend data can identify a Gamma-Gamma model, made before it is fitted.

The Gamma-Gamma model learns the spread of purchase values from how customers' mean values
differ. With constant amounts (a log that writes 1 for every order, a flat price) every
mean is the same, the shape ``p`` runs off to infinity (posteriors near ``p ~ 1e12``) and the
sampler reports nothing wrong. Such data, and data with too few repeat buyers, stop the run
with advice; near-constant amounts give a warning.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from flo_bayes.errors import DataError

# Fewer repeat buyers with a positive mean spend than this cannot identify p, q, v.
MIN_SPEND_CUSTOMERS = 20
# Coefficient of variation of the customers' mean spend below which spend is "constant".
CONSTANT_SPEND_CV = 1e-3
# ... and below which it is "near constant": warned, since p is then weakly bounded.
NEAR_CONSTANT_SPEND_CV = 0.05
_PURCHASE_ONLY_ADVICE = (
    "drop the amount column (a customer_id,date log runs in purchase-only mode: purchases, "
    "P(alive) and bands without a spend model; [data.transactions] value_per_purchase sets "
    "the value of one purchase)"
)


def spend_variation(summary: pl.DataFrame) -> tuple[int, float]:
    """Number of Gamma-Gamma customers and the coefficient of variation of their mean spend.

    Parameters
    ----------
    summary : polars.DataFrame
        Customer summary with ``gg_n`` and ``gg_mean``.

    Returns
    -------
    tuple
        ``(n, cv)``: customers with ``gg_n > 0`` and ``gg_mean > 0``, and
        ``std(gg_mean) / mean(gg_mean)`` over them (``nan`` when ``n < 2``).

    """
    means = summary.filter((pl.col("gg_n") > 0) & (pl.col("gg_mean") > 0))["gg_mean"].to_numpy()
    if means.shape[0] < 2:
        return int(means.shape[0]), float("nan")
    return int(means.shape[0]), float(np.std(means) / np.mean(means))


def require_identifiable_spend(summary: pl.DataFrame) -> None:
    """Stop before the Gamma-Gamma fit when the spend data cannot identify it.

    Raises
    ------
    DataError
        Fewer than :data:`MIN_SPEND_CUSTOMERS` repeat buyers with spend, or mean spend
        per purchase (almost) the same for every customer (CV below
        :data:`CONSTANT_SPEND_CV`).

    """
    n, cv = spend_variation(summary)
    if n < MIN_SPEND_CUSTOMERS:
        raise DataError(
            f"only {n} customers have repeat purchases with a positive amount; the Gamma-Gamma "
            f"spend model needs at least {MIN_SPEND_CUSTOMERS}. Use a longer log, or "
            + _PURCHASE_ONLY_ADVICE
        )
    if cv < CONSTANT_SPEND_CV:
        raise DataError(
            f"the amounts are constant (mean spend per purchase varies by {cv:.1e} of its "
            f"level over {n} customers): the Gamma-Gamma spend model has nothing to learn and "
            "its posterior would run off to infinity. If the log has no real amounts, "
            + _PURCHASE_ONLY_ADVICE
        )


def spend_warnings(summary: pl.DataFrame) -> list[dict]:
    """Warn when mean spend per purchase is nearly the same for every customer.

    Returns
    -------
    list of dict
        ``near_constant_spend`` (with ``code`` and ``message``) or nothing.

    """
    n, cv = spend_variation(summary)
    if n < 2 or not cv < NEAR_CONSTANT_SPEND_CV:
        return []
    return [
        {
            "code": "near_constant_spend",
            "message": f"mean spend per purchase varies by only {cv:.1%} across {n} customers: "
            "the Gamma-Gamma shape p is weakly bounded (check its posterior and R-hat); if the "
            "amounts are not real values, " + _PURCHASE_ONLY_ADVICE,
        }
    ]
