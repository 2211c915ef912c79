"""The load stage: read and validate the input, fix the analysis date, build the summary.

Shared by ``run``, ``validate`` and ``backtest``: every input row is used or written to the
rejected rows with its reason.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from flo_bayes.config import Config
from flo_bayes.errors import DataError
from flo_bayes.io.format_hint import format_hint
from flo_bayes.io.inputs import LoadedInput, NoUsableRowsError
from flo_bayes.io.load import PreparedInput, load_input, prepare_loaded
from flo_bayes.io.selection_rule import OUTSIDE_SELECTION_RULE, rule_text, window_length
from flo_bayes.io.writers import atomic_path, write_frame
from flo_bayes.runs.manifest import file_sha256
from flo_bayes.simulate import simulate_flo_customers, simulate_population, write_flo_csv

# The simulated default data end here (FLO's conventional analysis date).
DEFAULT_ANALYSIS_DATE = date(2021, 6, 1)


def simulate_default_input(config: Config, input_dir: Path) -> Path:
    """Write the embedded default data set (simulated with known parameters) and return its path."""
    input_dir.mkdir(parents=True, exist_ok=True)
    if config.data.format == "flo":
        frame = simulate_flo_customers(
            config.data.simulated_customers,
            analysis_date=DEFAULT_ANALYSIS_DATE,
            seed=config.data.simulated_seed,
        )
        path = input_dir / "simulated_flo_customers.csv"
        with atomic_path(path) as temporary:
            write_flo_csv(frame, temporary)
        return path
    population = simulate_population(
        config.data.simulated_customers,
        acquisition_start=date(2019, 1, 1),
        acquisition_end=date(2020, 12, 31),
        observation_end=DEFAULT_ANALYSIS_DATE,
        seed=config.data.simulated_seed,
    )
    path = input_dir / "simulated_transactions.csv"
    write_frame(population.transactions.select("customer_id", "date", "amount"), path)
    return path


def load_and_prepare(
    path: Path, config: Config, rejected_path: Path | None = None
) -> tuple[LoadedInput, PreparedInput]:
    """Load ``path``, resolve the analysis date, cut at it and build the customer summary.

    Parameters
    ----------
    path : Path
        The input file.
    config : Config
        Format, layout, time unit and analysis-date rule.
    rejected_path : Path, optional
        Where to write the rejected rows, also when no row is usable (they say why).

    Returns
    -------
    tuple
        The rows as loaded (before the cut at the analysis date) and the prepared input.

    """
    try:
        loaded = load_input(path, config)
    except DataError as error:
        hint = format_hint(path, config.data.format)
        if not hint:
            raise
        message = error.message.rstrip()
        message += "" if message.endswith(".") else "."
        raise DataError(message + hint, path=error.path) from None
    try:
        prepared = prepare_loaded(loaded, config)
    except NoUsableRowsError:
        if rejected_path is not None:
            write_frame(loaded.rejected, rejected_path)
        raise
    if rejected_path is not None:
        write_frame(prepared.loaded.rejected, rejected_path)
    return loaded, prepared


def selection_record(config: Config, prepared: PreparedInput) -> dict | None:
    """The manifest's ``selection``: the extract rule the fit conditions on, or ``None``."""
    rule = config.data.selection
    if rule is None:
        return None
    dropped = prepared.loaded.rejected.filter(
        pl.col("reason_codes").str.contains(OUTSIDE_SELECTION_RULE)
    )
    return {
        "rule": rule_text(rule),
        "last_purchase_on_or_after": str(rule.last_purchase_on_or_after),
        "min_purchase_occasions": rule.min_purchase_occasions,
        "window_length": window_length(
            rule.last_purchase_on_or_after, prepared.analysis_date, config.analysis.time_unit
        ),
        "time_unit": config.analysis.time_unit,
        "customers_kept": prepared.summary.height,
        "rows_outside_rule": dropped.height,
    }


def input_record(path: Path, config: Config, prepared: PreparedInput) -> dict:
    """The manifest's record of the load stage: input file, row counts, analysis date, rule."""
    return {
        "input": {
            "path": str(path),
            "format": config.data.format,
            "sha256": file_sha256(path),
            "ignored_columns": prepared.loaded.extra_columns,
            "purchases_only": prepared.purchases_only,
            "value_per_purchase": (
                config.data.transactions.value_per_purchase if prepared.purchases_only else None
            ),
        },
        "row_counts": {**prepared.loaded.row_counts, "customers": prepared.summary.height},
        "analysis_date": str(prepared.analysis_date),
        "selection": selection_record(config, prepared),
    }
