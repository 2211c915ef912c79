"""The selection-aware BG/NBD: P(kept | T) against independent computations, and its model."""

import math

import numpy as np
import pandas as pd
import pytensor
import pytensor.tensor as pt
import pytest
from scipy import integrate, special

from flo_bayes.config import BetaGeoPriors
from flo_bayes.models.fast_bgnbd import FastBetaGeoModel
from flo_bayes.models.mbgnbd import FastModifiedBetaGeoModel
from flo_bayes.models.priors import bgnbd_priors
from flo_bayes.models.selection import (
    SelectionAwareBetaGeoModel,
    SelectionAwareModifiedBetaGeoModel,
    WindowSelection,
    bgnbd_log_selection_probability,
    bgnbd_selection_probability_reference,
    mbgnbd_log_selection_probability,
    selection_groups,
)

T0 = np.array([0.0, 1.0, 10.0, 100.0, 300.0, 500.0])
W_EFF = np.array([20.0, 26.0, 26.0, 26.0, 52.0, 52.0])
# CDNOW full cohort, CDNOW naive extract, FLO naive (a << 1, b in the thousands), FLO corrected,
# b < 1, a tiny alpha with b < 1, and an extreme b = 1e5.
PARAMETER_POINTS = [
    (0.25, 4.8, 0.72, 2.2),
    (2.8, 25.0, 0.58, 3.6),
    (1.0, 5.0, 3e-4, 2600.0),
    (0.5, 0.3, 3.5, 28.6),
    (0.3, 2.0, 0.2, 0.4),
    (0.2, 0.05, 0.05, 0.2),
    (10.0, 3.0, 1e-4, 1e5),
]


def _compiled(function=bgnbd_log_selection_probability):
    r, alpha, a, b = pt.dscalars("r", "alpha", "a", "b")
    log_kept = function(r, alpha, a, b, T0, W_EFF)
    value = pytensor.function([r, alpha, a, b], log_kept)
    gradient = pytensor.function(
        [r, alpha, a, b], pt.stack(pt.grad(pt.sum(log_kept), [r, alpha, a, b]))
    )
    return value, gradient


def _beta_plus_one_expectation(f, a, b, scales):
    """E[f(p)] over Beta(a + 1, b) by adaptive quadrature, split at the given scales."""
    edges = [0.0, *sorted(s for s in scales if 0 < s < 1), 1.0]
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        if hi == 1.0 and b < 1:
            value, _ = integrate.quad(
                lambda p: f(p) * p**a, lo, hi, weight="alg", wvar=(0.0, b - 1.0), epsrel=1e-13
            )
        else:
            value, _ = integrate.quad(
                lambda p: f(p) * p**a * (1 - p) ** (b - 1),
                lo,
                hi,
                epsabs=0,
                epsrel=1e-13,
                limit=200,
            )
        total += value
    return total / math.exp(special.betaln(a + 1, b))


def _dlog_kept_da(params, t0, w):
    """d log P(S | T) / da from the split P = g(0) + a/(a+b) E_{Beta(a+1,b)}[(g - g(0))/p]."""
    r, alpha, a, b = params

    def g(p):
        return (alpha / (alpha + p * t0)) ** r * (
            -math.expm1(-r * math.log1p(w / (alpha + p * t0)))
        )

    def d(p):
        return (g(p) - g(0.0)) / p

    scales = (alpha / t0 if t0 > 0 else 0.5, 1 / b, 10 / b, 0.1, 0.9)
    shift = special.digamma(a + 1) - special.digamma(a + b + 1)
    mean_d = _beta_plus_one_expectation(d, a, b, scales)
    dmean_d = _beta_plus_one_expectation(lambda p: d(p) * (math.log(p) - shift), a, b, scales)
    kept = bgnbd_selection_probability_reference(*params, t0, w)
    return (b / (a + b) ** 2 * mean_d + a / (a + b) * dmean_d) / kept


