"""Purchase-only logs (customer_id,date): read without an amount column, valued per purchase."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from flo_bayes.config import Config, config_from_dict
from flo_bayes.config.schema import TransactionLayout
from flo_bayes.errors import DataError
from flo_bayes.io.load import prepare_input
from flo_bayes.io.transaction_loader import load_transactions


def _config(**transactions) -> Config:
    return config_from_dict(
        {
            "data": {"format": "transactions", "transactions": transactions},
            "analysis": {"analysis_date": "2021-01-31"},
        }
    )


LOG = (
    "customer_id,date\n"
    "a,2021-01-01\n"
    "a,2021-01-01\n"  # same day: one occasion
    "a,2021-01-15\n"
    "b,2021-01-10\n"
    ",2021-01-11\n"  # rejected: no customer id
    "b,2021-02-10\n"  # after the analysis date
)


def test_log_without_amount_column_is_read_as_purchases(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(LOG, encoding="utf-8")
    loaded = load_transactions(path, TransactionLayout(value_per_purchase=2.5))
    assert loaded.purchases_only
    assert loaded.frame.height == 5
    assert loaded.frame["amount"].to_list() == [2.5] * 5
    assert loaded.rejected["reason_codes"].to_list() == ["missing_customer_id"]
    assert loaded.rows_read == loaded.frame.height + loaded.rejected.height


def test_purchase_only_summary_values_each_occasion_once(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text(LOG, encoding="utf-8")
    prepared = prepare_input(path, _config(value_per_purchase=3.0))
    assert prepared.purchases_only
    summary = prepared.summary.sort("customer_id")
    assert summary["n_orders"].to_list() == [2, 1]
    # Two same-day rows are one occasion, worth one purchase's value, not two.
    assert summary["total_value"].to_list() == [6.0, 3.0]
    assert summary["gg_mean"].to_list() == [3.0, 0.0]
    assert prepared.analysis_date == date(2021, 1, 31)


def test_log_with_amounts_is_not_purchase_only(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("customer_id,date,Amount\na,2021-01-01,5\n", encoding="utf-8")
    loaded = load_transactions(path, TransactionLayout())
    assert not loaded.purchases_only  # 'Amount' is taken for 'amount' (case)
    assert loaded.frame["amount"].to_list() == [5.0]


def test_headerless_log_without_amount_in_column_names(tmp_path):
    path = tmp_path / "log.txt"
    path.write_text("a;20210101\nb;20210102\n", encoding="utf-8")
    layout = TransactionLayout(
        delimiter=";", has_header=False, column_names=["customer_id", "date"], date_format="%Y%m%d"
    )
    loaded = load_transactions(path, layout)
    assert loaded.purchases_only
    assert loaded.frame["customer_id"].to_list() == ["a", "b"]


def test_parquet_purchase_only_log(tmp_path):
    path = tmp_path / "events.parquet"
    pl.DataFrame(
        {"customer_id": ["a", "b"], "date": [date(2021, 1, 1), date(2021, 1, 2)]}
    ).write_parquet(path)
    loaded = load_transactions(path, TransactionLayout())
    assert loaded.purchases_only
    assert loaded.frame["amount"].to_list() == [1.0, 1.0]


def test_missing_date_column_still_stops(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("customer_id,amount\na,5\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing column.*'date'"):
        load_transactions(path, TransactionLayout())


def test_value_per_purchase_must_be_positive():
    with pytest.raises(ValueError, match="value_per_purchase"):
        TransactionLayout(value_per_purchase=0)
