from __future__ import annotations

import pytest

from flo_bayes.config import Config
from flo_bayes.engine.from_config import engine_settings


def _default_campaigns():
    from flo_bayes.config.defaults import default_campaigns_config

    return default_campaigns_config()


def test_run_config_maps_onto_engine_settings():
    campaigns = _default_campaigns()
    uplift = tuple(c for c in campaigns.campaigns if c.effect.kind == "uplift_share")
    assert uplift, "the default campaigns hold an uplift-share campaign"
    config = Config()
    settings = engine_settings(
        config, {"n_cells": 64}, campaigns.model_copy(update={"campaigns": uplift})
    )
    assert settings.n_cells == 64
    assert settings.max_draws == config.prediction.max_draws
    assert settings.horizons_months == tuple(config.prediction.horizons_months)
    assert settings.sampler.chains == config.sampler.chains
    by_name = {c.name: c for c in settings.plan.campaigns}
    for camp in uplift:
        scaled = by_name[camp.name]
        margin = camp.margin if camp.margin is not None else campaigns.margin
        assert scaled.uplift_share == pytest.approx(
            camp.effect.share.expected * margin / config.prediction.margin
        )
        assert scaled.cost_per_contact == camp.cost_per_contact
        assert scaled.tiers == tuple(camp.tiers)


def test_response_effects_are_refused_with_a_pointer_to_local():
    campaigns = _default_campaigns()
    assert any(c.effect.kind == "response" for c in campaigns.campaigns)
    with pytest.raises(ValueError, match="--engine local"):
        engine_settings(Config(), None, campaigns)