def _reference_log(params, model="bgnbd"):
    return np.log(
        [
            bgnbd_selection_probability_reference(*params, t0, w, model=model)
            for t0, w in zip(T0, W_EFF, strict=True)
        ]
    )


@pytest.mark.parametrize("params", PARAMETER_POINTS)
def test_log_selection_probability_matches_adaptive_quadrature(params):
    value, _ = _compiled()
    # Absolute in log P = relative in P(S); 1e-10 is well inside the 1e-8 target.
    np.testing.assert_allclose(value(*params), _reference_log(params), rtol=0, atol=1e-10)


@pytest.mark.parametrize("params", [PARAMETER_POINTS[i] for i in (0, 1, 2, 3, 4)])
def test_gradient_matches_finite_differences_of_the_reference(params):
    _, gradient = _compiled()
    expected = []
    for i, theta in enumerate(params):
        if i == 2:
            # In a, finite differences drown in quadrature noise when a << 1: use the exact
            # derivative of P = g(0) + a/(a+b) E1[d], E1 over Beta(a+1, b), d = (g - g(0))/p.
            total = 0.0
            for t0, w in zip(T0, W_EFF, strict=True):
                total += _dlog_kept_da(params, t0, w)
            expected.append(total)
            continue
        h = 1e-3 * theta
        values = []
        for k in (-2, -1, 1, 2):
            shifted = list(params)
            shifted[i] = theta + k * h
            values.append(_reference_log(shifted).sum())
        # Five-point stencil: truncation error O(h^4).
        expected.append((values[0] - 8 * values[1] + 8 * values[2] - values[3]) / (12 * h))
    np.testing.assert_allclose(gradient(*params), expected, rtol=1e-8, atol=1e-9)


def test_mbgnbd_matches_its_reference():
    value, _ = _compiled(mbgnbd_log_selection_probability)
    for params in PARAMETER_POINTS[:5]:
        np.testing.assert_allclose(
            value(*params), _reference_log(params, model="mbgnbd"), rtol=0, atol=1e-10
        )


def _monte_carlo_kept(r, alpha, a, b, T, window, n, rng, dropout_at_zero=False):
    """Fraction of simulated customers with a repeat purchase in (T - window, T]."""
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    kept = np.zeros(n, dtype=bool)
    alive = rng.uniform(size=n) >= p if dropout_at_zero else np.ones(n, dtype=bool)
    clock = np.zeros(n)
    t0 = max(0.0, T - window)
    while alive.any():
        clock = np.where(alive, clock + rng.exponential(1.0 / lam), clock)
        purchased = alive & (clock <= T)
        kept |= purchased & (clock > t0)
        alive = purchased & (rng.uniform(size=n) >= p)
    return kept.mean()


@pytest.mark.parametrize("dropout_at_zero", [False, True])
def test_selection_probability_is_the_probability_of_being_kept(dropout_at_zero):
    """The derivation itself: simulate the purchase process and count kept customers."""
    rng = np.random.default_rng(7)
    n = 200_000
    r, alpha, a, b = 0.8, 6.0, 0.9, 2.5
    function = (
        mbgnbd_log_selection_probability if dropout_at_zero else bgnbd_log_selection_probability
    )
    for T, window in [(30.0, 40.0), (60.0, 20.0), (150.0, 26.0)]:
        groups = selection_groups(np.array([T]), WindowSelection(window))
        exact = math.exp(
            function(
                pt.constant(r),
                pt.constant(alpha),
                pt.constant(a),
                pt.constant(b),
                groups.t0,
                groups.w_eff,
            ).eval()[0]
        )
        simulated = _monte_carlo_kept(r, alpha, a, b, T, window, n, rng, dropout_at_zero)
        se = math.sqrt(exact * (1 - exact) / n)
        assert abs(simulated - exact) < 4.5 * se, (T, window, simulated, exact)


