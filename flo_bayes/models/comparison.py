"""Compare fitted purchase models by PSIS-LOO and pick one by a stated rule.

Each model's pointwise log-likelihood is computed per *customer* (the unit of LOO: leaving
one customer out), from the model's own :meth:`PurchaseModel.log_likelihood` on every
posterior draw. The grouped likelihoods used for fitting sum over distinct values; here
nothing is grouped, so there is no weighting to get wrong: customer ``i`` has column ``i``.
ArviZ's PSIS-LOO (``arviz_stats.loo``) then gives ``elpd_loo``, its standard error,
``p_loo`` and the Pareto-k shape of every customer's importance weights.

Rule for the pick (:data:`PICK_RULE`): take the model with the highest ``elpd_loo``; every
model whose ``elpd_loo`` is within ``2`` standard errors of that best one (the SE of the
*paired* pointwise difference, ``sqrt(N var(elpd_i^best - elpd_i^m))``), or less than
:data:`SMALL_ELPD_DIFF` = 4 below it, counts as equivalent, and among those the simplest one
wins (BG/NBD < MBG/NBD < Pareto/NBD, the order of :attr:`PurchaseModel.complexity`). The
absolute floor follows Sivula, Magnusson, Matamoros and Vehtari, "Uncertainty in Bayesian
leave-one-out cross-validation based model comparison" (arXiv:2008.10296): a difference
below 4 is small whatever its SE, and nearly nested models (the BG/NBD and MBG/NBD on an
extract where every customer has a repeat purchase) have a paired SE so small that 2 SE
alone would call a difference of 0.1 on 20,000 customers decisive.

On an extract drawn by a selection rule (``[data.selection]``) every model is fitted on the
likelihood conditioned on being kept, ``L(x, t_x, T) / P(S | T)``, so its pointwise
log-likelihood is that conditional one (:func:`selection_log_probability`): the models are
compared on how well they predict the customers the extract holds, given that it holds them.
A model without a selection-aware likelihood is not fitted there; it stays in the table with
the reason in ``note`` and no figures.

On a transaction log, ``flo-bayes backtest`` adds a calibration/holdout backtest per model to
the same table (:func:`with_backtest`): holdout MAE, coverage of the per-customer intervals
and whether the actual holdout total falls in each model's band. Those columns are reported
alongside; the pick stays the PSIS-LOO rule (column ``picked_by``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from flo_bayes.models.protocol import CUSTOMER_DIM, ParameterDraws, PurchaseModel, as_histories

if TYPE_CHECKING:  # the selection module imports PyMC; only its rule's type is named here
    from flo_bayes.models.selection import WindowSelection

SE_MULTIPLIER = 2.0
SMALL_ELPD_DIFF = 4.0
"""An ``elpd_loo`` difference below this is small whatever its SE (Sivula et al.)."""
PICK_RULE = (
    "highest elpd_loo; models less than max(4, 2 SE of the paired elpd difference) below the "
    "best count as equivalent and the simplest of those is picked "
    "(BG/NBD < MBG/NBD < Pareto/NBD)"
)
PICKED_BY = "psis_loo"
"""Value of the table's ``picked_by`` column: the pick is :data:`PICK_RULE`, never the backtest."""

LOO_COLUMNS = (
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
    "picked_by",
    "note",
)
"""Columns of :attr:`ModelComparison.table`, in order."""
BACKTEST_COLUMNS = (
    "holdout_mae",
    "coverage_50",
    "coverage_90",
    "holdout_actual_total",
    "holdout_predicted_mean",
    "holdout_predicted_q05",
    "holdout_predicted_q95",
    "total_in_band",
    "lowest_holdout_mae",
)
"""Columns :func:`with_backtest` adds, in order."""
# The figures with_backtest copies from each model's backtest (the rest it derives).
_FIGURES = BACKTEST_COLUMNS[:-2]


