"""The ``flo-bayes`` command line.

Exit codes: 0 success, 2 a user error (input, config or an unwritable/busy output folder: the
message says what to fix), 1 an internal error (a short message and the log file;
``--verbose`` shows the traceback), 3 the run finished but its fits failed the convergence
gate (results are marked so), 130 interrupted (Ctrl-C, at any stage).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from flo_bayes.errors import UserInputError
from flo_bayes.io.folder_lock import folder_lock

# `run` finished and wrote its results, but the fits failed the convergence gate.
GATE_FAILED_EXIT_CODE = 3

app = typer.Typer(
    name="flo-bayes",
    help="Bayesian customer lifetime value (BG/NBD + Gamma-Gamma), RFM segments and campaign plans.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: flags show as flags (not "--overwrite <bool>") and "[campaigns]" in a
    # help text is printed, not read as rich markup.
    rich_markup_mode=None,
)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML config file (default: built-in defaults).")
]
DataOption = Annotated[
    Path | None, typer.Option("--data", help="Input file (default: the config's, else simulated).")
]
SeedOption = Annotated[int | None, typer.Option("--seed", help="Random seed (default: config).")]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", help="Show tracebacks of internal errors.")
]
FormatOption = Annotated[
    str | None,
    typer.Option("--format", help="Input format: 'flo' or 'transactions' (default: config)."),
]
LanguageOption = Annotated[
    str | None,
    typer.Option(
        "--language", help="Report and XLSX headers: 'en' or 'tr' (default: [report] language)."
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", help="No progress output.")]
OverwriteOption = Annotated[
    bool, typer.Option("--overwrite", help="Replace the results in an existing --out folder.")
]


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise UserInputError(f"{option} must be a date as YYYY-MM-DD, got {value!r}") from None


# Command-line option of each override, named in validation errors.
_OVERRIDE_OPTIONS = {
    "data_path": "--data",
    "data_format": "--format",
    "seed": "--seed",
    "analysis_date": "--analysis-date",
    "language": "--language",
}


def _overrides(**values: object):
    """Validate command-line settings into RunOverrides; errors name the option."""
    from pydantic import ValidationError

    from flo_bayes.config import RunOverrides
    from flo_bayes.config.errors import clean_message

    try:
        return RunOverrides(**values)
    except ValidationError as error:
        problems = [
            f"{_OVERRIDE_OPTIONS.get(str(e['loc'][0]), e['loc'][0])}: {clean_message(e['msg'])}"
            f" (got {e['input']!r})"
            for e in error.errors()
        ]
        raise UserInputError("; ".join(problems)) from None


def _guarded(
    action: Callable[[], int | None], *, verbose: bool, log_dir: Path | Callable[[], Path]
) -> None:
    """Run a command; turn user errors into exit code 2 and internal errors into 1.

    ``log_dir`` may be a callable, read when an internal error happens (so a run can point
    it at its run folder once that exists).
    """
    try:
        code = action() or 0
    except UserInputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None
    except Exception as error:  # noqa: BLE001 - the CLI's last line of defence
        directory = log_dir() if callable(log_dir) else log_dir
        log = directory / "flo-bayes-error.log"
        typer.echo(f"internal error: {type(error).__name__}: {error}", err=True)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            log.write_text(traceback.format_exc(), encoding="utf-8")
        except OSError as log_error:  # a full disk or read-only place must not hide the error
            typer.echo(f"(the error log could not be written: {log_error})", err=True)
            verbose = True
        else:
            typer.echo(f"the traceback is in {log}; rerun with --verbose to print it", err=True)
        if verbose:
            traceback.print_exc()
        raise typer.Exit(1) from None
    raise typer.Exit(code)


@app.command()
def run(
    config: ConfigOption = None,
    data: DataOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Run folder to create (default: outputs/<run-id>)."),
    ] = None,
    seed: SeedOption = None,
    analysis_date: Annotated[
        str | None,
        typer.Option("--analysis-date", help="YYYY-MM-DD; later transactions are held out."),
    ] = None,
    data_format: FormatOption = None,
    language: LanguageOption = None,
    overwrite: OverwriteOption = False,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Run the whole pipeline: validate, summarise, fit, diagnose, score and export.

    A --out folder whose earlier run failed (its manifest says so) is reused without
    --overwrite; one holding a complete run is refused unless --overwrite.
    """
    # Where an internal error's traceback goes: the run folder once it exists.
    log_dir = {"path": out or Path("outputs")}

    def action() -> int:
        from flo_bayes.config import apply_overrides, load_config
        from flo_bayes.progress import ConsoleProgress
        from flo_bayes.runs import RunFolder

        settings = apply_overrides(
            load_config(config),
            _overrides(
                data_path=data,
                data_format=data_format,
                seed=seed,
                analysis_date=_parse_date(analysis_date, "--analysis-date"),
                language=language,
            ),
        )
        progress = ConsoleProgress(total=5, quiet=quiet)
        # The model libraries take a while to import; say so before the first stage.
        progress.say("flo-bayes run: loading the model libraries ...")
        from flo_bayes.workflow.run import run_pipeline

        label = Path(settings.data.path).stem if settings.data.path else "simulated"
        log_dir["path"] = out or Path(settings.output.directory)
        with ExitStack() as locks:
            # One writer per folder; an explicit --out is locked before it is (re)created.
            if out is not None:
                locks.enter_context(folder_lock(out, "run"))
            folder = RunFolder.create(
                out, Path(settings.output.directory), label, overwrite=overwrite
            )
            if out is None:
                locks.enter_context(folder_lock(folder.path, "run"))
            log_dir["path"] = folder.path
            with progress.session():
                result = run_pipeline(
                    settings,
                    folder,
                    progress,
                    config_source=str(config) if config else "built-in defaults",
                )
        # Results are written either way; exit code 3 lets scripts notice a failed gate.
        return 0 if result.gate.passed else GATE_FAILED_EXIT_CODE

    _guarded(action, verbose=verbose, log_dir=lambda: log_dir["path"])


