"""Predictive draws: consistency with closed forms / pymc-marketing within Monte-Carlo error."""

from __future__ import annotations

import numpy as np
import pytest

from flo_bayes.predictive import (
    PopulationDraws,
    draw_purchase_values,
    expected_cltv,
    expected_purchases,
    expected_spend,
    probability_alive,
    simulate_customers,
)

Z_MAX = 4.5  # per-customer z-scores; 50 customers x a few quantities


def _flat(data_array, n_customers: int) -> np.ndarray:
    return data_array.transpose("chain", "draw", "customer_id").values.reshape(-1, n_customers)


def _z(draw_matrix: np.ndarray, target: np.ndarray, per_event: np.ndarray | float = 1.0):
    """Per-customer z-score of the draws' mean against the target mean.

    The Monte-Carlo variance is the sample variance, floored by a valid lower bound on the
    true variance so that a customer whose draws are all 0 (P(alive) ~ 1e-5) is judged
    fairly: for ``X = sum of K >= 0 non-negative terms of mean >= c`` (counts: c = 1),
    ``E[X^2] >= c E[X]``, so ``Var X >= c mu - mu^2``.
    """
    floor = np.clip(per_event * target - target**2, 0.0, None)
    var = np.maximum(draw_matrix.var(axis=0, ddof=1), floor)
    se = np.sqrt(var / draw_matrix.shape[0])
    diff = draw_matrix.mean(axis=0) - target
    return np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff == 0, 0.0, np.inf))


@pytest.fixture(scope="module")
def posterior_case(fitted_models):
    """50 customers and the fitted posterior tiled to S = 4000 draws."""
    bg, gg, frame = fitted_models
    draws = PopulationDraws.from_posteriors(bg.fit_result, gg.fit_result)
    tiled = draws.take(np.tile(np.arange(draws.n_draws), 10))
    sub = frame.head(50)
    pdf = sub.to_pandas()
    rfm = pdf.rename(columns={"x": "frequency", "t_x": "recency"})[
        ["customer_id", "frequency", "recency", "T"]
    ]
    spend_data = pdf.rename(columns={"gg_n": "frequency", "gg_mean": "monetary_value"})[
        ["customer_id", "frequency", "monetary_value"]
    ]
    cols = {name: sub[name].to_numpy().astype(float) for name in sub.columns}
    return bg, gg, tiled, cols, rfm, spend_data


def test_draw_means_match_pymc_marketing(posterior_case):
    bg, gg, draws, c, rfm, spend_data = posterior_case
    n = c["x"].shape[0]
    horizons = (13.04, 26.09)
    sim = simulate_customers(
        draws,
        c["x"],
        c["t_x"],
        c["T"],
        c["gg_n"],
        c["gg_mean"],
        horizons=horizons,
        cltv_horizon=26.09,
        rng=np.random.default_rng(123),
    )
    assert sim.purchases.shape == (2, draws.n_draws, n)
    for k, h in enumerate(horizons):
        ref = _flat(bg.expected_purchases(rfm, future_t=h), n).mean(axis=0)
        z = _z(sim.purchases[k].astype(float), ref)
        assert np.max(np.abs(z)) < Z_MAX, (h, z)
    # nested horizons come from one path
    assert np.all(sim.purchases[0] <= sim.purchases[1])

    spend_ref = _flat(gg.expected_customer_spend(spend_data), n).mean(axis=0)
    values = draw_purchase_values(draws, c["gg_n"], c["gg_mean"], np.random.default_rng(5))
    assert np.max(np.abs(_z(values, spend_ref))) < Z_MAX

    # undiscounted CLTV draws (margin 1) against E[N] x E[spend] per draw (paired draws)
    cltv_ref = _flat(bg.expected_purchases(rfm, future_t=26.09), n) * _flat(
        gg.expected_customer_spend(spend_data), n
    )
    cltv_ref = np.tile(cltv_ref, (10, 1)).mean(axis=0)
    assert np.max(np.abs(_z(sim.value, cltv_ref, per_event=spend_ref))) < Z_MAX
    # aggregated over customers (shared draw index): total mean within MC error
    total = sim.value.sum(axis=1)
    assert abs(total.mean() - cltv_ref.sum()) < Z_MAX * total.std(ddof=1) / np.sqrt(total.size)


def test_alive_fraction_matches_closed_form(posterior_case):
    _, _, draws, c, _, _ = posterior_case
    sim = simulate_customers(
        draws,
        c["x"],
        c["t_x"],
        c["T"],
        c["gg_n"],
        c["gg_mean"],
        horizons=(13.0,),
        cltv_horizon=13.0,
        rng=np.random.default_rng(7),
    )
    closed = probability_alive(draws, c["x"], c["t_x"], c["T"]).mean(axis=0)
    assert np.max(np.abs(_z(sim.alive.astype(float), closed))) < Z_MAX
    assert np.all(sim.alive[:, c["x"] == 0])


