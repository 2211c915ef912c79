"""Bad-input corpus for FLO's customer export, run through `flo-bayes validate`.

Each case is a small file generated here. Either the file is refused (exit code 2 and a message
naming the file, the line and column where it applies, and what to do) or the bad rows are
rejected with a reason code while the good rows are used; the row accounting is checked in
every case by the ``validate`` fixture (conftest.py).
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from flo_bayes.config import Config
from flo_bayes.io.flo_loader import FLO_COLUMNS, load_flo
from flo_bayes.io.load import prepare_input

GOOD = {
    "master_id": "c1",
    "order_channel": "Mobile",
    "last_order_channel": "Offline",
    "first_order_date": "2020-01-01",
    "last_order_date": "2021-05-01",
    "last_order_date_online": "2021-04-01",
    "last_order_date_offline": "2021-05-01",
    "order_num_total_ever_online": "2.0",
    "order_num_total_ever_offline": "1.0",
    "customer_value_total_ever_offline": "100.0",
    "customer_value_total_ever_online": "200.0",
    "interested_in_categories_12": '"[KADIN, ERKEK]"',
}
HEADER = ",".join(FLO_COLUMNS)
ONLINE_COUNT, OFFLINE_COUNT = "order_num_total_ever_online", "order_num_total_ever_offline"
ONLINE_VALUE, OFFLINE_VALUE = (
    "customer_value_total_ever_online",
    "customer_value_total_ever_offline",
)


def row(customer: str = "c1", **fields: str) -> str:
    """A valid FLO line with some raw fields replaced."""
    values = {**GOOD, "master_id": customer, **fields}
    return ",".join(values[c] for c in FLO_COLUMNS)


def text(*body: str, header: str = HEADER) -> str:
    return "\n".join([header, *body]) + "\n"


def write(tmp_path, content: str | bytes, name: str = "flo.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


# --- files that cannot be used: exit code 2 ----------------------------------------------------

REFUSED = {
    "empty file": (b"", ["input file is empty"]),
    "only blanks": (b"  \n\n \n", ["input file is empty"]),
    "header only": (text(), ["header but no data rows"]),
    "header and blank lines only": (
        HEADER + "\n\n\n",
        ["no usable rows", "all 2 data rows", "empty_row: 2", "line 2"],
    ),
    "missing column": (
        text(
            row().rsplit(",", 2)[0] + ",[KADIN]",
            header=HEADER.replace(",last_order_date_offline", ""),
        ),
        ["missing column(s) 'last_order_date_offline'", "needs all 12 columns"],
    ),
    "semicolon delimiter": (
        text(row().replace(",", ";"), header=HEADER.replace(",", ";")),
        ["only one column found", "delimiter"],
    ),
    "tab delimiter": (
        text(row().replace(",", "\t"), header=HEADER.replace(",", "\t")),
        ["only one column found", "delimiter"],
    ),
    "comma header, semicolon rows": (
        text(row("a").replace(",", ";"), row("b").replace(",", ";")),
        ["no usable rows", "wrong_field_count: 2", "line 2", "(whole row)", "delimiter"],
    ),
    "non-UTF-8 bytes": (
        text(row("a"), row("b\xe9")).encode("latin-1"),
        ["line 3", "0xe9 is not valid UTF-8", "CSV UTF-8"],
    ),
    "UTF-16 export": (text(row()).encode("utf-16"), ["UTF-16", "re-save it as UTF-8"]),
    "Excel workbook": (b"PK\x03\x04" + b"\x00" * 64, ["Excel workbook", "CSV UTF-8"]),
    "duplicate column name": (
        text(row() + ",x", header=HEADER + ",master_id"),
        ["column 'master_id' appears twice"],
    ),
    "stray quote over lines": (
        text(
            row("a"),
            row("b", order_channel='"Mobile', interested_in_categories_12="[KADIN]"),
            row("c"),
        ),
        ["line 3", "quoted field runs over a line break", "stray double quote"],
    ),
    "every date in another format": (
        text(
            row("a", first_order_date="01.01.2020", last_order_date="01.05.2021"),
            row("b", first_order_date="01.01.2020", last_order_date="01.05.2021"),
        ),
        ["no usable rows", "unparseable_date", "line 2", "first_order_date", "date format"],
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_with_exit_2(case, tmp_path, validate):
    content, expected = REFUSED[case]
    result = validate(write(tmp_path, content))
    assert result.exit_code == 2, result.message
    assert "error: " in result.stderr
    for part in expected:
        assert part in result.stderr, (part, result.stderr)


def test_analysis_date_before_every_purchase_is_refused(tmp_path, validate):
    result = validate(write(tmp_path, text(row("a"), row("b"))), analysis_date=date(2015, 1, 1))
    assert result.exit_code == 2
    assert "no rows on or before the analysis date 2015-01-01" in result.stderr
    assert "choose a later --analysis-date" in result.stderr


# --- files with bad rows: rejected with a reason, the good rows used ---------------------------

# Line 2 is always a good customer; each case adds lines from 3 on: (rows, {line: reasons}).
REJECTED = {
    "blank line and line of empty fields": (
        ["", ",,,,,,,,,,,", row("b")],
        {3: "empty_row", 4: "empty_row"},
    ),
    "too few fields": ([",".join(row("b").split(",")[:10])], {3: "wrong_field_count"}),
    "unquoted decimal comma": (
        [row("b", **{ONLINE_VALUE: "139,99"})],
        {3: "wrong_field_count"},
    ),
    "stray quote within a line": (
        [row("b", order_channel='"Mobile')],
        {3: "wrong_field_count"},
    ),
    "quoted decimal comma": ([row("b", **{ONLINE_VALUE: '"139,99"'})], {3: "invalid_value"}),
    "missing id": ([row("")], {3: "missing_customer_id"}),
    "unparseable date": (
        [row("b", first_order_date="2021-13-45"), row("c", last_order_date_online="yesterday")],
        {3: "unparseable_date", 4: "unparseable_date"},
    ),
    "mixed date formats": (
        [
            row("b", first_order_date="15/01/2020"),
            row("c", first_order_date="2020-01-15"),
            row("d", first_order_date="Jan 15 2020"),
        ],
        {3: "unparseable_date", 5: "unparseable_date"},
    ),
    "last order before first": (
        [row("b", first_order_date="2021-05-20")],
        {3: "channel_date_before_first; channel_date_before_first; last_before_first"},
    ),
    "channel date before first": (
        [row("b", first_order_date="2021-04-15")],
        {3: "channel_date_before_first"},
    ),
    "last date not the later channel date": (
        [row("b", last_order_date="2021-04-20")],
        {3: "inconsistent_last_order_date"},
    ),
    "channel with orders but no date": (
        [row("b", last_order_date_online="")],
        {3: "missing_channel_date"},
    ),
    "placeholder and future dates": (
        [
            row("b", first_order_date="1899-12-30"),
            row(
                "c",
                last_order_date="2999-01-01",
                last_order_date_offline="2999-01-01",
            ),
        ],
        {3: "implausible_date", 4: "implausible_date; implausible_date"},
    ),
    "negative order count": ([row("b", **{ONLINE_COUNT: "-1.0"})], {3: "invalid_order_count"}),
    "non-integer order count": ([row("b", **{ONLINE_COUNT: "2.5"})], {3: "invalid_order_count"}),
    "zero orders in total": (
        [
            row(
                "b",
                **{
                    ONLINE_COUNT: "0",
                    OFFLINE_COUNT: "0.0",
                    "last_order_date_online": "",
                    "last_order_date_offline": "",
                },
            )
        ],
        {3: "no_orders"},
    ),
    "NaN and inf counts": (
        [row("b", **{ONLINE_COUNT: "nan"}), row("c", **{OFFLINE_COUNT: "inf"})],
        {3: "invalid_order_count", 4: "invalid_order_count"},
    ),
    "absurd order count": (
        [row("b", **{ONLINE_COUNT: "1e7"})],
        {3: "implausible_order_count"},
    ),
    "negative value": ([row("b", **{OFFLINE_VALUE: "-10"})], {3: "invalid_value"}),
    "zero value in total": (
        [row("b", **{OFFLINE_VALUE: "0", ONLINE_VALUE: "0.0"})],
        {3: "nonpositive_total_value"},
    ),
    "NaN, inf and text values": (
        [
            row("b", **{ONLINE_VALUE: "NaN"}),
            row("c", **{OFFLINE_VALUE: "-inf"}),
            row("d", **{ONLINE_VALUE: "12 TL"}),
            row("e", **{ONLINE_VALUE: ""}),
        ],
        {3: "invalid_value", 4: "invalid_value", 5: "invalid_value", 6: "invalid_value"},
    ),
    "absurd value": (
        [row("b", **{ONLINE_VALUE: "1e12"}), row("c", **{ONLINE_VALUE: "999999999"})],
        {3: "implausible_value"},
    ),
    "identical duplicate rows": (
        [row("good", **{ONLINE_COUNT: "2"}), row("b"), row("good")],
        {3: "duplicate_row", 5: "duplicate_row"},
    ),
    "conflicting duplicate ids": (
        [row("b"), row("b", **{ONLINE_VALUE: "250.0"})],
        {3: "conflicting_duplicate_id", 4: "conflicting_duplicate_id"},
    ),
    "duplicate id, one copy broken": (
        [row("b"), row("b", first_order_date="xx")],
        {3: "conflicting_duplicate_id", 4: "unparseable_date; conflicting_duplicate_id"},
    ),
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_bad_rows_rejected_run_goes_on(case, tmp_path, validate):
    body, expected = REJECTED[case]
    result = validate(write(tmp_path, text(row("good"), *body)))
    assert result.exit_code == 0, result.message
    assert result.reasons() == expected
    assert result.counts["read"] == 1 + len(body)
    assert result.counts["used"] == 1 + len(body) - len(expected)
    assert result.counts["customers"] == result.counts["used"]


def test_rejected_rows_name_line_column_and_raw_text(tmp_path, validate):
    bad = row("b", **{ONLINE_COUNT: "2.5"})
    result = validate(write(tmp_path, text(row("good"), bad)))
    rejected = result.rejected.row(0, named=True)
    assert rejected["line_number"] == 3
    assert rejected["columns"] == ONLINE_COUNT
    assert "whole number" in rejected["details"]
    assert rejected["raw_row"] == bad


def test_rows_after_the_analysis_date_are_set_aside(tmp_path, validate):
    late = row("late", last_order_date="2021-05-20", last_order_date_offline="2021-05-20")
    result = validate(write(tmp_path, text(row("good"), late)), analysis_date=date(2021, 5, 10))
    assert result.exit_code == 0
    assert result.reasons() == {3: "after_analysis_date"}
    assert "last_purchase" in result.columns(3)


def test_accepted_variants(tmp_path, validate):
    """BOM, CRLF, extra columns, '3' for '3.0', a zero channel, a value just below the bound."""
    header = HEADER + ",note"
    body = [
        row("a") + ",x",
        row("b", **{ONLINE_COUNT: "3", ONLINE_VALUE: "999999999"}) + ",",
        row(
            "c",
            **{ONLINE_COUNT: "0", ONLINE_VALUE: "0", "last_order_date_online": ""},
        )
        + ",y",
    ]
    content = "\ufeff" + "\r\n".join([header, *body]) + "\r\n"
    path = write(tmp_path, content)
    result = validate(path)
    assert result.exit_code == 0, result.message
    assert result.counts == {"read": 3, "used": 3, "rejected": 0, "customers": 3}
    loaded = load_flo(path)
    assert loaded.extra_columns == ["note"]
    assert loaded.frame["n_orders_online"].to_list() == [2, 3, 0]
    assert loaded.frame["customer_id"].to_list() == ["a", "b", "c"]


def test_real_flo_file_loads_without_rejections(flo_file, loaded_accounted):
    prepared = prepare_input(flo_file, Config())
    loaded_accounted(prepared.loaded)
    assert prepared.loaded.row_counts["rows_rejected"] == 0
    assert prepared.summary.height == 19_945


def test_large_file_with_one_bad_row(tmp_path, validate):
    """200,000 customers, one with a decimal comma: that line alone is rejected, by number."""
    n, bad_index = 200_000, 123_456
    ids = pl.int_range(n, eager=True).cast(pl.Utf8)
    frame = pl.DataFrame({c: [v.strip('"')] * n for c, v in GOOD.items()}).with_columns(
        ("id-" + ids).alias("master_id")
    )
    frame.write_csv(tmp_path / "big.csv")
    content = (tmp_path / "big.csv").read_text().splitlines()
    bad_line = bad_index + 2  # header is line 1
    content[bad_line - 1] = content[bad_line - 1].replace("200.0", "200,5")
    path = write(tmp_path, "\n".join(content) + "\n", "big.csv")
    result = validate(path)
    assert result.exit_code == 0
    assert result.counts == {"read": n, "used": n - 1, "rejected": 1, "customers": n - 1}
    assert result.reasons() == {bad_line: "wrong_field_count"}
    assert result.rejected["raw_row"].item().startswith(f"id-{bad_index},")