@app.command()
def simulate(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    customers: Annotated[
        int, typer.Option("--customers", min=1, help="Number of customers.")
    ] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 42,
    data_format: Annotated[
        str, typer.Option("--format", help="'flo' (FLO's schema) or 'transactions' (a log).")
    ] = "flo",
    verbose: VerboseOption = False,
) -> None:
    """Simulate customers from BG/NBD + Gamma-Gamma with known parameters.

    The parameters are fixed (they are recorded so fits can be checked against them); the
    file is FLO's customer summary (--format flo) or a transaction log (--format transactions)
    that `flo-bayes run --data FILE` reads as is.
    """

    def action() -> int:
        from flo_bayes.config import config_from_dict
        from flo_bayes.workflow.load import simulate_default_input

        _overrides(data_format=data_format)  # names --format if it is not a known format

        data_settings = {
            "format": data_format,
            "simulated_customers": customers,
            "simulated_seed": seed,
        }
        config = config_from_dict({"data": data_settings}, source="command-line options")
        written = simulate_default_input(
            config, out.parent if out.parent != Path("") else Path(".")
        )
        written.replace(out)
        typer.echo(f"wrote {customers} simulated customers to {out}")
        return 0

    _guarded(action, verbose=verbose, log_dir=Path("outputs"))


