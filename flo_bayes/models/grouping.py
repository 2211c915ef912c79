"""Customers grouped by distinct x, t_x and T: the data of the grouped BG/NBD likelihoods.

NumPy only, so the compiled posteriors (:mod:`flo_bayes.models.compiled_cache`) and the
PyTensor likelihoods (:mod:`flo_bayes.models.fast_bgnbd`, :mod:`flo_bayes.models.mbgnbd`)
share one grouping without the former importing PyMC.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DistinctValues:
    """Index arrays that map customers onto distinct values of x, t_x, T and their triples."""

    x_values: np.ndarray
    x_counts: np.ndarray
    t_x_values: np.ndarray
    # Per distinct t_x: number of customers (weights r) and sum of their x (weights x).
    t_x_counts: np.ndarray
    t_x_x_sums: np.ndarray
    T_values: np.ndarray
    # Customers with x = 0 contribute r (log α − log(α + T)) through their T only.
    T_zero_counts: np.ndarray
    # Distinct (x, t_x, T) triples with x > 0: indices into the arrays above and counts.
    triple_x: np.ndarray
    triple_t_x: np.ndarray
    triple_T: np.ndarray
    triple_counts: np.ndarray
    n_customers: int


def distinct_values(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> DistinctValues:
    """Group customers by distinct x, t_x, T and (x, t_x, T) for the fast likelihood.

    Parameters
    ----------
    x, t_x, T : numpy.ndarray
        Repeat purchases, recency and age of each customer.

    Returns
    -------
    DistinctValues
        Distinct values, inverse indices and counts.

    """
    x = np.asarray(x, dtype=np.float64)
    t_x = np.asarray(t_x, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    x_values, x_index, x_counts = np.unique(x, return_inverse=True, return_counts=True)
    t_x_values, t_x_index = np.unique(t_x, return_inverse=True)
    T_values, T_index = np.unique(T, return_inverse=True)
    t_x_counts = np.bincount(t_x_index, minlength=t_x_values.size).astype(np.float64)
    t_x_x_sums = np.bincount(t_x_index, weights=x, minlength=t_x_values.size)
    zero = x == 0
    T_zero_counts = np.bincount(T_index[zero], minlength=T_values.size).astype(np.float64)
    keys = np.stack([x_index[~zero], t_x_index[~zero], T_index[~zero]], axis=1)
    triples, triple_counts = np.unique(keys, axis=0, return_counts=True)
    return DistinctValues(
        x_values=x_values,
        x_counts=x_counts.astype(np.float64),
        t_x_values=t_x_values,
        t_x_counts=t_x_counts,
        t_x_x_sums=t_x_x_sums,
        T_values=T_values,
        T_zero_counts=T_zero_counts,
        triple_x=triples[:, 0].astype(np.int64),
        triple_t_x=triples[:, 1].astype(np.int64),
        triple_T=triples[:, 2].astype(np.int64),
        triple_counts=triple_counts.astype(np.float64),
        n_customers=int(x.size),
    )
