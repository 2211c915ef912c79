"""Start a local Dask cluster or connect to a running scheduler."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def dask_client(
    scheduler: str | None = None,
    *,
    n_workers: int | None = None,
    memory_limit: str | float | None = "auto",
    local_directory: str | None = None,
) -> Iterator:
    """Yield a ``distributed.Client``; a cluster started here is stopped on exit.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``). None starts a
        ``LocalCluster`` on this machine.
    n_workers : int, optional
        Workers of the local cluster (one thread each); default the machine's cores.
    memory_limit : str or float, optional
        Per-worker memory limit of the local cluster (Dask spills to disk near it).
    local_directory : str, optional
        Where local workers spill and shuffle.

    Yields
    ------
    distributed.Client

    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        client = Client(scheduler)
        try:
            yield client
        finally:
            client.close()
        return
    workers = n_workers or os.cpu_count() or 1
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        memory_limit=memory_limit,
        local_directory=local_directory,
        dashboard_address=None,
    )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
