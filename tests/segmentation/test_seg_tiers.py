"""Segment -> marketing tier mapping, labels and strategies in English and Turkish."""

import typing

import polars as pl
import pytest

from flo_bayes.config.segmentation import SegmentationConfig, TierId
from flo_bayes.segmentation.segment_map import CLASSIC_SEGMENT_NAMES
from flo_bayes.segmentation.tiers import (
    DEFAULT_TIER_MAP,
    TIER_IDS,
    assign_tiers,
    get_tier,
    tier_table,
)

EXPECTED = {
    "champions": ("vip", "VIP", "Vip Müşteri"),
    "loyal_customers": ("very_active", "Very active", "Çok Aktif"),
    "potential_loyalists": ("active", "Active", "Aktif"),
    "new_customers": ("active", "Active", "Aktif"),
    "promising": ("active", "Active", "Aktif"),
    "need_attention": ("less_active", "Less active", "Az Aktif"),
    "about_to_sleep": ("about_to_sleep", "About to sleep", "Uyumak Üzere"),
    "at_risk": ("about_to_sleep", "About to sleep", "Uyumak Üzere"),
    "cant_loose": ("about_to_sleep", "About to sleep", "Uyumak Üzere"),
    "hibernating": ("lost", "Lost", "Kayıp"),
}


def _segments() -> pl.DataFrame:
    return pl.DataFrame({"segment": list(CLASSIC_SEGMENT_NAMES)})


@pytest.mark.parametrize("language", ["en", "tr"])
def test_default_tier_mapping(language):
    out = assign_tiers(_segments(), DEFAULT_TIER_MAP, language)
    for seg, tier, label in out.select("segment", "tier", "tier_label").iter_rows():
        exp_tier, en, tr = EXPECTED[seg]
        assert tier == exp_tier
        assert label == (tr if language == "tr" else en)


def test_every_tier_used_and_literal_matches_ids():
    assert set(dict(DEFAULT_TIER_MAP).values()) == set(TIER_IDS)
    assert typing.get_args(TierId) == TIER_IDS


def test_custom_mapping_from_config():
    mapping = dict(DEFAULT_TIER_MAP) | {"cant_loose": "less_active"}
    cfg = SegmentationConfig(tier_map=mapping)
    out = assign_tiers(_segments(), cfg.tier_map)
    assert out.filter(pl.col("segment") == "cant_loose")["tier"][0] == "less_active"


def test_unmapped_segment_is_an_error():
    with pytest.raises(ValueError, match="hibernating"):
        assign_tiers(_segments(), {k: v for k, v in DEFAULT_TIER_MAP if k != "hibernating"})


def test_strategies_both_languages():
    vip = get_tier("vip")
    assert "First access to new products" in vip.strategies("en")
    assert len(vip.strategies("tr")) == 3
    table = tier_table("tr")
    assert table["tier_label"].to_list()[-1] == "Kayıp"
    assert all(len(s) == 3 for s in table["strategies"].to_list())
    with pytest.raises(ValueError, match="language"):
        tier_table("de")
