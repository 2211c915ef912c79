"""Run configuration: TOML files validated into typed, immutable settings.

Every section forbids unknown keys, so a typo is an error naming the file and the key
instead of a setting silently ignored. Keys left out take the defaults below, which are
those of ``configs/default.toml``.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from flo_bayes.campaigns.config import CampaignsConfig, validate_campaigns
from flo_bayes.errors import ConfigError
from flo_bayes.segmentation.config import SegmentationConfig
from flo_bayes.segmentation.targets import classic_flo_target_lists

PositiveFloat = Annotated[float, Field(gt=0)]
Probability = Annotated[float, Field(gt=0, lt=1)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TransactionLayout(_Section):
    """Where the customer, date and amount fields sit in a transaction log."""

    delimiter: str = Field(",", description='Field separator, or "whitespace" for runs of spaces.')
    has_header: bool = True
    column_names: list[str] | None = Field(
        None,
        description="Names for the file's columns in order; required when has_header is false.",
    )
    customer_id_column: str = "customer_id"
    date_column: str = "date"
    amount_column: str = "amount"
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
        from flo_bayes.io.layout_checks import layout_problems

        problems = layout_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _names_for_headerless(self) -> TransactionLayout:
        if not self.has_header and not self.column_names:
            raise ValueError("column_names is required when has_header = false")
        if self.column_names:
            for key in ("customer_id_column", "date_column", "amount_column"):
                if getattr(self, key) not in self.column_names:
                    raise ValueError(f"{key} = {getattr(self, key)!r} is not in column_names")
        return self


class DataSettings(_Section):
    """Which input to read and how."""

    format: Literal["flo", "transactions"] = "flo"
    path: str | None = Field(
        None, description="Input file; relative paths are resolved from the config file's folder."
    )
    simulated_customers: Annotated[int, Field(ge=50, le=5_000_000)] = 2000
    simulated_seed: int = 7
    transactions: TransactionLayout = TransactionLayout()


class AnalysisSettings(_Section):
    """Time unit and the analysis date (end of the calibration period)."""

    time_unit: Literal["days", "weeks"] = "weeks"
    analysis_date: date | None = Field(
        None, description="Fixed analysis date; if absent, the rule below is applied."
    )
    analysis_date_rule: Literal["latest_purchase_plus_days"] = "latest_purchase_plus_days"
    analysis_date_offset_days: Annotated[int, Field(ge=0, le=366)] = 2


class AggregateShockSettings(_Section):
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


class PredictionSettings(_Section):
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


class LogNormalPrior(_Section):
    """A log-normal prior given by its median and the sd of its logarithm."""

    median: PositiveFloat
    log_sd: Annotated[float, Field(gt=0, le=10)]


class AutoScaledPrior(_Section):
    """A log-normal prior whose median may be ``"auto"``: derived from the data's spend scale."""

    median: PositiveFloat | Literal["auto"] = "auto"
    log_sd: Annotated[float, Field(gt=0, le=10)] = 2.5


class BetaGeoPriors(_Section):
    """Priors of the BG/NBD model. ``alpha_days`` is in days and converted to the time unit."""

    r: LogNormalPrior = LogNormalPrior(median=1.0, log_sd=1.5)
    alpha_days: LogNormalPrior = LogNormalPrior(median=70.0, log_sd=2.0)
    a: LogNormalPrior = LogNormalPrior(median=1.0, log_sd=1.5)
    b: LogNormalPrior = LogNormalPrior(median=3.0, log_sd=1.5)


class GammaGammaPriors(_Section):
    """Priors of the Gamma-Gamma model; ``v`` carries the currency scale."""

    p: LogNormalPrior = LogNormalPrior(median=4.0, log_sd=1.5)
    q: LogNormalPrior = LogNormalPrior(median=4.0, log_sd=1.5)
    v: AutoScaledPrior = AutoScaledPrior()


class PriorSettings(_Section):
    """Priors of both models."""

    bgnbd: BetaGeoPriors = BetaGeoPriors()
    gamma_gamma: GammaGammaPriors = GammaGammaPriors()


