"""Compare fitted purchase models by PSIS-LOO and pick one by a stated rule.

Each model's pointwise log-likelihood is computed per *customer* (the unit of LOO: leaving
one customer out), from the model's own :meth:`PurchaseModel.log_likelihood` on every
posterior draw. The grouped likelihoods used for fitting sum over distinct values; here
nothing is grouped, so there is no weighting to get wrong: customer ``i`` has column ``i``.
ArviZ's PSIS-LOO (``arviz_stats.loo``) then gives ``elpd_loo``, its standard error,
``p_loo`` and the Pareto-k shape of every customer's importance weights.

Rule for the pick (:data:`PICK_RULE`): take the model with the highest ``elpd_loo``; every
model whose ``elpd_loo`` is within ``2`` standard errors of that best one (the SE of the
*paired* pointwise difference, ``sqrt(N var(elpd_i^best - elpd_i^m))``) counts as
equivalent, and among those the simplest one wins (BG/NBD < MBG/NBD < Pareto/NBD, the
order of :attr:`PurchaseModel.complexity`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from flo_bayes.models.protocol import CUSTOMER_DIM, ParameterDraws, PurchaseModel, as_histories

SE_MULTIPLIER = 2.0
PICK_RULE = (
    "highest elpd_loo; models within 2 SE of the paired elpd difference to the best count as "
    "equivalent and the simplest of those is picked (BG/NBD < MBG/NBD < Pareto/NBD)"
)


@dataclass(frozen=True)
class FittedPurchase:
    """A purchase model and its posterior (``fit_result`` or ``idata``, over chain and draw)."""

    model: PurchaseModel
    posterior: Any


@dataclass(frozen=True)
class ModelComparison:
    """The comparison table, the pick and the rule behind it.

    Attributes
    ----------
    table : polars.DataFrame
        One row per model: ``model``, ``label``, ``elpd_loo``, ``se``, ``p_loo``,
        ``elpd_diff`` (to the best), ``diff_se``, ``within_rule``, ``pareto_k_good``,
        ``pareto_k_bad`` (good threshold < k <= 1), ``pareto_k_very_bad`` (k > 1),
        ``pareto_k_threshold``, ``r_hat_max`` and ``ess_bulk_min`` (convergence of the fit
        behind the row), ``picked``; best ``elpd_loo`` first.
    picked : str
        Registry name of the picked model.
    rule : str
        :data:`PICK_RULE`.
    pointwise : dict of str to numpy.ndarray
        ``(N,)`` pointwise ``elpd_loo`` per model, for further checks.

    """

    table: pl.DataFrame
    picked: str
    rule: str
    pointwise: dict[str, np.ndarray]


def pointwise_log_likelihood(fit: FittedPurchase, x, t_x, T):
    """Per-customer log-likelihood of every draw as a DataTree ArviZ's ``loo`` reads.

    Returns
    -------
    xarray.DataTree
        ``log_likelihood`` group with variable ``recency_frequency`` over
        ``(chain, draw, customer)``, and the posterior of the model's parameters.

    """
    from arviz_base import from_dict

    x, t_x, T = as_histories(x, t_x, T)
    posterior = fit.posterior.posterior if hasattr(fit.posterior, "posterior") else fit.posterior
    first = posterior[fit.model.parameters[0]]
    n_chain, n_draw = first.sizes["chain"], first.sizes["draw"]
    theta = ParameterDraws.from_posterior(posterior, fit.model.parameters)
    loglik = fit.model.log_likelihood(theta, x, t_x, T).reshape(n_chain, n_draw, x.shape[0])
    return from_dict(
        {
            "posterior": {
                name: theta.values[name].reshape(n_chain, n_draw) for name in fit.model.parameters
            },
            "log_likelihood": {"recency_frequency": loglik},
        },
        dims={"recency_frequency": [CUSTOMER_DIM]},
    )


def compare_purchase_models(
    fits: Sequence[FittedPurchase], x, t_x, T, *, se_multiplier: float = SE_MULTIPLIER
) -> ModelComparison:
    """PSIS-LOO of each fitted purchase model, a comparison table and a pick.

    Parameters
    ----------
    fits : sequence of FittedPurchase
        The fitted models, all on the same customers ``x, t_x, T``.
    x, t_x, T : array_like
        ``(N,)`` customer histories the models were fitted on.
    se_multiplier : float, optional
        Width of the equivalence band in SEs of the paired difference (default 2).

    Returns
    -------
    ModelComparison
        Table, pick and rule (see the module docstring).

    """
    from arviz_stats import loo

    from flo_bayes.diagnostics.convergence import posterior_summary

    if not fits:
        raise ValueError("compare_purchase_models needs at least one fitted model")
    names = [fit.model.name for fit in fits]
    if len(set(names)) != len(names):
        raise ValueError(f"each model may appear once, got {names}")
    rows, pointwise = [], {}
    for fit in fits:
        result = loo(pointwise_log_likelihood(fit, x, t_x, T), pointwise=True)
        k = np.asarray(result.pareto_k).reshape(-1)
        good = float(result.good_k)
        pointwise[fit.model.name] = np.asarray(result.elpd_i).reshape(-1)
        posterior = fit.posterior
        if hasattr(posterior, "posterior"):
            posterior = posterior.posterior.to_dataset()
        convergence = posterior_summary(fit.model.name, posterior, fit.model.parameters)
        rows.append(
            {
                "model": fit.model.name,
                "label": fit.model.label,
                "complexity": fit.model.complexity,
                "elpd_loo": float(result.elpd),
                "se": float(result.se),
                "p_loo": float(result.p),
                "pareto_k_good": int((k <= good).sum()),
                "pareto_k_bad": int(((k > good) & (k <= 1.0)).sum()),
                "pareto_k_very_bad": int((k > 1.0).sum()),
                "pareto_k_threshold": good,
                # a comparison is only as good as the fits behind it
                "r_hat_max": float(convergence["r_hat"].max()),
                "ess_bulk_min": float(convergence["ess_bulk"].min()),
            }
        )
    best = max(rows, key=lambda row: row["elpd_loo"])["model"]
    n = pointwise[best].shape[0]
    for row in rows:
        diff = pointwise[best] - pointwise[row["model"]]
        row["elpd_diff"] = float(diff.sum())
        row["diff_se"] = float(np.sqrt(n * diff.var())) if row["model"] != best else 0.0
        row["within_rule"] = row["elpd_diff"] <= se_multiplier * row["diff_se"]
    picked = min((row for row in rows if row["within_rule"]), key=lambda r: r["complexity"])
    for row in rows:
        row["picked"] = row["model"] == picked["model"]
    columns = [
        "model",
        "label",
        "elpd_loo",
        "se",
        "p_loo",
        "elpd_diff",
        "diff_se",
        "within_rule",
        "pareto_k_good",
        "pareto_k_bad",
        "pareto_k_very_bad",
        "pareto_k_threshold",
        "r_hat_max",
        "ess_bulk_min",
        "picked",
    ]
    table = pl.DataFrame(rows).select(columns).sort("elpd_loo", descending=True)
    rule = (
        PICK_RULE
        if se_multiplier == SE_MULTIPLIER
        else PICK_RULE.replace("2 SE", f"{se_multiplier:g} SE")
    )
    return ModelComparison(table, picked["model"], rule, pointwise)
