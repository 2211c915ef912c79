# ruff: noqa: E402  (imports are timed one by one, so they follow the timer)
import resource
import time

import numpy as np

t = time.perf_counter()
from flo_bayes.predictive import kernel_numba as kn

print(f"import {time.perf_counter() - t:.2f} s")
from pathlib import Path

from flo_bayes.config import RunOverrides, apply_overrides, load_config
from flo_bayes.io.load import prepare_input

cfg = apply_overrides(
    load_config(Path("configs/flo.toml")),
    RunOverrides(data_path=Path("../shared/data/flo_data_20k.csv")),
)
summ = prepare_input(Path("../shared/data/flo_data_20k.csv"), cfg).summary
N = summ.height
S = 1000
rng = np.random.default_rng(0)
base = dict(r=2.74, alpha=72.4, a=0.1, b=417.0, p=4.1, q=8.95, v=294.0)
pd = {k: v * np.exp(0.05 * rng.standard_normal(S)) for k, v in base.items()}
params = kn.DrawParameters.from_arrays(**pd)


def col(c):
    return summ[c].cast(float).fill_null(0.0).to_numpy()


cust = kn.CustomerStats.from_arrays(col("x"), col("t_x"), col("T"), col("gg_n"), col("gg_mean"))
h = [13.044642857, 26.089285714]
probs = [0.5, 0.05, 0.95, 0.25, 0.75]
small = kn.CustomerStats.from_arrays(*(a[:10] for a in (cust.x, cust.t_x, cust.T, cust.n, cust.m)))
t = time.perf_counter()
kn.summarise_draws(
    params,
    small,
    horizons=h,
    cltv_horizon=h[1],
    seed=1,
    probs=probs,
    thresholds=[500.0, 1000.0, 2000.0],
    keep=np.arange(0, S, 10),
)
print(f"first call (compile/load) {time.perf_counter() - t:.2f} s")
for d in (0.0, 0.002):
    t = time.perf_counter()
    c = time.process_time()
    out = kn.summarise_draws(
        params,
        cust,
        horizons=h,
        cltv_horizon=h[1],
        seed=1,
        probs=probs,
        thresholds=[500.0, 1000.0, 2000.0],
        keep=np.arange(0, S, 10),
        discount_rate_per_time_unit=d,
    )
    w = time.perf_counter() - t
    cp = time.process_time() - c
    print(
        f"discount {d}: {N} customers x {S} draws: wall {w:.2f} s cpu {cp:.2f} s -> {1e6 * cp / N:.1f} us cpu per customer ({1e6 * w / N:.1f} wall)"
    )
print("mean purchases 6m", out.count_mean[:, 1].mean(), "mean value", out.value_mean.mean())
print("maxrss MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
# NumPy path, same draws: the pass-2 draw work only, one block of 2000
import inspect

from flo_bayes.predictive.population import PopulationDraws

print(inspect.signature(PopulationDraws))
sub = kn.CustomerStats.from_arrays(*(a[:5000] for a in (cust.x, cust.t_x, cust.T, cust.n, cust.m)))
kn.simulate_draws(params, small, horizons=h, cltv_horizon=h[1], seed=1)
c = time.process_time()
kn.simulate_draws(params, sub, horizons=h, cltv_horizon=h[1], seed=1)
print(f"simulate only: {1e6 * (time.process_time() - c) / 5000:.1f} us cpu per customer")
nob = kn.DrawParameters.from_arrays(**{**pd, "a": np.full(S, 1e-12)})
c = time.process_time()
kn.simulate_draws(
    params,
    kn.CustomerStats.from_arrays(
        np.zeros(5000), np.zeros(5000), np.full(5000, 50.0), np.zeros(5000), np.zeros(5000)
    ),
    horizons=h,
    cltv_horizon=h[1],
    seed=1,
)
print(f"simulate, x=0 customers: {1e6 * (time.process_time() - c) / 5000:.1f} us cpu per customer")
