"""Benchmark of the scoring stage (not a test; run by hand).

    .venv/bin/python benchmarks/bench_scoring.py [--draws 1000] [--workers 1]
        [--discount 0.002] [--chunk 2000] [--data ../shared/data/flo_data_20k.csv]

Scores FLO's 19,945 customers (summary built here with the BG/NBD definitions of x, t_x and T, analysis
date 2021-06-01, weeks, Gamma-Gamma on all orders) with S population draws scattered 3 %
around FLO's maximum-likelihood-like values, two horizons (3 and 6 months) and the 6-month
CLTV. Prints wall time, CPU time and peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import polars as pl

from flo_bayes.predictive import PopulationDraws, ScoringSettings, score_customers

# MAP of pymc-marketing 1.3 default-prior BG/NBD and Gamma-Gamma on FLO (weeks, TRY)
FLO_THETA = {
    "r": 2.672,
    "alpha": 70.24,
    "a": 2.816e-4,
    "b": 1.340,
    "p": 7.887,
    "q": 6.766,
    "v": 111.7,
}
WEEKS_PER_MONTH = 365.25 / 12 / 7


def flo_customers(path: Path) -> pl.DataFrame:
    """FLO customer summary: x, t_x, T in weeks; gg over all orders."""
    raw = pl.read_csv(path, try_parse_dates=True)
    orders = pl.col("order_num_total_ever_online") + pl.col("order_num_total_ever_offline")
    value = pl.col("customer_value_total_ever_online") + pl.col("customer_value_total_ever_offline")
    analysis = pl.date(2021, 6, 1)
    return raw.select(
        pl.col("master_id").alias("customer_id"),
        (orders - 1).alias("x"),
        ((pl.col("last_order_date") - pl.col("first_order_date")).dt.total_days() / 7).alias("t_x"),
        ((analysis - pl.col("first_order_date")).dt.total_days() / 7).alias("T"),
        orders.alias("gg_n"),
        (value / orders).alias("gg_mean"),
    )


def main() -> None:
    """Run the benchmark and print timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--discount", type=float, default=0.002)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--data", type=Path, default=Path("../shared/data/flo_data_20k.csv"))
    args = parser.parse_args()

    customers = flo_customers(args.data)
    rng = np.random.default_rng(0)
    draws = PopulationDraws(
        **{k: v * np.exp(0.03 * rng.standard_normal(args.draws)) for k, v in FLO_THETA.items()}
    )
    settings = ScoringSettings(
        horizons={"3m": 3 * WEEKS_PER_MONTH, "6m": 6 * WEEKS_PER_MONTH},
        cltv_horizon="6m",
        discount_rate_per_time_unit=args.discount,
        margin=0.3,
        cltv_thresholds=(500.0, 1000.0),
        currency="TRY",
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall, cpu = time.perf_counter(), time.process_time()
    result = score_customers(
        customers,
        draws,
        settings,
        seed=1,
        chunk_size=args.chunk,
        n_workers=args.workers,
        keep_draws=100,
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{customers.height} customers x {args.draws} draws, workers={args.workers}, "
        f"d={args.discount}/week, chunk={args.chunk}: wall {wall:.1f} s, CPU {cpu:.1f} s, "
        f"peak RSS {rss_after:.0f} MB (before scoring {rss_before:.0f} MB); "
        f"table {result.table.shape}"
    )


if __name__ == "__main__":
    main()
