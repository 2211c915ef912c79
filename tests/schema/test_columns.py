"""The column registry: one entry per exported column, descriptions filled for the run."""

from __future__ import annotations

from flo_bayes.schema.columns import COLUMNS, base_column_descriptions, dictionary_frame


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
    assert frame.rows() == [
        ("x", "Repeat purchases = purchase occasions - 1 (BG/NBD frequency)"),
        ("mystery", ""),
    ]
