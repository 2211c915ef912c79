"""Proper, weakly informative, scale-aware priors for the BG/NBD and Gamma-Gamma models.

pymc-marketing 1.3's defaults are not scale-aware (a Weibull(2, 1) prior on the Gamma-Gamma
``p`` all but forbids p > 3). Here every parameter gets a log-normal prior given by its
median and the sd of its logarithm: proper, positive, and as wide as configured. Two
medians carry units and are converted:

- ``alpha`` (BG/NBD) is a time scale, configured in days and converted to the time unit;
- ``v`` (Gamma-Gamma) is a money scale. With ``median = "auto"`` it is set so that the
  prior's typical mean spend per purchase, ``p v / (q − 1)`` at the medians of p and q, equals
  the median observed spend per purchase: the prior follows the currency of the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pymc_extras.prior import Prior

from flo_bayes.config import (
    BetaGeoPriors,
    GammaGammaPriors,
    LogNormalPrior,
    ParetoNBDPriors,
    PriorSettings,
)
from flo_bayes.units import days_per_unit


@dataclass(frozen=True)
class ResolvedPrior:
    """A log-normal prior with its median in model units."""

    name: str
    median: float
    log_sd: float

    def to_pymc(self) -> Prior:
        """Return the pymc-extras ``Prior`` for this parameter."""
        return Prior("LogNormal", mu=math.log(self.median), sigma=self.log_sd)

    def quantiles(self, probabilities: tuple[float, ...] = (0.05, 0.5, 0.95)) -> list[float]:
        """Prior quantiles, for prior-vs-posterior tables."""
        from scipy.stats import norm

        return [
            float(math.exp(math.log(self.median) + self.log_sd * norm.ppf(p)))
            for p in probabilities
        ]

    @property
    def sd(self) -> float:
        """Standard deviation of the log-normal prior."""
        s2 = self.log_sd**2
        return float(self.median * math.sqrt(math.exp(s2) * (math.exp(s2) - 1.0)))


def _resolve(name: str, prior: LogNormalPrior, scale: float = 1.0) -> ResolvedPrior:
    return ResolvedPrior(name=name, median=prior.median * scale, log_sd=prior.log_sd)


def bgnbd_priors(config: BetaGeoPriors, time_unit: str) -> dict[str, ResolvedPrior]:
    """Resolve the BG/NBD priors into the model's time unit.

    Parameters
    ----------
    config : BetaGeoPriors
        Prior settings.
    time_unit : str
        ``days`` or ``weeks``.

    Returns
    -------
    dict of str to ResolvedPrior
        Keys ``r``, ``alpha``, ``a``, ``b``.

    """
    return {
        "r": _resolve("r", config.r),
        "alpha": _resolve("alpha", config.alpha_days, 1.0 / days_per_unit(time_unit)),
        "a": _resolve("a", config.a),
        "b": _resolve("b", config.b),
    }


def pnbd_priors(config: ParetoNBDPriors, time_unit: str) -> dict[str, ResolvedPrior]:
    """Resolve the Pareto/NBD priors into the model's time unit (keys ``r, alpha, s, beta``)."""
    per_day = 1.0 / days_per_unit(time_unit)
    return {
        "r": _resolve("r", config.r),
        "alpha": _resolve("alpha", config.alpha_days, per_day),
        "s": _resolve("s", config.s),
        "beta": _resolve("beta", config.beta_days, per_day),
    }


def purchase_priors(model_name: str, config: PriorSettings, time_unit: str) -> dict:
    """Resolved priors of purchase model ``model_name`` (MBG/NBD shares the BG/NBD's)."""
    if model_name == "pnbd":
        return pnbd_priors(config.pnbd, time_unit)
    return bgnbd_priors(config.bgnbd, time_unit)


def gamma_gamma_priors(
    config: GammaGammaPriors, spend_per_purchase: np.ndarray
) -> dict[str, ResolvedPrior]:
    """Resolve the Gamma-Gamma priors; an ``auto`` median of ``v`` follows the data's currency.

    Parameters
    ----------
    config : GammaGammaPriors
        Prior settings.
    spend_per_purchase : numpy.ndarray
        Observed mean spend per purchase of the customers in the fit.

    Returns
    -------
    dict of str to ResolvedPrior
        Keys ``p``, ``q``, ``v``.

    """
    p = _resolve("p", config.p)
    q = _resolve("q", config.q)
    if config.v.median == "auto":
        # q's median must exceed 1 for the prior mean spend to exist; q = 2 keeps the scale finite.
        q_minus_one = max(q.median - 1.0, 1.0)
        v_median = float(np.median(spend_per_purchase)) * q_minus_one / p.median
    else:
        v_median = float(config.v.median)
    v = ResolvedPrior("v", v_median, config.v.log_sd)
    return {"p": p, "q": q, "v": v}
