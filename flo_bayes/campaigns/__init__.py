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

from flo_bayes.campaigns.export import write_campaign_plan
from flo_bayes.campaigns.loader import (
    campaigns_config_from_dict,
    campaigns_config_from_run,
    load_campaigns_config,
)
from flo_bayes.campaigns.plan import CampaignPlan, PlanResult, plan_campaigns
from flo_bayes.campaigns.run_inputs import RunContext, read_run
from flo_bayes.campaigns.runner import build_campaign_plan
from flo_bayes.config.campaigns import (
    BetaSpec,
    CampaignConfig,
    CampaignsConfig,
    ResponseEffect,
    UpliftShareEffect,
    validate_campaigns,
)
from flo_bayes.config.defaults import (
    classic_flo_campaigns,
    default_campaigns_config,
    default_tier_campaigns,
)

__all__ = [
    "BetaSpec",
    "CampaignConfig",
    "CampaignPlan",
    "CampaignsConfig",
    "PlanResult",
    "ResponseEffect",
    "RunContext",
    "UpliftShareEffect",
    "build_campaign_plan",
    "campaigns_config_from_dict",
    "campaigns_config_from_run",
    "classic_flo_campaigns",
    "default_campaigns_config",
    "default_tier_campaigns",
    "load_campaigns_config",
    "plan_campaigns",
    "read_run",
    "validate_campaigns",
    "write_campaign_plan",
]
