"""Built-in presets: the package-data TOML files under ``flo_bayes/config/presets/``.

``tier_campaigns.toml`` holds the six default campaigns (one per marketing tier);
``flo_targets.toml`` holds FLO's two classic target cases, each a target list and the
campaign that contacts it, so the two cases are defined in one place. The functions here
parse those files; no TOML text lives in Python.
"""

from __future__ import annotations

from typing import Any

from flo_bayes.config.campaigns import (
    CampaignConfig,
    CampaignsConfig,
    tier_campaigns_from_preset,
    validate_campaigns,
)
from flo_bayes.config.package_data import PRESETS, preset_path, read_preset
from flo_bayes.config.segmentation import TargetListConfig, flo_target_lists

_CAMPAIGN_FILTERS = ("segments", "tiers", "categories_any", "categories_all")


def _flo_targets() -> list[dict[str, Any]]:
    return read_preset("flo_targets")["target"]


def default_tier_campaigns() -> tuple[CampaignConfig, ...]:
    """The six tier campaigns of ``presets/tier_campaigns.toml``.

    Returns
    -------
    tuple of CampaignConfig
        ``vip_care``, ``very_active_loyalty``, ``active_engagement``, ``less_active_winback``,
        ``about_to_sleep_coupon``, ``lost_reactivation`` (one per tier, so they never compete
        for a customer).

    """
    return tier_campaigns_from_preset()


def classic_flo_target_lists() -> tuple[TargetListConfig, ...]:
    """FLO's two classic target lists (see :func:`~flo_bayes.config.segmentation.flo_target_lists`)."""
    return flo_target_lists()


def classic_flo_campaigns() -> tuple[CampaignConfig, ...]:
    """FLO's two classic target cases as campaigns, from ``presets/flo_targets.toml``.

    Each campaign has its target list's name, description and filters.

    Returns
    -------
    tuple of CampaignConfig
        ``new_womens_shoe_brand`` and ``mens_kids_discount_40``.

    """
    out = []
    for item in _flo_targets():
        filters = {k: item[k] for k in _CAMPAIGN_FILTERS if k in item}
        out.append(
            CampaignConfig.model_validate(
                {"name": item["name"], "description": item["description"]}
                | filters
                | item["campaign"]
            )
        )
    return tuple(out)


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
    "PRESETS",
    "classic_flo_campaigns",
    "classic_flo_target_lists",
    "default_campaigns_config",
    "default_tier_campaigns",
    "preset_path",
]
