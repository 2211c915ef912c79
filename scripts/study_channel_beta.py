"""Fit the customer-level online-share Beta(c1, c2) to FLO's channel counts (maximum likelihood).

FLO keeps only customers with orders in both channels, so the beta-binomial likelihood of the
online count k out of n orders is truncated to 0 < k < n:

    P(k | n, 0 < k < n) = C(n, k) B(c1 + k, c2 + n - k) / B(c1, c2) / (1 - P(0) - P(n)).

The fitted (c1, c2) feed the channel-selection study (scripts/study_selection_bias.py
--channel-beta C1 C2).

Usage::

    PYTHONPATH=$PWD python scripts/study_channel_beta.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
from scipy import optimize, special

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "flo_data_20k.csv"


def truncated_beta_binomial_nll(log_c: np.ndarray, k: np.ndarray, n: np.ndarray) -> float:
    """Negative log-likelihood of online counts given both channels were used."""
    c1, c2 = np.exp(log_c)
    log_beta = special.betaln(c1, c2)
    log_pk = special.betaln(c1 + k, c2 + n - k) - log_beta
    p0 = np.exp(special.betaln(c1, c2 + n) - log_beta)
    pn = np.exp(special.betaln(c1 + n, c2) - log_beta)
    return -float(np.sum(log_pk - np.log1p(-(p0 + pn))))


def main() -> None:
    frame = pl.read_csv(DATA)
    k = frame["order_num_total_ever_online"].to_numpy().round()
    n = k + frame["order_num_total_ever_offline"].to_numpy().round()
    fit = optimize.minimize(
        truncated_beta_binomial_nll, np.zeros(2), args=(k, n), method="Nelder-Mead"
    )
    c1, c2 = np.exp(fit.x)
    print(f"customers {n.size}, mean orders {n.mean():.2f}, mean online share {np.mean(k / n):.3f}")
    print(
        f"online share ~ Beta({c1:.3f}, {c2:.3f}); mean {c1 / (c1 + c2):.3f}; converged {fit.success}"
    )


if __name__ == "__main__":
    main()
