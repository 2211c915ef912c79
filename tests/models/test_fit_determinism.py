"""Same seed, separate processes, one compiling cold and one loading PyTensor's numba cache.

The cause this guards against (see :mod:`flo_bayes.models.fitting`): with numba's fastmath
flags, a log density compiled in the process and the same one loaded from the on-disk cache
round differently, and NUTS turns that into different draws. So the first process gets an
empty cache directory (cold compile) and the second the filled one (cached load). A CPU-burning
background process runs throughout, because the failures were first seen under heavy load and
thread timing (nutpie runs 4 chains on 2 worker threads) must not matter either.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

FIT_AND_SAVE = """
import sys
import numpy as np, polars as pl
from flo_bayes.config import Config, SamplerSettings
from flo_bayes.models.fitting import fit_gamma_gamma
from flo_bayes.models.priors import gamma_gamma_priors

rng = np.random.default_rng(7)
n = 1500
purchases = rng.geometric(0.4, n).astype(float)
nu = rng.gamma(3.7, 1 / 15.0, n)
mean_spend = rng.gamma(6.3 * purchases, 1 / (nu * purchases)).round(2) + 0.01
summary = pl.DataFrame(
    {"customer_id": [str(i) for i in range(n)], "gg_n": purchases, "gg_mean": mean_spend}
)
priors = gamma_gamma_priors(Config().priors.gamma_gamma, mean_spend)
# The PyTensor graph is what nutpie compiles through numba (fastmath is the issue there);
# the "compiled" default has its own numba cache and is checked in test_compiled_fit.py.
settings = SamplerSettings(chains=4, cores=2, draws=100, tune=100, likelihood="grouped")
posterior = fit_gamma_gamma(summary, priors, settings, seed=42).idata.posterior
np.save(sys.argv[1], np.stack([posterior[name].values for name in ("p", "q", "v")]))
"""


def _fit_in_new_process(out, cache_dir, tmp_path):
    env = dict(os.environ, PYTENSOR_FLAGS=f"base_compiledir={cache_dir}")
    result = subprocess.run(
        [sys.executable, "-c", FIT_AND_SAVE, str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out.read_bytes()


@pytest.mark.fit
def test_cold_compile_and_cached_load_give_identical_draws_under_load(tmp_path):
    cache_dir = tmp_path / "pytensor_cache"  # empty: the first process compiles cold
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        cold = _fit_in_new_process(tmp_path / "cold.npy", cache_dir, tmp_path)
        assert any((cache_dir / "numba").iterdir()), "the first fit left no numba cache"
        cached = _fit_in_new_process(tmp_path / "cached.npy", cache_dir, tmp_path)
    finally:
        burner.kill()
        burner.wait()
    draws = np.load(tmp_path / "cold.npy")
    assert draws.shape == (3, 4, 100) and np.unique(draws[0]).size > 100  # real, moving chains
    assert cold == cached
