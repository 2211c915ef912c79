"""Posterior summaries, sampler statistics and the convergence gate.

The gate: R-hat <= 1.01 and bulk and tail ESS >= 400 per parameter (Vehtari, Gelman, Simpson,
Carpenter and Buerkner 2021, "Rank-normalization, folding, and localization: an improved
R-hat", Bayesian Analysis 16(2)), no divergences and E-BFMI >= 0.3 in every chain
(Betancourt 2016, "Diagnosing suboptimal cotangent disintegrations in Hamiltonian Monte
Carlo"). Thresholds come from config. A failed gate is never hidden:
the run reports it loudly and marks its exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from flo_bayes.config import ConvergenceGate

if TYPE_CHECKING:  # annotations only; xarray and arviz load when a fit is diagnosed
    import xarray as xr

SUMMARY_COLUMNS = (
    "model",
    "parameter",
    "mean",
    "sd",
    "q03",
    "q97",
    "r_hat",
    "ess_bulk",
    "ess_tail",
    "mcse_mean",
)


def posterior_summary(
    model_name: str, posterior: xr.Dataset, parameters: tuple[str, ...]
) -> pl.DataFrame:
    """One row per population parameter: mean, sd, 94 % interval, R-hat, ESS, MCSE.

    Parameters
    ----------
    model_name : str
        ``bgnbd`` or ``gamma_gamma``.
    posterior : xarray.Dataset
        The posterior group, dims ``(chain, draw)``.
    parameters : tuple of str
        Scalar parameters to summarise.

    Returns
    -------
    polars.DataFrame
        Columns :data:`SUMMARY_COLUMNS`.

    """
    import arviz as az  # loads in ~1 s (with xarray); only diagnosing a fit needs it

    subset = posterior[list(parameters)]
    r_hat = az.rhat(subset)
    ess_bulk = az.ess(subset, method="bulk")
    ess_tail = az.ess(subset, method="tail")
    mcse = az.mcse(subset, method="mean")
    rows = []
    for name in parameters:
        values = subset[name].values.reshape(-1)
        rows.append(
            {
                "model": model_name,
                "parameter": name,
                "mean": float(values.mean()),
                "sd": float(values.std(ddof=1)),
                "q03": float(np.quantile(values, 0.03)),
                "q97": float(np.quantile(values, 0.97)),
                "r_hat": float(r_hat[name]),
                "ess_bulk": float(ess_bulk[name]),
                "ess_tail": float(ess_tail[name]),
                "mcse_mean": float(mcse[name]),
            }
        )
    return pl.DataFrame(rows)


@dataclass(frozen=True)
class SamplerStats:
    """Per-fit sampler statistics."""

    divergences: int
    e_bfmi: list[float]
    max_tree_depth_hits: int
    mean_leapfrog_steps: float
    draws: int
    chains: int


def sampler_stats(idata: xr.DataTree) -> SamplerStats:
    """Divergences, E-BFMI per chain, tree-depth hits and mean leapfrog steps of a fit."""
    import arviz as az  # loads in ~1 s (with xarray); only diagnosing a fit needs it

    stats = idata["sample_stats"].to_dataset()
    divergences = int(stats["diverging"].sum()) if "diverging" in stats else 0
    depth_hits = int(stats["maxdepth_reached"].sum()) if "maxdepth_reached" in stats else 0
    steps = float(stats["n_steps"].mean()) if "n_steps" in stats else float("nan")
    e_bfmi = [float(v) for v in np.atleast_1d(az.bfmi(idata)["energy"].values)]
    return SamplerStats(
        divergences=divergences,
        e_bfmi=e_bfmi,
        max_tree_depth_hits=depth_hits,
        mean_leapfrog_steps=steps,
        draws=int(stats.sizes["draw"]),
        chains=int(stats.sizes["chain"]),
    )


@dataclass(frozen=True)
class GateResult:
    """Outcome of the convergence gate, one entry per check."""

    passed: bool
    checks: list[dict] = field(default_factory=list)

    @property
    def failures(self) -> list[dict]:
        """The checks that failed."""
        return [c for c in self.checks if not c["passed"]]

    def to_dict(self) -> dict:
        """JSON-ready form for the manifest."""
        return {"passed": self.passed, "checks": self.checks}


def evaluate_gate(
    summary: pl.DataFrame, stats: dict[str, SamplerStats], gate: ConvergenceGate
) -> GateResult:
    """Check every parameter and every fit against the convergence thresholds.

    Parameters
    ----------
    summary : polars.DataFrame
        From :func:`posterior_summary` (both models stacked).
    stats : dict of str to SamplerStats
        Keyed by model name.
    gate : ConvergenceGate
        Thresholds.

    Returns
    -------
    GateResult
        ``passed`` is true only if every check passes.

    """
    checks: list[dict] = []
    for row in summary.iter_rows(named=True):
        target = f"{row['model']}.{row['parameter']}"
        checks += [
            _check(target, "r_hat", row["r_hat"], "<=", gate.r_hat_max),
            _check(target, "ess_bulk", row["ess_bulk"], ">=", gate.ess_bulk_min),
            _check(target, "ess_tail", row["ess_tail"], ">=", gate.ess_tail_min),
        ]
    for model_name, model_stats in stats.items():
        checks.append(
            _check(model_name, "divergences", model_stats.divergences, "<=", gate.max_divergences)
        )
        checks.append(
            _check(model_name, "e_bfmi_min", min(model_stats.e_bfmi), ">=", gate.e_bfmi_min)
        )
    return GateResult(passed=all(c["passed"] for c in checks), checks=checks)


def _check(target: str, name: str, value: float, op: str, threshold: float) -> dict:
    ok = bool(np.isfinite(value)) and (value <= threshold if op == "<=" else value >= threshold)
    return {
        "target": target,
        "check": name,
        "value": float(value),
        "rule": f"{op} {threshold:g}",  # 400 and 400.0 read the same
        "passed": ok,
    }
