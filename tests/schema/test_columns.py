"""The column registry: one entry per exported column, descriptions filled for the run."""

from __future__ import annotations

import re

import polars as pl

from flo_bayes.config import Config
from flo_bayes.predictive.columns import data_dictionary
from flo_bayes.predictive.from_config import scoring_settings
from flo_bayes.schema.columns import (
    COLUMNS,
    KIND_DECIMALS,
    base_column_descriptions,
    column_kind,
    dictionary_frame,
    round_for_export,
)


def test_each_column_is_registered_once():
    names = [c.name for c in COLUMNS]
    assert len(names) == len(set(names))
    assert {"customer_id", "x", "t_x", "T", "segment", "convergence_passed"} <= set(names)


def test_descriptions_name_the_runs_unit_currency_and_tiers():
    descriptions = base_column_descriptions("days", "USD", ("gold", "rest"))
    assert descriptions["t_x"] == "Time from first to last purchase (days; BG/NBD recency)"
    assert descriptions["total_value"].endswith("(USD)")
    assert "'gold'" in descriptions["p_tier_gold"] and "p_tier_rest" in descriptions
    assert not any("{" in text for text in descriptions.values())


def test_an_unregistered_column_shows_up_with_an_empty_description():
    frame = dictionary_frame(["x", "mystery"], base_column_descriptions("weeks", "TRY"))
    assert frame.select("column", "description").rows() == [
        ("x", "Repeat purchases = purchase occasions - 1 (BG/NBD frequency)"),
        ("mystery", ""),
    ]


def test_every_registered_kind_is_known_and_names_are_snake_case():
    for column in COLUMNS:
        assert column.kind in KIND_DECIMALS, column
        # T is the BG/NBD's own notation (Fader, Hardie and Lee 2005), kept on purpose.
        assert column.name == "T" or re.fullmatch(r"[a-z][a-z0-9_]*", column.name), column


def test_scoring_columns_get_their_kind_from_their_name():
    scoring = data_dictionary(scoring_settings(Config()))
    kinds = {name: column_kind(name) for name in scoring}
    assert kinds["p_alive"] == "probability"
    assert kinds["expected_purchases_3m"] == "expected_count"
    assert kinds["expected_spend_per_purchase"] == "money"
    assert all(kinds[c] == "money" for c in scoring if c.startswith("cltv_") and "pit" not in c)
    assert all(kinds[c] == "probability" for c in scoring if c.startswith("p_"))
    assert "text" not in set(kinds.values()) - {kinds["customer_id"]}


def test_csv_rounding_follows_the_unit_and_leaves_other_columns_alone():
    frame = pl.DataFrame(
        {
            "customer_id": ["a"],
            "total_value": [123.456789],
            "p_alive": [0.123456789],
            "expected_purchases_3m": [1.23456789],
            "t_x": [10.1234567],
            "segment": ["champions"],
        }
    )
    assert round_for_export(frame).row(0) == ("a", 123.46, 0.1235, 1.235, 10.123, "champions")


def test_the_dictionary_gives_units_and_says_13_weeks():
    settings = scoring_settings(Config())
    descriptions = base_column_descriptions("weeks", "TRY") | data_dictionary(settings)
    frame = dictionary_frame(
        ["total_value", "p_alive", "expected_purchases_3m"],
        descriptions,
        time_unit="weeks",
        currency="TRY",
    )
    assert frame["unit"].to_list() == ["TRY", "probability (0-1)", "purchases"]
    assert frame["csv_decimals"].to_list() == [2, 4, 3]
    text = " ".join(descriptions.values())
    assert "13.04464" not in text and "next 13 weeks" in text
