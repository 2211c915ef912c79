"""The plan stage: the risk-aware campaign plan of a run, and re-planning a finished run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from flo_bayes.campaigns import (
    PlanResult,
    RunContext,
    build_campaign_plan,
    plan_campaigns,
    write_campaign_plan,
)
from flo_bayes.config import Config
from flo_bayes.config.campaigns import CampaignsConfig
from flo_bayes.runs import Manifest, RunFolder, open_run


def plan_and_export(
    customers: pl.DataFrame,
    cltv_draws: np.ndarray | None,
    config: Config,
    folder: RunFolder,
    *,
    run_warnings: list[str] | None = None,
) -> dict:
    """Plan the configured campaigns on the predictive draws and write the plan.

    The workbook is written in ``[report] language``; its settings sheet lists the run's
    warnings so far (``run_warnings``) with the plan's own.

    Returns
    -------
    dict
        Manifest entry: the plan's summary rows and warnings.

    """
    if cltv_draws is None or not config.campaigns.campaigns:
        reason = (
            "no CLTV draws kept (prediction.keep_draws = 0)"
            if cltv_draws is None
            else "none configured"
        )
        return {"skipped": True, "warnings": [f"campaign plan skipped: {reason}"]}
    plan = plan_campaigns(
        customers, cltv_draws, config.campaigns, RunContext.from_config(config, folder.path)
    )
    write_campaign_plan(
        plan,
        folder.path,
        language=config.report.language,
        manifest={"warnings": list(run_warnings or [])},
    )
    return plan_record(plan)


def plan_record(plan: PlanResult) -> dict:
    """The manifest's record of a plan: its summary rows, method and warnings."""
    return {
        "skipped": False,
        "method": str(plan.assignment.method) if hasattr(plan.assignment, "method") else "",
        "summary": plan.summary.to_dicts(),
        "warnings": list(plan.warnings),
    }


def replan(
    run_dir: Path,
    settings: CampaignsConfig,
    out: Path | None = None,
    *,
    seed: int | None = None,
    language: str = "en",
) -> PlanResult:
    """Re-plan campaigns on a finished run; into the run folder itself, record it there.

    Parameters
    ----------
    run_dir : Path
        A completed run folder.
    settings : CampaignsConfig
        Campaign settings.
    out : Path, optional
        Where the plan goes (default: the run folder). When it is the run folder, its
        manifest's ``campaign_plan`` and ``config.campaigns`` are updated and its report
        rebuilt (if the run writes one), so the folder stays consistent.
    seed : int, optional
        Seed of the effect draws (default: the run's).
    language : {"en", "tr"}
        Language of the workbook's headers and of the rebuilt report.

    Returns
    -------
    PlanResult
        The plan and the files written.

    """
    out = out or run_dir
    result = build_campaign_plan(run_dir, settings, out, seed=seed, language=language)
    if Path(out).resolve() != Path(run_dir).resolve():
        return result
    run = open_run(run_dir)
    manifest = Manifest(run.folder.manifest, dict(run.manifest))
    config = dict(manifest.content.get("config") or {})
    config["campaigns"] = settings.model_dump(mode="json")
    manifest.update(
        config=config,
        campaign_plan=plan_record(result) | {"replanned": True},
    )
    if run.config.output.report:
        from flo_bayes.workflow.report import build_run_report

        build_run_report(run.folder, manifest, say=None, language=language)
    return result