@dataclass(frozen=True)
class FittedPurchase:
    """A purchase model and its posterior (``fit_result`` or ``idata``, over chain and draw).

    ``selection``: the rule the fit was conditioned on (``None``: a cohort); its pointwise
    log-likelihood is then conditional on being kept.
    """

    model: PurchaseModel
    posterior: Any
    selection: WindowSelection | None = None


@dataclass(frozen=True)
class ModelComparison:
    """The comparison table, the pick and the rule behind it.

    Attributes
    ----------
    table : polars.DataFrame
        One row per model (:data:`LOO_COLUMNS`): ``model``, ``label``, ``elpd_loo``, ``se``,
        ``p_loo``, ``elpd_diff`` (to the best), ``diff_se``, ``within_rule``,
        ``pareto_k_good``, ``pareto_k_bad`` (good threshold < k <= 1), ``pareto_k_very_bad``
        (k > 1), ``pareto_k_threshold``, ``r_hat_max`` and ``ess_bulk_min`` (convergence of
        the fit behind the row), ``picked``, ``picked_by`` (:data:`PICKED_BY`) and ``note``
        (why a model was left out, else empty); best ``elpd_loo`` first, left-out models
        last with null figures.
    picked : str
        Registry name of the picked model.
    rule : str
        :data:`PICK_RULE`.
    pointwise : dict of str to numpy.ndarray
        ``(N,)`` pointwise ``elpd_loo`` per model, for further checks.
    excluded : dict of str to str
        Models left out of the comparison, with the reason.

    """

    table: pl.DataFrame
    picked: str
    rule: str
    pointwise: dict[str, np.ndarray]
    excluded: dict[str, str] = field(default_factory=dict)


def selection_log_probability(
    model: PurchaseModel, theta: ParameterDraws, T, selection: WindowSelection
) -> np.ndarray:
    """``log P(S | T_i, theta_s)``: each draw's log probability that the rule keeps customer ``i``.

    Evaluates the selection term the selection-aware fit uses
    (:func:`flo_bayes.models.selection.bgnbd_log_selection_probability` and its MBG/NBD
    counterpart), compiled once and evaluated per draw, exactly (once per distinct ``T``,
    without the fit's interpolation). Customers the rule keeps with certainty get 0.

    Parameters
    ----------
    model : PurchaseModel
        BG/NBD or MBG/NBD (the models with a selection-aware likelihood).
    theta : ParameterDraws
        ``S`` draws of the model's parameters.
    T : array_like
        ``(N,)`` customer ages.
    selection : WindowSelection
        The extract's rule.

    Returns
    -------
    numpy.ndarray
        ``(S, N)``, every value ``<= 0``.

    Raises
    ------
    ValueError
        For a model without a selection-aware likelihood.

    """
    import pytensor
    import pytensor.tensor as pt

    from flo_bayes.models.selection import (
        bgnbd_log_selection_probability,
        mbgnbd_log_selection_probability,
        selection_groups,
    )

    terms = {
        "bgnbd": bgnbd_log_selection_probability,
        "mbgnbd": mbgnbd_log_selection_probability,
    }
    if model.name not in terms:
        raise ValueError(f"no selection-aware likelihood for {model.label}")
    T = np.asarray(T, dtype=np.float64)
    values, inverse = np.unique(T, return_inverse=True)
    groups = selection_groups(values, selection)
    out = np.zeros((theta.n_draws, T.shape[0]))
    if groups.counts.size == 0:
        return out
    # selection_groups keeps the order of the distinct T it is given and drops those the rule
    # keeps surely: find the kept ones by their T = t0 + w_eff.
    kept_T = groups.t0 + groups.w_eff
    position = np.clip(np.searchsorted(values, kept_T), 0, values.size - 1)
    lower = np.clip(position - 1, 0, values.size - 1)
    position = np.where(
        np.abs(values[lower] - kept_T) < np.abs(values[position] - kept_T), lower, position
    )
    if not np.allclose(values[position], kept_T, rtol=1e-9, atol=1e-12):
        raise RuntimeError("could not align the selection groups with the customers' T")
    r, alpha, a, b = (pt.dscalar(name) for name in ("r", "alpha", "a", "b"))
    evaluate = pytensor.function(
        [r, alpha, a, b], terms[model.name](r, alpha, a, b, groups.t0, groups.w_eff)
    )
    per_value = np.zeros((theta.n_draws, values.size))
    columns = [theta.values[name] for name in ("r", "alpha", "a", "b")]
    for s in range(theta.n_draws):
        per_value[s, position] = evaluate(*(float(column[s]) for column in columns))
    return per_value[:, inverse]


