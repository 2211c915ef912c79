from __future__ import annotations

import pytest

from flo_bayes.config import Config
from flo_bayes.engine.from_config import engine_settings


def test_run_config_maps_onto_engine_settings():
    from flo_bayes.campaigns.defaults import default_campaigns_config

    config = Config()
    settings = engine_settings(config, {"n_cells": 64}, default_campaigns_config())
    assert settings.n_cells == 64
    assert settings.max_draws == config.prediction.max_draws
    assert settings.horizons_months == tuple(config.prediction.horizons_months)
    assert settings.sampler.chains == config.sampler.chains
    assert settings.plan is not None and settings.plan.campaigns
    for camp in settings.plan.campaigns:
        assert camp.uplift_share >= 0 and camp.cost_per_contact > 0


def test_response_effects_are_refused_with_a_pointer_to_local():
    from flo_bayes.campaigns.config import CampaignsConfig
    from flo_bayes.campaigns.defaults import classic_flo_campaigns

    campaigns = CampaignsConfig(campaigns=classic_flo_campaigns())
    if all(c.effect.kind == "uplift_share" for c in campaigns.campaigns):
        pytest.skip("the classic campaigns hold no response effect")
    with pytest.raises(ValueError, match="--engine local"):
        engine_settings(Config(), None, campaigns)
