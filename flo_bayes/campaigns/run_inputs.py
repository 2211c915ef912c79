"""Read what a campaign plan needs from a finished run folder.

A plan needs the customer table (``customers.parquet``), the thinned predictive CLTV draws
(``cltv_draws.parquet``: ``customer_id`` and ``draw_<k>`` columns, one shared draw index) and
a few run settings from ``manifest.json`` (CLTV horizon, margin, currency, seed, segment
names). Nothing here imports the run config module, so the run config may import the
campaign settings without an import cycle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from flo_bayes.config.segmentation import SegmentationConfig
from flo_bayes.errors import DataError
from flo_bayes.predictive.from_config import horizon_name
from flo_bayes.runs import open_run

DRAW_PREFIX = "draw_"
_DRAW_RE = re.compile(r"^draw_(\d+)$")


@dataclass(frozen=True)
class RunContext:
    """Settings of the run whose draws are planned on.

    Attributes
    ----------
    cltv_horizon_months : float
        Horizon of the CLTV draws.
    margin : float
        Margin the CLTV draws were computed with (``prediction.margin``).
    currency : str
        Currency of all money amounts.
    seed : int
        Run seed (effect draws derive from it).
    segmentation : SegmentationConfig
        The run's segment, category and channel names (and language).
    horizons_months : tuple of float
        All horizons of the run (for error messages).
    run_dir : Path, optional
        Where the run's files are.
    draw_labels : tuple of str
        Names of the draw columns (``draw_<k>``), for the record.

    """

    cltv_horizon_months: float
    margin: float
    currency: str
    seed: int
    segmentation: SegmentationConfig = field(default_factory=SegmentationConfig)
    horizons_months: tuple[float, ...] = ()
    run_dir: Path | None = None
    draw_labels: tuple[str, ...] = ()

    @property
    def horizon(self) -> str:
        """Column tag of the CLTV horizon (``6m``)."""
        return horizon_name(self.cltv_horizon_months)

    @classmethod
    def from_config(cls, config: Any, run_dir: Path | None = None) -> RunContext:
        """Build from the run's ``flo_bayes.config.Config`` (duck-typed: no import).

        Parameters
        ----------
        config : flo_bayes.config.Config
            Needs ``seed``, ``prediction.{cltv_horizon_months, horizons_months, margin,
            currency}`` and ``segmentation``.
        run_dir : Path, optional
            The run folder.

        Returns
        -------
        RunContext
            The context.

        """
        prediction = config.prediction
        return cls(
            cltv_horizon_months=float(prediction.cltv_horizon_months),
            margin=float(prediction.margin),
            currency=str(prediction.currency),
            seed=int(config.seed),
            segmentation=config.segmentation,
            horizons_months=tuple(float(h) for h in prediction.horizons_months),
            run_dir=run_dir,
        )


@dataclass(frozen=True)
class RunInputs:
    """A finished run's customers and value draws, aligned row by row.

    Attributes
    ----------
    customers : polars.DataFrame
        One row per customer.
    value_draws : numpy.ndarray
        Shape ``(n_customers, S)``: predictive CLTV draws at the run's margin, same rows.
    context : RunContext
        Run settings.

    """

    customers: pl.DataFrame
    value_draws: np.ndarray
    context: RunContext


def draw_columns(frame: pl.DataFrame) -> list[str]:
    """The ``draw_<k>`` columns of a draws frame, in file order."""
    return [c for c in frame.columns if _DRAW_RE.match(c)]


def align_draws(customers: pl.DataFrame, draws: pl.DataFrame, *, source: Path | str) -> np.ndarray:
    """Value-draw matrix in the row order of ``customers``.

    Parameters
    ----------
    customers : polars.DataFrame
        Needs ``customer_id``.
    draws : polars.DataFrame
        ``customer_id`` and ``draw_<k>`` columns.
    source : Path or str
        Named in errors.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_customers, S)``, float64.

    Raises
    ------
    DataError
        If columns are missing, ids are duplicated or customers lack draws.

    """
    columns = draw_columns(draws)
    if "customer_id" not in draws.columns or not columns:
        raise DataError("expected customer_id and draw_<k> columns", path=source)
    if draws.get_column("customer_id").is_duplicated().any():
        raise DataError("customer_id is duplicated", path=source)
    ids = customers.get_column("customer_id")
    if draws.height == customers.height and ids.equals(draws.get_column("customer_id")):
        matrix = draws.select(columns).to_numpy()
    else:
        joined = customers.select("customer_id").join(
            draws, on="customer_id", how="left", maintain_order="left"
        )
        missing = joined.filter(pl.col(columns[0]).is_null()).height
        if missing:
            raise DataError(
                f"{missing} customer(s) of customers.parquet have no draws", path=source
            )
        matrix = joined.select(columns).to_numpy()
    matrix = np.ascontiguousarray(matrix, dtype=np.float64)
    if not np.all(np.isfinite(matrix)):
        raise DataError("value draws contain missing or infinite values", path=source)
    return matrix


def read_run(run_dir: Path | str) -> RunInputs:
    """Read a finished run's customers, value draws and settings.

    Parameters
    ----------
    run_dir : Path or str
        The run folder (``outputs/<run-id>``).

    Returns
    -------
    RunInputs
        Customers and draws aligned by ``customer_id``.

    Raises
    ------
    DataError
        If a file is missing or inconsistent.

    """
    run = open_run(run_dir)
    run_dir = run.folder.path
    context = RunContext.from_config(run.config, run_dir)
    customers_path = run.folder.customers_parquet
    draws_path = run.folder.cltv_draws
    if not customers_path.is_file():
        raise DataError("customers.parquet not found", path=run_dir)
    if not draws_path.is_file():
        raise DataError(
            "cltv_draws.parquet not found: the run kept no CLTV draws; re-run with "
            "prediction.keep_draws > 0",
            path=run_dir,
        )
    customers = pl.read_parquet(customers_path)
    draws = pl.read_parquet(draws_path)
    matrix = align_draws(customers, draws, source=draws_path)
    context = replace(context, draw_labels=tuple(draw_columns(draws)))
    return RunInputs(customers, matrix, context)


__all__ = [
    "RunContext",
    "RunInputs",
    "align_draws",
    "draw_columns",
    "horizon_name",
    "read_run",
]
