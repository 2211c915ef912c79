"""Inputs as real users send them: Turkish-locale CSVs, currency marks, other date styles,
date-times with zones, ids with leading zeros, Parquet and .csv.gz, degenerate logs.

Each case has one of three outcomes, asserted here: the values are *used* (and read right:
the parsed amounts, dates and ids are checked), rows are *rejected* with a reason and a detail
naming the column and the config key to set, or the file is *refused* (exit code 2) with a
message naming the file and what to do. Where a format is ambiguous (``01.06.2021``), it is
never guessed: the message names the ``[data.transactions]`` key.
"""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime

import polars as pl
import pytest
from typer.testing import CliRunner

from flo_bayes.cli import app
from flo_bayes.config import TransactionLayout, config_from_dict
from flo_bayes.errors import ConfigError, DataError
from flo_bayes.io.load import prepare_input
from flo_bayes.io.transaction_loader import load_transactions

TX = {"data_format": "transactions"}
TURKISH = {"delimiter": ";", "decimal": ",", "date_format": "%d.%m.%Y"}
TURKISH_ROWS = [
    "müşteri_no;tarih;tutar",  # extra header names are mapped in the layout below
    "Şükrü-001;01.06.2021;1.234,56 TL",
    "Ayşe-002;02.06.2021;TL 99,90",  # (₺ has no Windows-1254 byte)
    "Şükrü-001;15.07.2021;12,5",
    "Ğülçin-003;31.12.2021;1.000",
]
TURKISH_LAYOUT = {
    **TURKISH,
    "customer_id_column": "müşteri_no",
    "date_column": "tarih",
    "amount_column": "tutar",
}


