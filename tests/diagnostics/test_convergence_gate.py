"""The convergence gate: every threshold decides on its own, failures name what failed."""

from __future__ import annotations

import math

import polars as pl
import pytest

from flo_bayes.config import ConvergenceGate
from flo_bayes.diagnostics.convergence import SamplerStats, evaluate_gate

GATE = ConvergenceGate()  # r_hat <= 1.01, ess_bulk/tail >= 400, 0 divergences, e_bfmi >= 0.3


def _summary(**overrides: float) -> pl.DataFrame:
    row = {"model": "bgnbd", "parameter": "r", "r_hat": 1.0, "ess_bulk": 1000.0}
    row |= {"ess_tail": 1000.0} | overrides
    other = {"model": "gamma_gamma", "parameter": "p", "r_hat": 1.002}
    other |= {"ess_bulk": 900.0, "ess_tail": 800.0}
    return pl.DataFrame([row, other])


def _stats(divergences: int = 0, e_bfmi: tuple[float, ...] = (0.9, 1.1)) -> SamplerStats:
    return SamplerStats(
        divergences=divergences,
        e_bfmi=list(e_bfmi),
        max_tree_depth_hits=0,
        mean_leapfrog_steps=7.0,
        draws=300,
        chains=len(e_bfmi),
    )


def _gate(summary: pl.DataFrame, **bgnbd_stats) -> object:
    return evaluate_gate(summary, {"bgnbd": _stats(**bgnbd_stats), "gamma_gamma": _stats()}, GATE)


def test_a_clean_fit_passes_every_check():
    result = _gate(_summary())
    assert result.passed and result.failures == []
    # 3 checks per parameter (2 parameters) + 2 per model (2 models).
    assert len(result.checks) == 3 * 2 + 2 * 2


def test_thresholds_are_inclusive():
    result = _gate(_summary(r_hat=1.01, ess_bulk=400.0, ess_tail=400.0), e_bfmi=(0.3, 0.5))
    assert result.passed


@pytest.mark.parametrize(
    ("summary", "stats", "target", "check"),
    [
        ({"r_hat": 1.0101}, {}, "bgnbd.r", "r_hat"),
        ({"ess_bulk": 399.0}, {}, "bgnbd.r", "ess_bulk"),
        ({"ess_tail": 12.0}, {}, "bgnbd.r", "ess_tail"),
        ({}, {"divergences": 1}, "bgnbd", "divergences"),
        ({}, {"e_bfmi": (0.9, 0.29)}, "bgnbd", "e_bfmi_min"),
        ({"r_hat": math.nan}, {}, "bgnbd.r", "r_hat"),  # an undefined R-hat never passes
    ],
)
def test_each_threshold_alone_fails_the_gate(summary, stats, target, check):
    result = _gate(_summary(**summary), **stats)
    assert not result.passed
    assert [(f["target"], f["check"]) for f in result.failures] == [(target, check)]


def test_failures_carry_value_and_rule_for_the_manifest():
    result = _gate(_summary(ess_bulk=150.0))
    (failure,) = result.failures
    assert failure["value"] == 150.0 and failure["rule"] == ">= 400"
    assert result.to_dict()["passed"] is False
