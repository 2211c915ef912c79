"""Summary definitions on hand-made customers (x, t_x, T, monetary as in Fader, Hardie and Lee 2005)."""

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from flo_bayes.summary import build_flo_summary, build_transaction_summary

AD = date(2021, 6, 1)


def _log(rows):
    return pl.DataFrame(rows, schema=["customer_id", "date", "amount"], orient="row").lazy()


def test_transaction_summary_definitions():
    log = _log(
        [
            ("a", date(2021, 1, 4), 10.0),
            ("a", date(2021, 1, 4), 5.0),  # same day: one occasion worth 15
            ("a", date(2021, 1, 18), 30.0),
            ("a", date(2021, 2, 1), 60.0),
            ("b", date(2021, 3, 1), 99.0),  # single purchase
        ]
    )
    s = build_transaction_summary(log, AD, "weeks").collect()
    a = s.row(0, named=True)
    assert a["customer_id"] == "a"
    assert a["n_orders"] == 3 and a["x"] == 2  # repeat purchases = occasions - 1
    assert a["t_x"] == pytest.approx(4.0)  # first to last: 28 days
    assert a["T"] == pytest.approx((AD - date(2021, 1, 4)).days / 7)
    assert a["recency_days"] == (AD - date(2021, 2, 1)).days  # RFM recency, not t_x
    assert a["total_value"] == pytest.approx(105.0)
    assert a["gg_n"] == 2 and a["gg_mean"] == pytest.approx(45.0)  # mean of repeat occasions
    b = s.row(1, named=True)
    assert (b["x"], b["t_x"], b["gg_n"], b["gg_mean"]) == (0, 0.0, 0, 0.0)
    assert b["T"] == pytest.approx((AD - date(2021, 3, 1)).days / 7)


def test_transaction_summary_in_days_keeps_first_appearance_order():
    log = _log(
        [("z", date(2021, 5, 1), 1.0), ("y", date(2021, 4, 1), 2.0), ("z", date(2021, 5, 3), 3.0)]
    )
    s = build_transaction_summary(log, AD, "days").collect()
    assert s["customer_id"].to_list() == ["z", "y"]
    assert s.filter(pl.col("customer_id") == "z")["t_x"].item() == 2.0


def test_flo_summary_uses_totals_over_all_orders():
    frame = pl.DataFrame(
        {
            "customer_id": ["c"],
            "first_purchase": [date(2020, 6, 1)],
            "last_purchase": [date(2021, 5, 30)],
            "n_orders_online": [3],
            "n_orders_offline": [1],
            "value_online": [300.0],
            "value_offline": [100.0],
            "order_channel": ["Mobile"],
            "last_order_channel": ["Offline"],
            "categories_raw": ["[KADIN]"],
        }
    ).lazy()
    s = build_flo_summary(frame, AD, "weeks").collect().row(0, named=True)
    assert s["n_orders"] == 4 and s["x"] == 3
    assert s["t_x"] == pytest.approx((date(2021, 5, 30) - date(2020, 6, 1)).days / 7)
    assert s["T"] == pytest.approx((AD - date(2020, 6, 1)).days / 7)
    assert s["recency_days"] == 2
    assert s["gg_n"] == 4 and s["gg_mean"] == pytest.approx(100.0)  # total / all orders


def _busy_log(seed: int = 3) -> pl.DataFrame:
    """200 customers, 20,000 rows with amounts whose float sums depend on their order."""
    rng = np.random.default_rng(seed)
    n = 20_000
    return pl.DataFrame(
        {
            "customer_id": [f"c{i}" for i in rng.integers(0, 200, n)],
            "date": [date(2020, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 60, n)],
            "amount": rng.gamma(2.0, 37.3, n).round(2),
        }
    )


def test_transaction_summary_sums_do_not_depend_on_threads_or_row_order():
    """Float sums in a group-by change in the last bits from one call to the next (thread
    scheduling); the summary sums amounts in fixed point, so every call, and any order of a
    customer's rows, gives the same bits.
    """
    log = _busy_log()
    first = build_transaction_summary(log.lazy(), AD, "weeks").collect()
    for _ in range(5):
        again = build_transaction_summary(log.lazy(), AD, "weeks").collect()
        assert again.equals(first)
    shuffled = log.sample(fraction=1.0, shuffle=True, seed=11)
    reordered = build_transaction_summary(shuffled.lazy(), AD, "weeks").collect()
    aligned = reordered.sort("customer_id")
    expected = first.sort("customer_id")
    for column in ("total_value", "gg_mean", "n_orders"):
        assert aligned[column].to_list() == expected[column].to_list(), column
    # And the streaming engine (the large-log path) gives the same bits as in memory.
    streamed = build_transaction_summary(log.lazy(), AD, "weeks").collect(engine="streaming")
    assert streamed.equals(first)


def test_transaction_summary_totals_are_exact_decimal_sums():
    """Ten 0.1 purchases on one day are one occasion worth exactly 1.0 (float gives 0.9999...)."""
    log = _log([("a", date(2021, 1, 4), 0.1)] * 10 + [("a", date(2021, 1, 5), 0.7)] * 3)
    row = build_transaction_summary(log, AD, "days").collect().row(0, named=True)
    assert np.cumsum([0.1] * 10)[-1] != 1.0  # plain left-to-right float addition
    assert row["total_value"] == 3.1
    assert row["gg_mean"] == 2.1
