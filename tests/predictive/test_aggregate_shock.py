"""The shared purchase-rate shock: its estimator, its draws and the coverage of totals."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from scipy.special import hyp2f1

from flo_bayes.predictive.aggregate_shock import (
    AggregateShock,
    ShockSettings,
    estimate_aggregate_shock,
    expected_repeats,
)
from flo_bayes.predictive.draws import simulate_customers
from flo_bayes.predictive.population import PopulationDraws
from flo_bayes.simulate import DEFAULT_TRUE_PARAMETERS as TRUTH
from flo_bayes.simulate import simulate_population
from flo_bayes.summary import build_transaction_summary

CALIBRATION_END = date(2021, 6, 1)
HOLDOUT_END = date(2021, 12, 31)
THETA = {"r": TRUTH.r, "alpha": TRUTH.alpha, "a": TRUTH.a, "b": TRUTH.b}
BLOCK_DAYS = ShockSettings().block_days


def _shocked_log(seed: int, sigma: float, n: int = 3000) -> pl.DataFrame:
    """Simulated log whose rates jump by exp(eta) every block, and once for the holdout.

    Shock periods line up with the estimator's blocks (counted back from the calibration end),
    as the estimator's model assumes; the holdout keeps one level throughout.
    """
    rng = np.random.default_rng([seed, 7])
    starts = [CALIBRATION_END + timedelta(days=1 - BLOCK_DAYS * k) for k in range(40, 0, -1)]
    starts.append(CALIBRATION_END + timedelta(days=1))
    factors = np.exp(rng.normal(-0.5 * sigma**2, sigma, size=len(starts)))
    population = simulate_population(
        n,
        acquisition_start=date(2019, 1, 1),
        acquisition_end=date(2019, 12, 31),
        observation_end=HOLDOUT_END,
        seed=seed,
        rate_shocks=list(zip(starts, factors.tolist(), strict=True)),
    )
    return population.transactions


def _holdout_total_inside_band(log: pl.DataFrame, shock: AggregateShock, seed: int) -> bool:
    """Whether the actual holdout total lies in the 90 % band of draws at the true theta."""
    calibration = log.filter(pl.col("date") <= CALIBRATION_END)
    summary = build_transaction_summary(calibration.lazy(), CALIBRATION_END, "weeks").collect()
    actual = log.filter(pl.col("date") > CALIBRATION_END).height
    n_draws = 400
    draws = PopulationDraws.constant(**THETA, p=TRUTH.p, q=TRUTH.q, v=TRUTH.v, n_draws=n_draws)
    draws = draws.with_rate_multiplier(shock.multipliers(n_draws, seed))
    horizon = (HOLDOUT_END - CALIBRATION_END).days / 7
    simulated = simulate_customers(
        draws,
        *(summary[c].to_numpy().astype(float) for c in ("x", "t_x", "T", "gg_n", "gg_mean")),
        horizons=[horizon],
        cltv_horizon=horizon,
        rng=np.random.default_rng(seed),
    )
    totals = simulated.purchases[0].sum(axis=1)
    low, high = np.quantile(totals, [0.05, 0.95])
    return bool(low <= actual <= high)


def test_expected_repeats_matches_the_hypergeometric_closed_form():
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426  # CDNOW, FHL (2005)
    t = np.array([0.5, 5.0, 39.0, 78.0])
    z = t / (alpha + t)
    closed = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))
    np.testing.assert_allclose(expected_repeats(t, r, alpha, a, b), closed, rtol=1e-9)


def test_expected_repeats_without_dropout_is_the_nbd_mean():
    # a tiny and b large (FLO's fit): almost no dropout, so E[X(t)] ~ r t / alpha.
    t = np.array([1.0, 10.0, 50.0])
    np.testing.assert_allclose(
        expected_repeats(t, 0.5, 10.0, 3e-4, 450.0), 0.5 * t / 10.0, rtol=1e-3
    )


@pytest.mark.slow
def test_sigma_is_recovered_and_totals_are_covered():
    sigma = 0.15
    medians, covered, covered_without = [], [], []
    for seed in range(24):
        log = _shocked_log(seed, sigma)
        calibration = log.filter(pl.col("date") <= CALIBRATION_END)
        shock = estimate_aggregate_shock(
            calibration, CALIBRATION_END, THETA, 7.0, ShockSettings(), seed=seed
        )
        assert shock.status == "estimated"
        medians.append(shock.sigma_quantile(0.5))
        covered.append(_holdout_total_inside_band(log, shock, seed))
        none = AggregateShock.none("off", "comparison")
        covered_without.append(_holdout_total_inside_band(log, none, seed))
    assert 0.11 <= np.mean(medians) <= 0.19, np.mean(medians)
    # 90 % bands: 24 totals, allow binomial noise and the conservative sigma uncertainty.
    assert np.mean(covered) >= 0.79, np.mean(covered)
    # Without the shock the band misses most shocked totals: the term is needed.
    assert np.mean(covered_without) <= 0.5, np.mean(covered_without)


def test_no_shock_gives_a_small_sigma():
    log = _shocked_log(3, 0.0, n=6000)
    calibration = log.filter(pl.col("date") <= CALIBRATION_END)
    shock = estimate_aggregate_shock(
        calibration, CALIBRATION_END, THETA, 7.0, ShockSettings(), seed=3
    )
    assert shock.sigma_quantile(0.5) < 0.04
    blocks = shock.blocks
    assert blocks is not None and blocks["used"].sum() == ShockSettings().max_blocks
    # The model's expectation tracks the unshocked blocks within their simulated noise.
    used = blocks.filter("used")
    assert (used["log_ratio"].abs() < 4 * used["model_sd"]).all()


def test_short_log_is_not_estimated_with_a_reason():
    log = _shocked_log(1, 0.0, n=500).filter(pl.col("date") <= date(2019, 3, 1))
    shock = estimate_aggregate_shock(log, date(2019, 3, 1), THETA, 7.0, ShockSettings(), seed=0)
    assert shock.status == "not_estimated"
    assert not shock.active
    assert "at least 4 are needed" in shock.reason
    np.testing.assert_array_equal(shock.multipliers(5, seed=0), np.ones(5))


def test_fixed_shock_multipliers_have_mean_one_and_the_given_spread():
    multipliers = AggregateShock.fixed(0.2).multipliers(200_000, seed=1)
    assert abs(multipliers.mean() - 1.0) < 0.003
    assert abs(np.log(multipliers).std() - 0.2) < 0.002
    again = AggregateShock.fixed(0.2).multipliers(200_000, seed=1)
    np.testing.assert_array_equal(multipliers, again)
    with pytest.raises(ValueError, match="sd must be finite"):
        AggregateShock.fixed(-0.1)


def test_multiplier_scales_purchases_in_every_draw():
    # No dropout to speak of (a tiny): counts scale with the rate.
    draws = PopulationDraws.constant(
        r=5.0, alpha=10.0, a=1e-4, b=100.0, p=3.0, q=5.0, v=100.0, n_draws=2
    ).with_rate_multiplier(np.array([1.0, 2.0]))
    n = 20_000
    history = [np.full(n, v) for v in (2.0, 20.0, 30.0)] + [np.full(n, 2.0), np.full(n, 50.0)]
    result = simulate_customers(
        draws, *history, horizons=[10.0], cltv_horizon=10.0, rng=np.random.default_rng(0)
    )
    means = result.purchases[0].mean(axis=1)
    assert means[1] / means[0] == pytest.approx(2.0, rel=0.03)


def test_simulated_rate_shock_doubles_purchases_after_its_date():
    common = {
        "acquisition_start": date(2020, 1, 1),
        "acquisition_end": date(2020, 1, 1),
        "observation_end": date(2020, 12, 31),
        "seed": 5,
    }
    plain = simulate_population(4000, **common).transactions
    shocked = simulate_population(4000, rate_shocks=[(date(2020, 7, 1), 2.0)], **common)
    identical = simulate_population(4000, rate_shocks=(), **common).transactions
    assert plain.equals(identical)

    def later_share(log: pl.DataFrame) -> float:
        repeats = log.filter(pl.col("date") > date(2020, 1, 1))
        return float((repeats["date"] >= date(2020, 7, 1)).mean())

    # Same calendar split; twice the rate in the second half raises its share of purchases.
    assert later_share(shocked.transactions) > later_share(plain) + 0.1
    with pytest.raises(ValueError, match="strictly increasing"):
        simulate_population(
            10, rate_shocks=[(date(2020, 7, 1), 2.0), (date(2020, 6, 1), 1.0)], **common
        )
