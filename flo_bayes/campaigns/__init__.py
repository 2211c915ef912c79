"""Risk-aware campaign planning on the per-customer predictive CLTV draws.

Public API:

* settings: :class:`CampaignsConfig`, :class:`CampaignConfig` (effects
  :class:`UpliftShareEffect`, :class:`ResponseEffect` with :class:`BetaSpec`),
  :func:`load_campaigns_config`, :func:`validate_campaigns`;
* defaults: :func:`default_tier_campaigns`, :func:`classic_flo_campaigns`,
  :func:`default_campaigns_config` (from :mod:`flo_bayes.config.defaults`);
* planning: :func:`plan_campaigns` (pure, in memory), :func:`build_campaign_plan` (from a
  finished run folder, writes the exports), :func:`write_campaign_plan`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Name -> module that defines it. Loaded on first use, so ``import flo_bayes.campaigns.x``
# (and the CLI's ``plan --help``) does not pay for the export writers and the planner.
_EXPORTS = {
    "write_campaign_plan": "flo_bayes.campaigns.export",
    "campaigns_config_from_dict": "flo_bayes.campaigns.loader",
    "campaigns_config_from_run": "flo_bayes.campaigns.loader",
    "load_campaigns_config": "flo_bayes.campaigns.loader",
    "CampaignPlan": "flo_bayes.campaigns.plan",
    "PlanResult": "flo_bayes.campaigns.plan",
    "plan_campaigns": "flo_bayes.campaigns.plan",
    "RunContext": "flo_bayes.campaigns.run_inputs",
    "read_run": "flo_bayes.campaigns.run_inputs",
    "build_campaign_plan": "flo_bayes.campaigns.runner",
    "BetaSpec": "flo_bayes.config.campaigns",
    "CampaignConfig": "flo_bayes.config.campaigns",
    "CampaignsConfig": "flo_bayes.config.campaigns",
    "ResponseEffect": "flo_bayes.config.campaigns",
    "UpliftShareEffect": "flo_bayes.config.campaigns",
    "validate_campaigns": "flo_bayes.config.campaigns",
    "classic_flo_campaigns": "flo_bayes.config.defaults",
    "default_campaigns_config": "flo_bayes.config.defaults",
    "default_tier_campaigns": "flo_bayes.config.defaults",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'flo_bayes.campaigns' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