class SamplerSettings(_Section):
    """NUTS settings shared by both fits."""

    backend: Literal["nutpie", "pymc"] = "nutpie"
    mass_matrix: Literal["low_rank", "diag"] = "low_rank"
    likelihood: Literal["grouped", "library"] = Field(
        "grouped",
        description="'grouped': the distinct-value likelihood (same density, faster); "
        "'library': pymc-marketing's own graph.",
    )
    chains: Annotated[int, Field(ge=1, le=64)] = 4
    draws: Annotated[int, Field(ge=10, le=100_000)] = 300
    tune: Annotated[int, Field(ge=10, le=100_000)] = 300
    target_accept: Probability = 0.8
    cores: Annotated[int, Field(ge=1, le=256)] = 2


class ConvergenceGate(_Section):
    """Thresholds a fit must meet to be trusted (DESIGN.md)."""

    r_hat_max: Annotated[float, Field(ge=1.0, le=2.0)] = 1.01
    ess_bulk_min: Annotated[float, Field(ge=0)] = 400
    ess_tail_min: Annotated[float, Field(ge=0)] = 400
    max_divergences: Annotated[int, Field(ge=0)] = 0
    e_bfmi_min: Annotated[float, Field(ge=0)] = 0.3


class OutputSettings(_Section):
    """Where results go and what they embed."""

    directory: str = "outputs"
    report: bool = Field(True, description="Write report.html at the end of a run.")
    save_fit_data: bool = Field(
        True,
        description="Embed the customer table (ids, x, t_x, T, spend) in the saved posteriors, "
        "which pymc-marketing's load needs to rebuild the model. False leaves it out.",
    )


class Config(_Section):
    """The whole run configuration."""

    seed: int = 20210601
    data: DataSettings = DataSettings()
    analysis: AnalysisSettings = AnalysisSettings()
    prediction: PredictionSettings = PredictionSettings()
    priors: PriorSettings = PriorSettings()
    sampler: SamplerSettings = SamplerSettings()
    convergence: ConvergenceGate = ConvergenceGate()
    segmentation: SegmentationConfig = SegmentationConfig(target_lists=classic_flo_target_lists())
    campaigns: CampaignsConfig = Field(default_factory=CampaignsConfig)
    output: OutputSettings = OutputSettings()

    @field_validator("campaigns", mode="before")
    @classmethod
    def _campaigns_use_the_runs_segments(cls, value, info: ValidationInfo):
        # Campaign eligibility is checked against this run's segment and tier names.
        segmentation = info.data.get("segmentation")
        if segmentation is None or isinstance(value, CampaignsConfig):
            return value
        return validate_campaigns(value, segmentation)

    @field_validator("seed")
    @classmethod
    def _seed_is_non_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("seed must be >= 0")
        return value


def _format_validation_error(path: Path, error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            lines.append(f"unknown key '{key}' (check its spelling; see configs/default.toml)")
        else:
            lines.append(f"key '{key}': {item['msg'].removeprefix('Value error, ')}")
    return "invalid config: " + "; ".join(lines)


def config_from_dict(raw: dict, *, source: Path | str = "<config>") -> Config:
    """Validate a config mapping.

    Parameters
    ----------
    raw : dict
        Parsed TOML content.
    source : Path or str
        Named in error messages.

    Returns
    -------
    Config
        The validated configuration.

    Raises
    ------
    ConfigError
        Naming ``source`` and every offending key.

    """
    try:
        return Config.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(_format_validation_error(Path(source), error), path=source) from None


def load_config(path: Path | str | None) -> Config:
    """Read and validate a TOML config file; ``None`` gives the built-in defaults.

    A relative ``data.path`` is resolved against the config file's folder.

    Parameters
    ----------
    path : Path or str or None
        The TOML file.

    Returns
    -------
    Config
        The validated configuration.

    """
    if path is None:
        return Config()
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            "config file not found; pass an existing TOML file to --config", path=path
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"not valid TOML: {error}", path=path) from None
    config = config_from_dict(raw, source=path)
    if config.data.path and not Path(config.data.path).is_absolute():
        resolved = (path.parent / config.data.path).resolve()
        config = config.model_copy(
            update={"data": config.data.model_copy(update={"path": str(resolved)})}
        )
    return config
