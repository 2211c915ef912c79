"""The baseline: pymc-marketing 1.3 with its defaults, on the same customer summary as ours.

``BetaGeoModel()`` and ``GammaGammaModel()`` with their default priors and PyMC's own NUTS
(``chains=4, draws=1000``, default tuning, fixed seed, no progress bar), then
``GammaGammaModel.expected_customer_lifetime_value`` over 6 months without discounting.
The summary is built by our loader (the baseline has no FLO loader); the Gamma-Gamma model
is fitted on total orders (``frequency = gg_n``) and their mean value, exactly the data our
Gamma-Gamma fit sees. The CLTV call takes one frame: the BG/NBD columns (``frequency`` =
repeat purchases) with ``monetary_value`` attached.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from benchmarks.measure import Stopwatch, WorkerContext

DEFAULT_CHAINS = 4
DEFAULT_DRAWS = 1000
DEFAULT_SEED = 20210601


def sample_kwargs(args: dict) -> dict:
    """``fit`` keyword arguments: chains, draws, seed; tuning only when overridden."""
    kwargs = {
        "chains": int(args.get("chains") or DEFAULT_CHAINS),
        "draws": int(args.get("draws") or DEFAULT_DRAWS),
        "progressbar": False,
        "random_seed": int(args.get("seed", DEFAULT_SEED)),
    }
    if args.get("tune"):
        kwargs["tune"] = int(args["tune"])
    return kwargs


def run(args: dict, context: WorkerContext) -> dict:
    """Fit both models with the library defaults and compute the expected CLTV; time each."""
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

    from benchmarks.pipeline_run import configured
    from flo_bayes.io.load import prepare_input
    from flo_bayes.models.fitting import bgnbd_data, gamma_gamma_data

    context.mark("imports done")
    config = configured(args)
    with Stopwatch() as load_watch:
        summary = prepare_input(Path(args["data_path"]), config).summary
        bg_data = bgnbd_data(summary)
        gg_data = gamma_gamma_data(summary)
        cltv_data = bg_data.merge(
            gg_data[["customer_id", "monetary_value"]], on="customer_id", how="inner"
        )
    kwargs = sample_kwargs(args)
    future_t = int(args.get("future_t", 6))
    context.progress(
        f"{summary.height:,} customers; PyMC NUTS {kwargs['chains']} chains x "
        f"{kwargs['draws']} draws (tune {kwargs.get('tune', 'default')}); "
        "about 13 min at full size on 2 cores"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message="T=0 is uninformative")
        context.progress("fitting BetaGeoModel() ...")
        with Stopwatch() as bg_watch:
            bg = BetaGeoModel()
            bg.fit(bg_data, **kwargs)
        context.progress(
            f"BetaGeoModel fit: {bg_watch.seconds:.1f} s; fitting GammaGammaModel() ..."
        )
        with Stopwatch() as gg_watch:
            gg = GammaGammaModel()
            gg.fit(gg_data, **kwargs)
        context.progress(
            f"GammaGammaModel fit: {gg_watch.seconds:.1f} s; expected_customer_lifetime_value ..."
        )
        with Stopwatch() as cltv_watch:
            cltv = gg.expected_customer_lifetime_value(
                transaction_model=bg,
                data=cltv_data,
                future_t=future_t,
                discount_rate=0.0,
                time_unit="W",
            )
            cltv_means = cltv.mean(("chain", "draw")).to_numpy()
        context.progress(f"expected_customer_lifetime_value: {cltv_watch.seconds:.1f} s")
    total_seconds = context.mark("baseline done")
    return {
        "total_seconds": round(total_seconds, 3),
        "customers": summary.height,
        "gamma_gamma_customers": len(gg_data),
        "load_seconds": round(load_watch.seconds, 3),
        "bgnbd_fit_seconds": round(bg_watch.seconds, 3),
        "gamma_gamma_fit_seconds": round(gg_watch.seconds, 3),
        "cltv_seconds": round(cltv_watch.seconds, 3),
        "timed_parts_seconds": round(bg_watch.seconds + gg_watch.seconds + cltv_watch.seconds, 3),
        "cltv_mean_total": float(cltv_means.sum()),
        "sampler": {
            "backend": "pymc (library default)",
            "chains": kwargs["chains"],
            "draws": kwargs["draws"],
            "tune": kwargs.get("tune", "default (1000)"),
        },
        "future_months": future_t,
    }