def pointwise_log_likelihood(fit: FittedPurchase, x, t_x, T):
    """Per-customer log-likelihood of every draw as a DataTree ArviZ's ``loo`` reads.

    Returns
    -------
    xarray.DataTree
        ``log_likelihood`` group with variable ``recency_frequency`` over
        ``(chain, draw, customer)``, and the posterior of the model's parameters. With
        ``fit.selection`` the log-likelihood is conditional on being kept:
        ``log L - log P(S | T)``.

    """
    from arviz_base import from_dict

    x, t_x, T = as_histories(x, t_x, T)
    posterior = fit.posterior.posterior if hasattr(fit.posterior, "posterior") else fit.posterior
    first = posterior[fit.model.parameters[0]]
    n_chain, n_draw = first.sizes["chain"], first.sizes["draw"]
    theta = ParameterDraws.from_posterior(posterior, fit.model.parameters)
    loglik = fit.model.log_likelihood(theta, x, t_x, T)
    if fit.selection is not None:
        loglik = loglik - selection_log_probability(fit.model, theta, T, fit.selection)
    loglik = loglik.reshape(n_chain, n_draw, x.shape[0])
    return from_dict(
        {
            "posterior": {
                name: theta.values[name].reshape(n_chain, n_draw) for name in fit.model.parameters
            },
            "log_likelihood": {"recency_frequency": loglik},
        },
        dims={"recency_frequency": [CUSTOMER_DIM]},
    )


def paired_differences(
    pointwise: Mapping[str, np.ndarray], se_multiplier: float = SE_MULTIPLIER
) -> dict[str, dict[str, Any]]:
    """Each model's ``elpd_loo`` difference to the best, its paired SE and the rule's verdict.

    Parameters
    ----------
    pointwise : mapping of str to numpy.ndarray
        ``(N,)`` pointwise ``elpd_loo`` per model, same customers.
    se_multiplier : float, optional
        Width of the equivalence band in SEs of the paired difference (default 2).

    Returns
    -------
    dict
        Model to ``elpd_diff`` (best minus model, ``>= 0``), ``diff_se``
        (``sqrt(N var(elpd_i^best - elpd_i^m))``, 0 for the best) and ``within_rule``
        (``elpd_diff < max(SMALL_ELPD_DIFF, se_multiplier * diff_se)``).

    """
    best = max(pointwise, key=lambda name: float(np.sum(pointwise[name])))
    n = pointwise[best].shape[0]
    out = {}
    for name, values in pointwise.items():
        diff = pointwise[best] - values
        elpd_diff = float(diff.sum())
        diff_se = float(np.sqrt(n * diff.var())) if name != best else 0.0
        out[name] = {
            "elpd_diff": elpd_diff,
            "diff_se": diff_se,
            "within_rule": elpd_diff < max(SMALL_ELPD_DIFF, se_multiplier * diff_se),
        }
    return out