def test_discounted_draws_match_expected_cltv(posterior_case):
    _, _, draws, c, _, _ = posterior_case
    kwargs = {"discount_rate_per_time_unit": 0.01, "margin": 0.4}
    sim = simulate_customers(
        draws,
        c["x"],
        c["t_x"],
        c["T"],
        c["gg_n"],
        c["gg_mean"],
        horizons=(13.0,),
        cltv_horizon=30.0,
        rng=np.random.default_rng(8),
        **kwargs,
    )
    ref = expected_cltv(
        draws, c["x"], c["t_x"], c["T"], c["gg_n"], c["gg_mean"], horizon=30.0, **kwargs
    ).mean(axis=0)
    spend = expected_spend(draws, c["gg_n"], c["gg_mean"]).mean(axis=0)
    lowest_weight = 0.4 * 1.01**-30.0  # margin x smallest discount factor
    assert np.max(np.abs(_z(sim.value, ref, per_event=lowest_weight * spend))) < Z_MAX
    undiscounted = expected_cltv(
        draws, c["x"], c["t_x"], c["T"], c["gg_n"], c["gg_mean"], horizon=30.0, margin=0.4
    ).mean(axis=0)
    assert np.all(ref < undiscounted)  # discounting bites


def test_tiny_dropout_probability_is_handled():
    """FLO-like a ~ 3e-4 (p essentially 0, no dropout): counts still match the closed form."""
    draws = PopulationDraws.constant(
        r=1.5, alpha=20.0, a=3e-4, b=0.5, p=5.0, q=3.0, v=50.0, n_draws=4000
    )
    x, t_x, T = np.array([1.0, 5, 40]), np.array([10.0, 30, 200]), np.array([50.0, 60, 210])
    sim = simulate_customers(
        draws,
        x,
        t_x,
        T,
        x,
        np.array([100.0, 80, 120]),
        horizons=(26.0,),
        cltv_horizon=26.0,
        rng=np.random.default_rng(1),
        discount_rate_per_time_unit=0.002,
    )
    ref = expected_purchases(draws, x, t_x, T, 26.0).mean(axis=0)
    assert np.all(np.isfinite(sim.value))
    assert np.max(np.abs(_z(sim.purchases[0].astype(float), ref))) < Z_MAX


def test_same_seed_same_numbers_and_horizon_order():
    draws = PopulationDraws.constant(r=0.8, alpha=6, a=0.9, b=2.5, p=6, q=4, v=15, n_draws=300)
    args = (np.array([0.0, 2, 7]), np.array([0.0, 5, 30]), np.array([20.0, 30, 40]))
    spend = (np.array([0.0, 2, 7]), np.array([0.0, 20, 35]))
    kw = {"cltv_horizon": 26.0, "discount_rate_per_time_unit": 0.003}

    def run(seed, horizons=(13.0, 26.0)):
        return simulate_customers(
            draws, *args, *spend, horizons=horizons, rng=np.random.default_rng(seed), **kw
        )

    first, again, other = run(3), run(3), run(4)
    np.testing.assert_array_equal(first.purchases, again.purchases)
    np.testing.assert_array_equal(first.value, again.value)
    assert not np.array_equal(first.value, other.value)
    flipped = run(3, horizons=(26.0, 13.0))  # counts follow the caller's order
    np.testing.assert_array_equal(flipped.purchases[::-1], first.purchases)
    assert flipped.horizons == (26.0, 13.0)


def test_discounted_sums_use_first_purchases_in_time():
    """K of M arrivals: purchases are the EARLIEST K of M uniform times (exact law)."""
    from scipy.integrate import quad
    from scipy.special import beta as beta_fn

    from flo_bayes.predictive.draws import _discounted_value_sums

    rng = np.random.default_rng(0)
    n, p_value, horizon, delta = 200_000, 2.0, 1.0, 2.0

    def discount_of_order_stat(j: int, m: int) -> float:
        """E[exp(-delta h U_(j:m))] with U_(j:m) ~ Beta(j, m - j + 1)."""
        pdf = lambda u: u ** (j - 1) * (1 - u) ** (m - j) / beta_fn(j, m - j + 1)  # noqa: E731
        return quad(lambda u: np.exp(-delta * horizon * u) * pdf(u), 0, 1)[0]

    for k_val, m_val in [(1, 3), (2, 2), (2, 5)]:
        sums = _discounted_value_sums(
            rng, np.full(n, k_val), np.full(n, m_val), np.full(n, p_value), horizon, delta
        )
        exact = p_value * sum(discount_of_order_stat(j, m_val) for j in range(1, k_val + 1))
        se = sums.std() / np.sqrt(n)
        assert abs(sums.mean() - exact) < 4 * se, (k_val, m_val, sums.mean(), exact)
