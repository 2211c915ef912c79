"""Settings of the Dask engine (the lead maps the run config's ``[engine]`` onto these)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flo_bayes.engine.keys import DEFAULT_N_CELLS
from flo_bayes.engine.plan import PlanSettings


@dataclass(frozen=True)
class SamplerChoice:
    """NUTS settings of the two fits (forwarded to the project's ``SamplerSettings``)."""

    chains: int = 4
    draws: int = 300
    tune: int = 300
    cores: int = 2
    target_accept: float = 0.8


@dataclass(frozen=True)
class EngineSettings:
    """What a distributed run computes.

    Attributes
    ----------
    time_unit : str
        ``days`` or ``weeks``.
    analysis_date : datetime.date, optional
        End of the observation period; None: latest valid date + ``analysis_date_offset_days``
        (one extra pass over the input).
    analysis_date_offset_days : int
        See above.
    horizons_months, cltv_horizon_months : tuple of float, float
        Forecast horizons and the CLTV horizon (one of them).
    margin : float
        Multiplier turning revenue into value.
    max_draws : int
        Population draws used in scoring.
    keep_draws : int
        Draw positions on which group totals (segment, tier, campaign) are summed.
    n_cells : int
        RNG cells (random-number layout; see :mod:`flo_bayes.engine.keys`).
    gg_sample_size : int
        Target customers of the Gamma-Gamma subsample.
    sampler : SamplerChoice
        NUTS settings.
    plan : PlanSettings, optional
        Campaigns; None skips the plan.
    rows_per_partition : int
        Transaction rows per shuffled partition (bounds task memory).

    """

    time_unit: str = "weeks"
    analysis_date: date | None = None
    analysis_date_offset_days: int = 2
    horizons_months: tuple[float, ...] = (3.0, 6.0)
    cltv_horizon_months: float = 6.0
    margin: float = 1.0
    max_draws: int = 1000
    keep_draws: int = 200
    n_cells: int = DEFAULT_N_CELLS
    gg_sample_size: int = 200_000
    sampler: SamplerChoice = field(default_factory=SamplerChoice)
    plan: PlanSettings | None = None
    rows_per_partition: int = 1_000_000

    def __post_init__(self) -> None:
        if self.cltv_horizon_months not in self.horizons_months:
            raise ValueError("cltv_horizon_months must be one of horizons_months")
        if self.keep_draws < 1 or self.keep_draws > self.max_draws:
            raise ValueError("keep_draws must lie in 1..max_draws")
