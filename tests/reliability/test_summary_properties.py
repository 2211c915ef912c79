"""Property tests of the transaction-log summary: random logs against a plain-Python reference."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flo_bayes.summary import SUMMARY_COLUMNS, build_transaction_summary

START = date(2020, 1, 1)
SPAN_DAYS = 400
ANALYSIS_DATE = START + timedelta(days=SPAN_DAYS)
DAYS_PER = {"days": 1.0, "weeks": 7.0}

transaction = st.tuples(
    st.sampled_from([f"c{i}" for i in range(8)]),
    st.integers(min_value=0, max_value=SPAN_DAYS),
    st.one_of(
        st.floats(min_value=0.01, max_value=5_000, allow_nan=False, allow_infinity=False),
        st.just(0.0),
    ),
)
logs = st.lists(transaction, min_size=1, max_size=60)


def summarise(log: list[tuple[str, int, float]], unit: str) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "customer_id": [c for c, _, _ in log],
            "date": [START + timedelta(days=d) for _, d, _ in log],
            "amount": [a for _, _, a in log],
        },
        schema={"customer_id": pl.Utf8, "date": pl.Date, "amount": pl.Float64},
    )
    return build_transaction_summary(frame.lazy(), ANALYSIS_DATE, unit).collect()


def reference(log: list[tuple[str, int, float]]) -> dict[str, dict]:
    """Occasions = distinct (customer, day); Gamma-Gamma mean = mean of the repeat occasions."""
    occasions: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for customer, day, amount in log:
        occasions[customer][day] += amount
    out = {}
    for customer, days in occasions.items():
        ordered = sorted(days)
        repeat = [days[d] for d in ordered[1:]]
        out[customer] = {
            "n_orders": len(ordered),
            "first": ordered[0],
            "last": ordered[-1],
            "total": sum(days.values()),
            "repeat_mean": sum(repeat) / len(repeat) if repeat else 0.0,
        }
    return out


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(log=logs, unit=st.sampled_from(["days", "weeks"]))
def test_summary_invariants(log, unit):
    summary = summarise(log, unit)
    assert summary.columns == list(SUMMARY_COLUMNS)
    rows = summary.to_dicts()
    for row in rows:
        assert row["x"] >= 0
        assert row["x"] == row["n_orders"] - 1
        assert 0 <= row["t_x"] <= row["T"]
        if row["x"] == 0:
            assert row["t_x"] == 0
            assert row["gg_n"] == 0
        assert row["gg_n"] == row["x"]
        assert row["gg_mean"] >= 0
        assert row["first_purchase"] <= row["last_purchase"] <= ANALYSIS_DATE
        assert row["recency_days"] >= 0
    # Totals of the summary equal the log's totals.
    assert summary["customer_id"].is_unique().all()
    assert summary.height == len({c for c, _, _ in log})
    assert summary["n_orders"].sum() == len({(c, d) for c, d, _ in log})
    rounding = 5e-7 * len(log) + 1e-12  # 6-decimal fixed-point sums (summary.AMOUNT_DECIMAL)
    assert summary["total_value"].sum() == pytest.approx(
        sum(a for _, _, a in log), rel=1e-12, abs=rounding
    )
    # Order of first appearance in the log.
    assert summary["customer_id"].to_list() == list(dict.fromkeys(c for c, _, _ in log))


@settings(max_examples=150, deadline=None, database=None)
@given(log=logs, unit=st.sampled_from(["days", "weeks"]))
def test_summary_matches_reference(log, unit):
    summary = summarise(log, unit)
    expected = reference(log)
    per_unit = DAYS_PER[unit]
    for row in summary.to_dicts():
        ref = expected[row["customer_id"]]
        assert row["n_orders"] == ref["n_orders"]
        assert row["t_x"] == pytest.approx((ref["last"] - ref["first"]) / per_unit)
        assert row["T"] == pytest.approx((SPAN_DAYS - ref["first"]) / per_unit)
        assert row["recency_days"] == SPAN_DAYS - ref["last"]
        # Amounts are summed as 6-decimal fixed point (summary.AMOUNT_DECIMAL): each is
        # rounded by at most 5e-7 on the way.
        rounding = 5e-7 * len(log) + 1e-12
        assert row["total_value"] == pytest.approx(ref["total"], rel=1e-12, abs=rounding)
        assert row["gg_mean"] == pytest.approx(ref["repeat_mean"], rel=1e-12, abs=rounding)


@settings(max_examples=150, deadline=None, database=None)
@given(
    log=st.lists(
        st.tuples(
            st.sampled_from([f"c{i}" for i in range(8)]),
            st.integers(min_value=0, max_value=SPAN_DAYS),
            st.floats(min_value=0.01, max_value=5_000, allow_nan=False, allow_infinity=False),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_monetary_positive_when_amounts_positive(log):
    summary = summarise(log, "weeks")
    repeat_buyers = summary.filter(pl.col("gg_n") > 0)
    assert (repeat_buyers["gg_mean"] > 0).all()
    assert (summary["total_value"] > 0).all()
