"""Degenerate spend data stop the Gamma-Gamma fit (or warn) instead of a silent p ~ 1e12."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from flo_bayes.diagnostics.spend_checks import (
    MIN_SPEND_CUSTOMERS,
    require_identifiable_spend,
    spend_variation,
    spend_warnings,
)
from flo_bayes.errors import DataError


def _summary(means, gg_n=3) -> pl.DataFrame:
    means = np.asarray(means, dtype=float)
    return pl.DataFrame({"gg_n": np.full(means.size, gg_n), "gg_mean": means})


def test_constant_amounts_stop_with_purchase_only_advice():
    with pytest.raises(DataError, match="amounts are constant.*purchase-only mode"):
        require_identifiable_spend(_summary(np.full(200, 25.0)))


def test_too_few_repeat_buyers_stop():
    rng = np.random.default_rng(1)
    with pytest.raises(DataError, match=f"only {MIN_SPEND_CUSTOMERS - 1} customers"):
        require_identifiable_spend(_summary(rng.gamma(2.0, 10.0, MIN_SPEND_CUSTOMERS - 1)))


def test_one_time_buyers_and_zero_means_do_not_count():
    frame = pl.concat(
        [_summary(np.full(5, 10.0), gg_n=0), _summary(np.zeros(50)), _summary([10.0, 30.0])]
    )
    n, cv = spend_variation(frame)
    assert n == 2
    assert cv == pytest.approx(0.5)  # std(10, 30) / mean = 10 / 20


def test_varied_spend_passes_without_warning():
    rng = np.random.default_rng(2)
    frame = _summary(rng.gamma(3.0, 20.0, 500))
    require_identifiable_spend(frame)
    assert spend_warnings(frame) == []


def test_near_constant_spend_warns():
    rng = np.random.default_rng(3)
    frame = _summary(100.0 * (1 + 0.01 * rng.standard_normal(300)))
    require_identifiable_spend(frame)  # not constant: it may be fitted ...
    (warning,) = spend_warnings(frame)  # ... but the analyst is told
    assert warning["code"] == "near_constant_spend"
    assert "purchase-only" in warning["message"]


def test_fit_stops_on_constant_amounts_before_sampling():
    from flo_bayes.config import Config
    from flo_bayes.workflow.fit import fit_models

    n = 100
    summary = pl.DataFrame(
        {
            "customer_id": [str(i) for i in range(n)],
            "x": np.full(n, 2),
            "t_x": np.full(n, 10.0),
            "T": np.full(n, 30.0),
            "gg_n": np.full(n, 2),
            "gg_mean": np.full(n, 1.0),  # every order written as 1
        }
    )
    with pytest.raises(DataError, match="amounts are constant"):
        fit_models(summary, Config())
