"""Bad-input corpus for transaction logs (customer, date, amount), run through `flo-bayes validate`.

Same contract as the FLO corpus: refused with exit code 2 and a message naming file, line,
column and what to do, or bad rows rejected with a reason code while the rest are used; the
``validate`` fixture checks the row accounting in every case. FLO-only cases (last order before
first, order counts) have no counterpart in a log, which has one date and no count column.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from flo_bayes.config import Config, TransactionLayout
from flo_bayes.io.load import prepare_input
from flo_bayes.io.transaction_loader import load_transactions

HEADER = "customer_id,date,amount"
TX = {"data_format": "transactions"}
CDNOW_LAYOUT = {
    "data": {
        "transactions": {
            "delimiter": "whitespace",
            "has_header": False,
            "column_names": ["customer_id", "sample_id", "date", "n_cds", "amount"],
            "date_format": "%Y%m%d",
        }
    }
}


def text(*body: str, header: str = HEADER) -> str:
    return "\n".join([header, *body]) + "\n"


def write(tmp_path, content: str | bytes, name: str = "log.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


REFUSED = {
    "empty file": (b"", ["input file is empty"]),
    "header only": (text(), ["header but no data rows"]),
    # (a log without the amount column is read as purchases only: tests/io/test_purchase_only.py)
    "missing column": (
        text("a,10", header="customer_id,amount"),
        ["missing column(s) 'date'", "customer, date and amount"],
    ),
    "semicolon delimiter": (
        text("a;2021-01-01;10", header=HEADER.replace(",", ";")),
        ["only one column found", "delimiter"],
    ),
    "space separated with the comma layout": (
        text("a 2021-01-01 10", header=HEADER.replace(",", " ")),
        ["only one column found", 'delimiter = "whitespace"'],
    ),
    "non-UTF-8 bytes": (
        text("a,2021-01-01,10", "m\xfcller,2021-01-02,5").encode("cp1254"),
        ["line 3", "not valid UTF-8", "CSV UTF-8"],
    ),
    "every date in another format": (
        text("a,01/02/2021,10", "b,15/02/2021,5"),
        ["no usable rows", "unparseable_date: 2", "line 2", "column date", "date_format"],
    ),
    "every amount a return": (
        text("a,2021-01-01,-10", "b,2021-01-02,-5"),
        ["no usable rows", "negative_amount: 2", "line 2", "column amount", "a return"],
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_with_exit_2(case, tmp_path, validate):
    content, expected = REFUSED[case]
    result = validate(write(tmp_path, content), **TX)
    assert result.exit_code == 2, result.message
    for part in expected:
        assert part in result.stderr, (part, result.stderr)


def test_analysis_date_before_every_transaction_is_refused(tmp_path, validate):
    path = write(tmp_path, text("a,2021-01-01,10"))
    result = validate(path, analysis_date=date(2020, 1, 1), **TX)
    assert result.exit_code == 2
    assert "no rows on or before the analysis date 2020-01-01" in result.stderr


GOOD = "good,2021-01-01,10"

# Line 2 is always GOOD; each case adds lines from 3 on: (rows, {line: reasons}).
REJECTED = {
    "returns are rejected": (["good,2021-02-01,-25.5"], {3: "negative_amount"}),
    "zero-value purchase is kept": (["good,2021-02-01,0"], {}),
    "NaN, inf and text amounts": (
        [
            "b,2021-01-01,nan",
            "c,2021-01-01,inf",
            "d,2021-01-01,-inf",
            "e,2021-01-01,ten",
            "f,2021-01-01,",
            "g,2021-01-01,1.234,5",
        ],
        {
            3: "invalid_amount",
            4: "invalid_amount",
            5: "invalid_amount",
            6: "invalid_amount",
            7: "invalid_amount",
            8: "wrong_field_count",
        },
    ),
    "absurd amount": (["b,2021-01-01,1e12", "c,2021-01-01,999999999"], {3: "implausible_value"}),
    "unparseable and mixed date formats": (
        ["b,2021-02-30,10", "c,2021/02/03,10", "d,03.02.2021,10", "e,2021-02-03,10"],
        {3: "unparseable_date", 4: "unparseable_date", 5: "unparseable_date"},
    ),
    "placeholder and future dates": (
        ["b,1970-01-01,10", "c,2999-12-31,10", "d,0021-05-03,10"],
        {3: "implausible_date", 4: "implausible_date", 5: "implausible_date"},
    ),
    "missing customer id": (
        [",2021-01-01,10", "  ,2021-01-01,10"],
        {3: "missing_customer_id", 4: "missing_customer_id"},
    ),
    "blank line and empty fields": (
        ["", ",,", "b,2021-01-01,10"],
        {3: "empty_row", 4: "empty_row"},
    ),
    "ragged rows": (
        ["b,2021-01-01", "c,2021-01-01,10,extra"],
        {3: "wrong_field_count", 4: "wrong_field_count"},
    ),
    "exact duplicate rows are kept": (["good,2021-01-01,10", "good,2021-03-01,10"], {}),
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_bad_rows_rejected_run_goes_on(case, tmp_path, validate):
    body, expected = REJECTED[case]
    result = validate(write(tmp_path, text(GOOD, *body)), **TX)
    assert result.exit_code == 0, result.message
    assert result.reasons() == expected
    assert result.counts["read"] == 1 + len(body)
    assert result.counts["used"] == 1 + len(body) - len(expected)


def test_returns_rejected_zero_values_count_as_occasions(tmp_path, validate):
    """The documented treatment: a return is rejected; a zero-value purchase is an occasion."""
    path = write(
        tmp_path,
        text("a,2021-01-01,10", "a,2021-02-01,0", "a,2021-03-01,-10", "a,2021-04-01,30"),
    )
    result = validate(path, **TX)
    assert result.reasons() == {4: "negative_amount"}
    config = Config().model_copy(
        update={"data": Config().data.model_copy(update={"format": "transactions"})}
    )
    summary = prepare_input(path, config).summary.row(0, named=True)
    assert summary["n_orders"] == 3 and summary["x"] == 2
    assert summary["total_value"] == 40.0
    assert summary["gg_n"] == 2 and summary["gg_mean"] == 15.0  # mean of the repeat occasions


def test_exact_duplicates_form_one_occasion_with_summed_value(tmp_path):
    path = write(tmp_path, text("a,2021-01-01,10", "a,2021-01-01,10", "a,2021-02-01,5"))
    config = Config().model_copy(
        update={"data": Config().data.model_copy(update={"format": "transactions"})}
    )
    summary = prepare_input(path, config).summary.row(0, named=True)
    assert summary["n_orders"] == 2 and summary["total_value"] == 25.0


def test_holdout_rows_after_the_analysis_date(tmp_path, validate):
    path = write(tmp_path, text(GOOD, "good,2021-06-01,10", "b,2021-07-01,10"))
    result = validate(path, analysis_date=date(2021, 6, 1), **TX)
    assert result.reasons() == {4: "after_analysis_date"}
    assert result.counts["customers"] == 1


def test_accepted_variants(tmp_path, validate):
    """BOM, CRLF, every field quoted (R's write.csv), an extra column, blanks around values."""
    content = (
        "\ufeff"
        + "\r\n".join(
            [
                '"customer_id","date","amount","store"',
                '"a","2021-01-01","10.5","Kadikoy"',
                '"b"," 2021-01-02 ","7","Besiktas, 2"',
                '"a","2021-02-01",3,',
            ]
        )
        + "\r\n"
    )
    path = write(tmp_path, content)
    result = validate(path, **TX)
    assert result.counts == {"read": 3, "used": 3, "rejected": 0, "customers": 2}
    loaded = load_transactions(path, TransactionLayout())
    assert loaded.extra_columns == ["store"]
    assert loaded.frame["amount"].to_list() == [10.5, 7.0, 3.0]


def test_headerless_whitespace_layout(tmp_path, validate):
    """CDNOW's layout: a short line is rejected, the rest used."""
    body = "\n".join(
        ["00001 1 19970101 1 11.77", "00001 1 19970115 2 20.00", "00002 2 19970102", "   "]
    )
    result = validate(write(tmp_path, body + "\n", "cdnow.txt"), config=CDNOW_LAYOUT, **TX)
    assert result.exit_code == 0, result.message
    assert result.reasons() == {3: "wrong_field_count", 4: "empty_row"}


def test_cdnow_sample_loads(cdnow_file, loaded_accounted):
    layout = TransactionLayout(**CDNOW_LAYOUT["data"]["transactions"])
    loaded = load_transactions(cdnow_file, layout)
    loaded_accounted(loaded)
    assert loaded.rows_read == 6919 and loaded.rejected.is_empty()


def test_large_log_with_one_bad_row(tmp_path, validate):
    """200,000 transactions, one with a mistyped date: that line alone is rejected, by number."""
    n, bad_index = 200_000, 150_001
    index = pl.int_range(n, eager=True)
    frame = pl.DataFrame(
        {
            "customer_id": ("c" + (index % 20_000).cast(pl.Utf8)),
            "date": pl.date_range(date(2019, 1, 1), date(2020, 12, 31), eager=True)
            .sample(n, with_replacement=True, seed=1)
            .dt.strftime("%Y-%m-%d"),
            "amount": (index % 97 + 1).cast(pl.Float64),
        }
    )
    frame.write_csv(tmp_path / "big.csv")
    content = (tmp_path / "big.csv").read_text().splitlines()
    bad_line = bad_index + 2
    content[bad_line - 1] = content[bad_line - 1].replace("-", "/", 1)
    path = write(tmp_path, "\n".join(content) + "\n", "big.csv")
    result = validate(path, analysis_date=date(2021, 1, 1), **TX)
    assert result.counts["read"] == n
    assert result.counts["used"] == n - 1
    assert result.reasons() == {bad_line: "unparseable_date"}
