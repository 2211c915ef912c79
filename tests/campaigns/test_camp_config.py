"""Campaign settings: defaults, TOML loading and errors that name the campaign and key."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest

from flo_bayes.campaigns import (
    BetaSpec,
    CampaignsConfig,
    classic_flo_campaigns,
    default_campaigns_config,
    default_tier_campaigns,
    load_campaigns_config,
    validate_campaigns,
)
from flo_bayes.config.package_data import preset_path
from flo_bayes.config.segmentation import SegmentationConfig
from flo_bayes.errors import ConfigError
from flo_bayes.segmentation.tiers import TIER_IDS

CLASSIC_CONFIG = Path(__file__).parents[2] / "configs" / "campaigns_classic_flo.toml"


def _campaign(**overrides: object) -> dict:
    base = {
        "name": "test_campaign",
        "tiers": ["vip"],
        "cost_per_contact": 5.0,
        "budget": 1000.0,
        "effect": {"kind": "uplift_share", "share": {"mean": 0.1, "sd": 0.05}},
    }
    return base | overrides


def _error(*campaigns: dict, **settings: object) -> str:
    with pytest.raises(ValueError) as info:
        validate_campaigns({"campaigns": list(campaigns), **settings})
    return str(info.value)


def test_default_campaigns_cover_each_tier_once() -> None:
    campaigns = default_tier_campaigns()
    assert [c.tiers for c in campaigns] == [(t,) for t in TIER_IDS]
    assert CampaignsConfig().campaigns == campaigns
    for c in campaigns:
        assert c.cost_per_contact > 0 and c.budget and c.budget > 0


def test_classic_cases_use_exact_tokens() -> None:
    women, discount = classic_flo_campaigns()
    assert women.segments == ("champions", "loyal_customers")
    assert women.categories_any == ("KADIN",)
    assert discount.segments == ("at_risk", "cant_loose", "new_customers")
    assert discount.categories_any == ("ERKEK", "COCUK")
    assert discount.effect.discount == pytest.approx(0.40)


def test_preset_files_load_to_the_same_campaigns() -> None:
    assert load_campaigns_config(preset_path("tier_campaigns")).campaigns == (
        default_tier_campaigns()
    )
    classic = load_campaigns_config(CLASSIC_CONFIG)
    assert classic.campaigns == classic_flo_campaigns()
    assert default_campaigns_config(include_classic=True).campaigns == (
        default_tier_campaigns() + classic_flo_campaigns()
    )


def test_file_without_campaigns_table_gives_defaults(tmp_path: Path) -> None:
    path = tmp_path / "run.toml"
    path.write_text("seed = 3\n", encoding="utf-8")
    assert load_campaigns_config(path) == CampaignsConfig()


def test_beta_mean_sd_conversion() -> None:
    spec = BetaSpec(mean=0.12, sd=0.05)
    a, b = spec.shape
    assert a / (a + b) == pytest.approx(0.12)
    assert math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))) == pytest.approx(0.05)
    assert BetaSpec(fixed=0.3).shape is None and BetaSpec(fixed=0.3).expected == 0.3


@pytest.mark.parametrize(
    ("overrides", "key", "text"),
    [
        ({"cost_per_contact": -1.0}, "cost_per_contact", "must be >= 0"),
        ({"budget": -5.0}, "budget", "must be >= 0"),
        ({"max_contacts": -2}, "max_contacts", "must be >= 0"),
        ({"margin": 1.5}, "margin", "must be in (0, 1]"),
        ({"segments": ["champions", "vips"]}, "segments", "unknown segment(s) ['vips']"),
        ({"tiers": ["gold"]}, "tiers", "unknown tier(s) ['gold']"),
        ({"categories_any": ["SHOES"]}, "categories_any", "unknown category/categories"),
        ({"categories_all": ["cocuk"]}, "categories_all", "unknown category/categories"),
        ({"order_channels": ["Fax"]}, "order_channels", "unknown channel(s)"),
        (
            {"effect": {"kind": "uplift_share", "share": {"mean": 1.2, "sd": 0.1}}},
            "effect.share",
            "mean: must be inside (0, 1)",
        ),
        (
            {"effect": {"kind": "uplift_share", "share": {"fixed": 1.5}}},
            "effect.share",
            "fixed: must be inside [0, 1]",
        ),
        (
            {"effect": {"kind": "response", "p_response": {"mean": 0.1, "sd": 0.4}}},
            "effect.p_response",
            "sd: must be in (0,",
        ),
        (
            {"effect": {"kind": "response", "p_response": {"alpha": -1, "beta": 3}}},
            "effect.p_response",
            "alpha and beta must be > 0",
        ),
        (
            {"effect": {"kind": "response", "p_response": {"fixed": 0.1}, "discount": 1.0}},
            "effect.discount",
            "must be in [0, 1)",
        ),
        ({"effect": {"kind": "magic"}}, "effect", "kind must be one of"),
        ({"budgte": 10.0}, "budgte", "unknown key"),
    ],
)
def test_errors_name_campaign_and_key(overrides: dict, key: str, text: str) -> None:
    ok = _campaign(name="first")
    message = _error(ok, ok | {"name": "second"}, _campaign(name="vip_care", **overrides))
    assert f"campaigns[2] ('vip_care').{key}" in message
    assert text in message


def test_plan_level_errors() -> None:
    assert "campaigns.level: must be inside (0, 1)" in _error(_campaign(), level=1.5)
    assert "campaigns.max_loss_probability" in _error(_campaign(), max_loss_probability=-0.1)
    assert "campaigns.total_budget: must be >= 0" in _error(_campaign(), total_budget=-1.0)
    assert "duplicate name(s) ['test_campaign']" in _error(_campaign(), _campaign())


def test_load_errors_name_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        textwrap.dedent(
            """
            [[campaigns.campaigns]]
            name = "vip_care"
            tiers = ["vip"]
            cost_per_contact = -3
            effect = { kind = "uplift_share", share = { mean = 0.1, sd = 0.02 } }
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_campaigns_config(path)
    assert info.value.path == path
    assert "campaigns[0] ('vip_care').cost_per_contact: must be >= 0" in str(info.value)
    with pytest.raises(ConfigError, match="not found"):
        load_campaigns_config(tmp_path / "missing.toml")
    (tmp_path / "broken.toml").write_text("[campaigns\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_campaigns_config(tmp_path / "broken.toml")


def test_names_checked_against_the_runs_segmentation(tmp_path: Path) -> None:
    custom = SegmentationConfig(
        segment_map={"best": "[4-5][4-5]", "rest": "[1-3].|[4-5][1-3]"},
        tier_map={"best": "vip", "rest": "lost"},
    )
    raw = {"campaigns": [_campaign(segments=["best"], tiers=[])]}
    assert validate_campaigns(raw, custom).campaigns[0].segments == ("best",)
    with pytest.raises(ValueError, match=r"campaigns\[0\] \('test_campaign'\)\.segments"):
        validate_campaigns(raw)  # FLO's default names do not include "best"
    path = tmp_path / "run.toml"
    path.write_text(
        textwrap.dedent(
            """
            [segmentation.segment_map]
            best = "[4-5][4-5]"
            rest = "[1-3].|[4-5][1-3]"
            [segmentation.tier_map]
            best = "vip"
            rest = "lost"
            [[campaigns.campaigns]]
            name = "best_only"
            segments = ["best"]
            cost_per_contact = 1
            effect = { kind = "response", p_response = { fixed = 0.05 }, order_value = 100 }
            """
        ),
        encoding="utf-8",
    )
    assert load_campaigns_config(path).campaigns[0].segments == ("best",)
