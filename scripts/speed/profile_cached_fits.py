# ruff: noqa: E402  (imports are timed one by one, so they follow the timer)
"""Both fits through compiled_cache: phase times; optional concurrency and draw counts."""

import sys
import time

t0 = time.perf_counter()
c0 = time.process_time()


_LAST = [t0, c0]


def mark(label, _s=_LAST):
    t, c = time.perf_counter(), time.process_time()
    print(f"{label:44s} wall {t - _s[0]:7.2f} s  cpu {c - _s[1]:7.2f} s", flush=True)
    _s[0], _s[1] = t, c


import datetime
import os
from pathlib import Path

from flo_bayes.config import RunOverrides, apply_overrides, load_config
from flo_bayes.io.load import prepare_input

mark("import flo_bayes (config, io)")

from flo_bayes.models import compiled_cache as cc
from flo_bayes.models.fitting import gamma_gamma_data
from flo_bayes.models.priors import bgnbd_priors, gamma_gamma_priors

mark("import compiled_cache, nutpie (+pymc via fast_bgnbd)")
cfg = apply_overrides(
    load_config(Path(sys.argv[1])),
    RunOverrides(
        data_path=Path(sys.argv[2]),
        analysis_date=(
            datetime.date.fromisoformat(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] else None
        ),
    ),
)
summary = prepare_input(Path(sys.argv[2]), cfg).summary
mark(f"load summary ({summary.height} customers)")
s = cfg.sampler
draws = int(os.environ.get("DRAWS", s.draws))
tune = int(os.environ.get("TUNE", s.tune))
gg = gamma_gamma_data(summary)
bg_post = cc.bgnbd_posterior(
    summary["x"].to_numpy(),
    summary["t_x"].to_numpy(),
    summary["T"].to_numpy(),
    bgnbd_priors(cfg.priors.bgnbd, cfg.analysis.time_unit),
)
gg_post = cc.gamma_gamma_posterior(
    gg["frequency"].to_numpy(),
    gg["monetary_value"].to_numpy(),
    gamma_gamma_priors(cfg.priors.gamma_gamma, gg["monetary_value"].to_numpy()),
)
print(
    "   triples",
    bg_post.arrays[-2].size,
    "distinct t_x",
    bg_post.arrays[2].size,
    "T",
    bg_post.arrays[5].size,
)
mark("bind data (grouping)")
bg_post.logp_grad(bg_post.prior_mu)
gg_post.logp_grad(gg_post.prior_mu)
mark("first logp calls (numba load or compile)")
t = time.perf_counter()
for _ in range(200):
    bg_post.logp_grad(bg_post.prior_mu)
print(f"   bgnbd logp+grad {1e6 * (time.perf_counter() - t) / 200:.0f} us per call")
kw = dict(
    chains=s.chains,
    draws=draws,
    tune=tune,
    cores=s.cores,
    target_accept=s.target_accept,
    adaptation=s.mass_matrix,
)
import arviz as az


def show(name, tr):
    d = az.summary(tr, kind="diagnostics")
    st = tr["sample_stats"]
    print(
        f"   {name}: ess_bulk min {d['ess_bulk'].min():.0f} ess_tail min {d['ess_tail'].min():.0f} rhat max {d['r_hat'].max():.3f} div {int(st['diverging'].sum())} mean steps {float(st['n_steps'].mean()):.1f}"
    )
    print(
        "   means",
        {k: round(float(tr["posterior"][k].mean()), 4) for k in tr["posterior"].data_vars},
    )


if os.environ.get("CONCURRENT"):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as ex:
        f1 = ex.submit(cc.sample_posterior, bg_post, seed=cfg.seed, **kw)
        f2 = ex.submit(cc.sample_posterior, gg_post, seed=cfg.seed + 1, **kw)
        t1, t2 = f1.result(), f2.result()
    mark(f"both sampled concurrently {s.chains}x({tune}+{draws})")
    show("bgnbd", t1)
    show("gg", t2)
else:
    t1 = cc.sample_posterior(bg_post, seed=cfg.seed, **kw)
    mark(f"bgnbd sample {s.chains}x({tune}+{draws})")
    t2 = cc.sample_posterior(gg_post, seed=cfg.seed + 1, **kw)
    mark(f"gg sample {s.chains}x({tune}+{draws})")
    show("bgnbd", t1)
    show("gg", t2)
print(
    f"TOTAL in-process wall {time.perf_counter() - t0:.2f} s cpu {time.process_time() - c0:.2f} s"
)
