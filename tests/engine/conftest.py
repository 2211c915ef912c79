from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from flo_bayes.simulate import simulate_population

ANALYSIS_DATE = date(2021, 1, 3)


@pytest.fixture(scope="session")
def cluster_client():
    """A LocalCluster with 2 workers, started and stopped by the tests themselves."""
    from flo_bayes.engine.dask_cluster import dask_client

    with dask_client(n_workers=2, memory_limit="1GB") as client:
        yield client


@pytest.fixture(scope="session")
def transaction_log() -> pl.DataFrame:
    log = simulate_population(
        600,
        acquisition_start=date(2019, 1, 1),
        acquisition_end=date(2020, 6, 1),
        observation_end=date(2021, 1, 1),
        seed=11,
    ).transactions
    return log.sort("date", maintain_order=True)


def write_split(log: pl.DataFrame, folder, n_files: int, fmt: str) -> str:
    """Write the log in file order as ``n_files`` CSV or Parquet files."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, rows in enumerate(np.array_split(np.arange(log.height), n_files)):
        piece = log[rows.tolist()]
        if fmt == "csv":
            piece.write_csv(folder / f"part-{i:03d}.csv")
        else:
            piece.write_parquet(folder / f"part-{i:03d}.parquet")
    return str(folder)
