"""Python API for notebooks: open a finished run folder and get its results.

Examples
--------
Open a run, check the gate, summarise CLTV by segment, and reach the posteriors:

>>> import polars as pl
>>> import flo_bayes
>>> run = flo_bayes.load_run("outputs/20210601-120000-flo_data_20k")  # doctest: +SKIP
>>> run.gate_passed  # doctest: +SKIP
True
>>> run.customers.group_by("segment").agg(  # doctest: +SKIP
...     pl.len(), pl.col("p_alive").mean(), pl.col("cltv_6m_pred_mean").mean()
... )
>>> run.posterior_summary  # R-hat, ESS, MCSE per parameter  # doctest: +SKIP
>>> az_tree = run.bgnbd_idata  # ArviZ DataTree (posterior, sample_stats)  # doctest: +SKIP
>>> model = run.bgnbd_model  # pymc-marketing BetaGeoModel, rebuilt on first use  # doctest: +SKIP
>>> model.expected_purchases(future_t=26)  # doctest: +SKIP

Everything is read from the files the run wrote; nothing is refitted. Frames are Polars.
Posteriors and models are loaded on first access only (they are the slow part).

"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from flo_bayes.config import Config
from flo_bayes.errors import UserInputError
from flo_bayes.runs import RunFolder, open_run

if TYPE_CHECKING:
    import xarray as xr
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

    from flo_bayes.predictive.population import PopulationDraws

# Where a backtest of this run may be, relative to the run folder: the folder itself or a
# `backtest/` subfolder (each laid out as a run folder).
BACKTEST_FILES = (
    RunFolder(Path(".")).backtest_json,
    RunFolder(Path("backtest")).backtest_json,
)


def campaign_summary_path(folder: RunFolder) -> Path:
    """``campaigns/summary.csv``: one row per campaign, written by ``flo-bayes plan``."""
    return folder.campaign_summary


def _read_csv(path: Path, *, as_text: bool = False) -> pl.DataFrame:
    if as_text:
        return pl.read_csv(path, infer_schema_length=0)
    return pl.read_csv(path, infer_schema_length=10_000)


def _csv_tables(directory: Path) -> dict[str, pl.DataFrame]:
    if not directory.is_dir():
        return {}
    return {path.stem: _read_csv(path) for path in sorted(directory.glob("*.csv"))}


def _require(path: Path, what: str) -> Path:
    if not path.is_file():
        raise UserInputError(
            f"the run folder is incomplete: {what} is missing ({path.name})", path=path.parent
        )
    return path


@dataclass(frozen=True)
class Run:
    """The results of one finished run, read from its folder.

    Attributes
    ----------
    folder : RunFolder
        Paths of the run's files.
    manifest : dict
        ``manifest.json``: config, seed, versions, row counts, timings, gate, warnings.
    settings : Config
        The run's configuration, validated (``config`` is the same as a plain mapping).
    customers : polars.DataFrame
        ``customers.parquet``: one row per customer (summary, RFM segment and tier,
        P(alive), expected and predictive purchases and CLTV with bands, value tier).
    rejected_rows : polars.DataFrame
        ``rejected_rows.csv`` (all columns as text): input rows that were not used, and why.
    posterior_summary : polars.DataFrame
        ``diagnostics/summary.csv``: mean, sd, 94 % interval, R-hat, ESS, MCSE per parameter.
    prior_posterior : polars.DataFrame
        ``diagnostics/prior_vs_posterior.csv``.
    segments : dict of str to polars.DataFrame
        Every CSV under ``segments/`` keyed by file stem (``segment_profiles``,
        ``tier_profiles``, ``segment_value_crosstab`` ...).
    targets : dict of str to polars.DataFrame
        Every target list under ``targets/`` keyed by name.
    campaign_summary : polars.DataFrame or None
        ``campaigns/summary.csv`` when a campaign plan was made for this run.

    Examples
    --------
    >>> run = load_run("outputs/my-run")                       # doctest: +SKIP
    >>> run.customers.select("customer_id", "segment", "p_alive", "cltv_6m_pred_mean")
    >>> run.cltv_draws          # per-customer CLTV draws (loaded on first use)  # doctest: +SKIP
    >>> run.bgnbd_idata["posterior"]                           # doctest: +SKIP

    """

    folder: RunFolder
    manifest: dict = field(repr=False)
    settings: Config = field(repr=False)
    customers: pl.DataFrame = field(repr=False)
    rejected_rows: pl.DataFrame = field(repr=False)
    posterior_summary: pl.DataFrame = field(repr=False)
    prior_posterior: pl.DataFrame = field(repr=False)
    segments: dict[str, pl.DataFrame] = field(repr=False)
    targets: dict[str, pl.DataFrame] = field(repr=False)
    campaign_summary: pl.DataFrame | None = field(repr=False, default=None)

    @property
    def path(self) -> Path:
        """The run folder."""
        return self.folder.path

    @property
    def gate_passed(self) -> bool:
        """Whether both fits passed the convergence gate."""
        return bool(self.manifest.get("convergence", {}).get("passed", False))

    @property
    def warnings(self) -> list[dict]:
        """Data warnings recorded in the manifest (each with ``code`` and ``message``)."""
        return list(self.manifest.get("warnings") or [])

    @property
    def config(self) -> dict:
        """The run's configuration as recorded in the manifest."""
        return self.settings.model_dump(mode="json")

    @property
    def time_unit(self) -> str:
        """Time unit of ``x``/``t_x``/``T`` and of the models (``weeks`` by default)."""
        return self.settings.analysis.time_unit

    @property
    def currency(self) -> str:
        """Currency of spend and CLTV."""
        return self.settings.prediction.currency

    @cached_property
    def data_dictionary(self) -> pl.DataFrame | None:
        """``data_dictionary.csv``: the meaning of every exported column (None if absent)."""
        path = self.folder.data_dictionary
        return _read_csv(path) if path.is_file() else None

    @cached_property
    def cltv_draws(self) -> pl.DataFrame | None:
        """Per-customer CLTV draws (``customer_id`` + one column per kept draw), or None.

        The draws share the posterior-draw index across customers, so sums over customers
        (a segment, a campaign) carry the parameter correlation. Loaded on first access;
        use :meth:`scan_cltv_draws` for a lazy Polars scan instead.
        """
        path = self.folder.cltv_draws
        return pl.read_parquet(path) if path.is_file() else None

    def scan_cltv_draws(self) -> pl.LazyFrame | None:
        """Lazy scan of ``cltv_draws.parquet`` (None when the run kept no draws)."""
        path = self.folder.cltv_draws
        return pl.scan_parquet(path) if path.is_file() else None

    @property
    def purchases_only(self) -> bool:
        """Whether the run read a log without amounts (no Gamma-Gamma model was fitted)."""
        return not self.folder.gamma_gamma_model.is_file() and bool(
            (self.manifest.get("input") or {}).get("purchases_only")
        )

    @cached_property
    def purchase_model_name(self) -> str:
        """Registry name of the run's purchase model (the one saved in ``models/``)."""
        from flo_bayes.models.registry import PURCHASE_MODELS

        return self.folder.saved_purchase_model(tuple(PURCHASE_MODELS))

    @cached_property
    def purchase_idata(self) -> xr.DataTree:
        """The purchase model's posterior as an ArviZ DataTree (``posterior``, ...)."""
        import arviz as az

        path = self.folder.purchase_model_file(self.purchase_model_name)
        return az.from_netcdf(str(_require(path, "the purchase model's posterior")))

    @property
    def bgnbd_idata(self) -> xr.DataTree:
        """The purchase model's posterior (the BG/NBD unless the run chose another model)."""
        return self.purchase_idata

    @cached_property
    def gamma_gamma_idata(self) -> xr.DataTree:
        """The Gamma-Gamma posterior as an ArviZ DataTree."""
        import arviz as az

        return az.from_netcdf(
            str(_require(self.folder.gamma_gamma_model, "the Gamma-Gamma posterior"))
        )

    @cached_property
    def bgnbd_model(self) -> BetaGeoModel:
        """The fitted pymc-marketing ``BetaGeoModel``, rebuilt from ``models/bgnbd.nc``."""
        from pymc_marketing.clv import BetaGeoModel

        return _load_model(BetaGeoModel, self.folder.bgnbd_model, "BG/NBD")

    @cached_property
    def gamma_gamma_model(self) -> GammaGammaModel:
        """The fitted pymc-marketing ``GammaGammaModel``, rebuilt from ``models/gamma_gamma.nc``."""
        from pymc_marketing.clv import GammaGammaModel

        return _load_model(GammaGammaModel, self.folder.gamma_gamma_model, "Gamma-Gamma")

    def population_draws(self, max_draws: int | None = None) -> PopulationDraws:
        """Paired posterior draws of both models for :mod:`flo_bayes.predictive`.

        Parameters
        ----------
        max_draws : int, optional
            Thin evenly to at most this many draws.

        Returns
        -------
        PopulationDraws

        """
        from flo_bayes.predictive.population import PopulationDraws

        if self.purchases_only:
            return PopulationDraws.purchases_only(
                self.bgnbd_idata["posterior"].to_dataset(),
                self.settings.data.transactions.value_per_purchase,
                max_draws=max_draws,
            )
        return PopulationDraws.from_posteriors(
            self.purchase_idata["posterior"].to_dataset(),
            self.gamma_gamma_idata["posterior"].to_dataset(),
            max_draws=max_draws,
            model=self.purchase_model_name,
        )


