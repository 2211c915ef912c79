"""One entry point for every input format: load, validate, cut at the analysis date, summarise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from flo_bayes.config import Config
from flo_bayes.errors import DataError
from flo_bayes.io.flo_loader import load_flo
from flo_bayes.io.inputs import (
    LoadedInput,
    cut_at_analysis_date,
    require_usable_rows,
    resolve_analysis_date,
)
from flo_bayes.io.selection_rule import apply_selection_rule, rule_text
from flo_bayes.io.transaction_loader import load_transactions
from flo_bayes.summary import build_flo_summary, build_transaction_summary


@dataclass(frozen=True)
class PreparedInput:
    """Validated input, its analysis date and the customer summary built from it."""

    loaded: LoadedInput
    analysis_date: date
    summary: pl.DataFrame

    @property
    def purchases_only(self) -> bool:
        """A log without amounts: no spend model (see :mod:`flo_bayes.io.transaction_loader`)."""
        return self.loaded.purchases_only


def load_input(path: Path, config: Config) -> LoadedInput:
    """Read and validate ``path`` in the configured format."""
    if config.data.format == "flo":
        return load_flo(path)
    return load_transactions(path, config.data.transactions, currency=config.prediction.currency)


def prepare_input(path: Path, config: Config) -> PreparedInput:
    """Load, fix the analysis date, move later rows aside, and build the customer summary.

    Parameters
    ----------
    path : Path
        The input file.
    config : Config
        Format, layout, time unit and analysis-date rule.

    Returns
    -------
    PreparedInput
        Row accounting holds: ``loaded.rows_read == len(loaded.frame) + len(loaded.rejected)``.

    """
    return prepare_loaded(load_input(path, config), config)


def prepare_loaded(loaded: LoadedInput, config: Config) -> PreparedInput:
    """The steps of :func:`prepare_input` after loading (for callers that keep the loaded rows).

    Raises
    ------
    DataError
        When no row is usable, or none is dated on or before the analysis date, or no
        customer meets ``[data.selection]`` (whose rule cuts the input, see
        :mod:`flo_bayes.io.selection_rule`).

    """
    require_usable_rows(loaded)
    analysis_date = resolve_analysis_date(
        loaded, config.analysis.analysis_date, config.analysis.analysis_date_offset_days
    )
    loaded = cut_at_analysis_date(loaded, analysis_date)
    if config.data.format == "flo":
        summary = build_flo_summary(loaded.frame.lazy(), analysis_date, config.analysis.time_unit)
    else:
        summary = build_transaction_summary(
            loaded.frame.lazy(),
            analysis_date,
            config.analysis.time_unit,
            purchases_only=loaded.purchases_only,
        )
    summary = summary.collect()
    if config.data.selection is not None:
        loaded, summary = apply_selection_rule(loaded, summary, config.data.selection)
        if summary.is_empty():
            raise DataError(
                f"no customer meets [data.selection] ({rule_text(config.data.selection)}) on "
                f"the analysis date {analysis_date}; check the window start",
                path=loaded.path,
            )
    return PreparedInput(loaded=loaded, analysis_date=analysis_date, summary=summary)
