"""What the fits need from a distributed summary, without collecting the customers.

- **BG/NBD: sufficient statistics.** The likelihood depends on the data only through the
  distinct ``(x, t_x, T)`` triples and how many customers share each (FHL 2005, eq. 6: a sum
  of per-customer terms). Each partition counts its triples, the counts are added, and the
  grouped likelihood of the models package (``bgnbd_total_loglike``) is evaluated on the
  weighted triples: the same log-density as the per-customer likelihood, with a cost that
  grows with the number of distinct triples (whole-day times: far fewer than customers).
- **Gamma-Gamma: a stated random subsample.** Its likelihood holds ``log(n z + v)`` per
  customer, which no finite statistic summarises, so the fit uses the customers whose key
  falls in a reproducible subsample (:func:`~flo_bayes.engine.keys.in_subsample`) sized to
  ``gg_sample_size`` eligible customers (``gg_n > 0``, ``gg_mean > 0``). The fraction and
  the number used are returned for the manifest and report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import dask
import numpy as np
import pandas as pd
import polars as pl

from flo_bayes.engine import adapters
from flo_bayes.engine.keys import KEY_COL, in_subsample

TRIPLE_COLS = ("x", "t_x", "T")
COUNT_COL = "n_customers"


def triple_counts(part) -> pd.DataFrame:
    """Distinct ``(x, t_x, T)`` with customer counts of one partition."""
    frame = pd.DataFrame({c: np.asarray(part[c], dtype=np.float64) for c in TRIPLE_COLS})
    return frame.value_counts(list(TRIPLE_COLS)).rename(COUNT_COL).reset_index()


def combine_triples(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    """Add per-partition triple counts; rows sorted by ``(x, t_x, T)``."""
    stacked = pd.concat(pieces, ignore_index=True)
    total = stacked.groupby(list(TRIPLE_COLS), sort=True)[COUNT_COL].sum().reset_index()
    total[COUNT_COL] = total[COUNT_COL].astype(np.int64)
    return total


def distributed_triples(parts, compute: Callable | None = None) -> pd.DataFrame:
    """Distinct ``(x, t_x, T)`` with counts over all partitions."""
    tasks = [dask.delayed(triple_counts)(p) for p in parts]
    pieces = compute(tasks) if compute else list(dask.compute(*tasks))
    return combine_triples(list(pieces))


def weighted_distinct_values(triples: pd.DataFrame):
    """The grouped likelihood's ``DistinctValues`` from weighted triples.

    Parameters
    ----------
    triples : pandas.DataFrame
        ``x``, ``t_x``, ``T`` and ``n_customers`` (customers sharing the triple).

    Returns
    -------
    DistinctValues
        Equal, field by field, to ``distinct_values`` of the expanded customers.

    """
    x = triples["x"].to_numpy(np.float64)
    t_x = triples["t_x"].to_numpy(np.float64)
    T = triples["T"].to_numpy(np.float64)
    w = triples[COUNT_COL].to_numpy(np.float64)
    x_values, x_index = np.unique(x, return_inverse=True)
    t_x_values, t_x_index = np.unique(t_x, return_inverse=True)
    T_values, T_index = np.unique(T, return_inverse=True)
    zero = x == 0
    positive = ~zero
    return adapters.distinct_values_type()(
        x_values=x_values,
        x_counts=np.bincount(x_index, weights=w, minlength=x_values.size),
        t_x_values=t_x_values,
        t_x_counts=np.bincount(t_x_index, weights=w, minlength=t_x_values.size),
        t_x_x_sums=np.bincount(t_x_index, weights=w * x, minlength=t_x_values.size),
        T_values=T_values,
        T_zero_counts=np.bincount(T_index[zero], weights=w[zero], minlength=T_values.size),
        triple_x=x_index[positive].astype(np.int64),
        triple_t_x=t_x_index[positive].astype(np.int64),
        triple_T=T_index[positive].astype(np.int64),
        triple_counts=w[positive],
        n_customers=int(w.sum()),
    )


def bgnbd_model(triples: pd.DataFrame, priors: dict):
    """A PyMC model of the BG/NBD posterior from the weighted triples.

    Parameters
    ----------
    triples : pandas.DataFrame
        From :func:`distributed_triples`.
    priors : dict
        ``ResolvedPrior`` per parameter (``r``, ``alpha``, ``a``, ``b``).

    Returns
    -------
    pymc.Model
        Priors of the project plus the grouped likelihood as a potential.

    """
    import pymc as pm

    groups = weighted_distinct_values(triples)
    with pm.Model() as model:
        params = {
            name: priors[name].to_pymc().create_variable(name) for name in ("alpha", "a", "b", "r")
        }
        pm.Potential(
            "recency_frequency",
            adapters.bgnbd_total_loglike(
                groups, params["a"], params["b"], params["r"], params["alpha"]
            ),
        )
    return model


@dataclass(frozen=True)
class GammaGammaSample:
    """The Gamma-Gamma subsample and how it was drawn."""

    customers: pl.DataFrame
    fraction: float
    n_eligible: int

    @property
    def n_used(self) -> int:
        """Customers in the fit."""
        return int(self.customers.height)


def _eligible(part) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "customer_id": np.asarray(part["customer_id"]).astype(str),
            "gg_n": np.asarray(part["gg_n"], dtype=np.float64),
            "gg_mean": np.asarray(part["gg_mean"], dtype=np.float64),
            KEY_COL: np.asarray(part[KEY_COL], dtype=np.int64),
        }
    )
    return frame[(frame["gg_n"] > 0) & (frame["gg_mean"] > 0)]


def _count_eligible(part) -> int:
    return int(len(_eligible(part)))


def _sample_part(part, fraction: float) -> pd.DataFrame:
    frame = _eligible(part)
    return frame[in_subsample(frame[KEY_COL].to_numpy(), fraction)]


def gamma_gamma_sample(
    parts, sample_size: int, compute: Callable | None = None
) -> GammaGammaSample:
    """Draw the reproducible Gamma-Gamma subsample of about ``sample_size`` customers.

    The fraction is ``min(1, sample_size / eligible)``; which customers are in it depends on
    their keys only. Rows are ordered by key, so the fit's input is the same however the
    data are partitioned.
    """
    run = compute or (lambda tasks: list(dask.compute(*tasks)))
    n_eligible = int(sum(run([dask.delayed(_count_eligible)(p) for p in parts])))
    if n_eligible == 0:
        raise ValueError(
            "no customer has a repeat purchase with positive value; the Gamma-Gamma "
            "model cannot be fitted"
        )
    fraction = min(1.0, sample_size / n_eligible)
    pieces = run([dask.delayed(_sample_part)(p, fraction) for p in parts])
    sample = pl.from_pandas(pd.concat(pieces, ignore_index=True)).sort(KEY_COL, "customer_id")
    return GammaGammaSample(customers=sample, fraction=fraction, n_eligible=n_eligible)