def compare_purchase_models(
    fits: Sequence[FittedPurchase],
    x,
    t_x,
    T,
    *,
    se_multiplier: float = SE_MULTIPLIER,
    excluded: Mapping[str, str] | None = None,
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
    excluded : mapping of str to str, optional
        Models not fitted (registry name to the reason): rows with null figures and the
        reason in ``note``.

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
    excluded = dict(excluded or {})
    if set(excluded) & set(names):
        raise ValueError(f"a model cannot be both fitted and excluded: {sorted(excluded)}")
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
                "note": "",
            }
        )
    differences = paired_differences(pointwise, se_multiplier)
    for row in rows:
        row.update(differences[row["model"]])
    picked = min((row for row in rows if row["within_rule"]), key=lambda r: r["complexity"])
    for row in rows:
        row["picked"] = row["model"] == picked["model"]
        row["picked_by"] = PICKED_BY
    table = pl.DataFrame(rows).select(LOO_COLUMNS).sort("elpd_loo", descending=True)
    if excluded:
        left_out = pl.DataFrame(
            {
                "model": list(excluded),
                "label": [_label(name) for name in excluded],
                "picked": [False] * len(excluded),
                "picked_by": [PICKED_BY] * len(excluded),
                "note": list(excluded.values()),
            }
        )
        table = pl.concat([table, left_out], how="diagonal_relaxed").select(LOO_COLUMNS)
    rule = (
        PICK_RULE
        if se_multiplier == SE_MULTIPLIER
        else PICK_RULE.replace("2 SE", f"{se_multiplier:g} SE")
    )
    return ModelComparison(table, picked["model"], rule, pointwise, excluded)


def with_backtest(table: pl.DataFrame, figures: Mapping[str, Mapping[str, Any]]) -> pl.DataFrame:
    """The comparison table with each model's calibration/holdout backtest alongside.

    Parameters
    ----------
    table : polars.DataFrame
        :attr:`ModelComparison.table`.
    figures : mapping of str to mapping
        Registry name to the model's backtest figures
        (:func:`flo_bayes.workflow.backtest.backtest_figures`: ``holdout_mae``,
        ``coverage_50``, ``coverage_90``, ``holdout_actual_total``,
        ``holdout_predicted_mean`` / ``_q05`` / ``_q95``); every fitted model needs them.

    Returns
    -------
    polars.DataFrame
        ``table`` plus :data:`BACKTEST_COLUMNS`: the figures, ``total_in_band`` (the actual
        total inside the predicted total's 90 % band, ``q05 <= actual <= q95``) and
        ``lowest_holdout_mae`` (the model with the smallest MAE); null on left-out models.
        The pick (``picked``, ``picked_by``) is unchanged.

    Raises
    ------
    ValueError
        When a fitted model has no figures, or figures name a model the table lacks.

    """
    fitted = table.filter(pl.col("elpd_loo").is_not_null())["model"].to_list()
    missing = sorted(set(fitted) - set(figures))
    unknown = sorted(set(figures) - set(table["model"]))
    if missing or unknown:
        raise ValueError(f"backtest figures missing for {missing}, unknown models {unknown}")
    rows = []
    for name, values in figures.items():
        row = {"model": name} | {key: values[key] for key in _FIGURES}
        row["total_in_band"] = bool(
            values["holdout_predicted_q05"]
            <= values["holdout_actual_total"]
            <= values["holdout_predicted_q95"]
        )
        rows.append(row)
    best = min(rows, key=lambda row: row["holdout_mae"])["model"]
    for row in rows:
        row["lowest_holdout_mae"] = row["model"] == best
    schema = (
        {"model": pl.String}
        | {key: pl.Float64 for key in _FIGURES}
        | {
            "holdout_actual_total": pl.Int64,
            "total_in_band": pl.Boolean,
            "lowest_holdout_mae": pl.Boolean,
        }
    )
    backtest = pl.DataFrame(rows, schema=schema).select("model", *BACKTEST_COLUMNS)
    return table.join(backtest, on="model", how="left", maintain_order="left")


def _label(name: str) -> str:
    """Table label of registry name ``name`` (the name itself if unknown)."""
    from flo_bayes.models.registry import PURCHASE_MODELS

    model = PURCHASE_MODELS.get(name)
    return model.label if model is not None else name
