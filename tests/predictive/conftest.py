"""Fixtures for the predictive tests: a small truth simulator and fitted pymc-marketing models.

The simulator is deliberately independent of the package (another module simulates FLO-style
data); it draws BG/NBD + Gamma-Gamma customers from known parameters and also returns each
customer's *future* (purchase counts per horizon and discounted value), so predictive
intervals can be checked against truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pytest

from flo_bayes.predictive import PopulationDraws

TRUTH = {"r": 0.8, "alpha": 6.0, "a": 0.9, "b": 2.5, "p": 6.0, "q": 4.0, "v": 15.0}


@dataclass(frozen=True)
class SimulatedCustomers:
    """Histories (``x, t_x, T, gg_n, gg_mean``) and true futures of simulated customers."""

    frame: pl.DataFrame
    future_counts: dict[float, np.ndarray]
    future_value: np.ndarray


def simulate_customers_truth(
    n: int,
    theta: dict[str, float],
    *,
    horizons: tuple[float, ...],
    cltv_horizon: float,
    discount_rate: float,
    margin: float,
    seed: int,
    t_range: tuple[float, float] = (8.0, 52.0),
) -> SimulatedCustomers:
    """Simulate ``n`` customers' calibration history and future from known parameters.

    Each customer: ``lambda ~ Gamma(r, rate alpha)``, ``p ~ Beta(a, b)``, first purchase at
    time 0, Poisson(lambda) repeat purchases, dropout with probability ``p`` after each
    repeat purchase; ``T ~ Uniform(t_range)``. Values: ``nu ~ Gamma(q, rate v)``, each
    purchase ``~ Gamma(p_gg, rate nu)``; the Gamma-Gamma input is the mean of the repeat
    purchases (``gg_n = x``).
    """
    rng = np.random.default_rng(seed)
    lam = rng.gamma(theta["r"], 1.0 / theta["alpha"], n)
    p_drop = rng.beta(theta["a"], theta["b"], n)
    nu = rng.gamma(theta["q"], 1.0 / theta["v"], n)
    T = rng.uniform(*t_range, n)
    end = T + max(max(horizons), cltv_horizon)
    delta = np.log1p(discount_rate)

    t = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    x = np.zeros(n, dtype=np.int64)
    t_x = np.zeros(n)
    value_sum = np.zeros(n)
    future_counts = {h: np.zeros(n, dtype=np.int64) for h in horizons}
    future_value = np.zeros(n)
    while True:
        idx = np.flatnonzero(alive)
        if idx.size == 0:
            break
        t_new = t[idx] + rng.exponential(1.0 / lam[idx])
        inside = t_new <= end[idx]
        alive[idx[~inside]] = False
        idx, t_new = idx[inside], t_new[inside]
        t[idx] = t_new
        z = rng.gamma(theta["p"], 1.0 / nu[idx])
        past = t_new <= T[idx]
        x[idx[past]] += 1
        t_x[idx[past]] = t_new[past]
        value_sum[idx[past]] += z[past]
        ahead = t_new - T[idx]
        for h in horizons:
            future_counts[h][idx[(~past) & (ahead <= h)]] += 1
        in_cltv = (~past) & (ahead <= cltv_horizon)
        future_value[idx[in_cltv]] += margin * z[in_cltv] * np.exp(-delta * ahead[in_cltv])
        alive[idx[rng.random(idx.size) < p_drop[idx]]] = False

    gg_mean = np.where(x > 0, value_sum / np.maximum(x, 1), 0.0)
    frame = pl.DataFrame(
        {
            "customer_id": np.arange(n),
            "x": x,
            "t_x": t_x,
            "T": T,
            "gg_n": x,
            "gg_mean": gg_mean,
        }
    )
    return SimulatedCustomers(frame=frame, future_counts=future_counts, future_value=future_value)


@pytest.fixture(scope="session")
def truth() -> dict[str, float]:
    """The known population parameters of the simulator."""
    return dict(TRUTH)


@pytest.fixture(scope="session")
def simulate_truth():
    """The truth simulator, :func:`simulate_customers_truth`."""
    return simulate_customers_truth


@pytest.fixture(scope="session")
def truth_draws() -> PopulationDraws:
    """Population draws that all equal the simulation truth (S = 1000)."""
    return PopulationDraws.constant(**TRUTH, n_draws=1000)


@pytest.fixture(scope="session")
def fitted_models():
    """BG/NBD and Gamma-Gamma fitted by pymc-marketing (nutpie) on 300 simulated customers."""
    pytest.importorskip("nutpie")
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

    sim = simulate_customers_truth(
        300,
        TRUTH,
        horizons=(13.0,),
        cltv_horizon=13.0,
        discount_rate=0.0,
        margin=1.0,
        seed=11,
        t_range=(20.0, 60.0),
    )
    pdf = sim.frame.to_pandas()
    rfm = pdf.rename(columns={"x": "frequency", "t_x": "recency"})[
        ["customer_id", "frequency", "recency", "T"]
    ]
    bg = BetaGeoModel()
    bg.fit(
        rfm, nuts_sampler="nutpie", chains=2, draws=200, tune=300, progressbar=False, random_seed=1
    )
    repeaters = pdf[pdf["x"] > 0]
    gg_data = repeaters.rename(columns={"x": "frequency", "gg_mean": "monetary_value"})[
        ["customer_id", "frequency", "monetary_value"]
    ]
    gg = GammaGammaModel()
    gg.fit(
        gg_data,
        nuts_sampler="nutpie",
        chains=2,
        draws=200,
        tune=300,
        progressbar=False,
        random_seed=2,
    )
    return bg, gg, sim.frame
