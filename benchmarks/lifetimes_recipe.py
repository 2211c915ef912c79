"""The frequentist recipe with ``lifetimes`` (optional extra ``baseline``): point estimates only.

The classic FLO recipe: ``BetaGeoFitter(penalizer_coef=0.001)`` and
``GammaGammaFitter(penalizer_coef=0.01)`` fitted by penalised maximum likelihood, then
``customer_lifetime_value`` over 6 months in weeks without discounting, on the same summary
and the same columns as the pymc-marketing baseline. When ``lifetimes`` is not installed or
fails, the workload is skipped with the reason, never failed.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from benchmarks.measure import Stopwatch, WorkerContext

BGNBD_PENALIZER = 0.001
GAMMA_GAMMA_PENALIZER = 0.01


def run(args: dict, context: WorkerContext) -> dict:
    """Fit both lifetimes models and compute CLTV; ``{"skipped": reason}`` if unavailable."""
    try:
        from lifetimes import BetaGeoFitter, GammaGammaFitter
    except ImportError as error:
        return {
            "skipped": f"lifetimes is not installed ({error}); "
            "install the optional extra: pip install -e '.[baseline]'"
        }
    from importlib import metadata

    import polars as pl

    from flo_bayes.config import load_config
    from flo_bayes.io.load import prepare_input

    context.mark("imports done")
    summary = prepare_input(Path(args["data_path"]), load_config(args["config_path"])).summary
    # The columns of flo_bayes.models.fitting.bgnbd_data / gamma_gamma_data, built here so
    # that this process, like a user of the recipe, never imports PyMC.
    bg_data = summary.select(
        pl.col("x").cast(pl.Float64).alias("frequency"),
        pl.col("t_x").alias("recency"),
        pl.col("T"),
        pl.col("customer_id"),
    ).to_pandas()
    gg_data = (
        summary.filter((pl.col("gg_n") > 0) & (pl.col("gg_mean") > 0))
        .select(
            pl.col("customer_id"),
            pl.col("gg_n").cast(pl.Float64).alias("frequency"),
            pl.col("gg_mean").alias("monetary_value"),
        )
        .to_pandas()
    )
    cltv_data = bg_data.merge(
        gg_data[["customer_id", "monetary_value"]], on="customer_id", how="inner"
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Stopwatch() as bg_watch:
                bgf = BetaGeoFitter(penalizer_coef=BGNBD_PENALIZER)
                bgf.fit(bg_data["frequency"], bg_data["recency"], bg_data["T"])
            with Stopwatch() as gg_watch:
                ggf = GammaGammaFitter(penalizer_coef=GAMMA_GAMMA_PENALIZER)
                ggf.fit(gg_data["frequency"], gg_data["monetary_value"])
            with Stopwatch() as cltv_watch:
                cltv = ggf.customer_lifetime_value(
                    bgf,
                    cltv_data["frequency"],
                    cltv_data["recency"],
                    cltv_data["T"],
                    cltv_data["monetary_value"],
                    time=int(args.get("future_t", 6)),
                    freq="W",
                    discount_rate=0.0,
                )
    except Exception as error:  # lifetimes 0.11 predates pandas 3 / numpy 2
        return {
            "skipped": f"lifetimes {metadata.version('lifetimes')} failed: "
            f"{type(error).__name__}: {error}"[:500]
        }
    total_seconds = context.mark("lifetimes done")
    return {
        "total_seconds": round(total_seconds, 3),
        "customers": summary.height,
        "bgnbd_fit_seconds": round(bg_watch.seconds, 3),
        "gamma_gamma_fit_seconds": round(gg_watch.seconds, 3),
        "cltv_seconds": round(cltv_watch.seconds, 3),
        "timed_parts_seconds": round(bg_watch.seconds + gg_watch.seconds + cltv_watch.seconds, 3),
        "cltv_mean_total": float(cltv.sum()),
        "version": metadata.version("lifetimes"),
        "bgnbd_params": {k: float(v) for k, v in bgf.params_.items()},
        "gamma_gamma_params": {k: float(v) for k, v in ggf.params_.items()},
    }
