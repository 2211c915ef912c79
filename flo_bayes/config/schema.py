"""The run configuration's schema: typed, immutable sections of one :class:`Config`.

Every section forbids unknown keys, so a typo is an error naming the file and the key
instead of a setting silently ignored. Keys left out take the defaults below, which are
those listed in ``configs/default.toml`` (a test keeps the two equal).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from flo_bayes.config.campaigns import CampaignsConfig, validate_campaigns
from flo_bayes.config.segmentation import SegmentationConfig
from flo_bayes.config.types import NonNegativeSeed, PositiveFloat, Probability, Section


class TransactionLayout(Section):
    """Where the customer, date and amount fields sit in a transaction log."""

    delimiter: str = Field(",", description='Field separator, or "whitespace" for runs of spaces.')
    has_header: bool = True
    column_names: list[str] | None = Field(
        None,
        description="Names for the file's columns in order; required when has_header is false.",
    )
    customer_id_column: str = "customer_id"
    date_column: str = "date"
    amount_column: str = Field(
        "amount",
        description="Amount column; a log without it runs in purchase-only mode (no "
        "Gamma-Gamma fit, each purchase worth value_per_purchase).",
    )
    value_per_purchase: float = Field(
        1.0,
        gt=0,
        le=1e9,
        description="Purchase-only logs (no amount column): the value of one purchase, in "
        "the run's currency. CLTV and campaign economics are then value_per_purchase x "
        "expected purchases; 1 counts them in purchases.",
    )
    date_format: str = Field(
        "%Y-%m-%d",
        description="strftime format of the date column; may hold a time of day and %z.",
    )
    decimal: Literal[".", ","] = Field(
        ".", description='Decimal mark of amounts; "," for Turkish/European exports (1.234,56).'
    )
    encoding: str = Field(
        "utf-8", description='Text encoding, e.g. "windows-1254" or "iso-8859-9" (Turkish).'
    )
    timezone: str | None = Field(
        None,
        description="IANA zone whose calendar days count (e.g. Europe/Istanbul); required "
        "when date_format has %z.",
    )

    @model_validator(mode="after")
    def _consistent_text_layout(self) -> TransactionLayout:
        # Checks of the text-layout keys live with the readers that use them.
        from flo_bayes.config.layout_checks import layout_problems

        problems = layout_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _names_for_headerless(self) -> TransactionLayout:
        if not self.has_header and not self.column_names:
            raise ValueError("column_names is required when has_header = false")
        if self.column_names:
            # amount_column may be absent: a purchase-only log.
            for key in ("customer_id_column", "date_column"):
                if getattr(self, key) not in self.column_names:
                    raise ValueError(f"{key} = {getattr(self, key)!r} is not in column_names")
        return self


class SelectionRule(Section):
    """How an extract was drawn (``[data.selection]``): the fit conditions on this rule.

    A customer is in the extract iff they have at least ``min_purchase_occasions`` purchase
    occasions and their last purchase is on or after ``last_purchase_on_or_after`` (the window
    start). Customers of the input that break the rule are moved to the rejected rows (reason
    ``outside_selection_rule``), so a full transaction log is cut to the extract it describes.
    """

    last_purchase_on_or_after: date = Field(
        description="Window start: the earliest last-purchase date the extract keeps."
    )
    min_purchase_occasions: int = Field(
        2, description="Minimum number of purchase occasions of a kept customer: 1 or 2."
    )

    @field_validator("min_purchase_occasions")
    @classmethod
    def _one_or_two(cls, value: int) -> int:
        if value not in (1, 2):
            raise ValueError(
                f"min_purchase_occasions = {value} is not supported: the selection-aware "
                "likelihood handles extracts that keep customers with at least 1 or 2 "
                "purchase occasions; use 1 or 2"
            )
        return value


class DataSettings(Section):
    """Which input to read and how."""

    format: Literal["flo", "transactions"] = "flo"
    path: str | None = Field(
        None, description="Input file; relative paths are resolved from the config file's folder."
    )
    simulated_customers: Annotated[int, Field(ge=50, le=5_000_000)] = 2000
    simulated_seed: int = 7
    transactions: TransactionLayout = TransactionLayout()
    selection: SelectionRule | None = Field(
        None,
        description="The extract's selection rule; absent: the input is a full cohort.",
    )


class AnalysisSettings(Section):
    """Time unit and the analysis date (end of the calibration period)."""

    time_unit: Literal["days", "weeks"] = "weeks"
    analysis_date: date | None = Field(
        None, description="Fixed analysis date; if absent, the rule below is applied."
    )
    analysis_date_rule: Literal["latest_purchase_plus_days"] = "latest_purchase_plus_days"
    analysis_date_offset_days: Annotated[int, Field(ge=0, le=366)] = 2


class AggregateShockSettings(Section):
    """A purchase-rate shock shared by all customers (seasons, promotions, the economy).

    See :mod:`flo_bayes.predictive.aggregate_shock`. ``auto`` estimates its size from a
    transaction log's calibration period (a customer summary file has no dates to do so);
    ``fixed`` uses ``sd`` (e.g. from a backtest); ``off`` leaves it out.
    """

    mode: Literal["auto", "fixed", "off"] = "auto"
    sd: Annotated[float, Field(ge=0, le=2)] = 0.0
    block_days: Annotated[int, Field(ge=7, le=366)] = 28
    max_blocks: Annotated[int, Field(ge=4, le=520)] = 26
    prior_sd: Annotated[float, Field(gt=0, le=2)] = 0.2

    @model_validator(mode="after")
    def _fixed_needs_sd(self) -> AggregateShockSettings:
        if self.mode == "fixed" and self.sd <= 0:
            raise ValueError('mode = "fixed" needs sd > 0 (the sd of the log rate shock)')
        return self


class PredictionSettings(Section):
    """Horizons, money and interval settings of the per-customer predictions."""

    horizons_months: list[PositiveFloat] = [3.0, 6.0]
    cltv_horizon_months: PositiveFloat = 6.0
    discount_rate: Annotated[float, Field(ge=0, lt=10)] = 0.0
    discount_rate_unit: Literal["year", "month", "week"] = "year"
    margin: Annotated[float, Field(gt=0, le=1)] = 1.0
    currency: str = "TRY"
    interval_levels: list[Probability] = [0.5, 0.9]
    cltv_thresholds: list[Annotated[float, Field(ge=0)]] = [500.0, 1000.0]
    max_draws: Annotated[int, Field(ge=10, le=100_000)] = 1000
    chunk_size: Annotated[int, Field(ge=1)] = 2000
    keep_draws: Annotated[int, Field(ge=0, le=10_000)] = 200
    workers: Annotated[int, Field(ge=1, le=64)] = Field(
        2, description="Threads scoring customer chunks in parallel; results do not depend on it."
    )
    aggregate_shock: AggregateShockSettings = AggregateShockSettings()

    @model_validator(mode="after")
    def _cltv_horizon_is_a_horizon(self) -> PredictionSettings:
        if self.cltv_horizon_months not in self.horizons_months:
            raise ValueError(
                f"cltv_horizon_months = {self.cltv_horizon_months} must be one of "
                f"horizons_months = {self.horizons_months}"
            )
        return self


class LogNormalPrior(Section):
    """A log-normal prior given by its median and the sd of its logarithm."""

    median: PositiveFloat
    log_sd: Annotated[float, Field(gt=0, le=10)]


class AutoScaledPrior(Section):
    """A log-normal prior whose median may be ``"auto"``: derived from the data's spend scale."""

    median: PositiveFloat | Literal["auto"] = "auto"
    log_sd: Annotated[float, Field(gt=0, le=10)] = 2.5


