# ruff: noqa: E402  (imports are timed one by one, so they follow the timer)
import time
from pathlib import Path

import numpy as np

from flo_bayes.config import RunOverrides, apply_overrides, load_config
from flo_bayes.io.load import prepare_input
from flo_bayes.predictive.draws import simulate_customers
from flo_bayes.predictive.intervals import QUANTILE_METHOD
from flo_bayes.predictive.population import PopulationDraws

cfg = apply_overrides(
    load_config(Path("configs/flo.toml")),
    RunOverrides(data_path=Path("../shared/data/flo_data_20k.csv")),
)
summ = prepare_input(Path("../shared/data/flo_data_20k.csv"), cfg).summary
S = 1000
rng = np.random.default_rng(0)
base = dict(r=2.74, alpha=72.4, a=0.1, b=417.0, p=4.1, q=8.95, v=294.0)
pd = PopulationDraws(**{k: v * np.exp(0.05 * rng.standard_normal(S)) for k, v in base.items()})


def col(c):
    return summ[c].cast(float).fill_null(0.0).to_numpy()


x, t_x, T, n, m = (col(c) for c in ("x", "t_x", "T", "gg_n", "gg_mean"))
m = np.where(n > 0, m, np.nan)
N = 4000  # a fifth of FLO, to keep it short
h = [13.044642857, 26.089285714]
t = time.perf_counter()
c = time.process_time()
for start in range(0, N, 250):
    sl = slice(start, start + 250)
    sim = simulate_customers(
        pd,
        x[sl],
        t_x[sl],
        T[sl],
        n[sl],
        m[sl],
        horizons=h,
        cltv_horizon=h[1],
        rng=np.random.default_rng(start),
    )
    for k in range(2):
        np.quantile(sim.purchases[k], [0.5, 0.05, 0.95, 0.25, 0.75], axis=0, method=QUANTILE_METHOD)
        sim.purchases[k].mean(axis=0)
        (sim.purchases[k] > 0).mean(axis=0)
    np.quantile(sim.value, [0.5, 0.05, 0.95, 0.25, 0.75], axis=0, method=QUANTILE_METHOD)
    sim.value.mean(axis=0)
    for thr in (500.0, 1000.0, 2000.0):
        (sim.value > thr).mean(axis=0)
cp = time.process_time() - c
w = time.perf_counter() - t
print(
    f"NumPy draw pass: {N} customers x {S}: wall {w:.2f} cpu {cp:.2f} -> {1e6 * cp / N:.1f} us cpu per customer ({1e6 * w / N:.1f} wall)"
)
t = time.perf_counter()
c = time.process_time()
for start in range(0, N, 250):
    sl = slice(start, start + 250)
    sim = simulate_customers(
        pd,
        x[sl],
        t_x[sl],
        T[sl],
        n[sl],
        m[sl],
        horizons=h,
        cltv_horizon=h[1],
        rng=np.random.default_rng(start),
    )
cp = time.process_time() - c
print(f"  of which simulate_customers only: {1e6 * cp / N:.1f} us cpu per customer")
