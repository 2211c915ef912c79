"""Risk criteria: definitions, and that the risk-aware ones prefer low spread."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flo_bayes.campaigns.risk import (
    criterion_values,
    cvar,
    loss_probability,
    lower_quantile,
    tail_count,
    total_summary,
)
from flo_bayes.campaigns.selection import select_greedy


def test_tail_count() -> None:
    assert tail_count(200, 0.1) == 20
    assert tail_count(200, 0.25) == 50
    assert tail_count(7, 0.1) == 1
    assert tail_count(3, 0.999) == 3
    with pytest.raises(ValueError):
        tail_count(10, 1.0)


def test_definitions_match_direct_computation() -> None:
    rng = np.random.default_rng(0)
    draws = rng.normal(size=(30, 101))
    for level in (0.05, 0.1, 0.25, 0.5, 0.9):
        k = tail_count(101, level)
        ordered = np.sort(draws, axis=1)
        np.testing.assert_allclose(lower_quantile(draws, level), ordered[:, k - 1])
        np.testing.assert_allclose(
            lower_quantile(draws, level), np.quantile(draws, level, axis=1, method="inverted_cdf")
        )
        np.testing.assert_allclose(cvar(draws, level), ordered[:, :k].mean(axis=1))
        assert np.all(cvar(draws, level) <= draws.mean(axis=1) + 1e-12)
        assert np.all(cvar(draws, level) <= lower_quantile(draws, level) + 1e-12)
    np.testing.assert_allclose(criterion_values(draws, "expected", 0.3), draws.mean(axis=1))
    np.testing.assert_allclose(loss_probability(draws), (draws < 0).mean(axis=1))
    with pytest.raises(ValueError, match="criterion"):
        criterion_values(draws, "median", 0.5)


@settings(max_examples=50, deadline=None)
@given(
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=2, max_value=6),
    st.floats(min_value=0.01, max_value=0.99),
)
def test_cvar_is_superadditive(seed: int, n: int, level: float) -> None:
    # sum_i CVaR(X_i) <= CVaR(sum_i X_i): the summed criterion bounds the total's CVaR.
    draws = np.random.default_rng(seed).normal(size=(n, 50)) * np.arange(1, n + 1)[:, None]
    total = draws.sum(axis=0, keepdims=True)
    assert cvar(draws, level).sum() <= cvar(total, level)[0] + 1e-9


def _equal_mean_pairs(n_pairs: int, n_draws: int = 200) -> np.ndarray:
    """Rows 0..n-1 low spread, rows n..2n-1 high spread; every row has mean exactly 10."""
    rng = np.random.default_rng(42)
    noise = rng.normal(size=(n_pairs, n_draws // 2))
    symmetric = np.concatenate([noise, -noise], axis=1)  # mean exactly 0
    low = 10.0 + 1.0 * symmetric
    high = 10.0 + 15.0 * symmetric
    return np.vstack([low, high])


@pytest.mark.parametrize("level", [0.05, 0.1, 0.25])
def test_equal_mean_risk_criteria_prefer_low_spread(level: float) -> None:
    n = 20
    draws = _equal_mean_pairs(n)
    means = draws.mean(axis=1)
    np.testing.assert_allclose(means, 10.0, atol=1e-12)
    low_spread = set(range(n))
    for criterion in ("lower_bound", "cvar"):
        values = criterion_values(draws, criterion, level)
        assert values[:n].min() > values[n:].max()  # every low-spread row beats every high one
        chosen = select_greedy(values, means, capacity=n)
        assert set(chosen.tolist()) == low_spread
    expected = criterion_values(draws, "expected", level)
    np.testing.assert_allclose(expected[:n], expected[n:], atol=1e-12)  # indifferent to spread


def test_expected_criterion_ignores_spread_when_means_differ_slightly() -> None:
    n = 20
    draws = _equal_mean_pairs(n)
    draws[n:] += 0.01  # high-spread rows now have a slightly higher mean
    means = draws.mean(axis=1)
    by_mean = select_greedy(criterion_values(draws, "expected", 0.1), means, capacity=n)
    assert set(by_mean.tolist()) == set(range(n, 2 * n))
    for criterion in ("lower_bound", "cvar"):
        chosen = select_greedy(criterion_values(draws, criterion, 0.1), means, capacity=n)
        assert set(chosen.tolist()) == set(range(n))


def test_total_summary_matches_numpy() -> None:
    totals = np.random.default_rng(1).normal(5, 10, 400)
    stats = total_summary(totals)
    assert stats["mean"] == pytest.approx(totals.mean())
    assert stats["q_low"] == pytest.approx(np.quantile(totals, 0.05))
    assert stats["q_high"] == pytest.approx(np.quantile(totals, 0.95))
    assert stats["p_negative"] == pytest.approx(np.count_nonzero(totals < 0) / totals.size)