def write(tmp_path, content: str | bytes, name: str = "log.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def layout_config(**keys) -> dict:
    return {"data": {"transactions": keys}}


def loaded(path, **keys):
    return load_transactions(path, TransactionLayout(**keys), currency="TRY")


# --- Turkish locale: ; delimiter, decimal comma, Windows-1254 / ISO-8859-9 ---------------------


@pytest.mark.parametrize("encoding", ["windows-1254", "iso-8859-9"])
def test_turkish_export_is_read_right(encoding, tmp_path, validate):
    """Used: ids with Turkish letters intact, 1.234,56 TL = 1234.56, 01.06.2021 = 1 June."""
    path = write(tmp_path, ("\r\n".join(TURKISH_ROWS) + "\r\n").encode(encoding))
    keys = {**TURKISH_LAYOUT, "encoding": encoding}
    result = validate(path, config=layout_config(**keys), **TX)
    assert result.counts == {"read": 4, "used": 4, "rejected": 0, "customers": 3}
    frame = loaded(path, **keys).frame
    assert frame["customer_id"].to_list() == ["Şükrü-001", "Ayşe-002", "Şükrü-001", "Ğülçin-003"]
    assert frame["amount"].to_list() == [1234.56, 99.9, 12.5, 1000.0]
    assert frame["date"].to_list() == [
        date(2021, 6, 1),
        date(2021, 6, 2),
        date(2021, 7, 15),
        date(2021, 12, 31),
    ]


def test_turkish_export_with_default_layout_is_refused_naming_the_delimiter(tmp_path, validate):
    path = write(tmp_path, "customer_id;date;amount\na;01.06.2021;12,50\n")
    result = validate(path, **TX)
    assert result.exit_code == 2
    assert 'set delimiter = ";" in [data.transactions]' in result.stderr


def test_windows_1254_bytes_without_encoding_key_are_refused_naming_it(tmp_path, validate):
    path = write(tmp_path, ("\n".join(TURKISH_ROWS) + "\n").encode("windows-1254"))
    result = validate(path, config=layout_config(**TURKISH_LAYOUT), **TX)
    assert result.exit_code == 2
    assert "line 1" in result.stderr and "not valid UTF-8" in result.stderr
    assert 'encoding = "windows-1254"' in result.stderr


def test_utf8_file_read_as_windows_1254_is_refused_not_garbled(tmp_path, validate):
    """A UTF-8 file with encoding = windows-1254 would turn ü into Ã¼: refused instead."""
    path = write(tmp_path, "\n".join(TURKISH_ROWS) + "\n")
    result = validate(path, config=layout_config(**TURKISH_LAYOUT, encoding="windows-1254"), **TX)
    assert result.exit_code == 2
    assert "the file is UTF-8" in result.stderr and "remove the encoding key" in result.stderr


def test_unknown_encoding_is_a_config_error():
    with pytest.raises(ConfigError, match="encoding = 'turkish-ish' is not a known text encoding"):
        config_from_dict(layout_config(encoding="turkish-ish"))


# --- amounts: decimal comma, thousands groups, currency marks -----------------------------------

AMOUNTS_DECIMAL_POINT = {
    # value (quoted where it holds the delimiter) -> (amount used, or reason rejected)
    "1234.56": 1234.56,
    '"1,234.56"': 1234.56,
    "$12.50": 12.5,
    "12.50 USD": 12.5,
    "1 234.50": 1234.5,
    '"12,50"': "invalid_amount",  # a decimal comma without decimal = ","
    '"1,234"': "invalid_amount",  # ambiguous: 1234 or 1.234
    '"1.234,56"': "invalid_amount",
    "€5.00": "currency_mismatch",  # the run's currency is USD
}


def test_amounts_with_a_decimal_point(tmp_path, validate):
    body = [f"c{i},2021-01-0{1 + i % 9},{v}" for i, v in enumerate(AMOUNTS_DECIMAL_POINT)]
    path = write(tmp_path, "customer_id,date,amount\n" + "\n".join(body) + "\n")
    config = {"prediction": {"currency": "USD"}}
    result = validate(path, config=config, **TX)
    assert result.exit_code == 0, result.message
    expected = list(AMOUNTS_DECIMAL_POINT.values())
    rejected = {line - 2: reason for line, reason in result.reasons().items()}
    assert rejected == {i: v for i, v in enumerate(expected) if isinstance(v, str)}
    used = load_transactions(path, TransactionLayout(), currency="USD").frame["amount"]
    assert used.to_list() == [v for v in expected if not isinstance(v, str)]
    details = result.rejected["details"].to_list()
    assert 'set decimal = ","' in details[0]
    assert "ambiguous (1234 or 1.234?)" in details[1]
    assert "marked €, but the run's currency is USD (prediction.currency)" in details[3]


AMOUNTS_DECIMAL_COMMA = {
    "1.234,56": 1234.56,
    "1234,56": 1234.56,
    "1.234": 1234.0,  # declared decimal comma: the point groups thousands
    "₺1.234,56": 1234.56,
    "1.234,56 TL": 1234.56,
    "99,90 TRY": 99.9,
    "12.5": "invalid_amount",  # a decimal point in a decimal-comma file
    "1,234.56": "invalid_amount",
    "$5,00": "currency_mismatch",
}


def test_amounts_with_a_decimal_comma(tmp_path, validate):
    body = [f"c{i};2021-01-0{1 + i % 9};{v}" for i, v in enumerate(AMOUNTS_DECIMAL_COMMA)]
    path = write(tmp_path, "customer_id;date;amount\n" + "\n".join(body) + "\n")
    keys = {"delimiter": ";", "decimal": ","}
    result = validate(path, config=layout_config(**keys), **TX)
    assert result.exit_code == 0, result.message
    expected = list(AMOUNTS_DECIMAL_COMMA.values())
    rejected = {line - 2: reason for line, reason in result.reasons().items()}
    assert rejected == {i: v for i, v in enumerate(expected) if isinstance(v, str)}
    assert loaded(path, **keys).frame["amount"].to_list() == [
        v for v in expected if not isinstance(v, str)
    ]
    assert 'set decimal = "."' in result.rejected["details"][0]


def test_every_amount_with_a_decimal_comma_and_no_key_is_refused_naming_it(tmp_path, validate):
    path = write(tmp_path, "customer_id;date;amount\na;2021-01-01;12,50\nb;2021-01-02;7,5\n")
    result = validate(path, config=layout_config(delimiter=";"), **TX)
    assert result.exit_code == 2
    assert "invalid_amount: 2" in result.stderr
    assert 'set decimal = "," in [data.transactions]' in result.stderr


# --- dates: never guessed -----------------------------------------------------------------------

DATE_STYLES = {
    # value: (hint in the refusal, date_format that reads it, the date it gives)
    "01.06.2021": ('date_format = "%d.%m.%Y"', "%d.%m.%Y", date(2021, 6, 1)),
    "6/1/2021": ('date_format = "%m/%d/%Y"', "%m/%d/%Y", date(2021, 6, 1)),
    "2021-06-01 18:45:00": ('date_format = "%Y-%m-%d %H:%M:%S"', "%Y-%m-%d %H:%M:%S", None),
    "20210601": ('date_format = "%Y%m%d"', "%Y%m%d", date(2021, 6, 1)),
}


@pytest.mark.parametrize("value", list(DATE_STYLES))
def test_other_date_styles_are_refused_by_default_and_read_when_configured(
    value, tmp_path, validate
):
    hint, fmt, expected = DATE_STYLES[value]
    path = write(tmp_path, f"customer_id,date,amount\na,{value},10\nb,{value},5\n")
    refused = validate(path, **TX)
    assert refused.exit_code == 2
    assert "unparseable_date: 2" in refused.stderr and hint in refused.stderr
    used = validate(path, config=layout_config(date_format=fmt), **TX)
    assert used.counts["used"] == 2
    assert (
        loaded(path, date_format=fmt).frame["date"].to_list() == [expected or date(2021, 6, 1)] * 2
    )


def test_day_and_month_order_is_what_the_config_says(tmp_path):
    """01.06.2021 is 1 June with %d.%m.%Y and 6 January with %m.%d.%Y: the key decides."""
    path = write(tmp_path, "customer_id,date,amount\na,01.06.2021,10\n")
    assert loaded(path, date_format="%d.%m.%Y").frame["date"].item() == date(2021, 6, 1)
    assert loaded(path, date_format="%m.%d.%Y").frame["date"].item() == date(2021, 1, 6)
    # A day above 12 in the month position does not parse: rejected, not swapped.
    late = write(tmp_path, "customer_id,date,amount\na,25.06.2021,10\n", "late.csv")
    rejected = loaded(late, date_format="%m.%d.%Y").rejected
    assert rejected["reason_codes"].to_list() == ["unparseable_date"]
    assert '"%d.%m.%Y"' in rejected["details"].item()


def test_date_times_with_time_zones_count_the_configured_zones_day(tmp_path, validate):
    rows = [
        "a,2021-06-01T22:30:00Z,10",  # 01:30 on 2 June in Istanbul (UTC+3)
        "a,2021-06-01T01:30:00+03:00,10",  # 1 June in Istanbul, 31 May in UTC
        "b,2021-06-01T12:00:00-05:00,10",  # 20:00 on 1 June in Istanbul
    ]
    path = write(tmp_path, "customer_id,date,amount\n" + "\n".join(rows) + "\n")
    refused = validate(path, **TX)
    assert refused.exit_code == 2 and "timezone" in refused.stderr
    keys = {"date_format": "%Y-%m-%dT%H:%M:%S%#z", "timezone": "Europe/Istanbul"}
    assert validate(path, config=layout_config(**keys), **TX).counts["used"] == 3
    assert loaded(path, **keys).frame["date"].to_list() == [
        date(2021, 6, 2),
        date(2021, 6, 1),
        date(2021, 6, 1),
    ]
    in_utc = loaded(path, **{**keys, "timezone": "UTC"}).frame["date"].to_list()
    assert in_utc == [date(2021, 6, 1), date(2021, 5, 31), date(2021, 6, 1)]


def test_utc_offset_format_without_timezone_is_a_config_error():
    with pytest.raises(ConfigError, match="date_format holds %z .* set timezone"):
        config_from_dict(layout_config(date_format="%Y-%m-%dT%H:%M:%S%z"))
    with pytest.raises(ConfigError, match="'Mars/Olympus' is not an IANA time zone"):
        config_from_dict(layout_config(date_format="%Y-%m-%dT%H:%M:%S%z", timezone="Mars/Olympus"))


# --- ids: never merged or split by accident ------------------------------------------------------


def test_ids_keep_leading_zeros_and_lose_only_surrounding_blanks(tmp_path):
    rows = [
        "00123,2021-01-01,10",
        "0123,2021-01-02,10",
        "123,2021-01-03,10",
        " 00123 ,2021-02-01,10",  # the same customer as 00123: blanks are an export artefact
        "A 7,2021-01-04,10",
        "A7,2021-01-05,10",  # not A 7
        "a7,2021-01-06,10",  # not A7: letter case is kept
    ]
    path = write(tmp_path, "customer_id,date,amount\n" + "\n".join(rows) + "\n")
    config = config_from_dict(
        {"data": {"format": "transactions"}, "analysis": {"analysis_date": "2021-06-01"}}
    )
    summary = prepare_input(path, config).summary
    assert summary["customer_id"].to_list() == ["00123", "0123", "123", "A 7", "A7", "a7"]
    assert summary["n_orders"].to_list() == [2, 1, 1, 1, 1, 1]


# --- columns in another order or letter case ----------------------------------------------------


def test_columns_in_another_order_and_letter_case_are_found(tmp_path, validate):
    path = write(tmp_path, "Amount,DATE, Customer_ID \n10,2021-01-01,a\n5,2021-01-02,b\n")
    result = validate(path, **TX)
    assert result.counts["used"] == 2
    frame = loaded(path).frame
    assert frame["customer_id"].to_list() == ["a", "b"]
    assert frame["amount"].to_list() == [10.0, 5.0]


def test_two_columns_matching_one_name_are_refused(tmp_path, validate):
    path = write(tmp_path, "customer_id,Date,DATE,amount\na,2021-01-01,2021-02-01,10\n")
    result = validate(path, **TX)
    assert result.exit_code == 2
    assert "['Date', 'DATE'] all match 'date'" in result.stderr


def test_flo_columns_in_another_letter_case_are_found(tmp_path, validate):
    header = (
        "MASTER_ID,order_channel,last_order_channel,first_order_date,last_order_date,"
        "last_order_date_online,last_order_date_offline,order_num_total_ever_online,"
        "order_num_total_ever_offline,customer_value_total_ever_offline,"
        "customer_value_total_ever_online,interested_in_categories_12"
    )
    row = (
        "id1,Android App,Offline,2020-01-01,2021-02-01,2021-01-01,2021-02-01,2,1,50.5,80.25,[KADIN]"
    )
    result = validate(write(tmp_path, f"{header}\n{row}\n"), analysis_date=date(2021, 6, 1))
    assert result.counts == {"read": 1, "used": 1, "rejected": 0, "customers": 1}


# --- Parquet and .csv.gz ------------------------------------------------------------------------


def test_gzip_csv_reads_like_the_plain_file(tmp_path, validate):
    content = "customer_id,date,amount\n007,2021-01-01,10.5\n007,2021-02-01,3\nb,bad,1\n"
    plain = write(tmp_path, content)
    packed = write(tmp_path, gzip.compress(content.encode()), "log.csv.gz")
    a, b = validate(plain, **TX), validate(packed, **TX)
    assert a.counts == b.counts == {"read": 3, "used": 2, "rejected": 1, "customers": 1}
    assert a.reasons() == b.reasons() == {4: "unparseable_date"}
    assert loaded(packed).frame.equals(loaded(plain).frame)


def test_damaged_gzip_is_refused(tmp_path, validate):
    packed = gzip.compress(b"customer_id,date,amount\na,2021-01-01,1\n" * 50)
    result = validate(write(tmp_path, packed[: len(packed) // 2], "cut.csv.gz"), **TX)
    assert result.exit_code == 2 and "gzip file is damaged" in result.stderr


def test_typed_parquet_is_used(tmp_path, validate):
    path = tmp_path / "log.parquet"
    pl.DataFrame(
        {
            "customer_id": ["007", "007", "42"],
            "date": [date(2021, 1, 1), date(2021, 2, 1), date(2021, 1, 5)],
            "amount": [10.5, -3.0, 7.0],
            "store": ["x", "y", "z"],
        }
    ).write_parquet(path)
    result = validate(path, **TX)
    assert result.counts == {"read": 3, "used": 2, "rejected": 1, "customers": 2}
    assert result.reasons() == {2: "negative_amount"}  # Parquet rows are numbered from 1
    assert result.rejected["raw_row"].item() == "007,2021-02-01,-3.0,y"
    assert loaded(path).frame["customer_id"].to_list() == ["007", "42"]


def test_parquet_with_text_columns_is_parsed_like_csv(tmp_path):
    path = tmp_path / "log.parquet"
    pl.DataFrame(
        {"Customer_ID": [1, 2], "date": ["01.06.2021", "oops"], "amount": ["1.234,56", "5"]}
    ).write_parquet(path)
    result = loaded(path, date_format="%d.%m.%Y", decimal=",")
    assert result.frame.select("customer_id", "date", "amount").rows() == [
        ("1", date(2021, 6, 1), 1234.56)
    ]
    assert result.rejected["reason_codes"].to_list() == ["unparseable_date"]


def test_parquet_float_ids_are_refused(tmp_path, validate):
    path = tmp_path / "log.parquet"
    pl.DataFrame(
        {"customer_id": [123.0], "date": [date(2021, 1, 1)], "amount": [1.0]}
    ).write_parquet(path)
    result = validate(path, **TX)
    assert result.exit_code == 2
    assert "floating-point numbers" in result.stderr and "Store the id as text" in result.stderr


def test_parquet_zoned_datetimes_need_a_timezone(tmp_path, validate):
    path = tmp_path / "log.parquet"
    pl.DataFrame(
        {
            "customer_id": ["a", "a"],
            "date": [datetime(2021, 6, 1, 22, 30, tzinfo=UTC), datetime(2021, 6, 3, tzinfo=UTC)],
            "amount": [1.0, 2.0],
        }
    ).write_parquet(path)
    refused = validate(path, **TX)
    assert refused.exit_code == 2 and "set timezone" in refused.stderr
    dates = loaded(path, timezone="Europe/Istanbul").frame["date"].to_list()
    assert dates == [date(2021, 6, 2), date(2021, 6, 3)]


# --- logs the models cannot learn from: stopped before fitting ----------------------------------


@pytest.fixture
def run_cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args])


DEGENERATE = {
    "every customer has one purchase": (
        "customer_id,date,amount\na,2021-01-01,10\nb,2021-02-01,5\nc,2021-03-01,7\n",
        "every one of the 3 customers has a single purchase occasion",
    ),
    "a single customer": (
        "customer_id,date,amount\na,2021-01-01,10\na,2021-02-01,5\na,2021-03-01,7\n",
        "the data hold 1 customer",
    ),
    "repeat purchases all worth 0": (
        "customer_id,date,amount\na,2021-01-01,10\na,2021-02-01,0\nb,2021-01-01,5\n",
        "no customer has a repeat purchase with a positive value",
    ),
}


@pytest.mark.parametrize("case", list(DEGENERATE))
def test_logs_without_anything_to_fit_stop_the_run(case, tmp_path, run_cli, validate):
    content, expected = DEGENERATE[case]
    path = write(tmp_path, content)
    assert validate(path, **TX).exit_code == 0  # a valid file ...
    out = tmp_path / "run"
    result = run_cli("run", "--data", path, "--format", "transactions", "--out", out, "--quiet")
    assert result.exit_code == 2, result.output  # ... that the models cannot fit
    assert f"error: {path}: {expected}" in result.stderr
    manifest = pl.read_json(out / "manifest.json")
    assert manifest["status"].item() == "failed" and manifest["failed_stage"].item() == "load"
    assert not (out / "customers.parquet").exists()


def test_model_data_check_accepts_a_fittable_summary(tmp_path):
    from flo_bayes.io.model_data import require_model_data

    summary = pl.DataFrame({"x": [0, 2], "gg_n": [0, 2], "gg_mean": [0.0, 5.0]})
    require_model_data(summary, tmp_path / "f.csv")
    with pytest.raises(DataError, match="hold 1 customer"):
        require_model_data(summary.tail(1), tmp_path / "f.csv")
