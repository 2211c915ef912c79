"""The ``flo-bayes`` command line.

Exit codes: 0 success, 2 a user error (input or config: the message says what to fix),
1 an internal error (a short message and the log file; ``--verbose`` shows the traceback).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from flo_bayes.errors import UserInputError

app = typer.Typer(
    name="flo-bayes",
    help="Bayesian customer lifetime value (BG/NBD + Gamma-Gamma), RFM segments and campaign plans.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise UserInputError(f"{option} must be a date as YYYY-MM-DD, got {value!r}") from None


def _guarded(action: Callable[[], int | None], *, verbose: bool, log_dir: Path) -> None:
    """Run a command; turn user errors into exit code 2 and internal errors into 1."""
    try:
        code = action() or 0
    except UserInputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None
    except Exception as error:  # noqa: BLE001 - the CLI's last line of defence
        log_dir.mkdir(parents=True, exist_ok=True)
        log = log_dir / "flo-bayes-error.log"
        log.write_text(traceback.format_exc(), encoding="utf-8")
        typer.echo(f"internal error: {type(error).__name__}: {error}", err=True)
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
    data_format: Annotated[
        str | None,
        typer.Option("--format", help="Input format: 'flo' or 'transactions' (default: config)."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the results in an existing --out folder.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress output.")] = False,
    verbose: VerboseOption = False,
) -> None:
    """Run the whole pipeline: validate, summarise, fit, diagnose, score and export."""

    def action() -> int:
        from flo_bayes.config import load_config
        from flo_bayes.pipeline import RunOverrides, apply_overrides, run_pipeline
        from flo_bayes.progress import ConsoleProgress
        from flo_bayes.run_folder import RunFolder

        if data_format not in (None, "flo", "transactions"):
            raise UserInputError(f"--format must be 'flo' or 'transactions', got {data_format!r}")
        settings = apply_overrides(
            load_config(config),
            RunOverrides(
                data_path=data,
                data_format=data_format,
                seed=seed,
                analysis_date=_parse_date(analysis_date, "--analysis-date"),
            ),
        )
        label = Path(settings.data.path).stem if settings.data.path else "simulated"
        folder = RunFolder.create(out, Path(settings.output.directory), label, overwrite=overwrite)
        result = run_pipeline(
            settings,
            folder,
            ConsoleProgress(total=4, quiet=quiet),
            config_source=str(config) if config else "built-in defaults",
        )
        return 0 if result.gate.passed else 0

    _guarded(action, verbose=verbose, log_dir=out or Path("outputs"))


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
    """Simulate customers from BG/NBD + Gamma-Gamma with known parameters (see simulate.py)."""

    def action() -> int:
        from flo_bayes.config import Config
        from flo_bayes.stages import simulate_default_input

        if data_format not in ("flo", "transactions"):
            raise UserInputError(f"--format must be 'flo' or 'transactions', got {data_format!r}")
        config = Config().model_copy(
            update={
                "data": Config().data.model_copy(
                    update={
                        "format": data_format,
                        "simulated_customers": customers,
                        "simulated_seed": seed,
                    }
                )
            }
        )
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
    data_format: Annotated[
        str | None, typer.Option("--format", help="'flo' or 'transactions' (default: config).")
    ] = None,
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
        from flo_bayes.config import load_config
        from flo_bayes.io.load import prepare_input
        from flo_bayes.io.writers import write_frame
        from flo_bayes.pipeline import RunOverrides, apply_overrides

        settings = apply_overrides(
            load_config(config),
            RunOverrides(
                data_format=data_format,
                analysis_date=_parse_date(analysis_date, "--analysis-date"),
            ),
        )
        prepared = prepare_input(data, settings)
        counts = prepared.loaded.row_counts
        typer.echo(
            f"{data}: rows read {counts['rows_read']}, used {counts['rows_used']}, "
            f"rejected {counts['rows_rejected']}; customers {prepared.summary.height}; "
            f"analysis date {prepared.analysis_date}"
        )
        for reason, count in counts["rejected_by_reason"].items():
            typer.echo(f"  {reason}: {count}")
        if rejected is not None:
            write_frame(prepared.loaded.rejected, rejected)
            typer.echo(f"rejected rows written to {rejected}")
        return 0

    _guarded(action, verbose=verbose, log_dir=Path("outputs"))


def main() -> None:
    """Entry point of the ``flo-bayes`` script."""
    app(prog_name="flo-bayes")


if __name__ == "__main__":
    sys.exit(main())
