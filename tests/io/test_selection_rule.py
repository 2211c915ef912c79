"""``[data.selection]`` on the input: a log is cut to the extract, every row accounted for."""

from datetime import date

import polars as pl
import pytest

from flo_bayes.config import Config
from flo_bayes.errors import DataError
from flo_bayes.io.load import prepare_input
from flo_bayes.io.selection_rule import OUTSIDE_SELECTION_RULE
from flo_bayes.workflow.load import input_record

LOG = """customer_id,date,amount
kept,2021-01-05,10.0
kept,2021-03-01,12.5
kept,2021-05-20,8.0
one_order,2021-04-01,20.0
stale,2020-09-01,5.0
stale,2021-01-10,6.0
kept,2021-06-15,9.0
stale,2021-06-20,4.0
same_day_only,2021-04-02,3.0
same_day_only,2021-04-02,4.0
two_in_window,2021-02-10,7.0
two_in_window,2021-02-11,7.0
"""


def _config(min_occasions: int = 2) -> Config:
    return Config(
        data={
            "format": "transactions",
            "selection": {
                "last_purchase_on_or_after": "2021-02-01",
                "min_purchase_occasions": min_occasions,
            },
        },
        analysis={"analysis_date": "2021-06-01"},
    )


def test_log_is_cut_to_the_extract_and_every_row_is_accounted_for(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    prepared = prepare_input(path, _config())
    assert prepared.summary["customer_id"].to_list() == ["kept", "two_in_window"]
    loaded = prepared.loaded
    assert loaded.rows_read == 12 == loaded.frame.height + loaded.rejected.height
    outside = loaded.rejected.filter(pl.col("reason_codes") == OUTSIDE_SELECTION_RULE)
    # one_order (1 occasion), stale (last purchase before the window: 2 rows before the
    # analysis date), same_day_only (2 rows, 1 occasion); the rows after the analysis date
    # stay "after_analysis_date" whoever they belong to.
    assert sorted(outside["line_number"].to_list()) == [5, 6, 7, 10, 11]
    assert loaded.rejected.filter(pl.col("reason_codes") == "after_analysis_date").height == 2
    assert "[data.selection]" in outside["details"][0]
    record = input_record(path, _config(), prepared)
    assert record["selection"]["rows_outside_rule"] == 5
    assert record["selection"]["customers_kept"] == 2
    assert record["selection"]["window_length"] == pytest.approx(
        (date(2021, 6, 1) - date(2021, 2, 1)).days / 7
    )


def test_min_one_occasion_keeps_single_buyers_in_the_window(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    kept = prepare_input(path, _config(min_occasions=1)).summary["customer_id"].to_list()
    assert kept == ["kept", "one_order", "same_day_only", "two_in_window"]


def test_a_rule_that_keeps_no_one_says_so(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("customer_id,date,amount\nx,2020-01-01,1.0\nx,2020-02-01,1.0\n")
    with pytest.raises(DataError, match=r"no customer meets \[data.selection\]"):
        prepare_input(path, _config())
