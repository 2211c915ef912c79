"""``score_customers`` alone on one size of simulated customers (workload ``scoring``).

Each size runs in its own process, so peak memory is that size's own. Population draws are
the simulator's FLO-like parameters (:data:`flo_bayes.simulate.DEFAULT_TRUE_PARAMETERS`)
with a log-normal spread (``jitter`` = sd of the log, 5 % by default) standing in for
posterior uncertainty; ``keep_draws = 0`` (no thinned customers x draws matrix), the chunk
size and settings of the run config otherwise. This process imports no PyMC, so its memory
is the scoring's, the input's and the output table's.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from benchmarks.measure import Stopwatch, WorkerContext, current_rss_mb
from flo_bayes.predictive.from_config import scoring_settings

DEFAULT_JITTER = 0.05


def jittered_draws(n_draws: int, jitter: float, seed: int):
    """FLO-like population draws: the simulator's truth times ``exp(N(0, jitter))``."""
    import numpy as np

    from flo_bayes.predictive.population import PopulationDraws
    from flo_bayes.simulate import DEFAULT_TRUE_PARAMETERS

    rng = np.random.default_rng(seed)
    return PopulationDraws(
        **{
            name: value * np.exp(rng.normal(0.0, jitter, n_draws))
            for name, value in asdict(DEFAULT_TRUE_PARAMETERS).items()
        }
    )


def run(args: dict, context: WorkerContext) -> dict:
    """Score the customers of ``args["summary_path"]`` once; time and memory of that call."""
    import polars as pl

    from flo_bayes.config import load_config
    from flo_bayes.predictive.scoring import score_customers

    context.mark("imports done")
    config = load_config(args.get("config_path"))
    customers = pl.read_parquet(Path(args["summary_path"]))
    n_draws = int(args.get("draws", 1000))
    seed = int(args.get("seed", config.seed))
    draws = jittered_draws(n_draws, float(args.get("jitter", DEFAULT_JITTER)), seed)
    settings = scoring_settings(config)
    chunk_size = int(args.get("chunk_size") or config.prediction.chunk_size)
    keep_draws = int(args.get("keep_draws", 0))
    rss_before = current_rss_mb()
    context.progress(f"scoring {customers.height:,} customers x {n_draws:,} draws")
    with Stopwatch() as watch:
        result = score_customers(
            customers, draws, settings, seed=seed, chunk_size=chunk_size, keep_draws=keep_draws
        )
    context.progress(f"scored {customers.height:,} customers in {watch.seconds:.1f} s")
    return {
        "customers": customers.height,
        "draws": n_draws,
        "chunk_size": chunk_size,
        "keep_draws": keep_draws,
        "seconds": round(watch.seconds, 3),
        "microseconds_per_customer": round(1e6 * watch.seconds / customers.height, 3),
        "rss_before_mb": None if rss_before is None else round(rss_before, 1),
        "output_columns": result.table.width,
    }
