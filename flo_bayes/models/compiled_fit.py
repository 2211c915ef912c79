"""pymc-marketing models whose NUTS step runs on the compiled posteriors of ``compiled_cache``.

``[sampler] likelihood = "compiled"`` fits these classes. They are the grouped-likelihood
models (:class:`~flo_bayes.models.fast_bgnbd.FastBetaGeoModel`,
:class:`~flo_bayes.models.fast_gamma_gamma.FastGammaGammaModel`) with one step replaced:
pymc-marketing's ``fit`` builds the PyMC graph as usual (cheap; nothing is compiled), then
calls ``_fit_mcmc``, which here samples
:func:`flo_bayes.models.compiled_cache.sample_posterior` instead of compiling the graph with
PyTensor and numba in every process. Everything ``fit`` does afterwards is pymc-marketing's
own (``fit_data`` group, model id and config attributes), so the fitted model saves, loads
with ``BetaGeoModel.load`` / ``GammaGammaModel.load``, and feeds the diagnostics, the gate
and the population draws exactly as a grouped fit does.

The compiled densities equal the PyMC graph's up to an additive constant (same log-normal
priors, same grouped likelihood; :mod:`flo_bayes.models.compiled_cache`), so both samplers
target the same posterior. The sampler is always nutpie's NUTS (``[sampler] backend`` does
not apply); chains, draws, tune, cores, seed, ``target_accept`` and the mass-matrix
adaptation are taken from the same keyword arguments ``pm.sample`` would get.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from flo_bayes.models import compiled_cache
from flo_bayes.models.fast_bgnbd import FastBetaGeoModel
from flo_bayes.models.fast_gamma_gamma import FastGammaGammaModel


@dataclass(frozen=True)
class _LogNormal:
    median: float
    log_sd: float


def _log_normal_priors(model_config: dict, names: tuple[str, ...]) -> dict[str, _LogNormal]:
    """Medians and log sds of the model's pymc-extras ``Prior("LogNormal", mu, sigma)``."""
    priors = {}
    for name in names:
        prior = model_config[name]
        if getattr(prior, "distribution", None) != "LogNormal":
            raise ValueError(
                f"likelihood = 'compiled' needs a LogNormal prior on {name!r}, "
                f"got {prior!r}; use likelihood = 'grouped' for other priors"
            )
        mu = float(prior.parameters["mu"])
        priors[name] = _LogNormal(median=math.exp(mu), log_sd=float(prior.parameters["sigma"]))
    return priors


def _sample(posterior: compiled_cache.CompiledPosterior, sampler_kwargs: dict[str, Any]):
    nuts = sampler_kwargs.get("nuts_sampler_kwargs") or {}
    seed = sampler_kwargs.get("random_seed")
    return compiled_cache.sample_posterior(
        posterior,
        chains=int(sampler_kwargs.get("chains", 4)),
        draws=int(sampler_kwargs.get("draws", 1000)),
        tune=int(sampler_kwargs.get("tune", 1000)),
        cores=int(sampler_kwargs.get("cores") or 1),
        seed=int(seed) if seed is not None else 0,
        target_accept=float(nuts.get("target_accept", sampler_kwargs.get("target_accept", 0.8))),
        adaptation=str(nuts.get("adaptation", "low_rank")),
    )


class CompiledBetaGeoModel(FastBetaGeoModel):
    """``FastBetaGeoModel`` sampled on :func:`compiled_cache.bgnbd_posterior`."""

    def _fit_mcmc(self, sampler_kwargs: dict[str, Any]):
        data = self.data
        posterior = compiled_cache.bgnbd_posterior(
            data["frequency"].to_numpy(dtype=np.float64),
            data["recency"].to_numpy(dtype=np.float64),
            data["T"].to_numpy(dtype=np.float64),
            _log_normal_priors(self.model_config, compiled_cache.BGNBD_ORDER),
        )
        return _sample(posterior, sampler_kwargs)


class CompiledGammaGammaModel(FastGammaGammaModel):
    """``FastGammaGammaModel`` sampled on :func:`compiled_cache.gamma_gamma_posterior`."""

    def _fit_mcmc(self, sampler_kwargs: dict[str, Any]):
        data = self.data
        posterior = compiled_cache.gamma_gamma_posterior(
            data["frequency"].to_numpy(dtype=np.float64),
            data["monetary_value"].to_numpy(dtype=np.float64),
            _log_normal_priors(self.model_config, compiled_cache.GAMMA_GAMMA_ORDER),
        )
        return _sample(posterior, sampler_kwargs)
