# ruff: noqa: E402  (imports are timed one by one, so they follow the timer)
"""Phase timing of both fits: imports, graph build, nutpie compile (pytensor / numba), sampling."""

import sys
import time

t0 = time.perf_counter()
c0 = time.process_time()


_LAST = [t0, c0]


def mark(label, _s=_LAST):
    t, c = time.perf_counter(), time.process_time()
    print(f"{label:40s} wall {t - _s[0]:7.2f} s  cpu {c - _s[1]:7.2f} s", flush=True)
    _s[0], _s[1] = t, c


from pathlib import Path

from flo_bayes.config import RunOverrides, apply_overrides, load_config
from flo_bayes.io.load import prepare_input

mark("import flo_bayes (config, io)")
import nutpie

mark("import pymc, nutpie")
from flo_bayes.models.fast_bgnbd import FastBetaGeoModel
from flo_bayes.models.fast_gamma_gamma import FastGammaGammaModel
from flo_bayes.models.fitting import bgnbd_data, gamma_gamma_data
from flo_bayes.models.priors import bgnbd_priors, gamma_gamma_priors

mark("import pymc_marketing, models")
cfg_path, data_path = sys.argv[1], sys.argv[2]
cfg = apply_overrides(
    load_config(Path(cfg_path)),
    RunOverrides(
        data_path=Path(data_path),
        analysis_date=(
            __import__("datetime").date.fromisoformat(sys.argv[3]) if len(sys.argv) > 3 else None
        ),
    ),
)
prep = prepare_input(Path(data_path), cfg)
summary = prep.summary
mark(f"load summary ({summary.height} customers)")
import nutpie.compile_pymc as cp

orig_make = cp._make_functions


def timed_make(*a, **k):
    s = time.perf_counter()
    r = orig_make(*a, **k)
    print(f"   _make_functions (pytensor rewrite+compile) {time.perf_counter() - s:.2f} s")
    return r


cp._make_functions = timed_make
import numba

orig_cfunc = numba.cfunc


def timed_cfunc(sig, **kw):
    dec = orig_cfunc(sig, **kw)

    def wrap(f):
        s = time.perf_counter()
        r = dec(f)
        print(f"   numba.cfunc {f.__name__} {time.perf_counter() - s:.2f} s")
        return r

    return wrap


numba.cfunc = timed_cfunc
s = cfg.sampler
bgp = bgnbd_priors(cfg.priors.bgnbd, cfg.analysis.time_unit)
gg_in = gamma_gamma_data(summary)
ggp = gamma_gamma_priors(cfg.priors.gamma_gamma, gg_in["monetary_value"].to_numpy())
for name, cls, data, pri, seed in [
    ("bgnbd", FastBetaGeoModel, bgnbd_data(summary), bgp, cfg.seed),
    ("gg", FastGammaGammaModel, gg_in, ggp, cfg.seed + 1),
]:
    m = cls(model_config={k: p.to_pymc() for k, p in pri.items()})
    m.build_model(data)
    mark(f"{name}: build_model (pymc graph)")
    compiled = nutpie.compile_pymc_model(m.model)
    mark(f"{name}: nutpie.compile_pymc_model")
    tr = nutpie.sample(
        compiled,
        chains=s.chains,
        draws=s.draws,
        tune=s.tune,
        cores=s.cores,
        seed=seed,
        progress_bar=False,
        target_accept=s.target_accept,
        adaptation=s.mass_matrix,
    )
    mark(f"{name}: nutpie.sample {s.chains}x({s.tune}+{s.draws})")
    import arviz as az

    print("   ", az.summary(tr, kind="diagnostics").to_string().replace("\n", "\n    "))
