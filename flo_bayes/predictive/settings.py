"""Settings of the scoring stage (the lead maps the run config onto :class:`ScoringSettings`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from flo_bayes.predictive._validation import (
    check_levels,
    check_name,
    check_positive_scalar,
)
from flo_bayes.predictive.expected import DEFAULT_QUADRATURE_NODES
from flo_bayes.predictive.intervals import COUNT_INTERVAL_RULE


@dataclass(frozen=True)
class ScoringSettings:
    """What to compute per customer; all lengths in the model's time unit.

    Attributes
    ----------
    horizons : Mapping[str, float]
        Horizon name -> length in time units, e.g. ``{"3m": 13.04, "6m": 26.09}`` with weeks.
        Names appear in column names (letters, digits, ``_``).
    cltv_horizon : str
        Name (a key of ``horizons``) of the horizon the CLTV columns refer to.
    discount_rate_per_time_unit : float
        ``d``: a purchase ``t`` time units after the analysis date is weighted
        ``(1 + d)**(-t)``. Convert annual or monthly rates before passing them.
    margin : float
        Multiplier turning revenue into value (1 = revenue).
    interval_levels : tuple of float
        Levels of the exported predictive bands (equal-tailed), default ``(0.5, 0.9)``.
    expectation_band_level : float
        Level of the band of the *expected* values (parameter uncertainty only).
    cltv_thresholds : tuple of float
        ``T_k`` for the columns ``p_cltv_<h>_gt_<T_k>`` = P(CLTV > T_k).
    count_interval_rule : str
        How bands of counts are formed and judged; only
        ``"equal_tailed_inverted_cdf_randomized_pit"`` exists (see
        :mod:`flo_bayes.predictive.intervals`). Recorded so exports can state it.
    time_unit : str
        Name of the time unit, used in the data dictionary only.
    currency : str
        Name of the currency of the monetary inputs, used in the data dictionary only.
    quadrature_nodes : int
        Gauss-Legendre nodes for the discounted expected CLTV (see
        :mod:`flo_bayes.predictive.expected`).

    """

    horizons: Mapping[str, float]
    cltv_horizon: str
    discount_rate_per_time_unit: float = 0.0
    margin: float = 1.0
    interval_levels: tuple[float, ...] = (0.5, 0.9)
    expectation_band_level: float = 0.9
    cltv_thresholds: tuple[float, ...] = field(default=())
    count_interval_rule: str = COUNT_INTERVAL_RULE
    time_unit: str = "weeks"
    currency: str = "currency units"
    quadrature_nodes: int = DEFAULT_QUADRATURE_NODES

    def __post_init__(self) -> None:
        if not self.horizons:
            raise ValueError("ScoringSettings.horizons must name at least one horizon")
        horizons = {}
        for name, length in self.horizons.items():
            check_name("horizon", name)
            horizons[name] = check_positive_scalar(f"horizons[{name!r}]", length)
        object.__setattr__(self, "horizons", horizons)
        if self.cltv_horizon not in horizons:
            raise ValueError(
                f"cltv_horizon {self.cltv_horizon!r} is not one of the horizons {list(horizons)}"
            )
        check_positive_scalar(
            "discount_rate_per_time_unit", self.discount_rate_per_time_unit, allow_zero=True
        )
        check_positive_scalar("margin", self.margin, allow_zero=True)
        object.__setattr__(
            self, "interval_levels", check_levels("interval_levels", self.interval_levels)
        )
        check_levels("expectation_band_level", (self.expectation_band_level,))
        thresholds = tuple(float(t) for t in self.cltv_thresholds)
        if any(not math.isfinite(t) or t < 0 for t in thresholds):
            raise ValueError(f"cltv_thresholds must be finite and >= 0, got {thresholds}")
        if len(set(thresholds)) != len(thresholds):
            raise ValueError(f"cltv_thresholds holds duplicates: {thresholds}")
        object.__setattr__(self, "cltv_thresholds", thresholds)
        if self.count_interval_rule != COUNT_INTERVAL_RULE:
            raise ValueError(
                f"count_interval_rule {self.count_interval_rule!r} is not supported; "
                f"the only rule is {COUNT_INTERVAL_RULE!r}"
            )
        if int(self.quadrature_nodes) < 1:
            raise ValueError("quadrature_nodes must be >= 1")

    @property
    def cltv_horizon_length(self) -> float:
        """Length of the CLTV horizon in time units."""
        return float(self.horizons[self.cltv_horizon])