class BetaGeoPriors(Section):
    """Priors of the BG/NBD model. ``alpha_days`` is in days and converted to the time unit."""

    r: LogNormalPrior = LogNormalPrior(median=1.0, log_sd=1.5)
    alpha_days: LogNormalPrior = LogNormalPrior(median=70.0, log_sd=2.0)
    a: LogNormalPrior = LogNormalPrior(median=1.0, log_sd=1.5)
    b: LogNormalPrior = LogNormalPrior(median=3.0, log_sd=1.5)


class ParetoNBDPriors(Section):
    """Priors of the Pareto/NBD model; ``alpha_days`` and ``beta_days`` are in days."""

    r: LogNormalPrior = LogNormalPrior(median=1.0, log_sd=1.5)
    alpha_days: LogNormalPrior = LogNormalPrior(median=70.0, log_sd=2.0)
    s: LogNormalPrior = LogNormalPrior(median=1.0, log_sd=1.5)
    beta_days: LogNormalPrior = LogNormalPrior(median=100.0, log_sd=2.0)


class GammaGammaPriors(Section):
    """Priors of the Gamma-Gamma model; ``v`` carries the currency scale."""

    p: LogNormalPrior = LogNormalPrior(median=4.0, log_sd=1.5)
    q: LogNormalPrior = LogNormalPrior(median=4.0, log_sd=1.5)
    v: AutoScaledPrior = AutoScaledPrior()


class PriorSettings(Section):
    """Priors of both models."""

    bgnbd: BetaGeoPriors = BetaGeoPriors()
    pnbd: ParetoNBDPriors = ParetoNBDPriors()
    gamma_gamma: GammaGammaPriors = GammaGammaPriors()


