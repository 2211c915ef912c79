"""Fit both models from what the distributed summary provides (see :mod:`.sufficient_stats`)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd
import polars as pl

from flo_bayes.engine import adapters
from flo_bayes.engine.sufficient_stats import COUNT_COL, GammaGammaSample, bgnbd_model

BGNBD = ("r", "alpha", "a", "b")
GAMMA_GAMMA = ("p", "q", "v")


@dataclass(frozen=True)
class EngineFit:
    """Posteriors, diagnostics and how each model's data were reduced."""

    bgnbd_idata: Any
    gamma_gamma_idata: Any
    summary: pl.DataFrame
    gate: Any
    data_basis: dict


def posterior_of(idata: Any) -> Any:
    """The posterior group of an InferenceData / DataTree as an ``xarray.Dataset``."""
    post = idata["posterior"] if not hasattr(idata, "posterior") else idata.posterior
    return post.to_dataset() if hasattr(post, "to_dataset") else post


def fit_bgnbd_on_triples(triples: pd.DataFrame, time_unit: str, sampler: Any, seed: int) -> Any:
    """NUTS on the BG/NBD posterior of the weighted triples; returns the InferenceData."""
    import pymc as pm

    model = bgnbd_model(triples, adapters.default_bgnbd_priors(time_unit))
    with model, warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        return pm.sample(**adapters.sample_kwargs(sampler, seed))


def fit_models(
    triples: pd.DataFrame,
    gg_sample: GammaGammaSample,
    *,
    time_unit: str,
    sampler: Any,
    seed: int,
) -> EngineFit:
    """Fit BG/NBD on sufficient statistics and Gamma-Gamma on the subsample; run the gate."""
    bg = fit_bgnbd_on_triples(triples, time_unit, sampler, seed)
    gg_customers = gg_sample.customers.select("customer_id", "gg_n", "gg_mean")
    priors = adapters.default_gamma_gamma_priors(gg_customers.get_column("gg_mean").to_numpy())
    gg_model = adapters.fit_gamma_gamma(gg_customers, priors, sampler, seed + 1)
    gg = gg_model.idata
    summary = pl.concat(
        [
            adapters.convergence_summary("bgnbd", posterior_of(bg), BGNBD),
            adapters.convergence_summary("gamma_gamma", posterior_of(gg), GAMMA_GAMMA),
        ]
    )
    stats = {
        "bgnbd": adapters.sampler_statistics(bg),
        "gamma_gamma": adapters.sampler_statistics(gg),
    }
    gate = adapters.gate(summary, stats, adapters.convergence_gate())
    basis = {
        "bgnbd": {
            "data": "sufficient statistics: distinct (x, t_x, T) with customer counts",
            "customers": int(triples[COUNT_COL].sum()),
            "distinct_triples": int(len(triples)),
        },
        "gamma_gamma": {
            "data": "random subsample of eligible customers, keyed by customer hash",
            "fraction": gg_sample.fraction,
            "customers_used": gg_sample.n_used,
            "customers_eligible": gg_sample.n_eligible,
        },
    }
    return EngineFit(
        bgnbd_idata=bg, gamma_gamma_idata=gg, summary=summary, gate=gate, data_basis=basis
    )
