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
from flo_bayes.diagnostics.spend_checks import spend_warnings
from flo_bayes.io.inputs import row_count_lines
from flo_bayes.io.load import PreparedInput
from flo_bayes.io.model_data import require_model_data
from flo_bayes.io.selection_rule import rule_text
from flo_bayes.progress import ConsoleProgress
from flo_bayes.runs import Manifest, RunFolder
from flo_bayes.workflow.fit import fit_and_diagnose, fit_stage_label, population_draws
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

# Said on the console and recorded in the manifest for a log without amounts.
PURCHASES_ONLY_LINE = (
    "    no amount column: purchases only (no Gamma-Gamma fit; each purchase worth {:g}, "
    "[data.transactions] value_per_purchase)"
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
    with_spend = not prepared.purchases_only
    if not with_spend:
        progress.say(PURCHASES_ONLY_LINE.format(config.data.transactions.value_per_purchase))
    summary, analysis_date = prepared.summary, prepared.analysis_date
    selection_rule = rule_text(config.data.selection) if config.data.selection else None
    # Only a transaction log's rows are needed later (the aggregate shock's occasions); any
    # other loaded rows (raw text included) would stay in memory to the end of the run,
    # under every larger allocation that follows.
    occasions = prepared.loaded.frame if config.data.format == "transactions" else None
    del loaded, prepared

    with progress.stage("RFM scores, segments and tiers"), manifest.stage("segment"):
        segmented = segment_and_profile(
            summary, config.segmentation, folder, purchases_only=not with_spend
        )
        del summary

    with progress.stage(fit_stage_label(config, with_spend)), manifest.stage("fit"):
        sampler = config.sampler
        models = "models" if with_spend else "model"
        progress.say(
            f"    compiling the {models}, then NUTS ({sampler.backend}): {sampler.chains} chains x "
            f"({sampler.tune} tune + {sampler.draws} draws) per model ..."
        )
        fitted, gate, prior_check = fit_and_diagnose(
            segmented, config, folder, analysis_date, with_spend=with_spend
        )
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
        customers, cltv_draws = score_and_export(
            segmented, draws, config, folder, gate, with_spend=with_spend
        )
        sizes, target_warnings = export_target_lists(
            customers, config.segmentation, folder, data_format=config.data.format
        )
        manifest.update(
            target_lists=sizes,
            warnings=data_warnings(customers, prior_check, selection_rule)
            + (spend_warnings(segmented) if with_spend else [])
            + shock_warnings(shock)
            + target_warnings,
        )

    with progress.stage("campaign plan (risk-aware, under budget)"), manifest.stage("plan"):
        manifest.update(
            campaign_plan=plan_and_export(
                customers, cltv_draws, config, folder, run_warnings=manifest.content["warnings"]
            )
        )

    manifest.finish()
    if config.output.report:
        build_run_report(folder, manifest, say=progress.say, language=config.report.language)
    progress.warnings(run_warnings(manifest.content))
    progress.say(f"Results: {folder.path}")
    return RunResult(folder=folder.path, gate=gate)


def run_warnings(manifest: dict) -> list[str]:
    """Every warning a run recorded, as text: data and model warnings, then the plan's.

    The same ``code: message`` lines as the workbook's settings sheet
    (:func:`flo_bayes.campaigns.export.manifest_warnings`).
    """
    from flo_bayes.campaigns.export import manifest_warnings

    plan = manifest.get("campaign_plan") or {}
    return manifest_warnings(manifest) + manifest_warnings({"warnings": plan.get("warnings") or []})


def _report_rows(progress: ConsoleProgress, prepared: PreparedInput) -> None:
    for line in row_count_lines(prepared.loaded.row_counts):
        progress.say(f"    {line}")
    if prepared.loaded.rejected.height:
        progress.say("    (every rejected or held-out row and its reason: rejected_rows.csv)")
    progress.say(f"    {prepared.summary.height} customers; analysis date {prepared.analysis_date}")


def gate_hints(gate: GateResult) -> list[str]:
    """What to change in the config when the gate fails, by the kind of failed check."""
    checks = {str(failure["check"]).lower() for failure in gate.failures}
    hints = []
    if any("ess" in c or "r_hat" in c or "rhat" in c for c in checks):
        hints.append(
            "longer chains: raise [sampler] draws and tune (e.g. draws = 1000, tune = 1000), "
            "or more chains ([sampler] chains)"
        )
    if any("diverg" in c for c in checks):
        hints.append(
            "fewer divergences: raise [sampler] target_accept (e.g. 0.95) and tune; "
            "check the priors ([priors.*]) against the data"
        )
    if any("bfmi" in c for c in checks):
        hints.append('low E-BFMI: raise [sampler] tune, or try mass_matrix = "diag"')
    if not hints:
        hints.append("raise [sampler] draws and tune, and see diagnostics/convergence.csv")
    return hints


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
    for hint in gate_hints(gate):
        progress.say(f"Try: {hint}")
    progress.say(banner)
