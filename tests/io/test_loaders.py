"""Loader errors and row accounting on small hand-made files (the full bad-input corpus is separate)."""

from datetime import date
from pathlib import Path

import pytest

from flo_bayes.config import Config, TransactionLayout
from flo_bayes.errors import DataError
from flo_bayes.io.flo_loader import FLO_COLUMNS, load_flo
from flo_bayes.io.load import prepare_input
from flo_bayes.io.transaction_loader import load_transactions

HEADER = ",".join(FLO_COLUMNS)
GOOD = (
    'id1,Mobile,Offline,2020-01-01,2021-05-01,2021-04-01,2021-05-01,2.0,1.0,100.0,200.0,"[KADIN]"'
)


def _write(tmp_path: Path, text: str, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def _accounted(loaded):
    assert loaded.rows_read == loaded.frame.height + loaded.rejected.height


def test_flo_missing_column_names_file_and_column(tmp_path):
    path = _write(tmp_path, HEADER.replace("last_order_date_offline,", "") + "\n")
    with pytest.raises(DataError) as caught:
        load_flo(path)
    assert str(path) in str(caught.value) and "'last_order_date_offline'" in str(caught.value)


def test_flo_wrong_delimiter_is_explained(tmp_path):
    path = _write(tmp_path, HEADER.replace(",", ";") + "\n" + GOOD.replace(",", ";") + "\n")
    with pytest.raises(DataError, match="delimiter"):
        load_flo(path)


def test_empty_and_non_utf8_files(tmp_path):
    with pytest.raises(DataError, match="empty"):
        load_flo(_write(tmp_path, ""))
    bad = (HEADER + "\n" + GOOD.replace("id1", "idé") + "\n").encode("latin-1")
    with pytest.raises(DataError, match="line 2: .* not valid UTF-8"):
        load_flo(_write(tmp_path, bad, "latin.csv"))


def test_flo_bad_rows_are_rejected_with_reasons(tmp_path):
    rows = [
        GOOD,
        GOOD.replace("id1", "id2").replace("2020-01-01", "01/02/2020"),  # bad date
        GOOD.replace("id1", "id3").replace("2.0,1.0", "-1.0,1.0"),  # negative count
        GOOD.replace("id1", "id4").replace("2020-01-01", "2021-05-20"),  # last before first
        GOOD,  # duplicate id1
    ]
    loaded = load_flo(_write(tmp_path, "\ufeff" + HEADER + "\n" + "\n".join(rows) + "\n"))
    _accounted(loaded)
    assert loaded.frame["customer_id"].to_list() == ["id1"]
    reasons = dict(
        zip(loaded.rejected["line_number"], loaded.rejected["reason_codes"], strict=True)
    )
    assert reasons[3] == "unparseable_date"
    assert reasons[4].startswith("invalid_order_count")
    assert "last_before_first" in reasons[5].split("; ")
    assert reasons[6] == "duplicate_row"
    assert (
        "first_order_date"
        in loaded.rejected.filter(loaded.rejected["line_number"] == 3)["columns"].item()
    )


def test_transactions_returns_rejected_zero_kept_and_holdout_accounted(tmp_path):
    text = "customer_id,date,amount\na,2021-01-01,10\na,2021-02-01,0\na,2021-03-01,-5\nb,2021-01-05,abc\nb,2021-07-01,20\n"
    path = _write(tmp_path, text)
    loaded = load_transactions(path, TransactionLayout())
    _accounted(loaded)
    assert loaded.rejected["reason_codes"].to_list() == ["negative_amount", "invalid_amount"]
    config = Config().model_copy(
        update={
            "data": Config().data.model_copy(update={"format": "transactions"}),
            "analysis": Config().analysis.model_copy(update={"analysis_date": date(2021, 6, 1)}),
        }
    )
    prepared = prepare_input(path, config)
    _accounted(prepared.loaded)
    assert prepared.loaded.row_counts["rejected_by_reason"] == {
        "after_analysis_date": 1,
        "invalid_amount": 1,
        "negative_amount": 1,
    }
    assert prepared.summary["customer_id"].to_list() == ["a"]
    assert prepared.summary["n_orders"].item() == 2  # the zero-value purchase counts as an occasion


def test_quoted_reader_paths_agree(tmp_path):
    """Polars' reader (every line closes its quotes) and the csv-module fallback give one frame."""
    from polars.testing import assert_frame_equal

    from flo_bayes.io import raw_text

    text = 'a,b,c\n"1","x, y",3\n\n4,5\n"6",7,8,9\n,,\n"say ""hi""",2,3\n'
    lines = raw_text.split_lines(text)
    fast, fast_header = raw_text._read_quoted(text, lines, ",", True, tmp_path / "f.csv")
    slow, slow_header = raw_text._read_with_csv_module(text, lines, ",", True, tmp_path / "f.csv")
    assert fast_header == slow_header == ["a", "b", "c"]
    assert_frame_equal(
        raw_text._finish(fast, fast_header), raw_text._finish(slow, slow_header), check_dtypes=False
    )


def test_rows_read_is_the_number_of_lines_after_the_header(tmp_path):
    body = [GOOD, "", GOOD.replace("id1", "id2"), ",,,", "x"]
    path = _write(tmp_path, HEADER + "\r\n" + "\r\n".join(body) + "\r\n")
    loaded = load_flo(path)
    _accounted(loaded)
    assert loaded.rows_read == len(body)
    assert loaded.rejected["line_number"].to_list() == [3, 5, 6]
    assert loaded.rejected["reason_codes"].to_list() == [
        "empty_row",
        "empty_row",
        "wrong_field_count",
    ]


def test_header_only_is_refused(tmp_path):
    with pytest.raises(DataError, match="header but no data rows"):
        load_transactions(_write(tmp_path, "customer_id,date,amount\n"), TransactionLayout())


def test_broken_accounting_is_an_internal_error(tmp_path):
    import polars as pl

    from flo_bayes.io.inputs import LoadedInput
    from flo_bayes.io.rejections import empty_rejections

    with pytest.raises(RuntimeError, match="row accounting broken"):
        LoadedInput(
            frame=pl.DataFrame({"a": [1]}),
            rejected=empty_rejections(),
            rows_read=2,
            path=tmp_path / "x.csv",
            format="flo",
            date_column="a",
        )
