"""Default campaigns: one per marketing tier, and the two classic FLO target cases.

The TOML texts below are the single source of the defaults; the functions parse them. Money
is in the run's currency (TRY for FLO, 2021 prices). Costs and effects are **illustrative
assumptions** for a shoe retailer, not measured values: replace them with your own figures
(contact costs from the CRM/SMS vendor, effects from past A/B tests).

How the numbers were chosen (FLO 6-month predictive CLTV: about 100 TRY revenue on average,
about 190 TRY for VIPs; about 150 TRY per order; gross margin 50 %):

=========================== ======= ======= ==========================================
campaign                    cost    budget  effect (mean, sd) and reasoning
=========================== ======= ======= ==========================================
vip_care                    12.0    6000    uplift 12 % (5 %): note, small gift, rep
very_active_loyalty          5.0    6000    uplift 7 % (3.5 %): card, tiered discounts
active_engagement            1.0    2000    uplift 4 % (2.5 %): contests, e-mails
less_active_winback          2.5    1000    response 8 % (4 %), 15 % come-back discount
about_to_sleep_coupon        1.0    3000    response 6 % (3 %), 20 % SMS/push coupon
lost_reactivation            0.5    1000    response 4 % (2.5 %), 25 % season discount
new_womens_shoe_brand        2.0    3000    response 10 % (4 %) at full price
mens_kids_discount_40        0.5    1000    response 12 % (5 %) with a 40 % discount
=========================== ======= ======= ==========================================

Budgets are set below what contacting every worthwhile customer would cost, so the plan
has to prioritise.
Response probabilities are *incremental* (orders that happen only because of the contact).
Strategy texts of the tier campaigns come from :mod:`flo_bayes.segmentation.tiers`.
"""

from __future__ import annotations

import tomllib

from flo_bayes.campaigns.config import CampaignConfig, CampaignsConfig, validate_campaigns

DEFAULT_TIER_CAMPAIGNS_TOML = """
# One campaign per marketing tier; strategy texts come from the tier definitions.
# Costs in the run's currency per contact; effects are assumptions with their uncertainty.

[[campaigns.campaigns]]
name = "vip_care"
description = "VIP: dedicated representative, thank-you note and small gift, first access to new products"
tiers = ["vip"]
cost_per_contact = 12.0
budget = 6000.0
effect = { kind = "uplift_share", share = { mean = 0.12, sd = 0.05 } }

[[campaigns.campaigns]]
name = "very_active_loyalty"
description = "Very active: loyalty-card enrolment, escalating discounts for card holders, referral bonus"
tiers = ["very_active"]
cost_per_contact = 5.0
budget = 6000.0
effect = { kind = "uplift_share", share = { mean = 0.07, sd = 0.035 } }

[[campaigns.campaigns]]
name = "active_engagement"
description = "Active: Instagram contests, new-season e-mails, loyalty-programme encouragement"
tiers = ["active"]
cost_per_contact = 1.0
budget = 2000.0
effect = { kind = "uplift_share", share = { mean = 0.04, sd = 0.025 } }

[[campaigns.campaigns]]
name = "less_active_winback"
description = "Less active: 'we missed you' message, ads for recently viewed products, 24-hour come-back discount"
tiers = ["less_active"]
cost_per_contact = 2.5
budget = 1000.0
effect = { kind = "response", p_response = { mean = 0.08, sd = 0.04 }, order_value = "expected_spend", discount = 0.15 }

[[campaigns.campaigns]]
name = "about_to_sleep_coupon"
description = "About to sleep: attention-grabbing notification, personal SMS and app push with a one-time coupon"
tiers = ["about_to_sleep"]
cost_per_contact = 1.0
budget = 3000.0
effect = { kind = "response", p_response = { mean = 0.06, sd = 0.03 }, order_value = "expected_spend", discount = 0.20 }

[[campaigns.campaigns]]
name = "lost_reactivation"
description = "Lost: come-back story on social media, 'why did you leave?' survey with a gift voucher, end-of-season discount"
tiers = ["lost"]
cost_per_contact = 0.5
budget = 1000.0
effect = { kind = "response", p_response = { mean = 0.04, sd = 0.025 }, order_value = "expected_spend", discount = 0.25 }
"""  # noqa: E501
"""TOML text of the six tier campaigns (same as :func:`default_tier_campaigns`)."""

