"""Config validation: errors name the offending key."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from flo_bayes.config.defaults import classic_flo_campaigns, classic_flo_target_lists
from flo_bayes.config.loader import read_toml
from flo_bayes.config.segmentation import SegmentationConfig, TargetListConfig, ValueTierConfig

FLO_CONFIG = Path(__file__).parents[2] / "configs" / "flo.toml"


def test_classic_target_lists_and_campaigns_share_one_definition():
    lists, campaigns = classic_flo_target_lists(), classic_flo_campaigns()
    assert [t.name for t in lists] == ["new_womens_shoe_brand", "mens_kids_discount_40"]
    for target, campaign in zip(lists, campaigns, strict=True):
        assert (target.name, target.description) == (campaign.name, campaign.description)
        assert (target.segments, target.categories_any) == (
            campaign.segments,
            campaign.categories_any,
        )


def test_flo_config_uses_the_default_target_lists():
    raw = read_toml(FLO_CONFIG)["segmentation"]
    assert "target_lists" not in raw
    assert SegmentationConfig.model_validate(raw).target_lists == classic_flo_target_lists()
    assert SegmentationConfig(target_lists=[]).target_lists == ()


def test_unknown_segment_named():
    with pytest.raises(ValidationError, match=r"target_lists\[0\].*segments.*'championz'"):
        SegmentationConfig(target_lists=[{"name": "x", "segments": ["championz"]}])


def test_unknown_category_named_and_exact():
    with pytest.raises(ValidationError, match=r"categories_any.*'COCUKK'"):
        TargetListConfig(name="x", categories_any=["COCUKK"])
    with pytest.raises(ValidationError, match=r"categories_all.*'kadin'"):
        SegmentationConfig(target_lists=[{"name": "x", "categories_all": ["kadin"]}])


def test_unknown_tier_named():
    with pytest.raises(ValidationError) as err:
        TargetListConfig(name="x", tiers=["vipp"])
    assert err.value.errors()[0]["loc"] == ("tiers", 0)
    with pytest.raises(ValidationError, match=r"tier_map\.champions"):
        SegmentationConfig(tier_map={"champions": "gold"})


def test_unknown_channel_named():
    with pytest.raises(ValidationError, match=r"order_channels.*'iOS'"):
        TargetListConfig(name="x", order_channels=["iOS"])


def test_extra_keys_forbidden():
    with pytest.raises(ValidationError, match="segmnets"):
        TargetListConfig(name="x", segmnets=["champions"])
    with pytest.raises(ValidationError, match="langauge"):
        SegmentationConfig(langauge="tr")


def test_tier_map_must_cover_segment_map():
    with pytest.raises(ValidationError, match="tier_map.*no tier"):
        SegmentationConfig(segment_map={"all": "[1-5][1-5]"})
    cfg = SegmentationConfig(segment_map={"all": "[1-5][1-5]"}, tier_map={"all": "active"})
    assert cfg.validate_target_list({"name": "t", "segments": ["all"]}).segments == ("all",)
    with pytest.raises(ValidationError, match=r"tier_map\.ghost"):
        SegmentationConfig(
            segment_map={"all": "[1-5][1-5]"}, tier_map={"all": "active", "ghost": "lost"}
        )


def test_custom_segment_names_usable_in_targets():
    cfg = SegmentationConfig(
        segment_map={"all": "[1-5][1-5]"},
        tier_map={"all": "active"},
        target_lists=[{"name": "t", "segments": ["all"]}],
    )
    assert cfg.target_lists[0].segments == ("all",)


def test_bad_segment_map_and_language():
    with pytest.raises(ValidationError, match="match no segment"):
        SegmentationConfig(segment_map={"a": "1[1-5]"}, tier_map={"a": "vip"})
    with pytest.raises(ValidationError, match="language"):
        SegmentationConfig(language="de")


def test_value_tier_config_checks():
    assert ValueTierConfig().top_share == 0.2
    with pytest.raises(ValidationError, match="shares"):
        ValueTierConfig(shares=(0.5, 0.3, 0.3, 0.2))
    with pytest.raises(ValidationError, match="p_alive_edges"):
        ValueTierConfig(p_alive_edges=(0.8, 0.5))
    with pytest.raises(ValidationError, match="3 names but 2 shares"):
        ValueTierConfig(names=("a", "b", "c"), shares=(0.5, 0.5))


def test_duplicate_target_names():
    with pytest.raises(ValidationError, match="duplicate"):
        SegmentationConfig(target_lists=[{"name": "a"}, {"name": "a"}])
