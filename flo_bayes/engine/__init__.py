"""Distributed engine: the pipeline on Dask (``run_dask_pipeline``), results keyed by customer.

Import is cheap: Dask, PyMC and the rest load only when a function runs.
"""


def run_dask_pipeline(*args, **kwargs):
    """Run the pipeline on Dask; see :func:`flo_bayes.engine.pipeline.run_dask_pipeline`."""
    from flo_bayes.engine.pipeline import run_dask_pipeline as run

    return run(*args, **kwargs)


__all__ = ["run_dask_pipeline"]
