"""Segment and tier profiles."""

import polars as pl
import pytest

from flo_bayes.segmentation.categories import parse_categories
from flo_bayes.segmentation.profiles import build_profiles, profile_summary


def _customers() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "segment": ["a", "a", "b", "b", "b"],
            "recency_days": [10, 20, 30, 40, 50],
            "n_orders": [2, 4, 3, 3, 6],
            "total_value": [100.0, 300.0, 50.0, 50.0, 200.0],
            "n_orders_online": [1, 3, 1, 2, 3],
            "n_orders_offline": [1, 1, 2, 1, 3],
            "value_online": [50.0, 150.0, 10.0, 40.0, 100.0],
            "value_offline": [50.0, 150.0, 40.0, 10.0, 100.0],
            "order_channel": ["Mobile", "Desktop", "Mobile", "Mobile", "Ios App"],
            "categories": parse_categories(
                pl.Series(["[KADIN]", "[KADIN, ERKEK]", "[]", "[COCUK]", "[AKTIFCOCUK]"])
            ),
        }
    )


def test_summary_shares_and_metrics():
    s = profile_summary(_customers(), "segment")
    assert s["share"].sum() == pytest.approx(1.0)
    a = s.row(0, named=True)
    assert a["n_customers"] == 2
    assert a["recency_mean"] == 15 and a["frequency_total"] == 6
    assert a["monetary_total"] == 400.0
    assert "recency_total" not in s.columns  # a sum of days since the last purchase means nothing
    assert a["online_order_share"] == pytest.approx(4 / 6)
    assert a["online_order_share"] + a["offline_order_share"] == pytest.approx(1.0)


def test_mixes():
    p = build_profiles(_customers(), "segment")
    mix = p.order_channel_mix
    assert mix.group_by("segment").agg(pl.col("share").sum())["share"].to_list() == pytest.approx(
        [1, 1]
    )
    cat = p.category_mix.filter(pl.col("segment") == "a")
    assert dict(cat.select("category", "share_of_customers").iter_rows()) == {
        "ERKEK": 0.5,
        "KADIN": 1.0,
    }
    b = p.category_mix.filter(pl.col("segment") == "b")
    assert "(none)" in b["category"].to_list()
    assert b["share_of_mentions"].sum() == pytest.approx(1.0)
    assert p.last_order_channel_mix is None


def test_transaction_log_input_without_flo_columns():
    c = _customers().select("segment", "recency_days", "n_orders", "total_value")
    p = build_profiles(c, "segment")
    assert "online_order_share" not in p.summary.columns
    assert p.category_mix is None and p.order_channel_mix is None
