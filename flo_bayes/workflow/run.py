"""The end-to-end run: input → summary → fits → diagnostics → per-customer scores → exports.

Each stage is a module of :mod:`flo_bayes.workflow` (load, segment, fit, shock, score, plan,
report); this module only wires them, times them, and records them in the manifest.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path

from flo_bayes.config import Config
from flo_bayes.diagnostics.convergence import GateResult
from flo_bayes.diagnostics.data_warnings import data_warnings
from flo_bayes.io.load import PreparedInput
from flo_bayes.io.model_data import require_model_data
from flo_bayes.io.selection_rule import rule_text
from flo_bayes.progress import ConsoleProgress
from flo_bayes.runs import Manifest, RunFolder
from flo_bayes.workflow.fit import fit_and_diagnose, population_draws
from flo_bayes.workflow.load import input_record, load_and_prepare, simulate_default_input
from flo_bayes.workflow.plan import plan_and_export
from flo_bayes.workflow.report import build_run_report
from flo_bayes.workflow.score import score_and_export
from flo_bayes.workflow.segment import export_target_lists, segment_and_profile
from flo_bayes.workflow.shock import (
    aggregate_shock_for_run,
    apply_shock,
    shock_warnings,
    write_shock_blocks,
)


@dataclass(frozen=True)
class RunResult:
    """Where the run wrote its results and whether its fits passed the gate."""

    folder: Path
    gate: GateResult


def run_pipeline(
    config: Config,
    folder: RunFolder,
    progress: ConsoleProgress,
    *,
    config_source: str = "built-in defaults",
) -> RunResult:
    """Run every stage and write the results into ``folder``.

    Parameters
    ----------
    config : Config
        Validated configuration (overrides already applied).
    folder : RunFolder
        The new, empty run folder.
    progress : ConsoleProgress
        Console progress printer.
    config_source : str
        Where the config came from, recorded in the manifest.

    Returns
    -------
    RunResult
        The folder and the convergence gate's result.

    """
    manifest = Manifest(folder.manifest)
    manifest.start(
        run_id=folder.run_id,
        config_source=config_source,
        config=config.model_dump(mode="json"),
        seed=config.seed,
    )

    with progress.stage("load and validate input"), manifest.stage("load"):
        input_path = (
            Path(config.data.path)
            if config.data.path
            else simulate_default_input(config, folder.input_dir)
        )
        loaded, prepared = load_and_prepare(input_path, config, folder.rejected_rows)
        manifest.update(**input_record(input_path, config, prepared))
        require_model_data(prepared.summary, input_path)
    _report_rows(progress, prepared)
    summary, analysis_date = prepared.summary, prepared.analysis_date
    selection_rule = rule_text(config.data.selection) if config.data.selection else None
    # Only a transaction log's rows are needed later (the aggregate shock's occasions); any
    # other loaded rows (raw text included) would stay in memory to the end of the run,
    # under every larger allocation that follows.
    occasions = prepared.loaded.frame if config.data.format == "transactions" else None
    del loaded, prepared

    with progress.stage("RFM scores, segments and tiers"), manifest.stage("segment"):
        segmented = segment_and_profile(summary, config.segmentation, folder)
        del summary

    with progress.stage("fit BG/NBD and Gamma-Gamma (NUTS)"), manifest.stage("fit"):
        fitted, gate, prior_check = fit_and_diagnose(segmented, config, folder, analysis_date)
        manifest.update(convergence=gate.to_dict() | {"failures": gate.failures})
        shock = aggregate_shock_for_run(fitted, config, occasions, analysis_date)
        del occasions
        write_shock_blocks(shock, folder.aggregate_shock_blocks)
        manifest.update(aggregate_shock=shock.summary())
        draws = apply_shock(population_draws(fitted, config), shock, config.seed)
        # The fitted models hold the customer table several times over (pandas data, model
        # coords, fit_data); scoring needs only the population draws, so let them go.
        del fitted
        gc.collect()
    _report_gate(progress, gate)

    with progress.stage("score customers (posterior predictive draws)"), manifest.stage("score"):
        customers, cltv_draws = score_and_export(segmented, draws, config, folder, gate)
        manifest.update(
            target_lists=export_target_lists(customers, config.segmentation, folder),
            warnings=data_warnings(customers, prior_check, selection_rule) + shock_warnings(shock),
        )

    with progress.stage("campaign plan (risk-aware, under budget)"), manifest.stage("plan"):
        manifest.update(campaign_plan=plan_and_export(customers, cltv_draws, config, folder))

    manifest.finish()
    if config.output.report:
        build_run_report(folder, manifest, say=progress.say)
    progress.say(f"Results: {folder.path}")
    return RunResult(folder=folder.path, gate=gate)


def _report_rows(progress: ConsoleProgress, prepared: PreparedInput) -> None:
    counts = prepared.loaded.row_counts
    progress.say(
        f"    rows read {counts['rows_read']}, used {counts['rows_used']}, "
        f"rejected {counts['rows_rejected']} {counts['rejected_by_reason'] or ''}".rstrip()
        + "; "
        f"{prepared.summary.height} customers; analysis date {prepared.analysis_date}"
    )


def _report_gate(progress: ConsoleProgress, gate: GateResult) -> None:
    if gate.passed:
        progress.say("    convergence gate: PASSED")
        return
    banner = "!" * 72
    progress.say(banner)
    progress.say("CONVERGENCE GATE FAILED - the posteriors may not be trustworthy:")
    for failure in gate.failures:
        progress.say(
            f"  {failure['target']} {failure['check']} = {failure['value']:.4g} "
            f"(needs {failure['rule']})"
        )
    progress.say("Exports are marked 'convergence_passed = false'. See diagnostics/.")
    progress.say(banner)
