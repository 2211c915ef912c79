"""Prior against posterior, per parameter: do the data or the prior speak."""

from __future__ import annotations

import polars as pl

from flo_bayes.models.priors import ResolvedPrior

# Posterior sd above this share of the prior sd means the data barely moved the prior.
PRIOR_DOMINANCE_RATIO = 0.5


def prior_posterior_table(
    summary: pl.DataFrame, priors: dict[str, dict[str, ResolvedPrior]]
) -> pl.DataFrame:
    """Compare each parameter's prior with its posterior.

    Parameters
    ----------
    summary : polars.DataFrame
        Posterior summary (columns ``model``, ``parameter``, ``mean``, ``sd``).
    priors : dict
        ``{model: {parameter: ResolvedPrior}}``.

    Returns
    -------
    polars.DataFrame
        Prior median, 5 % and 95 % quantiles and sd; posterior mean and sd; their sd ratio
        and a ``prior_dominates`` flag (ratio > 0.5).

    """
    rows = []
    for row in summary.iter_rows(named=True):
        prior = priors[row["model"]][row["parameter"]]
        q05, q50, q95 = prior.quantiles()
        ratio = row["sd"] / prior.sd
        rows.append(
            {
                "model": row["model"],
                "parameter": row["parameter"],
                "prior": f"LogNormal(median={prior.median:.4g}, log_sd={prior.log_sd:g})",
                "prior_q05": q05,
                "prior_median": q50,
                "prior_q95": q95,
                "prior_sd": prior.sd,
                "posterior_mean": row["mean"],
                "posterior_sd": row["sd"],
                "posterior_to_prior_sd": ratio,
                "prior_dominates": ratio > PRIOR_DOMINANCE_RATIO,
            }
        )
    return pl.DataFrame(rows)
