"""FLO's real file: segment counts and the classic target lists against plain pandas."""

from datetime import timedelta
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from flo_bayes.config.defaults import classic_flo_target_lists
from flo_bayes.segmentation import (
    parse_categories,
    segment_customers,
    target_list_sizes,
)

FLO_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "flo_data_20k.csv"

CLASSIC_SEG_MAP = {
    r"[1-2][1-2]": "hibernating",
    r"[1-2][3-4]": "at_risk",
    r"[1-2]5": "cant_loose",
    r"3[1-2]": "about_to_sleep",
    r"33": "need_attention",
    r"[3-4][4-5]": "loyal_customers",
    r"41": "promising",
    r"51": "new_customers",
    r"[4-5][2-3]": "potential_loyalists",
    r"5[4-5]": "champions",
}


def _require_flo() -> Path:
    if not FLO_CSV.exists():
        pytest.skip(f"FLO data file not found at {FLO_CSV} (shared reference data is absent)")
    return FLO_CSV


def flo_summary_polars(path: Path) -> pl.DataFrame:
    """Customer summary frame in the summary-builder contract, built directly from the CSV."""
    raw = pl.read_csv(path, try_parse_dates=False).with_columns(
        pl.col("last_order_date").str.to_date("%Y-%m-%d")
    )
    analysis_date = raw.get_column("last_order_date").max() + timedelta(days=2)
    return raw.select(
        pl.col("master_id").alias("customer_id"),
        (pl.lit(analysis_date) - pl.col("last_order_date")).dt.total_days().alias("recency_days"),
        (pl.col("order_num_total_ever_online") + pl.col("order_num_total_ever_offline"))
        .cast(pl.Int64)
        .alias("n_orders"),
        (
            pl.col("customer_value_total_ever_online") + pl.col("customer_value_total_ever_offline")
        ).alias("total_value"),
        pl.col("order_num_total_ever_online").cast(pl.Int64).alias("n_orders_online"),
        pl.col("order_num_total_ever_offline").cast(pl.Int64).alias("n_orders_offline"),
        pl.col("customer_value_total_ever_online").alias("value_online"),
        pl.col("customer_value_total_ever_offline").alias("value_offline"),
        pl.col("order_channel"),
        pl.col("last_order_channel"),
        parse_categories(pl.col("interested_in_categories_12")).alias("categories"),
    )


def flo_rfm_pandas(path: Path) -> pd.DataFrame:
    """The analysts' classic pandas recipe, written independently of the package."""
    df = pd.read_csv(path)
    df["last_order_date"] = pd.to_datetime(df["last_order_date"])
    analysis_date = df["last_order_date"].max() + pd.Timedelta(days=2)
    rfm = pd.DataFrame({"customer_id": df["master_id"]})
    rfm["recency"] = (analysis_date - df["last_order_date"]).dt.days
    rfm["frequency"] = df["order_num_total_ever_online"] + df["order_num_total_ever_offline"]
    rfm["monetary"] = (
        df["customer_value_total_ever_online"] + df["customer_value_total_ever_offline"]
    )
    rfm["recency_score"] = pd.qcut(rfm["recency"], 5, labels=[5, 4, 3, 2, 1]).astype(int)
    rfm["frequency_score"] = pd.qcut(
        rfm["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5]
    ).astype(int)
    rfm["monetary_score"] = pd.qcut(rfm["monetary"], 5, labels=[1, 2, 3, 4, 5]).astype(int)
    rfm["RF_SCORE"] = rfm["recency_score"].astype(str) + rfm["frequency_score"].astype(str)
    rfm["segment"] = rfm["RF_SCORE"].replace(CLASSIC_SEG_MAP, regex=True)
    rfm["categories"] = df["interested_in_categories_12"]
    return rfm


@pytest.fixture(scope="module")
def flo_frames():
    path = _require_flo()
    customers = segment_customers(flo_summary_polars(path))
    return customers, flo_rfm_pandas(path)


def test_flo_segment_counts_match_pandas(flo_frames):
    customers, rfm = flo_frames
    ours = {
        row["segment"]: row["count"]
        for row in customers.get_column("segment").cast(pl.Utf8).value_counts().to_dicts()
    }
    theirs = rfm["segment"].value_counts().to_dict()
    assert ours == theirs
    assert sum(ours.values()) == 19_945


def test_flo_scores_match_pandas_per_customer(flo_frames):
    customers, rfm = flo_frames
    assert customers.get_column("customer_id").to_list() == rfm["customer_id"].tolist()
    for col in ("recency_score", "frequency_score", "monetary_score"):
        assert customers.get_column(col).to_list() == rfm[col].tolist(), col
    assert customers.get_column("rf_score").to_list() == rfm["RF_SCORE"].tolist()


def _tokens(text: str) -> set[str]:
    return {t.strip() for t in text.strip("[]").split(",") if t.strip()}


def test_flo_classic_target_lists(flo_frames):
    customers, rfm = flo_frames
    sizes = dict(
        target_list_sizes(customers, classic_flo_target_lists())
        .select("target_list", "n_customers")
        .iter_rows()
    )
    cats = rfm["categories"].map(_tokens)
    women = rfm["segment"].isin(["champions", "loyal_customers"]) & cats.map(lambda s: "KADIN" in s)
    discount = rfm["segment"].isin(["at_risk", "cant_loose", "new_customers"]) & cats.map(
        lambda s: bool(s & {"ERKEK", "COCUK"})
    )
    assert sizes == {
        "new_womens_shoe_brand": int(women.sum()),
        "mens_kids_discount_40": int(discount.sum()),
    }
    print(f"\nFLO classic target lists: {sizes}")
