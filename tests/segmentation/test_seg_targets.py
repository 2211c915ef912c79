"""Target-list filters: exact category tokens, segments, tiers, channels."""

import polars as pl
import pytest

from flo_bayes.config.defaults import classic_flo_target_lists
from flo_bayes.config.segmentation import TargetListConfig
from flo_bayes.segmentation.categories import parse_categories
from flo_bayes.segmentation.targets import select_targets

SLEEP = "about_to_sleep"


def _customers() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e", "f"],
            "segment": [
                "at_risk",
                "at_risk",
                "champions",
                "new_customers",
                "cant_loose",
                "at_risk",
            ],
            "tier": [
                "about_to_sleep",
                "about_to_sleep",
                "vip",
                "active",
                "about_to_sleep",
                "about_to_sleep",
            ],
            "categories": parse_categories(
                pl.Series(["[AKTIFCOCUK]", "[COCUK, KADIN]", "[KADIN]", "[ERKEK]", "[]", None])
            ),
            "order_channel": ["Mobile", "Desktop", "Mobile", "Ios App", "Android App", "Mobile"],
            "last_order_channel": ["Offline", "Mobile", "Offline", "Ios App", "Offline", "Mobile"],
        }
    )


def _ids(frame: pl.DataFrame) -> list[str]:
    return frame["customer_id"].to_list()


def test_category_tokens_match_exactly():
    t = TargetListConfig(name="kids", categories_any=["COCUK"])
    assert _ids(select_targets(_customers(), t)) == ["b"]
    t = TargetListConfig(name="active_kids", categories_any=["AKTIFCOCUK"])
    assert _ids(select_targets(_customers(), t)) == ["a"]


def test_categories_all():
    t = TargetListConfig(name="both", categories_all=["COCUK", "KADIN"])
    assert _ids(select_targets(_customers(), t)) == ["b"]


def test_classic_discount_list_excludes_aktifcocuk_only():
    _, discount = classic_flo_target_lists()
    assert _ids(select_targets(_customers(), discount)) == ["b", "d"]


def test_segment_tier_channel_filters():
    c = _customers()
    assert _ids(select_targets(c, TargetListConfig(name="t", tiers=["vip"]))) == ["c"]
    t = TargetListConfig(name="t", segments=["at_risk"], order_channels=["Mobile"])
    assert _ids(select_targets(c, t)) == ["a", "f"]
    t = TargetListConfig(name="t", last_order_channels=["Offline"], max_customers=2)
    assert _ids(select_targets(c, t)) == ["a", "c"]


def test_missing_column_error_names_key():
    c = _customers().drop("categories")
    with pytest.raises(ValueError, match="categories_any"):
        select_targets(c, TargetListConfig(name="t", categories_any=["KADIN"]))


def test_sort_by():
    c = _customers().with_columns(pl.Series("p_top_value", [0.1, 0.9, 0.5, 0.2, 0.0, 0.3]))
    t = TargetListConfig(name="t", segments=["at_risk"], sort_by="p_top_value")
    assert _ids(select_targets(c, t)) == ["b", "f", "a"]