def _load_model(model_class, path: Path, label: str):
    import warnings

    _require(path, f"the {label} posterior")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model_class.load(str(path))
    except (KeyError, ValueError, AttributeError) as error:
        raise UserInputError(
            f"cannot rebuild the {label} model from {path.name} ({type(error).__name__}: "
            f"{error}); runs with output.save_fit_data = false leave out the customer data "
            "pymc-marketing needs - use the posterior (the *_idata attributes) instead",
            path=path,
        ) from error


def load_run(path: str | Path) -> Run:
    """Open a finished run folder.

    Parameters
    ----------
    path : str or Path
        The folder ``flo-bayes run`` wrote (``outputs/<run-id>`` by default).

    Returns
    -------
    Run
        Frames are read eagerly (they are small); posteriors, models and CLTV draws load
        on first access.

    Raises
    ------
    UserInputError
        If the folder is missing, has no manifest, the run did not complete, or a
        required output file is missing.

    Examples
    --------
    >>> import flo_bayes
    >>> run = flo_bayes.load_run("outputs/my-run")               # doctest: +SKIP
    >>> run.customers.sort("cltv_6m_pred_mean", descending=True).head()  # doctest: +SKIP
    >>> run.posterior_summary.filter(pl.col("r_hat") > 1.01)      # doctest: +SKIP

    """
    opened = open_run(path)
    folder, manifest = opened.folder, opened.manifest
    customers = pl.read_parquet(_require(folder.customers_parquet, "the customer table"))
    rejected = _read_csv(_require(folder.rejected_rows, "the rejected-rows file"), as_text=True)
    summary = _read_csv(_require(folder.posterior_summary, "the posterior summary"))
    prior_posterior = _read_csv(_require(folder.prior_posterior, "the prior-vs-posterior table"))
    campaigns = campaign_summary_path(folder)
    return Run(
        folder=folder,
        manifest=manifest,
        settings=opened.config,
        customers=customers,
        rejected_rows=rejected,
        posterior_summary=summary,
        prior_posterior=prior_posterior,
        segments=_csv_tables(folder.segments_dir),
        targets=_csv_tables(folder.targets_dir),
        campaign_summary=_read_csv(campaigns) if campaigns.is_file() else None,
    )
