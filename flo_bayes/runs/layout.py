"""Layout of a run folder: the one place that names every file a run, a plan or a backtest writes."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flo_bayes.errors import UserInputError


@dataclass(frozen=True)
class RunFolder:
    """Paths inside one run folder (``outputs/<run-id>/`` by default)."""

    path: Path

    @property
    def run_id(self) -> str:
        """The folder's name."""
        return self.path.name

    @property
    def manifest(self) -> Path:
        """``manifest.json``."""
        return self.path / "manifest.json"

    @property
    def input_dir(self) -> Path:
        """Generated input (the simulated default data set)."""
        return self.path / "input"

    @property
    def rejected_rows(self) -> Path:
        """Every rejected input row with its reasons."""
        return self.path / "rejected_rows.csv"

    @property
    def models_dir(self) -> Path:
        """Saved posteriors."""
        return self.path / "models"

    def purchase_model_file(self, name: str) -> Path:
        """Posterior of purchase model ``name``: ``models/<name>.nc`` (netCDF, arviz)."""
        return self.models_dir / f"{name}.nc"

    @property
    def bgnbd_model(self) -> Path:
        """BG/NBD posterior (netCDF; opens with arviz and pymc-marketing's ``load``)."""
        return self.purchase_model_file("bgnbd")

    def saved_purchase_model(self, names: tuple[str, ...]) -> str:
        """Which of the purchase models ``names`` the run saved (the first found; else the first)."""
        for name in names:
            if self.purchase_model_file(name).is_file():
                return name
        return names[0]

    @property
    def gamma_gamma_model(self) -> Path:
        """Gamma-Gamma posterior (netCDF)."""
        return self.models_dir / "gamma_gamma.nc"

    @property
    def diagnostics_dir(self) -> Path:
        """Convergence summaries and plots."""
        return self.path / "diagnostics"

    @property
    def posterior_summary(self) -> Path:
        """One row per population parameter."""
        return self.diagnostics_dir / "summary.csv"

    @property
    def model_comparison(self) -> Path:
        """``[model] purchase = "compare"``: PSIS-LOO table of the purchase models."""
        return self.diagnostics_dir / "model_comparison.csv"

    @property
    def aggregate_shock_blocks(self) -> Path:
        """Calibration blocks behind the aggregate-shock estimate (transaction logs)."""
        return self.diagnostics_dir / "aggregate_shock_blocks.csv"

    @property
    def prior_posterior(self) -> Path:
        """Prior against posterior, per parameter."""
        return self.diagnostics_dir / "prior_vs_posterior.csv"

    @property
    def customers_parquet(self) -> Path:
        """Per-customer results (Parquet)."""
        return self.path / "customers.parquet"

    @property
    def customers_csv(self) -> Path:
        """Per-customer results (CSV, for Excel)."""
        return self.path / "customers.csv"

    @property
    def cltv_draws(self) -> Path:
        """Thinned per-customer CLTV draws for later stages."""
        return self.path / "cltv_draws.parquet"

    @property
    def segments_dir(self) -> Path:
        """Segment and tier profiles."""
        return self.path / "segments"

    @property
    def targets_dir(self) -> Path:
        """One CSV per configured target list."""
        return self.path / "targets"

    @property
    def data_dictionary(self) -> Path:
        """What every exported column means."""
        return self.path / "data_dictionary.csv"

    @property
    def campaigns_dir(self) -> Path:
        """The campaign plan's tables: its summary, one target list per campaign, ``plan.json``."""
        return self.path / "campaigns"

    @property
    def campaign_summary(self) -> Path:
        """The campaign plan's summary: one row per campaign and a TOTAL row."""
        return self.campaigns_dir / "summary.csv"

    @property
    def campaign_workbook(self) -> Path:
        """The campaign plan as an Excel workbook."""
        return self.path / "campaign_plan.xlsx"

    @property
    def report(self) -> Path:
        """The self-contained HTML report."""
        return self.path / "report.html"

    @property
    def backtest_json(self) -> Path:
        """A backtest's figures (coverage, holdout totals against their bands)."""
        return self.path / "backtest.json"

    @property
    def backtest_customers(self) -> Path:
        """A backtest's per-customer holdout actuals and predictions."""
        return self.path / "backtest_customers.parquet"

    @property
    def backtest_tracking_table(self) -> Path:
        """A backtest's weekly and cumulative purchases, actual against predicted."""
        return self.path / "tracking_weekly.csv"

    @property
    def backtest_plots(self) -> tuple[Path, Path]:
        """A backtest's calibration-vs-holdout and weekly-tracking plots."""
        return (self.path / "calibration_vs_holdout.png", self.path / "tracking_weekly.png")

    @property
    def log_file(self) -> Path:
        """The run's log."""
        return self.path / "run.log"

    @classmethod
    def create(
        cls, out: Path | None, base: Path, label: str, *, overwrite: bool = False
    ) -> RunFolder:
        """Create a new run folder.

        Parameters
        ----------
        out : Path, optional
            Explicit run folder. It must not exist or be empty unless ``overwrite``.
        base : Path
            Parent of generated run folders (``outputs``).
        label : str
            Short tag in the generated run id (data set name).
        overwrite : bool
            Allow writing into an existing, non-empty ``out``. Without it, a folder whose
            manifest says the run ``failed`` or was ``interrupted`` is reused (its partial
            results replaced), so a retry after, say, a wrong ``--data`` needs no
            ``--overwrite``; a complete or still-running run is never replaced silently.

        Returns
        -------
        RunFolder
            The folder, created on disk.

        """
        if out is None:
            # mkdir without exist_ok claims the name atomically: two runs started in the
            # same second (even in parallel) never share a folder.
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            base.mkdir(parents=True, exist_ok=True)
            suffix = 1
            while True:
                path = base / (f"{stamp}-{label}" + (f"-{suffix}" if suffix > 1 else ""))
                try:
                    path.mkdir()
                except FileExistsError:
                    suffix += 1
                    continue
                return cls(path)
        else:
            path = out
            if path.exists() and not path.is_dir():
                raise UserInputError(
                    "--out must be a folder, but a file of that name exists", path=path
                )
            if path.exists() and any(path.iterdir()):
                if not overwrite and not _failed_run(path):
                    raise UserInputError(
                        "output folder already holds results; choose a new --out folder or "
                        "pass --overwrite to replace them",
                        path=path,
                    )
                if not (path / "manifest.json").exists():
                    raise UserInputError(
                        "--overwrite only replaces a previous run folder (one with a "
                        "manifest.json); this folder holds other files",
                        path=path,
                    )
                # Old results are removed first so new and old never mix.
                shutil.rmtree(path)
        path.mkdir(parents=True, exist_ok=True)
        return cls(path)


def _failed_run(path: Path) -> bool:
    """Whether ``path`` holds a run folder whose manifest says it failed or was interrupted."""
    import json

    try:
        status = json.loads((path / "manifest.json").read_text(encoding="utf-8")).get("status")
    except (OSError, ValueError, AttributeError):
        return False
    return status in ("failed", "interrupted")
