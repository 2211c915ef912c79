"""Map the run config (and its ``[engine]`` section) onto :class:`EngineSettings`.

The run config is being restructured; this module is the one place that reads it for the
engine. ``engine`` below is the proposed ``[engine]`` section::

    [engine]
    kind = "dask"            # or "local"
    scheduler = ""           # tcp://host:8786; empty starts a LocalCluster
    workers = 0              # LocalCluster workers; 0 = the machine's cores
    n_cells = 4096           # RNG cells (random-number layout)
    gg_sample_size = 200000  # Gamma-Gamma subsample target
    plan_sample_size = 50000 # customers the dual prices are found on
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flo_bayes.engine.keys import DEFAULT_N_CELLS
from flo_bayes.engine.plan import PlanSettings, ScaleCampaign
from flo_bayes.engine.settings import EngineSettings, SamplerChoice


def _plan_from_campaigns(campaigns: Any, run_margin: float, sample_size: int) -> PlanSettings:
    items = []
    for camp in campaigns.campaigns:
        effect = camp.effect
        if getattr(effect, "kind", None) != "uplift_share":
            raise ValueError(
                f"campaign {camp.name!r}: the Dask engine plans uplift_share effects only "
                "(response effects need per-customer order values and draws); use --engine local"
            )
        filters = ("categories_any", "categories_all", "order_channels", "last_order_channels")
        used = [name for name in filters if getattr(camp, name, ())]
        if used:
            raise ValueError(
                f"campaign {camp.name!r}: filters {used} need FLO's channel/category columns, "
                "which a transaction log does not have; the Dask engine filters by segments "
                "and tiers"
            )
        margin = camp.margin if camp.margin is not None else campaigns.margin
        margin = run_margin if margin == "run" else float(margin)
        items.append(
            ScaleCampaign(
                name=camp.name,
                cost_per_contact=float(camp.cost_per_contact),
                uplift_share=float(effect.share.expected) * margin / run_margin,
                segments=tuple(camp.segments),
                tiers=tuple(camp.tiers),
                budget=camp.budget,
            )
        )
    return PlanSettings(
        campaigns=tuple(items), total_budget=campaigns.total_budget, sample_size=sample_size
    )


def engine_settings(
    config: Any, engine: Mapping[str, Any] | None = None, campaigns: Any = None
) -> EngineSettings:
    """Engine settings of a run config.

    Parameters
    ----------
    config : flo_bayes.config.Config
        The run configuration (analysis, prediction, sampler sections are read).
    engine : mapping, optional
        The ``[engine]`` section (see the module docstring).
    campaigns : CampaignsConfig, optional
        Campaigns to plan (uplift-share effects only).

    Returns
    -------
    EngineSettings

    """
    engine = dict(engine or {})
    prediction = config.prediction
    sampler = config.sampler
    return EngineSettings(
        time_unit=config.analysis.time_unit,
        analysis_date=config.analysis.analysis_date,
        analysis_date_offset_days=config.analysis.analysis_date_offset_days,
        horizons_months=tuple(float(h) for h in prediction.horizons_months),
        cltv_horizon_months=float(prediction.cltv_horizon_months),
        margin=float(prediction.margin),
        max_draws=int(prediction.max_draws),
        keep_draws=int(prediction.keep_draws) or 1,
        n_cells=int(engine.get("n_cells", DEFAULT_N_CELLS)),
        gg_sample_size=int(engine.get("gg_sample_size", 200_000)),
        sampler=SamplerChoice(
            chains=sampler.chains,
            draws=sampler.draws,
            tune=sampler.tune,
            cores=sampler.cores,
            target_accept=sampler.target_accept,
        ),
        plan=None
        if campaigns is None
        else _plan_from_campaigns(
            campaigns, float(prediction.margin), int(engine.get("plan_sample_size", 50_000))
        ),
    )