CLASSIC_FLO_CAMPAIGNS_TOML = """
# The two classic FLO target cases as campaigns (exact category tokens: COCUK is not AKTIFCOCUK).

[[campaigns.campaigns]]
name = "new_womens_shoe_brand"
description = "New women's shoe brand: champions and loyal customers who buy KADIN"
segments = ["champions", "loyal_customers"]
categories_any = ["KADIN"]
cost_per_contact = 2.0
budget = 3000.0
effect = { kind = "response", p_response = { mean = 0.10, sd = 0.04 }, order_value = "expected_spend", discount = 0.0 }

[[campaigns.campaigns]]
name = "mens_kids_discount_40"
description = "~40 % discount on men's and children's products: at_risk, cant_loose and new_customers who buy ERKEK or COCUK"
segments = ["at_risk", "cant_loose", "new_customers"]
categories_any = ["ERKEK", "COCUK"]
cost_per_contact = 0.5
budget = 1000.0
effect = { kind = "response", p_response = { mean = 0.12, sd = 0.05 }, order_value = "expected_spend", discount = 0.40 }
"""  # noqa: E501
"""TOML text of the two classic FLO target cases as campaigns."""


def _parse(text: str) -> tuple[CampaignConfig, ...]:
    raw = tomllib.loads(text)["campaigns"]["campaigns"]
    return tuple(CampaignConfig.model_validate(item) for item in raw)


def default_tier_campaigns() -> tuple[CampaignConfig, ...]:
    """The six tier campaigns of :data:`DEFAULT_TIER_CAMPAIGNS_TOML`.

    Returns
    -------
    tuple of CampaignConfig
        ``vip_care``, ``very_active_loyalty``, ``active_engagement``, ``less_active_winback``,
        ``about_to_sleep_coupon``, ``lost_reactivation`` (one per tier, so they never compete
        for a customer).

    """
    return _parse(DEFAULT_TIER_CAMPAIGNS_TOML)


def classic_flo_campaigns() -> tuple[CampaignConfig, ...]:
    """The two classic FLO target cases of :data:`CLASSIC_FLO_CAMPAIGNS_TOML`.

    Returns
    -------
    tuple of CampaignConfig
        ``new_womens_shoe_brand`` (champions and loyal_customers interested in KADIN) and
        ``mens_kids_discount_40`` (at_risk, cant_loose and new_customers interested in ERKEK
        or COCUK).

    """
    return _parse(CLASSIC_FLO_CAMPAIGNS_TOML)


def default_campaigns_config(
    *, include_classic: bool = False, **settings: object
) -> CampaignsConfig:
    """Campaign settings with the default campaigns.

    Parameters
    ----------
    include_classic : bool, default False
        Add the two classic FLO cases to the six tier campaigns (they then compete with the
        tier campaigns for customers unless ``allow_multiple_campaigns``).
    **settings
        Other :class:`CampaignsConfig` fields (``criterion``, ``level``, ...).

    Returns
    -------
    CampaignsConfig
        The validated settings.

    """
    campaigns = default_tier_campaigns() + (classic_flo_campaigns() if include_classic else ())
    return validate_campaigns({**settings, "campaigns": [c.model_dump() for c in campaigns]})


__all__ = [
    "CLASSIC_FLO_CAMPAIGNS_TOML",
    "DEFAULT_TIER_CAMPAIGNS_TOML",
    "classic_flo_campaigns",
    "default_campaigns_config",
    "default_tier_campaigns",
]
