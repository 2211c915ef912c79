"""A Gamma-Gamma model whose likelihood sums the terms that depend on one quantity only once.

pymc-marketing's ``GammaGammaModel`` evaluates, per customer with n purchases of mean z,

    lnΓ(pn + q) − lnΓ(pn) − lnΓ(q) + q log v + (pn − 1) log z + pn log n − (pn + q) log(nz + v).

Summed over customers, the gamma functions depend on n only (a few dozen distinct values),
``Σ (pn − 1) log z`` and ``Σ pn log n`` are linear in p with data constants, and only
``log(nz + v)`` remains per customer. The sum equals the library's (a test checks it to 1e-8).
Model type, parameter names and saved format are the parent's, so ``GammaGammaModel.load``
opens the posteriors and ``expected_customer_spend`` works unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
from pymc_marketing.clv import GammaGammaModel


def gamma_gamma_total_loglike(n: np.ndarray, z: np.ndarray, p, q, v):
    """Summed Gamma-Gamma log-likelihood (mean-spend form) as a PyTensor expression.

    Parameters
    ----------
    n : numpy.ndarray
        Purchases each customer's mean spend is averaged over (> 0).
    z : numpy.ndarray
        Mean spend per purchase (> 0).
    p, q, v : pytensor scalars
        Gamma-Gamma parameters.

    Returns
    -------
    pytensor scalar
        Equal to the sum of the library's per-customer potential.

    """
    n = np.asarray(n, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    n_values, n_counts = np.unique(n, return_counts=True)
    nv = pt.as_tensor_variable(n_values)
    gamma_terms = pt.sum(n_counts * (pt.gammaln(p * nv + q) - pt.gammaln(p * nv)))
    customers = n.size
    linear_in_p = p * float(np.sum(n * np.log(z)) + np.sum(n * np.log(n))) - float(
        np.sum(np.log(z))
    )
    weighted_log = pt.sum((p * n + q) * pt.log(pt.as_tensor_variable(n * z) + v))
    return (
        gamma_terms
        - customers * pt.gammaln(q)
        + customers * q * pt.log(v)
        + linear_in_p
        - weighted_log
    )


class FastGammaGammaModel(GammaGammaModel):
    """pymc-marketing's ``GammaGammaModel`` with the grouped likelihood."""

    def build_model(self, data: pd.DataFrame) -> None:  # type: ignore[override]
        """Build the model with the grouped likelihood (see the module docstring).

        Parameters
        ----------
        data : pandas.DataFrame
            ``customer_id``, ``frequency`` (purchases averaged over), ``monetary_value``.

        """
        self._validate_data(data)
        self.data = data
        coords = {"customer_id": self.data["customer_id"]}
        with pm.Model(coords=coords) as self.model:
            p = self.model_config["p"].create_variable("p")
            q = self.model_config["q"].create_variable("q")
            v = self.model_config["v"].create_variable("v")
            pm.Potential(
                "likelihood",
                gamma_gamma_total_loglike(
                    data["frequency"].to_numpy(), data["monetary_value"].to_numpy(), p, q, v
                ),
            )
