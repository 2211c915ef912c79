"""Simulated inputs for the workloads, written to disk by their own subprocess.

Inputs are made in a separate process from the workload that reads them, so the memory
and time of simulating never count against the workload.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.measure import Stopwatch, WorkerContext

SCORING_COLUMNS = ("customer_id", "x", "t_x", "T", "gg_n", "gg_mean")


def scoring_input_path(directory: Path | str, customers: int) -> Path:
    """Where :func:`scoring_inputs` writes the summary of ``customers`` customers."""
    return Path(directory) / f"scoring_summary_{customers}.parquet"


def simulate_flo_csv(args: dict, context: WorkerContext) -> dict:
    """Write ``args["customers"]`` simulated FLO-schema customers to ``args["path"]`` (CSV).

    The simulator's default parameters are FLO-like (see :mod:`flo_bayes.simulate`).
    """
    from flo_bayes.simulate import simulate_flo_customers, write_flo_csv

    path = Path(args["path"])
    customers = int(args["customers"])
    context.progress(f"simulating {customers:,} FLO-schema customers -> {path.name}")
    with Stopwatch() as watch:
        write_flo_csv(simulate_flo_customers(customers, seed=int(args.get("seed", 42))), path)
    return {
        "customers": customers,
        "path": str(path),
        "megabytes": round(path.stat().st_size / 2**20, 1),
        "seconds": round(watch.seconds, 3),
    }


def scoring_inputs(args: dict, context: WorkerContext) -> dict:
    """Customer summaries (x, t_x, T, gg_n, gg_mean) of simulated FLO customers, one per size.

    One population of ``max(sizes)`` customers is simulated, written as a FLO CSV and run
    through the real loader and summary builder; each size is its first ``n`` rows (the
    customers are independent draws, so a prefix is a sample of the same population).
    """
    from flo_bayes.config import Config
    from flo_bayes.io.load import prepare_input
    from flo_bayes.simulate import simulate_flo_customers, write_flo_csv

    directory = Path(args["dir"])
    sizes = sorted({int(n) for n in args["sizes"]})
    largest = sizes[-1]
    csv_path = directory / f"scoring_flo_{largest}.csv"
    context.progress(f"simulating {largest:,} customers for the scoring workloads")
    with Stopwatch() as watch:
        write_flo_csv(simulate_flo_customers(largest, seed=int(args.get("seed", 42))), csv_path)
        summary = prepare_input(csv_path, Config()).summary.select(SCORING_COLUMNS)
        paths = {}
        for size in sizes:
            path = scoring_input_path(directory, size)
            summary.head(size).write_parquet(path)
            paths[str(size)] = str(path)
    csv_path.unlink()
    return {"paths": paths, "seconds": round(watch.seconds, 3)}
