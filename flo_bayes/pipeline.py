"""The end-to-end run: input → summary → fits → diagnostics → per-customer scores → exports.

Each stage is a pure function elsewhere in the package; this module only wires them, times
them, and writes their results into the run folder.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flo_bayes.config import Config
from flo_bayes.diagnostics.convergence import GateResult
from flo_bayes.diagnostics.data_warnings import data_warnings
from flo_bayes.io.inputs import NoUsableRowsError
from flo_bayes.io.load import PreparedInput, load_input, prepare_loaded
from flo_bayes.io.model_data import require_model_data
from flo_bayes.io.writers import write_frame
from flo_bayes.manifest import Manifest, file_sha256
from flo_bayes.progress import ConsoleProgress
from flo_bayes.run_folder import RunFolder
from flo_bayes.segment_stage import export_target_lists, segment_and_profile
from flo_bayes.shock_stage import (
    aggregate_shock_for_run,
    apply_shock,
    shock_warnings,
    write_shock_blocks,
)
from flo_bayes.stages import (
    fit_and_diagnose,
    plan_and_export,
    population_draws,
    score_and_export,
    simulate_default_input,
)


@dataclass(frozen=True)
class RunOverrides:
    """Command-line settings that take precedence over the config file."""

    data_path: Path | None = None
    data_format: str | None = None
    seed: int | None = None
    analysis_date: date | None = None


@dataclass(frozen=True)
class RunResult:
    """Where the run wrote its results and whether its fits passed the gate."""

    folder: Path
    gate: GateResult


def apply_overrides(config: Config, overrides: RunOverrides) -> Config:
    """Return the config with command-line overrides applied."""
    data = config.data
    if overrides.data_path is not None:
        data = data.model_copy(update={"path": str(overrides.data_path)})
    if overrides.data_format is not None:
        data = data.model_copy(update={"format": overrides.data_format})
    analysis = config.analysis
    if overrides.analysis_date is not None:
        analysis = analysis.model_copy(update={"analysis_date": overrides.analysis_date})
    update = {"data": data, "analysis": analysis}
    if overrides.seed is not None:
        update["seed"] = overrides.seed
    return config.model_copy(update=update)


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
        loaded = load_input(input_path, config)
        try:
            prepared = prepare_loaded(loaded, config)
        except NoUsableRowsError:
            # The rejected rows say why no row is usable; keep them for the user.
            write_frame(loaded.rejected, folder.rejected_rows)
            raise
        write_frame(prepared.loaded.rejected, folder.rejected_rows)
        require_model_data(prepared.summary, input_path)
        manifest.update(
            input={
                "path": str(input_path),
                "format": config.data.format,
                "sha256": file_sha256(input_path),
                "ignored_columns": prepared.loaded.extra_columns,
            },
            row_counts={
                **prepared.loaded.row_counts,
                "customers": prepared.summary.height,
            },
            analysis_date=str(prepared.analysis_date),
        )
    _report_rows(progress, prepared)
    summary, analysis_date = prepared.summary, prepared.analysis_date
    # Only a transaction log's rows are needed later (the aggregate shock's occasions); any
    # other loaded rows (raw text included) would stay in memory to the end of the run,
    # under every larger allocation that follows.
    occasions = prepared.loaded.frame if config.data.format == "transactions" else None
    del loaded, prepared

    with progress.stage("RFM scores, segments and tiers"), manifest.stage("segment"):
        segmented = segment_and_profile(summary, config.segmentation, folder)
        del summary

    with progress.stage("fit BG/NBD and Gamma-Gamma (NUTS)"), manifest.stage("fit"):
        fitted, gate, prior_check = fit_and_diagnose(segmented, config, folder)
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
            warnings=data_warnings(customers, prior_check) + shock_warnings(shock),
        )

    with progress.stage("campaign plan (risk-aware, under budget)"), manifest.stage("plan"):
        manifest.update(campaign_plan=plan_and_export(customers, cltv_draws, config, folder))

    manifest.finish()
    if config.output.report:
        _build_report(folder, manifest, progress)
    progress.say(f"Results: {folder.path}")
    return RunResult(folder=folder.path, gate=gate)


def _build_report(folder: RunFolder, manifest: Manifest, progress: ConsoleProgress) -> None:
    """Write report.html; a failure here leaves the (complete) results intact and says so."""
    from flo_bayes.report import build_report

    started = time.perf_counter()
    try:
        path = build_report(folder.path)
    except Exception as error:  # noqa: BLE001 - the results are complete; the report is extra
        progress.say(
            f"WARNING: report.html could not be built ({type(error).__name__}: {error}); "
            f"rebuild it with `flo-bayes report {folder.path}`"
        )
        manifest.update(report={"built": False, "error": f"{type(error).__name__}: {error}"})
        return
    seconds = round(time.perf_counter() - started, 3)
    manifest.update(report={"built": True, "path": str(path), "seconds": seconds})
    progress.say(f"report: {path} ({seconds:.1f} s)")


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