def _selected_data():
    rng = np.random.default_rng(3)
    T = rng.choice([10.0, 20.0, 40.0, 60.0, 80.0], 400)
    x = rng.integers(1, 6, 400).astype(float)
    window = 26.0
    t_x = np.where(T > window, rng.uniform(T - window, T), rng.uniform(0, T))
    return pd.DataFrame({"customer_id": np.arange(400), "frequency": x, "recency": t_x, "T": T})


@pytest.mark.parametrize(
    ("naive_class", "corrected_class", "reference_model"),
    [
        (FastBetaGeoModel, SelectionAwareBetaGeoModel, "bgnbd"),
        (FastModifiedBetaGeoModel, SelectionAwareModifiedBetaGeoModel, "mbgnbd"),
    ],
)
def test_model_adds_minus_log_selection_probability_per_customer(
    naive_class, corrected_class, reference_model
):
    data = _selected_data()
    config = {k: p.to_pymc() for k, p in bgnbd_priors(BetaGeoPriors(), "weeks").items()}
    naive = naive_class(model_config=config)
    naive.build_model(data)
    corrected = corrected_class(model_config=config, window=26.0, interpolation_nodes=None)
    corrected.build_model(data)
    f_naive, f_corrected = naive.model.compile_logp(), corrected.model.compile_logp()
    rng = np.random.default_rng(1)
    for _ in range(3):
        point = {k: v + rng.normal(0, 0.5) for k, v in naive.model.initial_point().items()}
        params = [math.exp(point[f"{k}_log__"]) for k in ("r", "alpha", "a", "b")]
        T = data["T"].to_numpy()
        t0 = np.maximum(0.0, T - 26.0)
        expected = -sum(
            math.log(
                bgnbd_selection_probability_reference(*params, s, t - s, model=reference_model)
            )
            for s, t in zip(t0, T, strict=True)
        )
        difference = f_corrected(point) - f_naive(point)
        assert abs(difference - expected) <= 1e-8 * abs(expected)


def test_model_rejects_customers_the_rule_could_not_keep():
    data = _selected_data()
    data.loc[5, ["T", "recency"]] = [80.0, 10.0]  # last purchase 70 weeks before the end
    config = {k: p.to_pymc() for k, p in bgnbd_priors(BetaGeoPriors(), "weeks").items()}
    model = SelectionAwareBetaGeoModel(model_config=config, window=26.0)
    with pytest.raises(ValueError, match="1 customers do not meet the selection rule"):
        model.build_model(data)


def test_window_selection_validates_its_settings():
    with pytest.raises(ValueError, match="min_purchase_occasions must be 1 or 2"):
        WindowSelection(26.0, 3)
    with pytest.raises(ValueError, match="nothing to correct"):
        WindowSelection(None, 1)
    groups = selection_groups(np.array([10.0, 10.0, 40.0]), WindowSelection(26.0, 1))
    # First purchase inside the window with one occasion required: always kept, no term.
    np.testing.assert_array_equal(groups.t0, [14.0])
    np.testing.assert_array_equal(groups.counts, [1.0])


def test_spline_interpolated_term_matches_the_exact_sum():
    rng = np.random.default_rng(5)
    T = rng.uniform(1.0, 450.0, 3000).round(2)
    selection = WindowSelection(52.0)
    exact = selection_groups(T, selection)
    folded = selection_groups(T, selection, interpolation_nodes=48)
    # Window starts t0 > 0 fold onto 48 nodes; t0 = 0 (closed form, cheap) stays exact.
    assert (folded.t0 > 0).sum() == 48 and (exact.t0 > 0).sum() > 1000
    r, alpha, a, b = pt.dscalars("r", "alpha", "a", "b")

    def total(groups):
        log_kept = bgnbd_log_selection_probability(r, alpha, a, b, groups.t0, groups.w_eff)
        return pytensor.function([r, alpha, a, b], pt.sum(groups.counts * log_kept))

    f_exact, f_folded = total(exact), total(folded)
    for params in PARAMETER_POINTS[:5]:
        # About 1e-6 per customer at most (parameters with tiny alpha fare worse).
        assert abs(f_exact(*params) - f_folded(*params)) < 3e-6 * T.size
