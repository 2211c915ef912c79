"""Data warnings fire on the situations they describe, and only then."""

import polars as pl

from flo_bayes.diagnostics.data_warnings import data_warnings


def _prior_check(ratio):
    return pl.DataFrame(
        {
            "model": ["bgnbd"],
            "parameter": ["b"],
            "prior_median": [3.0],
            "posterior_mean": [5.0],
            "posterior_sd": [ratio * 2.0],
            "posterior_to_prior_sd": [ratio],
            "prior_dominates": [ratio > 0.5],
        }
    )


def _customers(n=200, p_alive=0.5, x=None):
    x = x if x is not None else [i % 3 for i in range(n)]
    return pl.DataFrame(
        {
            "p_alive": [p_alive] * n,
            "x": x,
            "t_x": [float(v) for v in x],
            "T": [50.0] * n,
            "gg_n": [v + 1 for v in x],
            "gg_mean": [100.0] * n,
        }
    )


def codes(customers, prior_check):
    return {w["code"] for w in data_warnings(customers, prior_check)}


def test_clean_data_give_no_warnings():
    assert codes(_customers(), _prior_check(0.1)) == set()


def test_each_warning_fires():
    assert "dropout_weakly_identified" in codes(_customers(p_alive=0.99), _prior_check(0.1))
    assert "prior_dominates" in codes(_customers(), _prior_check(0.8))
    assert "weakly_identified_parameter" in codes(_customers(), _prior_check(5.0))
    assert "no_single_purchase_customers" in codes(_customers(x=[1, 2] * 100), _prior_check(0.1))
    repeat_same_day = _customers().with_columns(pl.lit(0.0).alias("t_x"))
    assert "repeat_purchases_on_first_day" in codes(repeat_same_day, _prior_check(0.1))
    outlier = _customers().with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(1e6).otherwise(pl.col("gg_mean")).alias("gg_mean")
    )
    assert "extreme_spend" in codes(outlier, _prior_check(0.1))
    t_zero = _customers().with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(0.0).otherwise(pl.col("T")).alias("T")
    )
    assert "customers_with_T_zero" in codes(t_zero, _prior_check(0.1))


def test_warnings_name_the_selection_rule_the_fit_conditions_on():
    rule = ">= 2 purchase occasion(s), last purchase on or after 2020-05-30"
    repeaters = _customers(x=[1, 2] * 100)
    plain = {w["code"]: w["message"] for w in data_warnings(repeaters, _prior_check(0.1))}
    assert "set [data.selection]" in plain["no_single_purchase_customers"]
    found = {w["code"]: w["message"] for w in data_warnings(repeaters, _prior_check(0.1), rule)}
    assert f"conditions on its selection rule ({rule})" in found["no_single_purchase_customers"]
    # P(alive) comes from the corrected fit; if it is still near 1 the warning says so.
    near_one = _customers(p_alive=0.99, x=[1, 2] * 100)
    still = {w["code"]: w["message"] for w in data_warnings(near_one, _prior_check(0.1), rule)}
    assert (
        "even with the fit conditioned on the selection rule" in still["dropout_weakly_identified"]
    )
    assert "dropout_weakly_identified" not in found