class SamplerSettings(Section):
    """NUTS settings shared by both fits."""

    backend: Literal["nutpie", "pymc"] = "nutpie"
    mass_matrix: Literal["low_rank", "diag"] = "low_rank"
    likelihood: Literal["grouped", "compiled", "library"] = Field(
        "compiled",
        description="'grouped': the distinct-value likelihood (same density, faster); "
        "'compiled': the same density as numba code cached on disk across runs (nutpie NUTS, "
        "no per-run compile; BG/NBD and Gamma-Gamma); 'library': pymc-marketing's own graph.",
    )
    chains: Annotated[int, Field(ge=1, le=64)] = 4
    draws: Annotated[int, Field(ge=10, le=100_000)] = 300
    tune: Annotated[int, Field(ge=10, le=100_000)] = 300
    target_accept: Probability = 0.8
    cores: Annotated[int, Field(ge=1, le=256)] = 2


class ConvergenceGate(Section):
    """Thresholds a fit must meet to be trusted.

    Defaults follow Vehtari, Gelman, Simpson, Carpenter and Buerkner (2021), "Rank-normalization,
    folding, and localization: an improved R-hat", Bayesian Analysis 16(2): R-hat < 1.01 and
    bulk/tail ESS > 100 per chain (400 for four chains); E-BFMI > 0.3 follows Betancourt (2016),
    "Diagnosing suboptimal cotangent disintegrations in Hamiltonian Monte Carlo".
    """

    r_hat_max: Annotated[float, Field(ge=1.0, le=2.0)] = 1.01
    ess_bulk_min: Annotated[float, Field(ge=0)] = 400.0
    ess_tail_min: Annotated[float, Field(ge=0)] = 400.0
    max_divergences: Annotated[int, Field(ge=0)] = 0
    e_bfmi_min: Annotated[float, Field(ge=0)] = 0.3


class OutputSettings(Section):
    """Where results go and what they embed."""

    directory: str = "outputs"
    report: bool = Field(True, description="Write report.html at the end of a run.")
    save_fit_data: bool = Field(
        True,
        description="Embed the customer table (ids, x, t_x, T, spend) in the saved posteriors, "
        "which pymc-marketing's load needs to rebuild the model. False leaves it out.",
    )


class ModelConfig(Section):
    """Which purchase model to fit (``[model]``).

    ``bgnbd``, ``mbgnbd`` (BG/NBD with dropout possible at time 0) or ``pnbd``
    (Pareto/NBD); ``compare`` fits all three and picks one by PSIS-LOO
    (:func:`flo_bayes.models.comparison.compare_purchase_models`). MBG/NBD uses the
    ``[priors.bgnbd]`` priors, Pareto/NBD ``[priors.pnbd]``.
    """

    purchase: Literal["bgnbd", "mbgnbd", "pnbd", "compare"] = "bgnbd"


class ReportConfig(Section):
    """How the report and the campaign workbook are written (``[report]``)."""

    language: Literal["en", "tr"] = Field(
        "en", description='Language of report.html and the XLSX headers: "en" or "tr" (Turkish).'
    )


class Config(Section):
    """The whole run configuration."""

    seed: NonNegativeSeed = 20210601
    data: DataSettings = DataSettings()
    analysis: AnalysisSettings = AnalysisSettings()
    prediction: PredictionSettings = PredictionSettings()
    priors: PriorSettings = PriorSettings()
    model: ModelConfig = ModelConfig()
    sampler: SamplerSettings = SamplerSettings()
    convergence: ConvergenceGate = ConvergenceGate()
    segmentation: SegmentationConfig = Field(default_factory=SegmentationConfig)
    campaigns: CampaignsConfig = Field(default_factory=CampaignsConfig)
    output: OutputSettings = OutputSettings()
    report: ReportConfig = ReportConfig()

    @model_validator(mode="after")
    def _window_before_analysis_date(self) -> Config:
        selection, fixed = self.data.selection, self.analysis.analysis_date
        if selection is not None and fixed is not None:
            if selection.last_purchase_on_or_after >= fixed:
                raise ValueError(
                    f"data.selection.last_purchase_on_or_after = "
                    f"{selection.last_purchase_on_or_after} must lie before "
                    f"analysis.analysis_date = {fixed}"
                )
        return self

    @field_validator("campaigns", mode="before")
    @classmethod
    def _campaigns_use_the_runs_segments(cls, value, info: ValidationInfo):
        # Campaign eligibility is checked against this run's segment and tier names.
        segmentation = info.data.get("segmentation")
        if segmentation is None or isinstance(value, CampaignsConfig):
            return value
        return validate_campaigns(value, segmentation)
