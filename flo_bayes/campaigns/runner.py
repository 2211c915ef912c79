"""Entry point of ``flo-bayes plan``: re-plan campaigns from a finished run without refitting."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from flo_bayes.campaigns.export import write_campaign_plan
from flo_bayes.campaigns.plan import PlanResult, plan_campaigns
from flo_bayes.campaigns.run_inputs import read_run
from flo_bayes.config.campaigns import CampaignsConfig
from flo_bayes.runs import open_run


def build_campaign_plan(
    run_dir: Path | str,
    config: CampaignsConfig,
    out_dir: Path | str | None = None,
    *,
    seed: int | None = None,
    language: str = "en",
) -> PlanResult:
    """Plan campaigns on a finished run's outputs and write the exports.

    Parameters
    ----------
    run_dir : Path or str
        A completed run folder (``manifest.json`` with status ``complete``,
        ``customers.parquet``, ``cltv_draws.parquet``).
    config : CampaignsConfig
        Campaign settings (e.g. from :func:`~flo_bayes.campaigns.loader.load_campaigns_config`).
    out_dir : Path or str, optional
        Where to write ``campaign_plan.xlsx`` and ``campaigns/`` (default: ``run_dir``).
    seed : int, optional
        Seed of the effect draws (default: the run's seed, so a re-plan with the same config
        reproduces the run's plan).
    language : {"en", "tr"}
        Language of the workbook's headers.

    Returns
    -------
    PlanResult
        The plan, with ``files`` listing what was written.

    Raises
    ------
    flo_bayes.errors.ConfigError
        A campaign that names an unknown segment/tier/category/channel, asks for a horizon
        the run has no draws for, or needs a column the run lacks.
    flo_bayes.errors.DataError
        A missing, unfinished or inconsistent run folder.

    """
    inputs = read_run(run_dir)
    result = plan_campaigns(inputs.customers, inputs.value_draws, config, inputs.context, seed=seed)
    files = write_campaign_plan(
        result,
        Path(out_dir) if out_dir is not None else Path(run_dir),
        language=language,
        manifest=open_run(run_dir).manifest,  # the run's warnings go on the settings sheet
    )
    return replace(result, files=files)


__all__ = ["build_campaign_plan"]