@app.command()
def validate(
    data: Annotated[Path, typer.Option("--data", help="Input file to check.")],
    config: ConfigOption = None,
    data_format: FormatOption = None,
    analysis_date: Annotated[
        str | None, typer.Option("--analysis-date", help="YYYY-MM-DD analysis date.")
    ] = None,
    rejected: Annotated[
        Path | None, typer.Option("--rejected", help="Write the rejected rows to this CSV.")
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Check an input file without fitting: row accounting, rejected rows, customer count."""

    def action() -> int:
        from flo_bayes.config import apply_overrides, load_config
        from flo_bayes.io.inputs import NoUsableRowsError
        from flo_bayes.workflow.load import load_and_prepare

        settings = apply_overrides(
            load_config(config),
            _overrides(
                data_format=data_format,
                analysis_date=_parse_date(analysis_date, "--analysis-date"),
            ),
        )
        try:
            # The same load stage as a run: every row used or rejected with its reason.
            _, prepared = load_and_prepare(data, settings, rejected)
        except NoUsableRowsError:
            # Even when no row is usable, the rejected rows say why.
            if rejected is not None:
                typer.echo(f"rejected rows written to {rejected}", err=True)
            raise
        from flo_bayes.io.inputs import row_count_lines

        head, *details = row_count_lines(prepared.loaded.row_counts)
        typer.echo(
            f"{data}: {head}; customers {prepared.summary.height}; "
            f"analysis date {prepared.analysis_date}"
        )
        for line in details:
            typer.echo(line)
        if rejected is not None:
            typer.echo(f"rejected rows written to {rejected}")
        return 0

    _guarded(action, verbose=verbose, log_dir=Path("outputs"))


def _comparison_lines(comparison: dict | None) -> list[str]:
    """Console lines of a compare backtest: the pick and each model's holdout figures."""
    if not comparison:
        return []
    lines = [f"compare: picked {comparison['picked']} by PSIS-LOO (rule in backtest.json)"]
    for row in comparison["models"]:
        if row.get("holdout_mae") is None:
            lines.append(f"    {row['model']}: {row['note']}")
            continue
        band = "inside" if row["total_in_band"] else "outside"
        lines.append(
            f"    {row['model']}: elpd_loo {row['elpd_loo']:.1f}, holdout MAE "
            f"{row['holdout_mae']:.3f}, coverage_90 {row['coverage_90']:.3f}, total "
            f"{row['holdout_actual_total']} {band} [{row['holdout_predicted_q05']:.0f}, "
            f"{row['holdout_predicted_q95']:.0f}]"
        )
    return lines


@app.command()
def backtest(
    data: Annotated[Path, typer.Option("--data", help="Transaction log.")],
    calibration_end: Annotated[
        str, typer.Option("--calibration-end", help="Last day of the calibration period.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for backtest.json and plots.")],
    holdout_end: Annotated[
        str | None,
        typer.Option("--holdout-end", help="Last day of the holdout (default: last date)."),
    ] = None,
    config: ConfigOption = None,
    data_format: FormatOption = None,
    seed: SeedOption = None,
    overwrite: OverwriteOption = False,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Fit on the calibration period and check the predictive intervals on the holdout.

    The input must be a transaction log (--format transactions, the default without
    --config). Like `run`, an existing --out folder with results is refused unless
    --overwrite (one whose backtest failed is reused).
    """

    def action() -> int:
        from flo_bayes.config import apply_overrides, load_config
        from flo_bayes.progress import ConsoleProgress
        from flo_bayes.runs import RunFolder

        settings = load_config(config)
        chosen = data_format or (None if config is not None else "transactions")
        settings = apply_overrides(settings, _overrides(data_format=chosen, seed=seed))
        start = _parse_date(calibration_end, "--calibration-end")
        end = _parse_date(holdout_end, "--holdout-end")
        progress = ConsoleProgress(total=3, quiet=quiet)
        progress.say("flo-bayes backtest: loading the model libraries ...")
        from flo_bayes.workflow.backtest import run_backtest
        from flo_bayes.workflow.run import run_warnings

        with folder_lock(out, "backtest"):
            RunFolder.create(out, out.parent, out.name, overwrite=overwrite)
            with progress.session():
                report = run_backtest(data, settings, start, end, out, progress)
        passed = bool(report["convergence_passed"])
        progress.say(f"    convergence gate: {'PASSED' if passed else 'FAILED (see diagnostics)'}")
        progress.warnings(run_warnings(_manifest(out)))
        typer.echo(
            f"coverage_50 {report['coverage_50']:.3f}, coverage_90 {report['coverage_90']:.3f}; "
            f"holdout purchases actual {report['holdout_actual_total']}, predicted "
            f"{report['holdout_predicted_mean']:.0f} [{report['holdout_predicted_q05']:.0f}, "
            f"{report['holdout_predicted_q95']:.0f}]; written to {out}"
        )
        for line in _comparison_lines(report.get("model_comparison")):
            typer.echo(line)
        return 0 if passed else GATE_FAILED_EXIT_CODE

    _guarded(action, verbose=verbose, log_dir=out)


@app.command()
def plan(
    run_dir: Annotated[Path, typer.Argument(help="A finished run folder.")],
    config: Annotated[
        Path | None,
        typer.Option("--config", help="TOML file with a [campaigns] section (default: the run's)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the plan (default: the run folder).")
    ] = None,
    seed: SeedOption = None,
    language: LanguageOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Recompute the campaign plan from a finished run's outputs, without refitting."""

    def action() -> int:
        import polars as pl

        from flo_bayes.campaigns import campaigns_config_from_run, load_campaigns_config
        from flo_bayes.workflow.plan import replan

        settings = load_campaigns_config(config) if config else campaigns_config_from_run(run_dir)
        # Into the run folder itself, the run's manifest and report are updated too.
        with folder_lock(out or run_dir, "plan"):
            result = replan(
                run_dir, settings, out, seed=seed, language=_language(language, run_dir)
            )
        shown = [
            c
            for c in (
                "campaign",
                "eligible",
                "contacts",
                "cost",
                "profit_mean",
                "profit_q05",
                "profit_q95",
                "p_loss",
            )
            if c in result.summary.columns
        ]
        with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=120, fmt_str_lengths=30):
            # Money to cents and P(loss) to 3 decimals: the console is for reading.
            table = result.summary.select(shown).with_columns(
                pl.col(c).round(3 if c == "p_loss" else 2)
                for c in shown
                if result.summary.schema[c].is_float()
            )
            typer.echo(table)
        from flo_bayes.campaigns.export import manifest_warnings

        # The run's own warnings (data, model) as well as the plan's, once each.
        run_side = manifest_warnings(_manifest(run_dir))
        for warning in dict.fromkeys(run_side + [str(w) for w in result.warnings]):
            typer.echo(f"warning: {warning}", err=True)
        typer.echo(f"plan written to {out or run_dir} (campaign_plan.xlsx, campaigns/)")
        return 0

    _guarded(action, verbose=verbose, log_dir=out or run_dir)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A finished run folder.")],
    language: LanguageOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Rebuild the self-contained report.html of a run from its saved outputs."""

    def action() -> int:
        from flo_bayes.report import build_report

        path = build_report(run_dir, language=_language(language, run_dir))
        typer.echo(f"report written to {path}")
        return 0

    _guarded(action, verbose=verbose, log_dir=run_dir)


def _language(option: str | None, run_dir: Path) -> str:
    """The --language given, else the run's ``[report] language``, else English."""
    if option is not None:
        return _overrides(language=option).language
    configured = (_manifest(run_dir).get("config") or {}).get("report") or {}
    return configured.get("language", "en")


def _manifest(folder: Path) -> dict:
    """A folder's manifest.json as a mapping; empty when there is none (the command says why)."""
    import json

    try:
        content = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return content if isinstance(content, dict) else {}


def main() -> None:
    """Entry point of the ``flo-bayes`` script."""
    app(prog_name="flo-bayes")


if __name__ == "__main__":
    sys.exit(main())
