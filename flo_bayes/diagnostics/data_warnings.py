"""Warnings about what the data cannot tell the models, for the analyst to read.

These do not stop a run: they say where the numbers rest on assumptions or priors.
"""

from __future__ import annotations

import polars as pl

# P(alive) above this counts as "near 1".
P_ALIVE_NEAR_ONE = 0.95
# Warn when more than this share of customers has P(alive) near 1.
P_ALIVE_NEAR_ONE_SHARE = 0.9
# Below this many customers, an absence of one-time buyers is not remarkable.
MIN_CUSTOMERS_FOR_SELECTION_CHECK = 100
# Spend per purchase above this many times the median is reported as extreme.
MONETARY_OUTLIER_FACTOR = 20.0


def data_warnings(
    customers: pl.DataFrame, prior_check: pl.DataFrame, selection_rule: str | None = None
) -> list[dict]:
    """Collect the warnings that apply to a fitted run.

    Parameters
    ----------
    customers : polars.DataFrame
        Exported customer table (``p_alive``, ``x``, ``t_x``, ``T``, ``gg_mean`` ...).
    prior_check : polars.DataFrame
        Prior-vs-posterior table (``prior_dominates`` flag per parameter).
    selection_rule : str, optional
        The ``[data.selection]`` rule the BG/NBD fit conditioned on, in words. ``p_alive``
        then comes from that corrected posterior, so ``dropout_weakly_identified`` judges the
        corrected fit; ``no_single_purchase_customers`` says the rule is accounted for.

    Returns
    -------
    list of dict
        Each with ``code`` and ``message``.

    """
    found: list[dict] = []
    n = customers.height
    if "p_alive" in customers.columns and n:
        share = float((customers["p_alive"] > P_ALIVE_NEAR_ONE).mean())
        if share > P_ALIVE_NEAR_ONE_SHARE:
            context = (
                f" even with the fit conditioned on the selection rule ({selection_rule})"
                if selection_rule
                else " (e.g. a file of recently active customers only: if it is an extract, "
                "set [data.selection] so the fit conditions on how it was drawn)"
            )
            found.append(
                {
                    "code": "dropout_weakly_identified",
                    "message": f"{share:.0%} of customers have P(alive) > {P_ALIVE_NEAR_ONE}: "
                    f"the data hold little evidence of dropout{context}, so the dropout "
                    "parameters a, b rest largely on the prior and P(alive) is near 1 almost "
                    "everywhere. Treat long-horizon CLTV with care.",
                }
            )
    dominated = prior_check.filter(pl.col("prior_dominates"))
    for row in dominated.iter_rows(named=True):
        name = f"{row['model']}.{row['parameter']}"
        ratio = row["posterior_to_prior_sd"]
        if ratio > 1.0:
            # A posterior wider than its prior sits in the prior's tail: the data push the
            # parameter towards a boundary they cannot pin down.
            found.append(
                {
                    "code": "weakly_identified_parameter",
                    "message": f"{name}: posterior sd {row['posterior_sd']:.3g} is {ratio:.1f}x "
                    f"the prior sd (posterior mean {row['posterior_mean']:.3g}, prior median "
                    f"{row['prior_median']:.3g}); the data push it into the prior's tail without "
                    "pinning it down, so its value depends on the prior.",
                }
            )
        else:
            found.append(
                {
                    "code": "prior_dominates",
                    "message": f"{name}: posterior sd {row['posterior_sd']:.3g} is {ratio:.0%} of "
                    "the prior sd; the data barely inform this parameter, so its value reflects "
                    "the prior.",
                }
            )
    if n > MIN_CUSTOMERS_FOR_SELECTION_CHECK and int((customers["x"] == 0).sum()) == 0:
        if selection_rule:
            message = (
                "no customer has a single purchase (x = 0): the file is an extract, and the "
                f"BG/NBD fit conditions on its selection rule ({selection_rule}) as set in "
                "[data.selection], so its parameters describe the cohort the extract was "
                "drawn from. Selection on anything else (e.g. FLO's orders in both channels) "
                "is not modelled."
            )
        else:
            message = (
                "no customer has a single purchase (x = 0): the file looks selected on repeat "
                "buyers (FLO's holds customers with orders in both channels). The models "
                "assume an unselected cohort, so they expect one-time buyers the file cannot "
                "contain; if you know how the extract was drawn, set [data.selection]."
            )
        found.append({"code": "no_single_purchase_customers", "message": message})
    t_zero = int((customers["T"] == 0).sum())
    if t_zero:
        found.append(
            {
                "code": "customers_with_T_zero",
                "message": f"{t_zero} customers made their first purchase on the analysis date "
                "(T = 0); they carry no information about purchase rates and get the "
                "population's prediction.",
            }
        )
    same_instant = int(((customers["x"] > 0) & (customers["t_x"] == 0)).sum())
    if same_instant:
        found.append(
            {
                "code": "repeat_purchases_on_first_day",
                "message": f"{same_instant} customers have repeat purchases but first = last "
                "purchase date (t_x = 0); the BG/NBD model treats them as purchases at one "
                "instant, which slightly overstates their dropout risk.",
            }
        )
    if "gg_mean" not in customers.columns:  # purchase-only run: no spend data
        return found
    spend = customers.filter(pl.col("gg_n") > 0)["gg_mean"]
    if spend.len():
        median = float(spend.median())
        extreme = int((spend > MONETARY_OUTLIER_FACTOR * median).sum())
        if extreme:
            found.append(
                {
                    "code": "extreme_spend",
                    "message": f"{extreme} customers spend more than {MONETARY_OUTLIER_FACTOR:g}x "
                    f"the median ({median:.2f}) per purchase; they are kept as they are (no "
                    "capping) and the Gamma-Gamma model shrinks them towards the population mean.",
                }
            )
    return found
